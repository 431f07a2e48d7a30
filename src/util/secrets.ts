/**
 * The one redaction helper of the library. Every layer that holds a secret (the API key, an RPC
 * URL token, a sender key) builds a {@link Redactor} from its secrets and passes every text,
 * error and payload it emits through it, so no secret reaches an error message, a `cause` chain,
 * a `raw` field or an event.
 */

/** What replaces a secret in any text the library emits. */
export const REDACTED = "[redacted]";

export interface Redactor {
  /** The text with every secret replaced by {@link REDACTED}. */
  text(text: string): string;
  /**
   * A plain `Error` copy of an error chain with every secret removed from the name, message, own
   * properties (`raw`, `code`, `issues`, ...) and causes (at most 8 deep). Non-Error values
   * become `Error`s. The copy is not an instance of the original class; `name` and `code` say
   * what it was.
   */
  error(error: unknown): Error;
  /**
   * A JSON-like value with every string (and key) redacted: the parts that held a secret are
   * copied, the rest shared; the value itself when it held none (so `value(x) === x` says "clean").
   */
  value<T>(value: T): T;
  /** True when the text holds one of the secrets. */
  leaks(text: string): boolean;
}

/**
 * Builds a redactor for `secrets`. Secrets shorter than `minLength` characters are ignored: a
 * two-character "secret" would garble every message and protects nothing.
 */
export function createRedactor(secrets: Iterable<string | undefined>, minLength = 4): Redactor {
  const list = [...new Set([...secrets].filter((s): s is string => typeof s === "string" && s.length >= minLength))].sort(
    (a, b) => b.length - a.length,
  );
  // The inbound hot path asks this of every frame: with the usual one or two secrets it is one or
  // two `includes`, not an array walk with a callback.
  const [first, second] = list;
  const leaks =
    list.length === 0
      ? (): boolean => false
      : list.length === 1
        ? (text: string): boolean => text.includes(first as string)
        : list.length === 2
          ? (text: string): boolean => text.includes(first as string) || text.includes(second as string)
          : (text: string): boolean => list.some((s) => text.includes(s));
  const text = (input: string): string => {
    if (list.length === 0) return input;
    let out = input;
    for (const s of list) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  };
  const value = <T>(input: T, depth = 0): T => {
    if (typeof input === "string") return text(input) as T;
    if (depth > 20 || input === null || typeof input !== "object" || list.length === 0) return input;
    if (input instanceof Error) return error(input) as T;
    if (Array.isArray(input)) {
      let out: unknown[] | undefined;
      input.forEach((v: unknown, i) => {
        const r = value(v, depth + 1);
        if (r !== v) (out ??= [...input])[i] = r;
      });
      return (out ?? input) as T;
    }
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(input)) {
      const rk = text(k);
      const rv = value(v, depth + 1);
      if (rk === k && rv === v) continue;
      out ??= { ...(input as Record<string, unknown>) };
      if (rk !== k) delete out[k];
      out[rk] = rv;
    }
    return (out ?? input) as T;
  };
  const error = (input: unknown, depth = 0): Error => {
    if (!(input instanceof Error)) return new Error(text(String(input)));
    const cause = depth < 8 && input.cause !== undefined ? error(input.cause, depth + 1) : undefined;
    // A plain Error: host classes (DOMException, ...) cannot be copied by prototype. Own
    // properties (`raw`, `code`, `issues`, ...) are copied through the redactor.
    const copy = new Error(text(input.message), cause === undefined ? undefined : { cause });
    for (const key of Object.getOwnPropertyNames(input)) {
      if (key === "stack" || key === "cause" || key === "message") continue;
      const v = (input as unknown as Record<string, unknown>)[key];
      Object.defineProperty(copy, key, { value: value(v, depth + 1), writable: true, configurable: true, enumerable: true });
    }
    copy.name = text(input.name);
    copy.stack = `${copy.name}: ${copy.message}`;
    return copy;
  };
  return { text, error: (e) => error(e), value: (v) => value(v), leaks };
}

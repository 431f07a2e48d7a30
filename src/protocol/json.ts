/**
 * JSON reading and writing that never rounds an integer silently.
 *
 * Reading: plain `JSON.parse` unless the text holds an integer literal of 16 or more digits (the
 * shortest that can exceed 2^53), and only then a lossless parse (lossless-json). Integers beyond
 * 2^53 are returned as `bigint`; {@link toNumbers} turns them back into numbers and lists where
 * precision was lost.
 *
 * Writing: `bigint` values become bare JSON integers.
 */
import { isInteger, parse as losslessParse, stringify as losslessStringify } from "lossless-json";

// Sixteen literal `\d`s: V8 runs this far faster than `\d{16}` (which costs more than JSON.parse).
// Global, so `lastIndex` tells where a run ended.
const LONG_DIGIT_RUN = /\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d/g;

function parseNumberLossless(text: string): number | bigint {
  if (isInteger(text)) {
    // Never convert what no field can hold (BigInt parsing is quadratic in the digits).
    if (text.length > MAX_INTEGER_DIGITS + 1 && text.replace("-", "").length > MAX_INTEGER_DIGITS) {
      throw new RangeError(`integer literal longer than ${MAX_INTEGER_DIGITS} digits`);
    }
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return Number.parseFloat(text);
}

const MAX_SAFE_16 = String(Number.MAX_SAFE_INTEGER);

/** The longest integer literal a frame may hold: a u64 has at most 20 digits. */
export const MAX_INTEGER_DIGITS = 20;

/** What {@link scanIntegers} found: no long integer, one that may exceed 2^53, or one too long. */
export const IntegerScan = { Short: 0, Long: 1, TooLong: 2 } as const;
export type IntegerScan = (typeof IntegerScan)[keyof typeof IntegerScan];

/**
 * One pass over the text for integer literals beyond 2^53 - 1 (16 digits and more), which must be
 * read losslessly, and of more than {@link MAX_INTEGER_DIGITS} digits, which no
 * protocol field can hold: such a frame is refused without converting anything (a 16-million-digit
 * number would otherwise cost seconds of exact BigInt parsing). False positives only cost speed; a
 * false negative would round silently.
 *
 * A digit run inside a string does not count: the wrapped-SOL mint `So1111111111111111111111111111
 * 1111111111112` rides in many market contexts and must not push those frames onto the slow path.
 * A JSON number's integer part follows `:`, `,`, `[` or `-` (plus optional whitespace), or starts
 * the text; any other character before the run means it is inside a string (or a fraction).
 */
export function scanIntegers(text: string): IntegerScan {
  let found: IntegerScan = IntegerScan.Short;
  LONG_DIGIT_RUN.lastIndex = 0;
  while (LONG_DIGIT_RUN.test(text)) {
    const start = LONG_DIGIT_RUN.lastIndex - 16;
    let i = start - 1;
    let c = i < 0 ? -1 : text.charCodeAt(i);
    // JSON whitespace: space, \t, \n, \r
    while (c === 32 || c === 9 || c === 10 || c === 13) c = --i < 0 ? -1 : text.charCodeAt(i);
    // Skip the rest of this run so a long run is not re-tested from its middle.
    let end = LONG_DIGIT_RUN.lastIndex;
    for (let d = text.charCodeAt(end); d >= 48 && d <= 57; d = text.charCodeAt(++end));
    LONG_DIGIT_RUN.lastIndex = end;
    if (c === 58 || c === 44 || c === 91 || c === 45 || c === -1) {
      const digits = end - start;
      if (digits > MAX_INTEGER_DIGITS) {
        LONG_DIGIT_RUN.lastIndex = 0;
        return IntegerScan.TooLong;
      }
      // Sixteen digits up to 2^53 - 1 are exact as a number (microsecond clocks, large token
      // amounts): no need for the slow reader. Equal-length digit strings compare as numbers.
      // (A fraction or exponent after the run makes it a float, which the lossless reader would
      // return as a number anyway.)
      if (digits > 16 || text.slice(start, end) > MAX_SAFE_16) found = IntegerScan.Long;
    }
  }
  LONG_DIGIT_RUN.lastIndex = 0;
  return found;
}

/** 2^53: the first magnitude at which `JSON.parse` may have rounded an integer literal. */
const TWO_POW_53 = 2 ** 53;

/**
 * True when a value `JSON.parse` returned holds a number of magnitude 2^53 or more (or a
 * non-finite one), at any depth. Only such a value can come from an integer literal that
 * {@link scanIntegers} would flag: a literal of 16 digits beyond 2^53 - 1, or of 17 digits and
 * more, parses to at least 2^53. So a parsed frame without one needs no scan of its text: the
 * common frame pays a walk of its values instead of a pass over every character. Iterative, so a
 * deeply nested frame cannot overflow the stack.
 */
export function holdsUnsafeNumber(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return typeof value === "number" && !(Math.abs(value) < TWO_POW_53);
  const stack: object[] = [value];
  for (let o = stack.pop(); o !== undefined; o = stack.pop()) {
    if (Array.isArray(o)) {
      for (const v of o as unknown[]) {
        if (typeof v === "number") {
          if (!(Math.abs(v) < TWO_POW_53)) return true;
        } else if (typeof v === "object" && v !== null) stack.push(v);
      }
      continue;
    }
    const obj = o as Record<string, unknown>;
    for (const k in obj) {
      // An own `__proto__` key (legal JSON) is shadowed by the accessor: read its own value.
      const v = k === "__proto__" ? Object.getOwnPropertyDescriptor(obj, k)?.value : obj[k];
      if (typeof v === "number") {
        if (!(Math.abs(v) < TWO_POW_53)) return true;
      } else if (typeof v === "object" && v !== null) stack.push(v as object);
    }
  }
  return false;
}

/** True when the text may hold an integer literal too long for a `number` (see {@link scanIntegers}). */
export function mayHoldBigInts(text: string): boolean {
  return scanIntegers(text) !== IntegerScan.Short;
}

/**
 * Parses JSON text. Integers beyond 2^53 come back as `bigint`; everything else as `JSON.parse`
 * gives it. Throws `SyntaxError` on invalid JSON.
 *
 * @example
 * ```ts
 * readJson('{"tokens":25000000000000001}'); // { tokens: 25000000000000001n }
 * ```
 */
export function readJson(text: string): unknown {
  return mayHoldBigInts(text) ? readJsonLossless(text) : JSON.parse(text);
}

/** The lossless reader alone (for callers that already ran {@link mayHoldBigInts}). */
export function readJsonLossless(text: string): unknown {
  return losslessParse(text, null, parseNumberLossless);
}

/**
 * Replaces every `bigint` in `value` (in place where possible) with the nearest `number`, and
 * returns the dotted paths of the values that lost precision.
 */
export function toNumbers(value: unknown, path = "", lost: string[] = []): { value: unknown; lost: string[] } {
  if (typeof value === "bigint") {
    lost.push(path);
    return { value: Number(value), lost };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      value[i] = toNumbers(value[i], path === "" ? String(i) : `${path}.${i}`, lost).value;
    }
  } else if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      obj[key] = toNumbers(obj[key], path === "" ? key : `${path}.${key}`, lost).value;
    }
  }
  return { value, lost };
}

/** Serialises a value to JSON, writing `bigint`s as bare integers. */
export function writeJson(value: unknown): string {
  const text = losslessStringify(value);
  if (text === undefined) throw new TypeError("value is not serialisable to JSON");
  return text;
}

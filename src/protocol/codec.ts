/**
 * Decoding and encoding of protocol frames. Pure functions: no I/O, no sockets.
 */
import { z } from "zod";
import { StreamProtocolError, StreamValidationError, formatIssues, type FieldIssue } from "../errors.js";
import { fastAccepts } from "./fast.js";
import type { IntMode } from "./ints.js";
import { holdsUnsafeNumber, IntegerScan, MAX_INTEGER_DIGITS, readJsonLossless, scanIntegers, toNumbers, writeJson } from "./json.js";
import {
  bigintServerSchemas,
  lenientClientSchemas,
  numberServerSchemas,
  strictClientSchemas,
  CLIENT_MESSAGE_TYPES,
  SERVER_MESSAGE_TYPES,
  type ClientMessage,
  type ServerMessage,
  type ServerMessageType,
} from "./schemas.js";

/** Options of {@link parseServerMessage}. */
export interface ParseOptions<M extends IntMode = "number"> {
  /**
   * How u64/i64 fields are delivered.
   * @defaultValue `"number"`
   */
  ints?: M;
}

/** A frame that is a known, valid message. */
export interface ParsedMessage<T> {
  kind: "message";
  message: T;
  /**
   * Dotted paths of integers beyond 2^53 that were rounded to the nearest `number` (only in
   * `"number"` mode, only when there were any). Use `ints: "bigint"` to receive them exactly.
   */
  precisionLoss?: string[];
}

/** A frame whose `type` this version does not know: delivered, not dropped. */
export interface UnknownMessage {
  kind: "unknown";
  type: string;
  /** The parsed frame (unknown fields and all; big integers as `bigint`). */
  value: Record<string, unknown>;
  raw: string;
}

/** A frame that is not valid: bad JSON, no `type`, or a known type failing its schema. */
export interface InvalidMessage {
  kind: "invalid";
  error: StreamProtocolError;
  raw: string;
}

/** What `parseServerMessage` / `parseClientMessage` return: a message, an unknown type, or an invalid frame. Never thrown. */
export type ParseResult<T> = ParsedMessage<T> | UnknownMessage | InvalidMessage;

// Per-type schemas, looked up by `type` and compiled with `z.compile` (far faster than one union).
// Compiled on first use, not at import: importing the package stays cheap, and a connection only
// pays for the message types it actually sees.
type AnySchema = z.ZodType<unknown, unknown>;
function lazyCompiled(schemas: Record<string, unknown>, keys: readonly string[]): (type: string) => AnySchema | undefined {
  const known = new Set<string>(keys);
  const compiled = new Map<string, AnySchema>();
  return (type) => {
    let schema = compiled.get(type);
    if (schema === undefined && known.has(type)) {
      schema = z.compile(schemas[type] as AnySchema);
      compiled.set(type, schema);
    }
    return schema;
  };
}

const serverBigint = lazyCompiled(bigintServerSchemas, SERVER_MESSAGE_TYPES);
const serverNumber = lazyCompiled(numberServerSchemas, SERVER_MESSAGE_TYPES);
const clientLenient = lazyCompiled(lenientClientSchemas, CLIENT_MESSAGE_TYPES);
const clientStrict = lazyCompiled(strictClientSchemas, CLIENT_MESSAGE_TYPES);

/**
 * How the number-mode fast path finishes a frame that passed `validate` (which builds no output):
 * - `"as-is"`: the parsed frame already is the message;
 * - `"watched"`: the same, plus the one default, `watched: false` when absent;
 * - `"parse"`: nested defaults (`hello_ok.limits`): run the full parse (once per connection).
 * The test suite checks that this gives exactly what `safeParse` gives, for every type.
 */
type Finish = "as-is" | "watched" | "parse";
interface ServerEntry {
  readonly type: string;
  readonly finish: Finish;
  /** The compiled schema for an int mode (compiled on first call). */
  schema(bigint: boolean): AnySchema;
}
const NESTED_DEFAULTS: ReadonlySet<string> = new Set<ServerMessageType>(["hello_ok"]);
const SERVER_TYPES: ReadonlySet<string> = new Set<string>(SERVER_MESSAGE_TYPES);
// One lookup per frame: the schemas and the fast-path finish, by `type`; built on first use.
const serverEntries = new Map<string, ServerEntry>();
function serverEntry(type: string): ServerEntry | undefined {
  let entry = serverEntries.get(type);
  if (entry === undefined && SERVER_TYPES.has(type)) {
    const shape = (numberServerSchemas[type as ServerMessageType] as { shape: Record<string, unknown> }).shape;
    const finish: Finish = NESTED_DEFAULTS.has(type) ? "parse" : "watched" in shape ? "watched" : "as-is";
    entry = { type, finish, schema: (bigint) => (bigint ? serverBigint(type) : serverNumber(type)) as AnySchema };
    serverEntries.set(type, entry);
  }
  return entry;
}

/** Issues kept per error: a hostile frame may fail a million times, its error stays small. */
const MAX_ISSUES = 32;

/** zod issues as {@link FieldIssue}s (one per unknown key, at its own path; at most MAX_ISSUES). */
export function toIssues(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  let total = 0;
  for (const issue of error.issues) {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      // One issue per key, at the key's own path, so `field` names what to remove.
      for (const key of issue.keys) {
        if (++total <= MAX_ISSUES) issues.push({ path: path === "" ? key : `${path}.${key}`, message: "unknown key" });
      }
    } else if (++total <= MAX_ISSUES) {
      issues.push({ path, message: issue.message });
    }
  }
  if (total > MAX_ISSUES) issues.push({ path: "", message: `and ${total - MAX_ISSUES} more issue(s)` });
  return issues;
}

function invalid(raw: string, message: string, issues?: FieldIssue[], type?: string, cause?: unknown): InvalidMessage {
  return {
    kind: "invalid",
    raw,
    error: new StreamProtocolError(message, { raw, issues: issues ?? [], messageType: type }, { cause }),
  };
}

interface Envelope {
  obj: Record<string, unknown>;
  type: string;
  /** The frame was read losslessly: it may hold `bigint`s. */
  lossless: boolean;
}

function readEnvelope(raw: unknown): Envelope | InvalidMessage {
  if (typeof raw !== "string") return invalid(String(raw), "frame is not text");
  // `JSON.parse` first: only a parsed value holding a number of magnitude 2^53 or more can come
  // from a long integer literal, so only then is the text scanned (and read losslessly when a
  // literal beyond 2^53 - 1 is in it). A sparse stream's frame is cold on every arrival: the
  // scan was a second pass over every character.
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return readScanned(raw);
  }
  let lossless = false;
  if (holdsUnsafeNumber(value)) {
    const scan = scanIntegers(raw);
    if (scan === IntegerScan.TooLong) return tooLong(raw);
    if (scan === IntegerScan.Long) {
      lossless = true;
      try {
        value = readJsonLossless(raw);
      } catch (err) {
        return invalid(raw, `frame is not valid JSON: ${(err as Error).message}`, [], undefined, err);
      }
    }
  }
  return envelope(raw, value, lossless);
}

/** A frame `JSON.parse` refused: the scan decides which error it gets (a too-long literal first). */
function readScanned(raw: string): Envelope | InvalidMessage {
  const scan = scanIntegers(raw);
  if (scan === IntegerScan.TooLong) return tooLong(raw);
  const lossless = scan === IntegerScan.Long;
  let value: unknown;
  try {
    value = lossless ? readJsonLossless(raw) : JSON.parse(raw);
  } catch (err) {
    return invalid(raw, `frame is not valid JSON: ${(err as Error).message}`, [], undefined, err);
  }
  return envelope(raw, value, lossless);
}

function tooLong(raw: string): InvalidMessage {
  return invalid(raw, `frame holds an integer literal longer than ${MAX_INTEGER_DIGITS} digits`, [
    { path: "", message: `no field holds more than ${MAX_INTEGER_DIGITS} digits` },
  ]);
}

function envelope(raw: string, value: unknown, lossless: boolean): Envelope | InvalidMessage {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return invalid(raw, "frame is not a JSON object", [{ path: "", message: "expected an object" }]);
  }
  const obj = value as Record<string, unknown>;
  const type = obj["type"];
  if (typeof type !== "string") {
    return invalid(raw, "frame has no string `type`", [{ path: "type", message: "expected a string" }]);
  }
  return { obj, type, lossless };
}

function invalidSchema(raw: string, type: string, error: z.ZodError): InvalidMessage {
  const issues = toIssues(error);
  return invalid(raw, `invalid ${type} message: ${formatIssues(issues)}`, issues, type);
}

/**
 * Number mode, for a frame holding integers beyond 2^53 (the rare path): validate the exact values
 * against the bigint schemas (so a u64 overflow or an i64 out of range is caught, not hidden by
 * rounding), then hand out numbers and list every path that was rounded.
 */
function parseRounded(raw: string, env: Envelope): ParseResult<ServerMessage<"number">> {
  const exact = (serverBigint(env.type) as AnySchema).safeParse(env.obj);
  if (!exact.success) return invalidSchema(raw, env.type, exact.error);
  const { lost } = toNumbers(env.obj);
  const parsed: ParsedMessage<ServerMessage<"number">> = {
    kind: "message",
    message: toNumbers(exact.data).value as ServerMessage<"number">,
  };
  if (lost.length > 0) parsed.precisionLoss = lost;
  return parsed;
}

/**
 * Decodes one server frame. Never throws.
 *
 * @example
 * ```ts
 * const r = parseServerMessage(text);
 * if (r.kind === "message" && r.message.type === "exit_signal_with_tx") sign(r.message.unsigned_tx_b64);
 * ```
 */
export function parseServerMessage<M extends IntMode = "number">(
  raw: string,
  options?: ParseOptions<M>,
): ParseResult<ServerMessage<M>> {
  try {
    const env = readEnvelope(raw);
    if ("kind" in env) return env;
    const bigint = options?.ints === "bigint";
    const entry = serverEntry(env.type);
    if (entry === undefined) return { kind: "unknown", type: env.type, value: env.obj, raw };
    if (!bigint && env.lossless) return parseRounded(raw, env) as ParseResult<ServerMessage<M>>;
    // Number mode, the common frame: the hot types' hand checks (fast.ts), else `validate`, build
    // no output, so the object JSON.parse made becomes the message, with its one default filled
    // in. (Bigint mode needs the schema's output: the BigInt conversions dominate there, not zod.)
    const finish = entry.finish;
    // An own `__proto__` key (legal JSON) would survive only here; the schema path drops it.
    if (
      !bigint &&
      finish !== "parse" &&
      !Object.hasOwn(env.obj, "__proto__") &&
      (fastAccepts(env.type, env.obj) || entry.schema(false).validate(env.obj))
    ) {
      if (finish === "watched" && env.obj["watched"] === undefined) env.obj["watched"] = false;
      return { kind: "message", message: env.obj as ServerMessage<M> };
    }
    const result = entry.schema(bigint).safeParse(env.obj);
    if (!result.success) return invalidSchema(raw, env.type, result.error);
    return { kind: "message", message: result.data as ServerMessage<M> };
  } catch (err) {
    // Defensive: nothing above should throw, but a frame must never take the stream down.
    return invalid(String(raw), `frame could not be decoded: ${(err as Error)?.message ?? String(err)}`, [], undefined, err);
  }
}

/** Applies the legacy aliases the server accepts (protocol.md sections 3.2 and 3.5). */
function normaliseClientAliases(obj: Record<string, unknown>): Record<string, unknown> {
  let out = obj;
  if (out["type"] === "sell_now") out = { ...out, type: "request_exit_signal" };
  if (out["type"] === "configure" && out["wallet_pubkeys"] === undefined && out["wallet_pubkey"] !== undefined) {
    const { wallet_pubkey, ...rest } = out;
    out = { ...rest, wallet_pubkeys: wallet_pubkey };
  }
  if (
    (out["type"] === "configure" || out["type"] === "update_wallets") &&
    typeof out["wallet_pubkeys"] === "string"
  ) {
    out = { ...out, wallet_pubkeys: [out["wallet_pubkeys"]] };
  }
  return out;
}

/**
 * Decodes one client frame as the server reads it: unknown fields ignored, legacy aliases
 * (`sell_now`, `wallet_pubkey` as a string or array) normalised to the canonical form. u64 fields
 * are numbers, or `bigint`s beyond 2^53. Never throws. Used by the mock server.
 *
 * @example
 * ```ts
 * parseClientMessage('{"type":"sell_now","position_id":7}');
 * // { kind: "message", message: { type: "request_exit_signal", position_id: 7 } }
 * ```
 */
export function parseClientMessage(raw: string): ParseResult<ClientMessage> {
  try {
    const env = readEnvelope(raw);
    if ("kind" in env) return env;
    const obj = normaliseClientAliases(env.obj);
    const type = obj["type"] as string;
    const schema = clientLenient(type);
    if (schema === undefined) return { kind: "unknown", type, value: obj, raw };
    const result = schema.safeParse(obj);
    if (!result.success) return invalidSchema(raw, type, result.error);
    return { kind: "message", message: result.data as ClientMessage };
  } catch (err) {
    return invalid(String(raw), `frame could not be decoded: ${(err as Error)?.message ?? String(err)}`, [], undefined, err);
  }
}

/**
 * Validates an outgoing message strictly and serialises it. Unknown keys, NaN, Infinity, negative
 * percentages, fractional or unsafe integers are refused with a {@link StreamValidationError}
 * naming every failing field; nothing is written. `bigint` and integer fields are written as bare
 * JSON integers; absent optional fields are omitted.
 *
 * @throws {@link StreamValidationError} when the message is refused (`field` names the first culprit).
 * @example
 * ```ts
 * stringifyClientMessage({ type: "close_position", position_id: 18446744073709551615n });
 * // '{"type":"close_position","position_id":18446744073709551615}'
 * stringifyClientMessage({ type: "ping", client_time_ms: Date.now(), extra: 1 } as never);
 * // throws StreamValidationError, field "extra"
 * ```
 */
export function stringifyClientMessage(message: ClientMessage): string {
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    throw new StreamValidationError("client message must be an object", { issues: [{ path: "", message: "expected an object" }] });
  }
  const type = (message as { type?: unknown }).type;
  const schema = typeof type === "string" ? clientStrict(type) : undefined;
  if (schema === undefined) {
    throw new StreamValidationError(`unknown client message type: ${String(type)}`, { issues: [
      { path: "type", message: `expected one of ${CLIENT_MESSAGE_TYPES.join(", ")}` },
    ] });
  }
  const result = schema.safeParse(message);
  if (!result.success) {
    const issues = toIssues(result.error);
    throw new StreamValidationError(`invalid ${type} message: ${formatIssues(issues)}`, { issues });
  }
  return writeJson(result.data);
}

/**
 * Decoding and encoding of protocol frames. Pure functions: no I/O, no sockets.
 */
import { z } from "zod";
import { StreamProtocolError, StreamValidationError, formatIssues, type FieldIssue } from "../errors.js";
import type { IntMode } from "./ints.js";
import { mayHoldBigInts, readJson, toNumbers, writeJson } from "./json.js";
import {
  bigintServerSchemas,
  lenientClientSchemas,
  numberServerSchemas,
  strictClientSchemas,
  type ClientMessage,
  type ClientMessageType,
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

export type ParseResult<T> = ParsedMessage<T> | UnknownMessage | InvalidMessage;

// Per-type schemas, looked up by `type` and compiled ahead of time: far faster than one union.
type AnySchema = z.ZodType<unknown, unknown>;
function compileAll(schemas: Record<string, unknown>, keys: readonly string[]): Map<string, AnySchema> {
  const map = new Map<string, AnySchema>();
  for (const key of keys) map.set(key, z.compile(schemas[key] as AnySchema));
  return map;
}

const SERVER_KEYS: readonly ServerMessageType[] = [
  "hello_ok",
  "pong",
  "error",
  "pnl_update",
  "liquidity_snapshot",
  "trade_tick",
  "balance_update",
  "position_opened",
  "position_closed",
  "exit_signal_with_tx",
  "mirror_buy_signal",
  "mirror_buy_failed",
  "mirror_wallet_auto_disabled",
];
const CLIENT_KEYS: readonly ClientMessageType[] = [
  "ping",
  "configure",
  "update_strategy",
  "close_position",
  "request_exit_signal",
  "update_wallets",
  "update_watch_wallets",
  "update_position_strategy",
  "mirror_buy_result",
];

const serverNumber = compileAll(numberServerSchemas, SERVER_KEYS);
const serverBigint = compileAll(bigintServerSchemas, SERVER_KEYS);
const clientLenient = compileAll(lenientClientSchemas, CLIENT_KEYS);
const clientStrict = compileAll(strictClientSchemas, CLIENT_KEYS);

function toIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
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
}

function readEnvelope(raw: unknown): Envelope | InvalidMessage {
  if (typeof raw !== "string") return invalid(String(raw), "frame is not text");
  let value: unknown;
  try {
    value = readJson(raw);
  } catch (err) {
    return invalid(raw, `frame is not valid JSON: ${(err as Error).message}`, [], undefined, err);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return invalid(raw, "frame is not a JSON object", [{ path: "", message: "expected an object" }]);
  }
  const obj = value as Record<string, unknown>;
  const type = obj["type"];
  if (typeof type !== "string") {
    return invalid(raw, "frame has no string `type`", [{ path: "type", message: "expected a string" }]);
  }
  return { obj, type };
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
    const schema = (bigint ? serverBigint : serverNumber).get(env.type);
    if (schema === undefined) return { kind: "unknown", type: env.type, value: env.obj, raw };
    let input: unknown = env.obj;
    let lost: string[] | undefined;
    if (!bigint && mayHoldBigInts(raw)) {
      const converted = toNumbers(env.obj);
      input = converted.value;
      if (converted.lost.length > 0) lost = converted.lost;
    }
    const result = schema.safeParse(input);
    if (!result.success) {
      const issues = toIssues(result.error);
      return invalid(raw, `invalid ${env.type} message: ${formatIssues(issues)}`, issues, env.type);
    }
    const parsed: ParsedMessage<ServerMessage<M>> = { kind: "message", message: result.data as ServerMessage<M> };
    if (lost !== undefined) parsed.precisionLoss = lost;
    return parsed;
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
 */
export function parseClientMessage(raw: string): ParseResult<ClientMessage> {
  try {
    const env = readEnvelope(raw);
    if ("kind" in env) return env;
    const obj = normaliseClientAliases(env.obj);
    const type = obj["type"] as string;
    const schema = clientLenient.get(type);
    if (schema === undefined) return { kind: "unknown", type, value: obj, raw };
    const result = schema.safeParse(obj);
    if (!result.success) {
      const issues = toIssues(result.error);
      return invalid(raw, `invalid ${type} message: ${formatIssues(issues)}`, issues, type);
    }
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
 */
export function stringifyClientMessage(message: ClientMessage): string {
  const type = (message as { type?: unknown } | null)?.type;
  const schema = typeof type === "string" ? clientStrict.get(type) : undefined;
  if (schema === undefined) {
    throw new StreamValidationError(`unknown client message type: ${String(type)}`, [
      { path: "type", message: `expected one of ${CLIENT_KEYS.join(", ")}` },
    ]);
  }
  const result = schema.safeParse(message);
  if (!result.success) {
    const issues = toIssues(result.error);
    throw new StreamValidationError(`invalid ${type} message: ${formatIssues(issues)}`, issues);
  }
  return writeJson(result.data);
}

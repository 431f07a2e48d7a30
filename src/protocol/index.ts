/**
 * The protocol layer, and the `lasersell-stream/protocol` entry point: the zod schema of every
 * message (one per message, plus the per-integer-mode schema maps), the constant lists behind the
 * message unions, the lossless codec and strategy validation. No I/O; never imports `ws`.
 *
 * For those who validate messages themselves: the main entry (`lasersell-stream`) has the codec
 * (`parseServerMessage`, `stringifyClientMessage`) and every message type, without zod.
 */
export * from "./schemas.js";
export {
  parseServerMessage,
  parseClientMessage,
  stringifyClientMessage,
  type InvalidMessage,
  type ParseOptions,
  type ParseResult,
  type ParsedMessage,
  type UnknownMessage,
} from "./codec.js";
export { validateStrategy } from "./strategy.js";
export { U64_MAX, type Int, type IntMode } from "./ints.js";
export { readJson, writeJson } from "./json.js";

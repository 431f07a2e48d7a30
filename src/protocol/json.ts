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
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return Number.parseFloat(text);
}

/**
 * True when the text may hold an integer literal too long for a `number` (16+ digits), so it must
 * be read losslessly. False positives only cost speed; a false negative would round silently.
 *
 * A digit run inside a string does not count: the wrapped-SOL mint `So1111111111111111111111111111
 * 1111111111112` rides in many market contexts and must not push those frames onto the slow path.
 * A JSON number's integer part follows `:`, `,`, `[` or `-` (plus optional whitespace), or starts
 * the text; any other character before the run means it is inside a string (or a fraction).
 */
export function mayHoldBigInts(text: string): boolean {
  LONG_DIGIT_RUN.lastIndex = 0;
  while (LONG_DIGIT_RUN.test(text)) {
    let i = LONG_DIGIT_RUN.lastIndex - 17;
    let c = i < 0 ? -1 : text.charCodeAt(i);
    // JSON whitespace: space, \t, \n, \r
    while (c === 32 || c === 9 || c === 10 || c === 13) c = --i < 0 ? -1 : text.charCodeAt(i);
    if (c === 58 || c === 44 || c === 91 || c === 45 || c === -1) {
      LONG_DIGIT_RUN.lastIndex = 0;
      return true;
    }
    // Skip the rest of this run so a long run is not re-tested from its middle.
    let end = LONG_DIGIT_RUN.lastIndex;
    for (let d = text.charCodeAt(end); d >= 48 && d <= 57; d = text.charCodeAt(++end));
    LONG_DIGIT_RUN.lastIndex = end;
  }
  return false;
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

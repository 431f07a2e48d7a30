/**
 * JSON reading and writing that never rounds an integer silently.
 *
 * Reading: plain `JSON.parse` unless the text holds a run of 16 or more digits (the shortest
 * integer literal that can exceed 2^53 has 16), and only then a lossless parse (lossless-json).
 * Integers beyond 2^53 are returned as `bigint`; {@link toNumbers} turns them back into numbers
 * and lists where precision was lost.
 *
 * Writing: `bigint` values become bare JSON integers.
 */
import { isInteger, parse as losslessParse, stringify as losslessStringify } from "lossless-json";

// Sixteen literal `\d`s: V8 runs this far faster than `\d{16}` (which costs more than JSON.parse).
const LONG_DIGIT_RUN = /\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d\d/;

function parseNumberLossless(text: string): number | bigint {
  if (isInteger(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return Number.parseFloat(text);
}

/**
 * Parses JSON text. Integers beyond 2^53 come back as `bigint`; everything else as `JSON.parse`
 * gives it. Throws `SyntaxError` on invalid JSON.
 */
export function readJson(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  return losslessParse(text, null, parseNumberLossless);
}

/** True when {@link readJson} may have produced `bigint`s for this text (the slow path). */
export function mayHoldBigInts(text: string): boolean {
  return LONG_DIGIT_RUN.test(text);
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

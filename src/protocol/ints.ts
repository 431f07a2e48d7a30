import { z } from "zod";

/**
 * How 64-bit integer fields (u64/i64: amounts, ids, slots, times) are delivered.
 * - `"number"`: plain JS numbers (the default; values beyond 2^53 are reported, see
 *   `precisionLoss` in the parse result).
 * - `"bigint"`: exact `bigint`s.
 */
export type IntMode = "number" | "bigint";

/** The JS type of a u64/i64 field in a given {@link IntMode}. */
export type Int<M extends IntMode> = M extends "bigint" ? bigint : number;

/** Largest u64. */
export const U64_MAX = 18_446_744_073_709_551_615n;
const I64_MIN = -9_223_372_036_854_775_808n;
const I64_MAX = 9_223_372_036_854_775_807n;

/** The integer schemas a message schema is built from. */
export interface IntSchemas<M extends IntMode> {
  readonly mode: M;
  readonly u64: z.ZodType<Int<M>, unknown>;
  readonly i64: z.ZodType<Int<M>, unknown>;
}

/** What a failing integer was, for error text: the value for numbers, otherwise its type. */
function describe(input: unknown): string {
  if (typeof input === "number" || typeof input === "bigint") return String(input);
  if (input === null) return "null";
  if (Array.isArray(input)) return "array";
  return typeof input;
}

// One message for every way an integer field can fail (wrong type, fraction, out of range), in
// zod's own wording, so the error names the width the protocol requires.
function intError(kind: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => `Invalid input: expected ${kind}, received ${describe(issue.input)}` };
}
const U64 = intError("u64 (integer 0..2^64-1)");
const I64 = intError("i64 (integer -2^63..2^63-1)");
const U32 = intError("u32 (integer 0..4294967295)");
const U16 = intError("u16 (integer 0..65535)");
const U8 = intError("u8 (integer 0..255)");

// `.int()` means a safe integer: beyond 2^53 the reader yields a `bigint` instead (and in number
// mode the codec validates those frames against the bigint schemas first, for an exact range).
const numU64 = z.number(U64).int(U64).min(0, U64);
const numI64 = z.number(I64).int(I64);

const bigU64 = z
  .union([z.number(U64).int(U64).min(0, U64), z.bigint(U64).min(0n, U64).max(U64_MAX, U64)], U64)
  .transform((v) => BigInt(v));
const bigI64 = z
  .union([z.number(I64).int(I64), z.bigint(I64).min(I64_MIN, I64).max(I64_MAX, I64)], I64)
  .transform((v) => BigInt(v));

export const numberInts: IntSchemas<"number"> = { mode: "number", u64: numU64, i64: numI64 };
export const bigintInts: IntSchemas<"bigint"> = { mode: "bigint", u64: bigU64, i64: bigI64 };

/** Unsigned integers narrower than 64 bits are always plain numbers. */
export const u32 = z.number(U32).int(U32).min(0, U32).max(4_294_967_295, U32);
export const u16 = z.number(U16).int(U16).min(0, U16).max(65_535, U16);
export const u8 = z.number(U8).int(U8).min(0, U8).max(255, U8);
/** A float (serde f64). zod 4 rejects NaN and ±Infinity. */
export const f64 = z.number();

/**
 * A u64 in an outgoing (client) message: a safe-integer number or a bigint. A number beyond 2^53
 * is refused: it has already lost precision, and sending it would name the wrong position.
 */
export const clientU64 = z.union(
  [z.number(U64).int(U64).min(0, U64), z.bigint(U64).min(0n, U64).max(U64_MAX, U64)],
  U64,
);

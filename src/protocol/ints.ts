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

// In number mode an integer beyond 2^53 arrives already rounded by the lossless reader (and is
// reported there), so "integer" here means "no fraction", not "safe integer".
const numU64 = z.number().multipleOf(1).min(0).max(Number(U64_MAX));
const numI64 = z.number().multipleOf(1).min(Number(I64_MIN)).max(Number(I64_MAX));

// In bigint mode the reader yields numbers for safe integers and bigints for the rest.
const bigU64 = z
  .union([z.number().multipleOf(1).min(0), z.bigint().min(0n).max(U64_MAX)])
  .transform((v) => BigInt(v));
const bigI64 = z
  .union([z.number().multipleOf(1), z.bigint().min(I64_MIN).max(I64_MAX)])
  .transform((v) => BigInt(v));

export const numberInts: IntSchemas<"number"> = { mode: "number", u64: numU64, i64: numI64 };
export const bigintInts: IntSchemas<"bigint"> = { mode: "bigint", u64: bigU64, i64: bigI64 };

/** Unsigned integers narrower than 64 bits are always plain numbers. */
export const u32 = z.number().int().min(0).max(4_294_967_295);
export const u16 = z.number().int().min(0).max(65_535);
export const u8 = z.number().int().min(0).max(255);
/** A float (serde f64). zod 4 rejects NaN and ±Infinity. */
export const f64 = z.number();

/**
 * A u64 in an outgoing (client) message: a safe-integer number or a bigint. A number beyond 2^53
 * is refused: it has already lost precision, and sending it would name the wrong position.
 */
export const clientU64 = z.union([
  z.number().int().min(0),
  z.bigint().min(0n).max(U64_MAX),
]);

/**
 * The Exit API's requests and answers: their types, the zod schemas that check a request before it
 * is sent and an answer when it arrives, and `parseBuildTxResponse`. No I/O: the client in
 * `exit-api.ts` sends them.
 */
import { z } from "zod";
import { ExitApiError, StreamValidationError, formatIssues } from "../errors.js";
import { toIssues } from "../protocol/codec.js";
import { bigintInts, u16 } from "../protocol/ints.js";
import { readJson } from "../protocol/json.js";
import { MarketContextSchema, type MarketContext, type SendMode } from "../protocol/schemas.js";

/** Asset a sell is paid out in. */
export type SellOutput = "SOL" | "USD1";
/** Asset a buy is paid with. */
export type BuyInput = "SOL" | "USD1";
/** A u64 amount: a safe integer `number`, or a `bigint` for any u64. */
export type U64Input = number | bigint;

/** `POST /v1/sell` body. Amounts in atomic units. */
export interface BuildSellTxRequest {
  mint: string;
  /** The wallet that signs (and pays the fee). */
  user_pubkey: string;
  /** Tokens to sell, raw units (u64). */
  amount_tokens: U64Input;
  output: SellOutput;
  /** Slippage tolerance in basis points (0..10000). */
  slippage_bps: number;
  /** `"fast"` (server default) or `"secure"`. */
  mode?: string;
  /**
   * Skips server-side pool resolution (from the stream's `position_opened` / `PositionHandle`;
   * the official SDK's `MarketContextMsg` fits too). Validated against the protocol's schema.
   */
  market_context?: MarketContext | MarketContextLike;
  send_mode?: SendMode;
  /** Tip in lamports (u64); send it explicitly, server defaults disagree. */
  tip_lamports?: U64Input;
  /** Partner fee recipient (Advanced and Enterprise tiers). */
  partner_fee_recipient?: string;
  /** Partner fee in bps, at most 50; not with `partner_fee_lamports`. */
  partner_fee_bps?: number;
  /** Partner fee in lamports, at most 50,000,000; not with `partner_fee_bps`. */
  partner_fee_lamports?: U64Input;
}

/** `POST /v1/buy` body. Exactly one of `amount` and `amount_in_total`. */
export interface BuildBuyTxRequest {
  mint: string;
  user_pubkey: string;
  /** Input-asset atomic units (lamports for SOL), u64. */
  amount_in_total?: U64Input;
  /** Human units (`0.1` = 0.1 SOL); the server scales it. */
  amount?: number;
  slippage_bps: number;
  /** @defaultValue "SOL" (always sent) */
  input?: BuyInput;
  mode?: string;
  send_mode?: SendMode;
  tip_lamports?: U64Input;
  partner_fee_recipient?: string;
  partner_fee_bps?: number;
  partner_fee_lamports?: U64Input;
}

/** Any market context object (`market_type` plus its context); the schema checks the rest. */
export interface MarketContextLike {
  readonly market_type: string;
}

/** A built transaction: `tx` is the base64 unsigned `VersionedTransaction`. `route`/`debug` as the server sent them. */
export interface BuildTxResponse {
  tx: string;
  route?: unknown;
  debug?: unknown;
}

/** `GET /v1/account`. */
export interface ExitApiAccount {
  tier: number;
  tier_name: string;
  limits: { max_wallets: number; max_positions_per_wallet: number; max_positions_per_session: number; [key: string]: unknown };
  [key: string]: unknown;
}

/** One trade of `GET /v1/history`. u64 amounts are `bigint` beyond 2^53. */
export interface TradeHistoryItem {
  id: number | bigint;
  session_id: number | bigint;
  position_id: number | bigint;
  wallet_pubkey: string;
  mint: string;
  entry_quote_units: number | bigint;
  exit_quote_units?: number | bigint | null;
  profit_quote_units?: number | bigint | null;
  tokens: number | bigint;
  exit_reason?: string | null;
  market_kind?: string | null;
  opened_at: string;
  closed_at?: string | null;
  [key: string]: unknown;
}

/** `GET /v1/history`: most recent first. */
export interface TradeHistory {
  trades: TradeHistoryItem[];
  /** Estimated number of matching trades, when the server knows it. */
  total?: number | null;
}

/** Filters and page of `GET /v1/history`. */
export interface TradeHistoryQuery {
  /** 1..200. @defaultValue 50 (server) */
  limit?: number;
  offset?: number;
  mint?: string;
  wallet?: string;
}

const pubkey = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "expected a base58 public key");
const u64 = bigintInts.u64;
const bps = u16.max(10_000, "at most 10000 bps");
const common = {
  mint: pubkey,
  user_pubkey: pubkey,
  slippage_bps: bps,
  mode: z.string().min(1).optional(),
  // Open like the stream's: a send mode this version does not know is the server's to refuse.
  send_mode: z.string().regex(/^[a-z0-9_]{1,64}$/, "expected a send mode such as helius_sender, astralane or rpc").optional(),
  tip_lamports: u64.optional(),
  partner_fee_recipient: pubkey.optional(),
  partner_fee_bps: u16.max(50, "at most 50 bps").optional(),
  partner_fee_lamports: u64.refine((v) => v <= 50_000_000n, "at most 50000000 lamports").optional(),
};
type Fees = { partner_fee_bps?: unknown; partner_fee_lamports?: unknown };
const oneFee = (v: Fees, ctx: z.RefinementCtx): void => {
  if (v.partner_fee_bps !== undefined && v.partner_fee_lamports !== undefined) {
    ctx.addIssue({ code: "custom", path: ["partner_fee_lamports"], message: "partner_fee_bps and partner_fee_lamports are mutually exclusive" });
  }
};

/** `POST /v1/sell` body as sent (strict: a misspelt field is refused, not dropped). */
export const BuildSellTxRequestSchema = z
  .strictObject({ ...common, amount_tokens: u64, output: z.enum(["SOL", "USD1"]), market_context: MarketContextSchema.optional() })
  .superRefine(oneFee);

/** `POST /v1/buy` body as sent; `input` defaults to `"SOL"`; exactly one of `amount` / `amount_in_total`. */
export const BuildBuyTxRequestSchema = z
  .strictObject({
    ...common,
    amount_in_total: u64.optional(),
    amount: z.number().positive().finite().optional(),
    input: z.enum(["SOL", "USD1"]).default("SOL"),
  })
  .superRefine((v, ctx) => {
    oneFee(v, ctx);
    if ((v.amount === undefined) === (v.amount_in_total === undefined)) {
      ctx.addIssue({ code: "custom", path: ["amount_in_total"], message: "give exactly one of amount and amount_in_total" });
    }
  });

const u64Out = z.union([z.number().int().min(0), bigintInts.u64]);
/** `GET /v1/account` answer (internal). */
export const AccountSchema = z.looseObject({
  tier: z.number().int(),
  tier_name: z.string(),
  limits: z.looseObject({ max_wallets: z.number().int(), max_positions_per_wallet: z.number().int(), max_positions_per_session: z.number().int() }),
});
/** `GET /v1/history` answer (internal). */
export const HistorySchema = z.looseObject({
  trades: z.array(
    z.looseObject({
      id: u64Out,
      session_id: u64Out,
      position_id: u64Out,
      wallet_pubkey: z.string(),
      mint: z.string(),
      entry_quote_units: u64Out,
      exit_quote_units: z.union([z.number().int(), z.bigint()]).nullable().optional(),
      profit_quote_units: z.union([z.number().int(), z.bigint()]).nullable().optional(),
      tokens: u64Out,
      exit_reason: z.string().nullable().optional(),
      market_kind: z.string().nullable().optional(),
      opened_at: z.string(),
      closed_at: z.string().nullable().optional(),
    }),
  ),
  total: z.number().int().nullable().optional(),
});
/** `DELETE /v1/wallets` body (internal). */
export const UnregisterRequestSchema = z.strictObject({ wallet_pubkey: pubkey });
/** `GET /v1/history` query (internal). */
export const TradeHistoryQuerySchema = z.strictObject({
  limit: z.number().int().min(1).max(200).optional(),
  offset: z.number().int().min(0).optional(),
  mint: pubkey.optional(),
  wallet: pubkey.optional(),
});
/** `DELETE /v1/wallets` answer (internal). */
export const UnregisterSchema = z.looseObject({ wallet_pubkey: z.string(), removed: z.boolean() });
/** `GET /healthz` answer (internal). */
export const HealthSchema = z.looseObject({ status: z.string() });

/** `T` with its `undefined`-valued properties made optional and `undefined`-free. */
type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** A copy without the properties whose value is `undefined` (they are not sent). */
export function dropUndefined<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Compact<T>;
}

/** `value` checked against `schema` (its `undefined` properties dropped), else a `StreamValidationError` (internal). */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value !== null && typeof value === "object" && !Array.isArray(value) ? dropUndefined(value) : value);
  if (r.success) return r.data;
  const issues = toIssues(r.error);
  throw new StreamValidationError(`${what}: ${formatIssues(issues)}`, { issues });
}

/** A 2xx answer parsed against `schema`, else an `ExitApiError` of kind `parse` (internal). */
export function answer<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let parsed: unknown;
  try {
    parsed = readJson(text);
  } catch (err) {
    throw ExitApiError.parse(`${what}: not valid JSON`, err);
  }
  const r = schema.safeParse(parsed);
  if (!r.success) throw ExitApiError.parse(`${what}: ${formatIssues(toIssues(r.error))}`);
  return r.data;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads a build answer's body (the official SDK's function and rules): the tagged envelope
 * `{"status":"ok","tx"|"unsigned_tx_b64":...}` (any other `status` is an `envelope_status` error
 * with the server's `reason`/`message`/`error` as `detail`), the legacy `{unsigned_tx_b64}` or the
 * bare `{tx}`. Also checks that `tx` is a non-empty base64 string.
 *
 * @throws {@link ExitApiError} of kind `parse` or `envelope_status`.
 */
export function parseBuildTxResponse(body: string): BuildTxResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw ExitApiError.parse("response is not valid JSON", err);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw ExitApiError.parse("response is not a JSON object");
  const o = parsed as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof o[k] === "string" ? (o[k] as string) : undefined);
  let tx: string | undefined;
  if (typeof o["status"] === "string") {
    const status = o["status"];
    if (status.toLowerCase() !== "ok") {
      const detail = str("reason") ?? str("message") ?? str("error") ?? "unknown failure";
      throw ExitApiError.envelopeStatus(status.slice(0, 100), detail.slice(0, 500));
    }
    tx = str("tx") ?? str("unsigned_tx_b64");
    if (tx === undefined) throw ExitApiError.parse("status=ok payload missing tx");
  } else {
    tx = str("unsigned_tx_b64") ?? str("tx");
    if (tx === undefined) throw ExitApiError.parse("response did not match any supported schema");
  }
  if (tx === "" || !BASE64.test(tx)) throw ExitApiError.parse("tx is not a base64 transaction");
  const out: BuildTxResponse = { tx };
  if (o["route"] !== undefined) out.route = o["route"];
  if (o["debug"] !== undefined) out.debug = o["debug"];
  return out;
}

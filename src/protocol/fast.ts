/**
 * A validation fast path for the hot server messages (`exit_signal_with_tx`, `pnl_update`,
 * `trade_tick`, `liquidity_snapshot`) in number mode.
 *
 * The zod schemas in `schemas.ts` stay the single source of truth. These checks are a one-sided
 * shortcut: `true` means "zod accepts this object, and its output is this object with `watched`
 * defaulted", `false` means "not sure": the caller then runs zod, which decides and words the
 * error. So a check may be stricter than zod, never looser. `test/protocol/fast.test.ts` proves it
 * with fast-check on generated valid and mutated frames (accept/reject and output agree).
 *
 * Why: on a sparse stream (one exit every few ms) the generated zod validator's code and data are
 * cold on every frame; a few small functions stay warm and touch only the known fields, so an
 * unknown key costs nothing (900k of them used to cost as much again as `JSON.parse`).
 */

type Obj = Record<string, unknown>;

/** u64 in number mode: a safe non-negative integer (beyond 2^53 the frame takes the lossless path). */
function u64(v: unknown): boolean {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function i64(v: unknown): boolean {
  return typeof v === "number" && Number.isSafeInteger(v);
}

function f64(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v);
}

function u16(v: unknown): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65_535;
}

function u32(v: unknown): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 4_294_967_295;
}

function str(v: unknown): boolean {
  return typeof v === "string";
}

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `watched`: a boolean, defaulted to false when absent. */
function watched(o: Obj): boolean {
  const w = o["watched"];
  return w === undefined || typeof w === "boolean";
}

/** `market_context`: optional; a loose object whose `market_type` is a string (contexts are tolerant). */
function marketContext(v: unknown): boolean {
  return v === undefined || (isObject(v) && typeof v["market_type"] === "string");
}

function optU64(v: unknown): boolean {
  return v === undefined || u64(v);
}

function optStr(v: unknown): boolean {
  return v === undefined || typeof v === "string";
}

function exitSignal(o: Obj): boolean {
  return (
    u64(o["session_id"]) &&
    u64(o["position_id"]) &&
    str(o["wallet_pubkey"]) &&
    str(o["mint"]) &&
    u64(o["position_tokens"]) &&
    i64(o["profit_units"]) &&
    str(o["reason"]) &&
    u64(o["triggered_at_ms"]) &&
    str(o["unsigned_tx_b64"]) &&
    optStr(o["token_account"]) &&
    optStr(o["token_program"]) &&
    marketContext(o["market_context"]) &&
    optU64(o["sell_tokens"]) &&
    (o["level_index"] === undefined || u32(o["level_index"])) &&
    optStr(o["mirror_source"]) &&
    watched(o)
  );
}

function pnlUpdate(o: Obj): boolean {
  return (
    u64(o["position_id"]) &&
    i64(o["profit_units"]) &&
    u64(o["proceeds_units"]) &&
    u64(o["server_time_ms"]) &&
    optU64(o["token_price_quote"]) &&
    optU64(o["market_cap_quote"]) &&
    watched(o)
  );
}

function tradeTick(o: Obj): boolean {
  return (
    u64(o["position_id"]) &&
    u64(o["time_ms"]) &&
    str(o["side"]) &&
    u64(o["token_amount"]) &&
    u64(o["quote_amount"]) &&
    u64(o["price_quote"]) &&
    optStr(o["maker"]) &&
    optStr(o["tx_signature"]) &&
    watched(o)
  );
}

function liquiditySnapshot(o: Obj): boolean {
  if (!(u64(o["position_id"]) && str(o["liquidity_trend"]) && u64(o["server_time_ms"]) && watched(o))) return false;
  const bands = o["bands"];
  if (!Array.isArray(bands)) return false;
  for (const band of bands as unknown[]) {
    if (!isObject(band) || !u16(band["slippage_bps"]) || !u64(band["max_tokens"]) || !f64(band["coverage_pct"])) return false;
  }
  return true;
}

/**
 * True when zod's number-mode schema of `type` certainly accepts `obj` and outputs it unchanged
 * but for `watched` (defaulted to false when absent; the caller fills it in). False: ask zod.
 * `obj` must come from `JSON.parse` (plain objects, no `bigint`, no own `__proto__` key).
 */
export function fastAccepts(type: string, obj: Obj): boolean {
  switch (type) {
    case "exit_signal_with_tx":
      return exitSignal(obj);
    case "pnl_update":
      return pnlUpdate(obj);
    case "trade_tick":
      return tradeTick(obj);
    case "liquidity_snapshot":
      return liquiditySnapshot(obj);
    default:
      return false;
  }
}

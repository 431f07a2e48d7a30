/** Server frames for session tests (valid per protocol.md section 4). */

export const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
export const WALLET_2 = "Borqy3dEjw9az7Uj9nW69A9ZDansFGHWEggUx7tkv44f";
export const MINT = "9BB6NFEcjBCtnNLFko2FqVQBq8HHM13kCyYcdQbgpump";
export const MINT_2 = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr";
export const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";

/** A deterministic base58 token account for position `id`. */
export function tokenAccount(id: number | bigint): string {
  return `TA${String(id).padStart(6, "1")}`.replace(/0/g, "z").padEnd(43, "x");
}

type Id = number | bigint;

export function hello(serverTimeMs: number = Date.now(), sessionId: Id = 7): object {
  return {
    type: "hello_ok",
    session_id: sessionId,
    server_time_ms: serverTimeMs,
    limits: { hi_capacity: 256, pnl_flush_ms: 100, max_positions_per_session: 500 },
  };
}

export function opened(id: Id, extra: Record<string, unknown> = {}): object {
  return {
    type: "position_opened",
    position_id: id,
    wallet_pubkey: WALLET,
    mint: MINT,
    token_account: tokenAccount(id),
    token_program: TOKEN_PROGRAM,
    tokens: 1_000_000,
    entry_quote_units: 500_000_000,
    market_context: { market_type: "pump_fun", pumpfun: {} },
    token_name: "Lamppoli",
    token_symbol: "LAMP",
    token_decimals: 6,
    token_price_quote: 24_000,
    market_cap_quote: 30_000_000_000,
    pool_liquidity_quote: 30_000_000_000,
    slot: 400_000_000,
    ...extra,
  };
}

export function closed(id: Id, extra: Record<string, unknown> = {}): object {
  return {
    type: "position_closed",
    position_id: id,
    wallet_pubkey: WALLET,
    mint: MINT,
    token_account: tokenAccount(id),
    reason: "sold",
    slot: 400_000_100,
    ...extra,
  };
}

export function pnl(id: Id, profit: Id, extra: Record<string, unknown> = {}): object {
  return {
    type: "pnl_update",
    position_id: id,
    profit_units: profit,
    proceeds_units: 500_000_000,
    server_time_ms: 1_773_792_000_000,
    ...extra,
  };
}

export function liquidity(id: Id, bands: [number, Id][], trend = "stable"): object {
  return {
    type: "liquidity_snapshot",
    position_id: id,
    bands: bands.map(([bps, max]) => ({ slippage_bps: bps, max_tokens: max, coverage_pct: 50 })),
    liquidity_trend: trend,
    server_time_ms: 1_773_792_000_000,
  };
}

export function tick(id: Id, n = 0): object {
  return {
    type: "trade_tick",
    position_id: id,
    time_ms: 1_773_792_000_000 + n,
    side: "buy",
    token_amount: 1000,
    quote_amount: 2000,
    price_quote: 24_000,
  };
}

export function exit(id: Id, extra: Record<string, unknown> = {}): object {
  return {
    type: "exit_signal_with_tx",
    session_id: 7,
    position_id: id,
    wallet_pubkey: WALLET,
    mint: MINT,
    token_account: tokenAccount(id),
    position_tokens: 1_000_000,
    profit_units: 50_000_000,
    reason: "target_profit",
    triggered_at_ms: 1_773_792_000_000,
    unsigned_tx_b64: "AQAAAA==",
    ...extra,
  };
}

export function balance(tokens: Id, extra: Record<string, unknown> = {}): object {
  return { type: "balance_update", wallet_pubkey: WALLET, mint: MINT, tokens, slot: 400_000_050, ...extra };
}

/**
 * Server frames and a configure for client and session tests. Values follow `test/fixtures/`.
 */
import type { StreamConfigure } from "../../src/client/types.js";

export const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
export const WALLET_2 = "AUH6c4QLMr2qQr9N5Kkpz5astDM9gBNroXCSxQiFTGQv";
export const MINT = "B1rADWGjAKbZYVHMYhS5ZKyMbqFB65vmNNxUXdgFpump";
export const TOKEN_ACCOUNT = "3wEbogFD59ihp6BMG3fSWN3pmJZz7aHZWo1TQrbsLuMD";
/** A short, valid-looking unsigned transaction (the client layer never decodes it). */
export const UNSIGNED_TX_B64 = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/** A configure with every replayable field set. */
export function configure(overrides: Partial<StreamConfigure> = {}): StreamConfigure {
  return {
    wallet_pubkeys: [WALLET],
    strategy: { target_profit_pct: 20, stop_loss_pct: 10 },
    deadline_timeout_sec: 45,
    send_mode: "helius_sender",
    tip_lamports: 1000,
    ...overrides,
  };
}

export function pnlUpdate(positionId: number, profit = 1, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "pnl_update",
    position_id: positionId,
    profit_units: profit,
    proceeds_units: 500_000_000 + profit,
    server_time_ms: 1_773_792_013_300,
    ...extra,
  };
}

export function liquiditySnapshot(positionId: number, trend = "stable"): Record<string, unknown> {
  return {
    type: "liquidity_snapshot",
    position_id: positionId,
    bands: [{ slippage_bps: 100, max_tokens: 4_385_964_912_280, coverage_pct: 25.0 }],
    liquidity_trend: trend,
    server_time_ms: 1_773_792_013_300,
  };
}

export function tradeTick(positionId: number, seq = 0): Record<string, unknown> {
  return {
    type: "trade_tick",
    position_id: positionId,
    time_ms: 1_773_792_013_021 + seq,
    side: "sell",
    token_amount: 3_120_000_000_000,
    quote_amount: 100_000_000,
    price_quote: 32,
  };
}

export function exitSignal(positionId: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "exit_signal_with_tx",
    session_id: 1,
    position_id: positionId,
    wallet_pubkey: WALLET,
    mint: MINT,
    token_account: TOKEN_ACCOUNT,
    position_tokens: 17_543_859_649_123,
    profit_units: -50_000_000,
    reason: "stop_loss",
    triggered_at_ms: 1_773_792_099_002,
    market_context: { market_type: "pump_fun", pumpfun: {} },
    unsigned_tx_b64: UNSIGNED_TX_B64,
    ...extra,
  };
}

export function positionClosed(positionId: number): Record<string, unknown> {
  return {
    type: "position_closed",
    position_id: positionId,
    wallet_pubkey: WALLET,
    mint: MINT,
    token_account: TOKEN_ACCOUNT,
    reason: "stop_loss",
    slot: 404_218_499,
  };
}

/**
 * The one place tests build server frames (valid per protocol.md section 4) and a configure.
 * One builder per message type, named after it (`pnl_update` -> `pnlUpdate`); each takes the
 * position id first and an `extra` object last that overrides or adds fields.
 * Values follow `test/fixtures/`.
 */
import type { StreamConfigure } from "../../src/client/types.js";

type Id = number | bigint;
type Frame = Record<string, unknown>;

export const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
export const WALLET_2 = "AUH6c4QLMr2qQr9N5Kkpz5astDM9gBNroXCSxQiFTGQv";
export const MINT = "B1rADWGjAKbZYVHMYhS5ZKyMbqFB65vmNNxUXdgFpump";
export const MINT_2 = "7GCihgDB8fe6KNjn2MYtkzZcRjQy3t9GHdC8uHYmW2hr";
export const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
/** A short, valid-looking unsigned transaction (the client layer never decodes it). */
export const UNSIGNED_TX_B64 = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const SERVER_TIME_MS = 1_773_792_013_300;

/** A deterministic base58 token account for position `id` (the frames of one position share it). */
export function tokenAccount(id: Id): string {
  return `TA${String(id).padStart(6, "1")}`.replace(/0/g, "z").padEnd(43, "x");
}

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

export function helloOk(serverTimeMs: number = Date.now(), sessionId: Id = 7): Frame {
  return {
    type: "hello_ok",
    session_id: sessionId,
    server_time_ms: serverTimeMs,
    limits: { hi_capacity: 256, pnl_flush_ms: 100, max_positions_per_session: 500 },
  };
}

export function positionOpened(id: Id, extra: Frame = {}): Frame {
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

export function positionClosed(id: Id, extra: Frame = {}): Frame {
  return {
    type: "position_closed",
    position_id: id,
    wallet_pubkey: WALLET,
    mint: MINT,
    token_account: tokenAccount(id),
    reason: "stop_loss",
    slot: 404_218_499,
    ...extra,
  };
}

export function pnlUpdate(id: Id, profit: Id = 1, extra: Frame = {}): Frame {
  return {
    type: "pnl_update",
    position_id: id,
    profit_units: profit,
    proceeds_units: 500_000_000,
    server_time_ms: SERVER_TIME_MS,
    ...extra,
  };
}

/** `bands` are `[slippage_bps, max_tokens]` pairs. */
export function liquiditySnapshot(id: Id, trend = "stable", bands: [number, Id][] = [[100, 4_385_964_912_280]]): Frame {
  return {
    type: "liquidity_snapshot",
    position_id: id,
    bands: bands.map(([bps, max]) => ({ slippage_bps: bps, max_tokens: max, coverage_pct: 25.0 })),
    liquidity_trend: trend,
    server_time_ms: SERVER_TIME_MS,
  };
}

/** `seq` is added to the tick's `time_ms`. */
export function tradeTick(id: Id, seq = 0): Frame {
  return {
    type: "trade_tick",
    position_id: id,
    time_ms: 1_773_792_013_021 + seq,
    side: "sell",
    token_amount: 3_120_000_000_000,
    quote_amount: 100_000_000,
    price_quote: 32,
  };
}

export function exitSignal(id: Id, extra: Frame = {}): Frame {
  return {
    type: "exit_signal_with_tx",
    session_id: 7,
    position_id: id,
    wallet_pubkey: WALLET,
    mint: MINT,
    token_account: tokenAccount(id),
    position_tokens: 1_000_000,
    profit_units: -50_000_000,
    reason: "stop_loss",
    triggered_at_ms: 1_773_792_099_002,
    market_context: { market_type: "pump_fun", pumpfun: {} },
    unsigned_tx_b64: UNSIGNED_TX_B64,
    ...extra,
  };
}

export function balanceUpdate(tokens: Id, extra: Frame = {}): Frame {
  return { type: "balance_update", wallet_pubkey: WALLET, mint: MINT, tokens, slot: 400_000_050, ...extra };
}

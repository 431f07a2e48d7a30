/**
 * zod schemas for every message of the LaserSell stream protocol (protocol.md sections 3-5).
 *
 * Server messages are tolerant: unknown fields stay on the message (`looseObject`) and open
 * vocabularies (`reason`, `market_type`, ...) accept values not known yet. Client messages come in
 * two flavours: strict (for {@link stringifyClientMessage}: unknown keys rejected) and lenient
 * (for {@link parseClientMessage}, as the server reads them: unknown keys ignored).
 *
 * Why one file of ~640 lines: it is the wire contract, one schema-plus-inferred-type pair per
 * message, and reads as a table. Split by message it would scatter the shared building blocks
 * (the int modes, market contexts, strategy) that every schema reuses.
 */
import { z } from "zod";
import {
  bigintInts,
  clientU64,
  f64,
  numberInts,
  u16,
  u32,
  u8,
  type IntMode,
  type IntSchemas,
} from "./ints.js";

/** A string field whose known values are listed, but which accepts any string (forward compatible). */
type Open<T extends string> = T | (string & {});
function openString<const T extends readonly string[]>(_known: T): z.ZodType<Open<T[number]>, Open<T[number]>> {
  return z.string() as unknown as z.ZodType<Open<T[number]>, Open<T[number]>>;
}

// ---------------------------------------------------------------------------------------------
// Vocabularies (protocol.md section 6)
// ---------------------------------------------------------------------------------------------

/** Market types this version knows (`market_type`); others are accepted too. */
export const MARKET_TYPES = [
  "pump_fun",
  "pump_swap",
  "meteora_dbc",
  "meteora_damm_v2",
  "raydium_launchpad",
  "raydium_cpmm",
] as const;
/** One of {@link MARKET_TYPES}. */
export type KnownMarketType = (typeof MARKET_TYPES)[number];
/** A `market_type`: a known one, or any string a newer server sends. */
export type MarketType = Open<KnownMarketType>;

/** Exit reasons this version knows (`reason` of exit signals and closes); others are accepted too. */
export const EXIT_REASONS = [
  "target_profit",
  "stop_loss",
  "trailing_stop",
  "breakeven_trail",
  "chained_tp",
  "graduation",
  "sell_now",
  "timeout",
  "mirror_sell",
] as const;
/** An exit `reason`: a known one, or any string a newer server sends. */
export type ExitReason = Open<(typeof EXIT_REASONS)[number]>;

/** Liquidity trends this version knows (`liquidity_trend`). */
export const LIQUIDITY_TRENDS = ["growing", "stable", "draining"] as const;
/** A `liquidity_trend`: a known one, or any string a newer server sends. */
export type LiquidityTrend = Open<(typeof LIQUIDITY_TRENDS)[number]>;

/** Trade sides this version knows (`side` of `trade_tick`). */
export const TRADE_SIDES = ["buy", "sell"] as const;
/** A trade `side`: a known one, or any string a newer server sends. */
export type TradeSide = Open<(typeof TRADE_SIDES)[number]>;

/** Send modes this version knows (`send_mode` of `configure`). */
export const SEND_MODES = ["helius_sender", "rpc", "astralane"] as const;
/** A `send_mode`: a known one, or any string the server accepts. */
export type SendMode = Open<(typeof SEND_MODES)[number]>;

/** Mirror-buy inputs this version knows (`input` of `mirror_buy_signal`). */
export const MIRROR_INPUTS = ["SOL", "USD1"] as const;
/** A mirror-buy `input`: a known one, or any string a newer server sends. */
export type MirrorInput = Open<(typeof MIRROR_INPUTS)[number]>;

// ---------------------------------------------------------------------------------------------
// Nested types shared by both directions (protocol.md section 5)
// ---------------------------------------------------------------------------------------------

/** Base58 public key (32-44 characters), checked on outgoing messages only. */
const pubkeyOut = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "expected a base58 public key");
const nonNegPct = f64.min(0);

function nested(strict: boolean) {
  const obj = strict ? z.strictObject : z.object;
  const pubkey = strict ? pubkeyOut : z.string();
  const pct = strict ? nonNegPct : f64;

  const TakeProfitLevel = obj({
    profit_pct: pct,
    sell_pct: pct,
    trailing_stop_pct: pct.optional(),
  });
  // The crate requires both thresholds on the wire; a caller may leave them out (0 = off), so
  // the strict (outgoing) schema fills 0 and the lenient one (the server's reading) requires them.
  // A stop loss above 100 % of the entry cost could never fire.
  // (Typed as the defaulted field either way: both output a number, and the input type is the
  // caller's, which may leave it out.)
  const threshold = (s: z.ZodNumber) => (strict ? s.default(0) : s) as z.ZodDefault<z.ZodNumber>;
  const Strategy = obj({
    target_profit_pct: threshold(pct),
    stop_loss_pct: threshold(strict ? pct.max(100, "must be <= 100 (a loss cannot exceed the entry cost)") : pct),
    trailing_stop_pct: pct.optional(),
    sell_on_graduation: z.boolean().optional(),
    take_profit_levels: z.array(TakeProfitLevel).optional(),
    liquidity_guard: z.boolean().optional(),
    breakeven_trail_pct: pct.optional(),
  });
  const AutoBuy = obj({
    wallet_pubkey: pubkey,
    amount_quote_units: clientU64,
    amount_usd1_units: clientU64.nullable().optional(),
  });
  const WatchWallet = obj({
    pubkey,
    auto_buy: AutoBuy.optional(),
    mirror_sell: z.boolean().optional(),
  });
  const MirrorConfig = obj({
    max_positions_per_wallet: u32.optional(),
    cooldown_sec: clientU64.optional(),
    skip_creator_tokens: z.boolean().optional(),
    max_active_sol: pct.optional(),
    buy_slippage_bps: u16.optional(),
    min_liquidity_sol: pct.nullable().optional(),
    max_entry_drift_pct: pct.nullable().optional(),
    max_consecutive_losses: u32.nullable().optional(),
  });
  return { TakeProfitLevel, Strategy, AutoBuy, WatchWallet, MirrorConfig, pubkey };
}

const strictNested = nested(true);
const lenientNested = nested(false);

/** `TakeProfitLevelMsg`: one rung of an exit ladder. */
export const TakeProfitLevelSchema = strictNested.TakeProfitLevel;
/** `StrategyConfigMsg`: the exit strategy (protocol.md section 5.1). */
export const StrategyConfigSchema = strictNested.Strategy;
/** `AutoBuyConfigMsg`. */
export const AutoBuyConfigSchema = strictNested.AutoBuy;
/** `WatchWalletEntryMsg`. */
export const WatchWalletEntrySchema = strictNested.WatchWallet;
/** `MirrorConfigMsg`. */
export const MirrorConfigSchema = strictNested.MirrorConfig;

/** One level of an exit ladder (`take_profit_levels`): at `profit_pct`, sell `sell_pct` % of the tokens still held. */
export type TakeProfitLevel = z.input<typeof TakeProfitLevelSchema>;
/**
 * An exit strategy (`StrategyConfigMsg`, protocol.md section 5.1). Every rule is optional:
 * **0 or absent means off**. Percentages are of the position's entry cost.
 *
 * - `target_profit_pct`: take profit at this gain (ignored while `take_profit_levels` is non-empty);
 *   sent as 0 when absent (the wire requires the field).
 * - `stop_loss_pct`: exit at this loss, at most 100; sent as 0 when absent (the wire requires it).
 * - `trailing_stop_pct`: exit when profit falls this many percentage points below its peak.
 * - `take_profit_levels`: an exit ladder; `sell_on_graduation`, `liquidity_guard`,
 *   `breakeven_trail_pct` as in the protocol.
 *
 * At least one of take profit, stop loss, trailing stop or the client-side deadline must be > 0
 * (see `validateStrategy`).
 *
 * @example
 * ```ts
 * const strategy: StrategyConfig = { stop_loss_pct: 5 }; // take profit off
 * ```
 */
export type StrategyConfig = z.input<typeof StrategyConfigSchema>;
/** Copy-trading buy settings of a watch wallet (`auto_buy`). */
export type AutoBuyConfig = z.input<typeof AutoBuyConfigSchema>;
/** A watched wallet (`watch_wallets`): its positions get PnL but no automatic exits; optional mirror buys and sells. */
export type WatchWalletEntry = z.input<typeof WatchWalletEntrySchema>;
/** Limits of mirror (copy) trading (`mirror_config` of `configure`). */
export type MirrorConfig = z.input<typeof MirrorConfigSchema>;

// ---------------------------------------------------------------------------------------------
// Market context (protocol.md section 5.8)
// ---------------------------------------------------------------------------------------------

/** zod schema of the `pumpfun` venue object of a `market_context` (unknown fields kept). */
export const PumpFunContextSchema = z.looseObject({});
/** zod schema of the `pumpswap` venue object of a `market_context` (unknown fields kept). */
export const PumpSwapContextSchema = z.looseObject({
  pool: z.string(),
  global_config: z.string().optional(),
});
/** zod schema of the `meteora_dbc` venue object of a `market_context` (unknown fields kept). */
export const MeteoraDbcContextSchema = z.looseObject({
  pool: z.string(),
  config: z.string(),
  quote_mint: z.string(),
});
/** zod schema of the `meteora_damm_v2` venue object of a `market_context` (unknown fields kept). */
export const MeteoraDammV2ContextSchema = z.looseObject({ pool: z.string() });
/** zod schema of the `raydium_launchpad` venue object of a `market_context` (unknown fields kept). */
export const RaydiumLaunchpadContextSchema = z.looseObject({
  pool: z.string(),
  config: z.string(),
  platform: z.string(),
  quote_mint: z.string(),
  user_quote_account: z.string(),
});
/** zod schema of the `raydium_cpmm` venue object of a `market_context` (unknown fields kept). */
export const RaydiumCpmmContextSchema = z.looseObject({
  pool: z.string(),
  config: z.string(),
  quote_mint: z.string(),
  user_quote_account: z.string(),
});

/**
 * A context object that does not match its schema (a field renamed or dropped by a newer server)
 * does not fail the message: it is delivered as received. An exit signal must never be lost over
 * market metadata that signing its transaction does not need. Check a context's fields before
 * relying on them (`typeof ctx.pumpswap?.pool === "string"`).
 */
function tolerantContext<T extends z.ZodType>(schema: T) {
  return schema.optional().catch((ctx) => ctx.value as z.output<T> | undefined);
}

/**
 * `MarketContextMsg`: `market_type` plus one context object. An unknown `market_type` (a DEX this
 * version does not know) is accepted, and its context key is kept as an unknown field.
 */
export const MarketContextSchema = z.looseObject({
  market_type: openString(MARKET_TYPES),
  pumpfun: tolerantContext(PumpFunContextSchema),
  pumpswap: tolerantContext(PumpSwapContextSchema),
  meteora_dbc: tolerantContext(MeteoraDbcContextSchema),
  meteora_damm_v2: tolerantContext(MeteoraDammV2ContextSchema),
  raydium_launchpad: tolerantContext(RaydiumLaunchpadContextSchema),
  raydium_cpmm: tolerantContext(RaydiumCpmmContextSchema),
});
/** The `market_context` of a position: its venue and the accounts of that venue. */
export type MarketContext = z.output<typeof MarketContextSchema>;

/**
 * `LimitsMsg` (protocol.md section 5.6): `pnl_flush_ms` is a u64, the counters u32; the last four
 * default to 0 when absent.
 */
function limitsSchema<M extends IntMode>(ints: IntSchemas<M>) {
  return z.looseObject({
    hi_capacity: u32,
    pnl_flush_ms: ints.u64,
    max_positions_per_session: u32,
    max_wallets_per_session: u32.default(0),
    max_positions_per_wallet: u32.default(0),
    max_sessions_per_api_key: u32.default(0),
    max_watch_wallets_per_session: u32.default(0),
  });
}

// ---------------------------------------------------------------------------------------------
// Server -> client messages (protocol.md section 4), built per integer mode
// ---------------------------------------------------------------------------------------------

function serverSchemas<M extends IntMode>(ints: IntSchemas<M>) {
  const { u64, i64 } = ints;
  const watched = z.boolean().default(false);

  const SlippageBand = z.looseObject({
    slippage_bps: u16,
    max_tokens: u64,
    coverage_pct: f64,
  });

  return {
    SlippageBand,
    Limits: limitsSchema(ints),
    hello_ok: z.looseObject({
      type: z.literal("hello_ok"),
      session_id: u64,
      server_time_ms: u64,
      limits: limitsSchema(ints),
    }),
    pong: z.looseObject({
      type: z.literal("pong"),
      server_time_ms: u64,
    }),
    error: z.looseObject({
      type: z.literal("error"),
      code: z.string(),
      message: z.string(),
    }),
    pnl_update: z.looseObject({
      type: z.literal("pnl_update"),
      position_id: u64,
      profit_units: i64,
      proceeds_units: u64,
      server_time_ms: u64,
      token_price_quote: u64.optional(),
      market_cap_quote: u64.optional(),
      watched,
    }),
    liquidity_snapshot: z.looseObject({
      type: z.literal("liquidity_snapshot"),
      position_id: u64,
      bands: z.array(SlippageBand),
      liquidity_trend: openString(LIQUIDITY_TRENDS),
      server_time_ms: u64,
      watched,
    }),
    trade_tick: z.looseObject({
      type: z.literal("trade_tick"),
      position_id: u64,
      time_ms: u64,
      side: openString(TRADE_SIDES),
      token_amount: u64,
      quote_amount: u64,
      price_quote: u64,
      maker: z.string().optional(),
      tx_signature: z.string().optional(),
      watched,
    }),
    balance_update: z.looseObject({
      type: z.literal("balance_update"),
      wallet_pubkey: z.string(),
      mint: z.string(),
      token_account: z.string().optional(),
      token_program: z.string().optional(),
      tokens: u64,
      slot: u64,
    }),
    position_opened: z.looseObject({
      type: z.literal("position_opened"),
      position_id: u64,
      wallet_pubkey: z.string(),
      mint: z.string(),
      token_account: z.string(),
      token_program: z.string().optional(),
      tokens: u64,
      entry_quote_units: u64,
      market_context: MarketContextSchema.optional(),
      token_name: z.string().optional(),
      token_symbol: z.string().optional(),
      token_decimals: u8.optional(),
      token_price_quote: u64.optional(),
      market_cap_quote: u64.optional(),
      pool_liquidity_quote: u64.optional(),
      opened_at_ms: u64.optional(),
      slot: u64,
      watched,
      mirror_source: z.string().optional(),
    }),
    position_closed: z.looseObject({
      type: z.literal("position_closed"),
      position_id: u64,
      wallet_pubkey: z.string(),
      mint: z.string(),
      token_account: z.string().optional(),
      reason: openString(EXIT_REASONS),
      mirror_source: z.string().optional(),
      slot: u64,
      watched,
    }),
    exit_signal_with_tx: z.looseObject({
      type: z.literal("exit_signal_with_tx"),
      session_id: u64,
      position_id: u64,
      wallet_pubkey: z.string(),
      mint: z.string(),
      token_account: z.string().optional(),
      token_program: z.string().optional(),
      position_tokens: u64,
      profit_units: i64,
      reason: openString(EXIT_REASONS),
      triggered_at_ms: u64,
      market_context: MarketContextSchema.optional(),
      unsigned_tx_b64: z.string(),
      sell_tokens: u64.optional(),
      level_index: u32.optional(),
      mirror_source: z.string().optional(),
      watched,
    }),
    mirror_buy_signal: z.looseObject({
      type: z.literal("mirror_buy_signal"),
      session_id: u64,
      watched_wallet: z.string(),
      mint: z.string(),
      user_wallet: z.string(),
      amount_quote_units: u64,
      input: openString(MIRROR_INPUTS),
      unsigned_tx_b64: z.string(),
      slippage_bps: u16,
      send_mode: openString(SEND_MODES).optional(),
      tip_lamports: u64.optional(),
      market_context: MarketContextSchema.optional(),
    }),
    mirror_buy_failed: z.looseObject({
      type: z.literal("mirror_buy_failed"),
      watched_wallet: z.string(),
      mint: z.string(),
      reason: z.string(),
    }),
    mirror_wallet_auto_disabled: z.looseObject({
      type: z.literal("mirror_wallet_auto_disabled"),
      watched_wallet: z.string(),
      reason: z.string(),
      loss_count: u32,
    }),
  };
}

/** Server message schemas for one integer mode, keyed by message type. */
export type ServerSchemas<M extends IntMode> = ReturnType<typeof serverSchemas<M>>;

/** The 13 server message types this version knows. */
export const SERVER_MESSAGE_TYPES = [
  "hello_ok",
  "pong",
  "error",
  "pnl_update",
  "liquidity_snapshot",
  "trade_tick",
  "balance_update",
  "position_opened",
  "position_closed",
  "exit_signal_with_tx",
  "mirror_buy_signal",
  "mirror_buy_failed",
  "mirror_wallet_auto_disabled",
] as const;
/** The `type` of every server message this version knows. */
export type ServerMessageType = (typeof SERVER_MESSAGE_TYPES)[number];

/** Server message schemas in `"number"` mode (the default). */
export const numberServerSchemas: ServerSchemas<"number"> = serverSchemas(numberInts);
/** Server message schemas in `"bigint"` mode. */
export const bigintServerSchemas: ServerSchemas<"bigint"> = serverSchemas(bigintInts);

/** zod schema of the `hello_ok` server message (number mode; unknown fields kept). */
export const HelloOkSchema = numberServerSchemas.hello_ok;
/** zod schema of the `pong` server message (number mode; unknown fields kept). */
export const PongSchema = numberServerSchemas.pong;
/** zod schema of the `error` server message (number mode; unknown fields kept). */
export const ErrorMessageSchema = numberServerSchemas.error;
/** zod schema of the `pnl_update` server message (number mode; unknown fields kept). */
export const PnlUpdateSchema = numberServerSchemas.pnl_update;
/** zod schema of the `liquidity_snapshot` server message (number mode; unknown fields kept). */
export const LiquiditySnapshotSchema = numberServerSchemas.liquidity_snapshot;
/** zod schema of one slippage band (number mode). */
export const SlippageBandSchema = numberServerSchemas.SlippageBand;
/** `LimitsMsg` (number mode). */
export const LimitsSchema = numberServerSchemas.Limits;
/** zod schema of the `trade_tick` server message (number mode; unknown fields kept). */
export const TradeTickSchema = numberServerSchemas.trade_tick;
/** zod schema of the `balance_update` server message (number mode; unknown fields kept). */
export const BalanceUpdateSchema = numberServerSchemas.balance_update;
/** zod schema of the `position_opened` server message (number mode; unknown fields kept). */
export const PositionOpenedSchema = numberServerSchemas.position_opened;
/** zod schema of the `position_closed` server message (number mode; unknown fields kept). */
export const PositionClosedSchema = numberServerSchemas.position_closed;
/** zod schema of the `exit_signal_with_tx` server message (number mode; unknown fields kept). */
export const ExitSignalWithTxSchema = numberServerSchemas.exit_signal_with_tx;
/** zod schema of the `mirror_buy_signal` server message (number mode; unknown fields kept). */
export const MirrorBuySignalSchema = numberServerSchemas.mirror_buy_signal;
/** zod schema of the `mirror_buy_failed` server message (number mode; unknown fields kept). */
export const MirrorBuyFailedSchema = numberServerSchemas.mirror_buy_failed;
/** zod schema of the `mirror_wallet_auto_disabled` server message (number mode; unknown fields kept). */
export const MirrorWalletAutoDisabledSchema = numberServerSchemas.mirror_wallet_auto_disabled;

type ServerOut<K extends ServerMessageType, M extends IntMode> = z.output<ServerSchemas<M>[K]>;

/** The `hello_ok` server message; `M` picks number or bigint integers. */
export type HelloOk<M extends IntMode = "number"> = ServerOut<"hello_ok", M>;
/** The `pong` server message; `M` picks number or bigint integers. */
export type Pong<M extends IntMode = "number"> = ServerOut<"pong", M>;
/** The `error` server message; `M` picks number or bigint integers. */
export type ErrorMessage<M extends IntMode = "number"> = ServerOut<"error", M>;
/** The `pnl_update` server message; `M` picks number or bigint integers. */
export type PnlUpdate<M extends IntMode = "number"> = ServerOut<"pnl_update", M>;
/** The `liquidity_snapshot` server message; `M` picks number or bigint integers. */
export type LiquiditySnapshot<M extends IntMode = "number"> = ServerOut<"liquidity_snapshot", M>;
/** One band of a `liquidity_snapshot`; `M` picks number or bigint integers. */
export type SlippageBand<M extends IntMode = "number"> = z.output<ServerSchemas<M>["SlippageBand"]>;
/** The `limits` object of `hello_ok`; `M` picks number or bigint integers. */
export type Limits<M extends IntMode = "number"> = z.output<ServerSchemas<M>["Limits"]>;
/** The `trade_tick` server message; `M` picks number or bigint integers. */
export type TradeTick<M extends IntMode = "number"> = ServerOut<"trade_tick", M>;
/** The `balance_update` server message; `M` picks number or bigint integers. */
export type BalanceUpdate<M extends IntMode = "number"> = ServerOut<"balance_update", M>;
/** The `position_opened` server message; `M` picks number or bigint integers. */
export type PositionOpened<M extends IntMode = "number"> = ServerOut<"position_opened", M>;
/** The `position_closed` server message; `M` picks number or bigint integers. */
export type PositionClosed<M extends IntMode = "number"> = ServerOut<"position_closed", M>;
/** The `exit_signal_with_tx` server message; `M` picks number or bigint integers. */
export type ExitSignalWithTx<M extends IntMode = "number"> = ServerOut<"exit_signal_with_tx", M>;
/** The `mirror_buy_signal` server message; `M` picks number or bigint integers. */
export type MirrorBuySignal<M extends IntMode = "number"> = ServerOut<"mirror_buy_signal", M>;
/** The `mirror_buy_failed` server message; `M` picks number or bigint integers. */
export type MirrorBuyFailed<M extends IntMode = "number"> = ServerOut<"mirror_buy_failed", M>;
/** The `mirror_wallet_auto_disabled` server message; `M` picks number or bigint integers. */
export type MirrorWalletAutoDisabled<M extends IntMode = "number"> = ServerOut<
  "mirror_wallet_auto_disabled",
  M
>;

/** Any known server message, narrowed by `type`. */
export type ServerMessage<M extends IntMode = "number"> = {
  [K in ServerMessageType]: ServerOut<K, M>;
}[ServerMessageType];

/** The server message of one type. */
export type ServerMessageOf<T extends ServerMessageType, M extends IntMode = "number"> = ServerOut<T, M>;

/**
 * Low-priority message types (protocol.md section 1.9): periodic state that a newer message
 * supersedes. Everything else is high priority and is never dropped.
 */
export const LOW_PRIORITY_TYPES = ["pnl_update", "liquidity_snapshot", "trade_tick"] as const;
/** Server message types that may be superseded for a slow consumer: `pnl_update`, `liquidity_snapshot`, `trade_tick`. */
export type LowPriorityType = (typeof LOW_PRIORITY_TYPES)[number];

/** True for `pnl_update`, `liquidity_snapshot` and `trade_tick`. */
export function isLowPriority(type: string): type is LowPriorityType {
  return type === "pnl_update" || type === "liquidity_snapshot" || type === "trade_tick";
}

// ---------------------------------------------------------------------------------------------
// Client -> server messages (protocol.md section 3)
// ---------------------------------------------------------------------------------------------

function clientSchemas(strict: boolean) {
  const n = strict ? strictNested : lenientNested;
  const obj = strict ? z.strictObject : z.object;
  const walletList = z.array(n.pubkey).min(1);
  return {
    ping: obj({ type: z.literal("ping"), client_time_ms: clientU64 }),
    configure: obj({
      type: z.literal("configure"),
      wallet_pubkeys: walletList,
      strategy: n.Strategy,
      send_mode: openString(SEND_MODES).nullable().optional(),
      tip_lamports: clientU64.nullable().optional(),
      watch_wallets: z.array(n.WatchWallet).optional(),
      mirror_config: n.MirrorConfig.optional(),
    }),
    update_strategy: obj({ type: z.literal("update_strategy"), strategy: n.Strategy }),
    close_position: obj({
      type: z.literal("close_position"),
      position_id: clientU64.nullable().optional(),
      token_account: n.pubkey.nullable().optional(),
    }),
    request_exit_signal: obj({
      type: z.literal("request_exit_signal"),
      position_id: clientU64.nullable().optional(),
      token_account: n.pubkey.nullable().optional(),
      slippage_bps: u16.nullable().optional(),
    }),
    update_wallets: obj({ type: z.literal("update_wallets"), wallet_pubkeys: z.array(n.pubkey) }),
    update_watch_wallets: obj({
      type: z.literal("update_watch_wallets"),
      watch_wallets: z.array(n.WatchWallet),
    }),
    update_position_strategy: obj({
      type: z.literal("update_position_strategy"),
      position_id: clientU64,
      strategy: n.Strategy,
    }),
    mirror_buy_result: obj({
      type: z.literal("mirror_buy_result"),
      mint: n.pubkey,
      success: z.boolean(),
    }),
  };
}

/** The 9 client message types. */
export const CLIENT_MESSAGE_TYPES = [
  "ping",
  "configure",
  "update_strategy",
  "close_position",
  "request_exit_signal",
  "update_wallets",
  "update_watch_wallets",
  "update_position_strategy",
  "mirror_buy_result",
] as const;
/** The `type` of every client message. */
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];

/** Strict schemas, used to validate every outgoing message. */
export const strictClientSchemas = clientSchemas(true);
/** Lenient schemas, reading client frames as the server does (unknown keys ignored). */
export const lenientClientSchemas = clientSchemas(false);

/** Strict zod schema of the `ping` client message (unknown keys refused). */
export const PingSchema = strictClientSchemas.ping;
/** Strict zod schema of the `configure` client message (unknown keys refused). */
export const ConfigureSchema = strictClientSchemas.configure;
/** Strict zod schema of the `update_strategy` client message (unknown keys refused). */
export const UpdateStrategySchema = strictClientSchemas.update_strategy;
/** Strict zod schema of the `close_position` client message (unknown keys refused). */
export const ClosePositionSchema = strictClientSchemas.close_position;
/** Strict zod schema of the `request_exit_signal` client message (unknown keys refused). */
export const RequestExitSignalSchema = strictClientSchemas.request_exit_signal;
/** Strict zod schema of the `update_wallets` client message (unknown keys refused). */
export const UpdateWalletsSchema = strictClientSchemas.update_wallets;
/** Strict zod schema of the `update_watch_wallets` client message (unknown keys refused). */
export const UpdateWatchWalletsSchema = strictClientSchemas.update_watch_wallets;
/** Strict zod schema of the `update_position_strategy` client message (unknown keys refused). */
export const UpdatePositionStrategySchema = strictClientSchemas.update_position_strategy;
/** Strict zod schema of the `mirror_buy_result` client message (unknown keys refused). */
export const MirrorBuyResultSchema = strictClientSchemas.mirror_buy_result;

// What a caller writes (the schemas' input): strategy thresholds may be left out, and
// `stringifyClientMessage` writes them as 0.
type ClientOut<K extends ClientMessageType> = z.input<(typeof strictClientSchemas)[K]>;
/** The `ping` client message. */
export type Ping = ClientOut<"ping">;
/** The `configure` client message. */
export type Configure = ClientOut<"configure">;
/** The `update_strategy` client message. */
export type UpdateStrategy = ClientOut<"update_strategy">;
/** The `close_position` client message. */
export type ClosePosition = ClientOut<"close_position">;
/** The `request_exit_signal` client message. */
export type RequestExitSignal = ClientOut<"request_exit_signal">;
/** The `update_wallets` client message. */
export type UpdateWallets = ClientOut<"update_wallets">;
/** The `update_watch_wallets` client message. */
export type UpdateWatchWallets = ClientOut<"update_watch_wallets">;
/** The `update_position_strategy` client message. */
export type UpdatePositionStrategy = ClientOut<"update_position_strategy">;
/** The `mirror_buy_result` client message. */
export type MirrorBuyResult = ClientOut<"mirror_buy_result">;

/** Any client message, narrowed by `type`. u64 fields are `number | bigint`. */
export type ClientMessage = { [K in ClientMessageType]: ClientOut<K> }[ClientMessageType];
/** The client message of type `T`. */
export type ClientMessageOf<T extends ClientMessageType> = ClientOut<T>;

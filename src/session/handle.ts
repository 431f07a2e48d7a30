/**
 * `PositionHandle`: what the stream has said about one position, as an immutable snapshot.
 */
import type {
  ExitReason,
  Int,
  IntMode,
  LiquidityTrend,
  MarketContext,
  MarketType,
  SlippageBand,
} from "../protocol/index.js";

/** The last `exit_signal_with_tx` seen for a position (an exit signal is an offer, not a sale). */
export interface LastExitSignal<M extends IntMode = "number"> {
  readonly reason: ExitReason;
  /** Position size when the signal was built (`position_tokens`). */
  readonly position_tokens: Int<M>;
  /** Tokens that transaction sells; absent for a full exit. */
  readonly sell_tokens?: Int<M>;
  /** Ladder level that fired, for partial (ladder) exits. */
  readonly level_index?: number;
  readonly profit_units: Int<M>;
  readonly triggered_at_ms: Int<M>;
}

/**
 * One tracked position, as it stands after the last message that concerned it.
 *
 * Handles are frozen snapshots: a message that changes the position produces a new handle, and
 * the handles you already hold never change. Field names follow the wire (and the official SDK's
 * `PositionHandle`); integer fields follow the session's int mode `M`.
 *
 * `tokens` is the position size the server last reported: `position_opened.tokens`, then every
 * `balance_update` of the same token account (or wallet + mint), and the `position_tokens` of each
 * `exit_signal_with_tx`. An exit signal's `sell_tokens` is never subtracted: the sale has not
 * happened until the bot submits it, and the `balance_update` that follows a landed sale carries
 * the new size. The signal itself is kept in {@link PositionHandle.last_exit}.
 */
export interface PositionHandle<M extends IntMode = "number"> {
  readonly position_id: Int<M>;
  readonly token_account: string;
  readonly wallet_pubkey: string;
  readonly mint: string;
  /** SPL Token or Token-2022 program id. */
  readonly token_program?: string;
  /** Current position size in raw token units (see the interface description). */
  readonly tokens: Int<M>;
  /** Entry cost in quote units (lamports for SOL markets, USD1 base units for USD1 markets). */
  readonly entry_quote_units: Int<M>;
  readonly market_context?: MarketContext;
  /** `market_context.market_type`, as sent (e.g. `"pump_fun"`; a new DEX arrives as its own string). */
  readonly market_type?: MarketType;
  readonly token_name?: string;
  readonly token_symbol?: string;
  readonly token_decimals?: number;
  /** Last price: from `position_opened`, then from each `pnl_update` that carries one. */
  readonly token_price_quote?: Int<M>;
  /** Last market cap: from `position_opened`, then from each `pnl_update` that carries one. */
  readonly market_cap_quote?: Int<M>;
  /** Pool liquidity at open. */
  readonly pool_liquidity_quote?: Int<M>;
  /** Server time of the open (server clock, Unix ms), when the server sent it. */
  readonly opened_at_ms?: Int<M>;
  /** Slot of the last `position_opened` for this position. */
  readonly slot: Int<M>;
  /** The position belongs to a watched (copy-traded) wallet. Watched positions get no deadline. */
  readonly watched: boolean;
  /** The mirror source that caused the position, e.g. the watched wallet. */
  readonly mirror_source?: string;
  /** Profit (negative: loss) of the last `pnl_update`, quote units. */
  readonly profit_units?: Int<M>;
  /** Estimated proceeds of selling now, from the last `pnl_update`. */
  readonly proceeds_units?: Int<M>;
  /** Highest `profit_units` seen. */
  readonly peak_profit_units?: Int<M>;
  /** `server_time_ms` of the last `pnl_update`. */
  readonly pnl_server_time_ms?: Int<M>;
  /** Bands of the last `liquidity_snapshot`. */
  readonly slippage_bands?: readonly SlippageBand<M>[];
  /** Trend of the last `liquidity_snapshot`. */
  readonly liquidity_trend?: LiquidityTrend;
  /** The last `exit_signal_with_tx` for this position. */
  readonly last_exit?: LastExitSignal<M>;
  /** Local wall-clock time (Unix ms) this session first saw the position. */
  readonly first_seen_at_ms: number;
  /**
   * Estimated local wall-clock time (Unix ms) when the client-side deadline fires; absent when no
   * deadline applies (deadline 0, watched position). Scheduling itself uses a monotonic clock.
   */
  readonly deadline_at_ms?: number;
}

/** Freezes an object and every object or array inside it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value as Record<string, unknown>)) deepFreeze(inner);
  }
  return value;
}

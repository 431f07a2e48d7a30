/**
 * The mock server's strategy engine: given a strategy, the position's PnL and its history (kept
 * in {@link EngineState}), decide which exits fire. Pure: no I/O, no clock, no randomness.
 *
 * PnL is measured in percent of the entry cost: `pnl = (price / entry price - 1) * 100`, rounded
 * to 1e-9 so that a threshold is crossed exactly when the price reaches it. `peak` is the highest
 * PnL seen since the position opened (the current tick included).
 *
 * Rules, evaluated on every price change in this order; at most one full exit fires per position,
 * then no automatic rule fires again for it (a `request_exit_signal` still answers):
 *
 * | Rule | Fires when | `reason` |
 * |---|---|---|
 * | stop loss | `stop_loss_pct > 0` and `pnl <= -stop_loss_pct` | `stop_loss` |
 * | trailing stop | `trailing_stop_pct > 0`, `peak > 0` and `pnl <= peak - trailing_stop_pct` (percentage points of entry) | `trailing_stop` |
 * | breakeven trail | `breakeven_trail_pct > 0`, `peak >= breakeven_trail_pct` (armed) and then `pnl <= 0` | `breakeven_trail` |
 * | exit ladder | for each level `i` (array order) not fired yet: `pnl >= profit_pct` | `chained_tp` |
 * | take profit | `take_profit_levels` empty, `target_profit_pct > 0` and `pnl >= target_profit_pct` | `target_profit` |
 *
 * Exit ladder: each level fires once and sells `sell_pct` % of the tokens still available
 * (the position minus sells already signalled and not yet settled), rounded down, with
 * `sell_tokens` and `level_index` set. A level whose sale leaves nothing is a full exit. A level
 * with `trailing_stop_pct > 0` replaces the trailing-stop percentage for the rest of the
 * position's life (crate semantics). Several levels crossed on one tick all fire, in array order.
 *
 * Liquidity guard (`liquidity_guard: true`): every sale is capped at the `max_tokens` of the
 * guard band (500 bps by default) of the latest liquidity snapshot. A capped full exit carries
 * `sell_tokens` (the cap); once that sale settles, the same exit fires again for what is left
 * (capped again), until the position is empty. A capped ladder sale leaves the overflow in the
 * position for later levels and the final exit.
 *
 * Sell on graduation (`sell_on_graduation: true`) fires `graduation` from {@link onGraduation};
 * a manual `request_exit_signal` fires `sell_now` from {@link manualExit}. Neither depends on
 * thresholds.
 */
import type { StrategyConfig } from "../protocol/index.js";

/** An exit decided by the engine. */
export interface ExitDecision {
  reason: string;
  /** Tokens this exit sells; `undefined` means the whole position (no `sell_tokens` on the wire). */
  sellTokens: bigint | undefined;
  /** Index of the ladder level that fired. */
  levelIndex: number | undefined;
  /** True when the exit empties the position. */
  full: boolean;
}

/** The engine's per-position memory. Create with {@link initialEngineState}. */
export interface EngineState {
  /** Highest PnL seen, percent of entry. `-Infinity` before the first tick. */
  peakPct: number;
  /** Ladder levels already fired (by index). */
  firedLevels: readonly number[];
  /** Set once the breakeven trail is armed. */
  breakevenArmed: boolean;
  /** Reason of the full exit that fired; no automatic rule fires afterwards. */
  exiting: string | undefined;
  /** Trailing stop percentage installed by a ladder level, replacing the strategy's. */
  trailingOverridePct: number | undefined;
}

/** What the engine sees on one tick. */
export interface EngineInput {
  /** PnL at this tick, percent of entry cost (see {@link pnlPct}). */
  pnlPct: number;
  /** Tokens not yet promised to an unsettled sale. */
  availableTokens: bigint;
  /** True while an exit signal of this position waits to be settled. */
  outstanding: boolean;
  /** The guard cap (max tokens in the guard band), when a liquidity snapshot exists. */
  guardCap?: bigint | undefined;
}

/** The strategy engine's state of a new position: no peak, no level fired. */
export function initialEngineState(): EngineState {
  return {
    peakPct: Number.NEGATIVE_INFINITY,
    firedLevels: [],
    breakevenArmed: false,
    exiting: undefined,
    trailingOverridePct: undefined,
  };
}

const pos = (v: number | undefined): v is number => typeof v === "number" && v > 0;

function cap(strategy: StrategyConfig, tokens: bigint, guardCap: bigint | undefined): bigint {
  if (strategy.liquidity_guard === true && guardCap !== undefined && guardCap < tokens) return guardCap;
  return tokens;
}

function fullExit(
  strategy: StrategyConfig,
  reason: string,
  available: bigint,
  guardCap: bigint | undefined,
): ExitDecision {
  const sell = cap(strategy, available, guardCap);
  if (sell < available) return { reason, sellTokens: sell, levelIndex: undefined, full: false };
  return { reason, sellTokens: undefined, levelIndex: undefined, full: true };
}

/** The ladder share of `available` for a level, rounded down (micro-percent precision). */
export function ladderShare(available: bigint, sellPct: number): bigint {
  if (sellPct >= 100) return available;
  return (available * BigInt(Math.round(sellPct * 1e6))) / 100_000_000n;
}

/**
 * One tick: updates the peak and arming state and returns the exits that fire.
 *
 * @example
 * ```ts
 * let state = initialEngineState();
 * const r = step({ target_profit_pct: 5, stop_loss_pct: 2 }, state, { pnlPct: 5, availableTokens: 100n, outstanding: false });
 * // r.decisions = [{ reason: "target_profit", sellTokens: undefined, levelIndex: undefined, full: true }]
 * ```
 */
export function step(
  strategy: StrategyConfig,
  state: EngineState,
  input: EngineInput,
): { state: EngineState; decisions: ExitDecision[] } {
  const pnl = input.pnlPct;
  const peak = Math.max(state.peakPct, pnl);
  const armed =
    state.breakevenArmed || (pos(strategy.breakeven_trail_pct) && peak >= strategy.breakeven_trail_pct);
  let next: EngineState = { ...state, peakPct: peak, breakevenArmed: armed };
  const decisions: ExitDecision[] = [];
  if (input.availableTokens <= 0n) return { state: next, decisions };

  if (next.exiting !== undefined) {
    // A guarded exit continues once its previous, capped sale has settled.
    if (!input.outstanding) {
      decisions.push(fullExit(strategy, next.exiting, input.availableTokens, input.guardCap));
    }
    return { state: next, decisions };
  }

  const trailing = next.trailingOverridePct ?? strategy.trailing_stop_pct;
  let reason: string | undefined;
  if (pos(strategy.stop_loss_pct) && pnl <= -strategy.stop_loss_pct) reason = "stop_loss";
  else if (pos(trailing) && peak > 0 && pnl <= peak - trailing) reason = "trailing_stop";
  else if (armed && pnl <= 0) reason = "breakeven_trail";
  if (reason !== undefined) {
    next = { ...next, exiting: reason };
    decisions.push(fullExit(strategy, reason, input.availableTokens, input.guardCap));
    return { state: next, decisions };
  }

  const levels = strategy.take_profit_levels ?? [];
  if (levels.length > 0) {
    let available = input.availableTokens;
    const fired = [...next.firedLevels];
    levels.forEach((level, i) => {
      if (available <= 0n || fired.includes(i) || pnl < level.profit_pct) return;
      fired.push(i);
      const share = ladderShare(available, level.sell_pct);
      const sell = cap(strategy, share, input.guardCap);
      if (pos(level.trailing_stop_pct)) next = { ...next, trailingOverridePct: level.trailing_stop_pct };
      if (sell <= 0n) return;
      const full = sell >= available;
      decisions.push({ reason: "chained_tp", sellTokens: sell, levelIndex: i, full });
      available -= sell;
      if (full) next = { ...next, exiting: "chained_tp" };
    });
    next = { ...next, firedLevels: fired };
    return { state: next, decisions };
  }

  if (pos(strategy.target_profit_pct) && pnl >= strategy.target_profit_pct) {
    next = { ...next, exiting: "target_profit" };
    decisions.push(fullExit(strategy, "target_profit", input.availableTokens, input.guardCap));
  }
  return { state: next, decisions };
}

/** The token bridge graduated: a full exit with reason `graduation` when the strategy asks for it. */
export function onGraduation(
  strategy: StrategyConfig,
  state: EngineState,
  input: Omit<EngineInput, "pnlPct">,
): { state: EngineState; decisions: ExitDecision[] } {
  if (strategy.sell_on_graduation !== true || state.exiting !== undefined || input.availableTokens <= 0n) {
    return { state, decisions: [] };
  }
  return {
    state: { ...state, exiting: "graduation" },
    decisions: [fullExit(strategy, "graduation", input.availableTokens, input.guardCap)],
  };
}

/** A manual `request_exit_signal`: always a full exit of the available tokens, reason `sell_now`. Not guarded. */
export function manualExit(): ExitDecision {
  return { reason: "sell_now", sellTokens: undefined, levelIndex: undefined, full: true };
}

/**
 * Runs a whole price path (multipliers of the entry price) through the engine, with every sale
 * settling at once, and returns the exits with the tick index each fired on. For tests and docs.
 */
export function runPath(
  strategy: StrategyConfig,
  tokens: bigint,
  multipliers: readonly number[],
  pnlOf: (multiplier: number) => number,
): Array<ExitDecision & { tick: number }> {
  let state = initialEngineState();
  let available = tokens;
  const out: Array<ExitDecision & { tick: number }> = [];
  multipliers.forEach((m, tick) => {
    const r = step(strategy, state, { pnlPct: pnlOf(m), availableTokens: available, outstanding: false });
    state = r.state;
    for (const d of r.decisions) {
      out.push({ ...d, tick });
      available -= d.sellTokens ?? available;
    }
  });
  return out;
}

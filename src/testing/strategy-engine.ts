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
 * Readings. Where the public sources disagree (`strategy-rules.md`), the rule above is one
 * reading among several; {@link EngineReadings} names each and makes the others selectable. The
 * defaults ({@link DEFAULT_READINGS}) are what the table above says; the mock and the backtest
 * use this one engine.
 *
 * Sell on graduation (`sell_on_graduation: true`) fires `graduation` from {@link onGraduation};
 * a manual `request_exit_signal` fires `sell_now` from {@link manualExit}. Neither depends on
 * thresholds.
 */
import type { StrategyConfig } from "../protocol/index.js";

/**
 * The reading the engine uses for each rule on which the public sources conflict (see
 * `docs/record-replay.md` and `strategy-rules.md`). Every field defaults to the first value.
 */
export interface EngineReadings {
  /**
   * When a trailing stop is armed. `in_profit` (docs text, SDK): once the peak is above 0.
   * `peak_at_trail` (API example table): once the peak reaches `trailing_stop_pct`.
   */
  trailingArming: "in_profit" | "peak_at_trail";
  /**
   * Breakeven trail. `crate` (protocol crate, desktop docs): armed when the peak reaches the %,
   * fires when PnL returns to 0. `api` (API example table): armed at PnL >= 0, fires at PnL <= -%.
   */
  breakeven: "crate" | "api";
  /**
   * A ladder level's `trailing_stop_pct`. `replace_trailing` (crate, desktop): the level sells,
   * then that % becomes the trailing stop of the rest. `trail_tranche` (API): the level sells
   * nothing; it arms a trailing stop on its tranche, which sells when PnL falls that many points
   * below the peak seen since.
   */
  ladderTrailing: "replace_trailing" | "trail_tranche";
  /**
   * `target_profit_pct` alongside a ladder. `ignored` (crate). `cap` (API): reaching it sells
   * whatever the ladder left (reason `target_profit`).
   */
  targetWithLadder: "ignored" | "cap";
  /**
   * Liquidity guard. `cap` (engine; crate/desktop in spirit): every sale is capped at the guard
   * band, the overflow stays. `hold` (API): a sale bigger than the band waits (no signal) until
   * the band covers it.
   */
  liquidityGuard: "cap" | "hold";
  /**
   * Several rules true on one tick. `stops_first`: stop loss > trailing > breakeven > ladder >
   * take profit. `profit_first`: ladder and take profit before the stops.
   */
  precedence: "stops_first" | "profit_first";
  /**
   * What profit % means. `mid_price`: price against entry price, no fees or impact (the mock).
   * `proceeds`: `profit_units / entry cost` from `pnl_update` (what selling now would return,
   * slippage included). The engine takes PnL as input; this names how the caller measured it.
   */
  profitBasis: "mid_price" | "proceeds";
}

/** The engine's default readings (what the mock enforces). */
export const DEFAULT_READINGS: Readonly<EngineReadings> = Object.freeze({
  trailingArming: "in_profit",
  breakeven: "crate",
  ladderTrailing: "replace_trailing",
  targetWithLadder: "ignored",
  liquidityGuard: "cap",
  precedence: "stops_first",
  profitBasis: "mid_price",
});

/** Every selectable value of each reading (for CLIs and validation). */
export const READING_CHOICES: { readonly [K in keyof EngineReadings]: readonly EngineReadings[K][] } = {
  trailingArming: ["in_profit", "peak_at_trail"],
  breakeven: ["crate", "api"],
  ladderTrailing: ["replace_trailing", "trail_tranche"],
  targetWithLadder: ["ignored", "cap"],
  liquidityGuard: ["cap", "hold"],
  precedence: ["stops_first", "profit_first"],
  profitBasis: ["mid_price", "proceeds"],
};

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
  /** Tranches under their own trailing stop (`ladderTrailing: "trail_tranche"`). */
  tranches?: readonly Tranche[];
}

/** A ladder tranche held under its own trailing stop (`ladderTrailing: "trail_tranche"`). */
export interface Tranche {
  level: number;
  tokens: bigint;
  trailPct: number;
  /** Highest PnL since the tranche was armed. */
  peakPct: number;
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

/** Under `liquidityGuard: "hold"`, true when the guard band does not cover `tokens`: wait. */
function holds(strategy: StrategyConfig, r: EngineReadings, tokens: bigint, guardCap: bigint | undefined): boolean {
  return r.liquidityGuard === "hold" && cap(strategy, tokens, guardCap) < tokens;
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
 * One tick: updates the peak and arming state and returns the exits that fire, under `readings`
 * (default {@link DEFAULT_READINGS}).
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
  readings: Partial<EngineReadings> = {},
): { state: EngineState; decisions: ExitDecision[] } {
  const r: EngineReadings = { ...DEFAULT_READINGS, ...readings };
  const pnl = input.pnlPct;
  const peak = Math.max(state.peakPct, pnl);
  const be = strategy.breakeven_trail_pct;
  const armed =
    state.breakevenArmed || (pos(be) && (r.breakeven === "crate" ? peak >= be : pnl >= 0));
  const tranches = (state.tranches ?? []).map((t) => ({ ...t, peakPct: Math.max(t.peakPct, pnl) }));
  let next: EngineState = { ...state, peakPct: peak, breakevenArmed: armed, tranches };
  const decisions: ExitDecision[] = [];
  if (input.availableTokens <= 0n) return { state: next, decisions };

  if (next.exiting !== undefined) {
    // A guarded exit continues once its previous, capped sale has settled.
    if (!input.outstanding) {
      decisions.push(fullExit(strategy, next.exiting, input.availableTokens, input.guardCap));
    }
    return { state: next, decisions };
  }

  const stops = (): boolean => {
    const trailing = next.trailingOverridePct ?? strategy.trailing_stop_pct;
    const trailArmed = pos(trailing) && (r.trailingArming === "in_profit" ? peak > 0 : peak >= trailing);
    let reason: string | undefined;
    if (pos(strategy.stop_loss_pct) && pnl <= -strategy.stop_loss_pct) reason = "stop_loss";
    else if (trailArmed && pnl <= peak - (trailing as number)) reason = "trailing_stop";
    else if (armed && pnl <= (r.breakeven === "crate" ? 0 : -(be as number))) reason = "breakeven_trail";
    if (reason === undefined || holds(strategy, r, input.availableTokens, input.guardCap)) return false;
    next = { ...next, exiting: reason };
    decisions.push(fullExit(strategy, reason, input.availableTokens, input.guardCap));
    return true;
  };
  if (r.precedence === "stops_first" && stops()) return { state: next, decisions };

  const levels = strategy.take_profit_levels ?? [];
  let available = input.availableTokens;
  // Tranches under their own trail (API reading of a level's trailing_stop_pct).
  const kept: Tranche[] = [];
  for (const t of next.tranches ?? []) {
    available -= t.tokens;
    if (pnl > t.peakPct - t.trailPct || holds(strategy, r, t.tokens, input.guardCap)) {
      kept.push(t);
      continue;
    }
    const sell = cap(strategy, t.tokens, input.guardCap);
    const full = sell >= input.availableTokens - sumSold(decisions);
    decisions.push({ reason: "trailing_stop", sellTokens: sell, levelIndex: t.level, full });
    if (sell < t.tokens) kept.push({ ...t, tokens: t.tokens - sell });
    if (full) next = { ...next, exiting: "trailing_stop" };
  }
  next = { ...next, tranches: kept };
  if (levels.length > 0) {
    const fired = [...next.firedLevels];
    levels.forEach((level, i) => {
      if (available <= 0n || fired.includes(i) || pnl < level.profit_pct) return;
      const share = ladderShare(available, level.sell_pct);
      if (holds(strategy, r, share, input.guardCap)) return;
      fired.push(i);
      if (r.ladderTrailing === "trail_tranche" && pos(level.trailing_stop_pct)) {
        next = { ...next, tranches: [...(next.tranches ?? []), { level: i, tokens: share, trailPct: level.trailing_stop_pct, peakPct: pnl }] };
        available -= share;
        return;
      }
      const sell = cap(strategy, share, input.guardCap);
      if (pos(level.trailing_stop_pct)) next = { ...next, trailingOverridePct: level.trailing_stop_pct };
      if (sell <= 0n) return;
      const full = sell >= input.availableTokens - sumSold(decisions);
      decisions.push({ reason: "chained_tp", sellTokens: sell, levelIndex: i, full });
      available -= sell;
      if (full) next = { ...next, exiting: "chained_tp" };
    });
    next = { ...next, firedLevels: fired };
  }
  if (next.exiting !== undefined) return { state: next, decisions };

  const targetApplies = levels.length === 0 || r.targetWithLadder === "cap";
  const left = input.availableTokens - sumSold(decisions);
  if (targetApplies && left > 0n && pos(strategy.target_profit_pct) && pnl >= strategy.target_profit_pct && !holds(strategy, r, left, input.guardCap)) {
    next = { ...next, exiting: "target_profit", tranches: [] };
    decisions.push(fullExit(strategy, "target_profit", left, input.guardCap));
    return { state: next, decisions };
  }
  if (r.precedence === "profit_first" && decisions.length === 0) stops();
  return { state: next, decisions };
}

function sumSold(decisions: readonly ExitDecision[]): bigint {
  let n = 0n;
  for (const d of decisions) n += d.sellTokens ?? 0n;
  return n;
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
  readings: Partial<EngineReadings> = {},
): Array<ExitDecision & { tick: number }> {
  let state = initialEngineState();
  let available = tokens;
  const out: Array<ExitDecision & { tick: number }> = [];
  multipliers.forEach((m, tick) => {
    const r = step(strategy, state, { pnlPct: pnlOf(m), availableTokens: available, outstanding: false }, readings);
    state = r.state;
    for (const d of r.decisions) {
      out.push({ ...d, tick });
      available -= d.sellTokens ?? available;
    }
  });
  return out;
}

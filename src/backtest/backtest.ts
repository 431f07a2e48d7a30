/**
 * The backtest: every recorded position's path through the mock's strategy engine, once per
 * strategy, with sales capped by the recorded liquidity at the configured slippage.
 */
import { maxSellWithin } from "../testing/market.js";
import {
  DEFAULT_READINGS,
  initialEngineState,
  step,
  type EngineReadings,
  type ExitDecision,
} from "../testing/strategy-engine.js";
import type { StrategyConfig } from "../protocol/index.js";
import type { Recording } from "../record/format.js";
import { loadRecording } from "../record/reader.js";
import { recordedPositions, type PathPoint, type RecordedPosition } from "./paths.js";
import { parseStrategySpec, type BacktestStrategy } from "./spec.js";

/** Options of {@link backtest}. */
export interface BacktestOptions {
  /** Readings of the conflicting rules (default: the mock's, {@link DEFAULT_READINGS}). */
  readings?: Partial<EngineReadings>;
  /** Slippage a sale may take: liquidity snapshots cap each sale at this band. @defaultValue 500 */
  slippageBps?: number;
  /** A deadline for strategies that have none, in seconds from `position_opened`. */
  deadlineSec?: number;
  /**
   * An exit is flagged coarse when the PnL it fired at is further than this from its threshold
   * (percentage points): no frame between the two, so where it would really have sold is unknown.
   * @defaultValue 1
   */
  coarsePct?: number;
}

/** One sale in the backtest. */
export interface BacktestExit {
  /** ms since the recording started. */
  t: number;
  reason: string;
  /** PnL % (on the reading's basis) at the sale. */
  pnlPct: number;
  tokens: bigint;
  /** Quote units received. */
  proceeds: bigint;
  levelIndex: number | undefined;
  /** The threshold the rule fired on, when it has one. */
  thresholdPct: number | undefined;
  /** No frame between the threshold and the PnL it fired at (further apart than `coarsePct`). */
  coarse: boolean;
  /** Sold less than the rule asked for: the liquidity band did not cover it. */
  liquidityCapped: boolean;
}

/** One strategy on one position. */
export interface PositionOutcome {
  exits: BacktestExit[];
  /** Tokens still held when the path ended (marked at the last PnL, reason `end_of_data`). */
  heldAtEnd: bigint;
  /** Quote units: proceeds minus cost. */
  profit: bigint;
  /** Time from open to the last sale, ms (to the end of the path when something was held). */
  holdMs: number;
}

/** Per-strategy summary. */
export interface StrategySummary {
  name: string;
  strategy: StrategyConfig;
  deadlineSec: number | undefined;
  /** Exits (sales) by reason. */
  exitsByReason: Record<string, number>;
  /** Quote units (lamports) and SOL. */
  profitUnits: bigint;
  profitSol: number;
  /** Profit in % of the total entry cost. */
  profitPct: number;
  /** Share of positions closed with a profit (0-1). */
  hitRate: number;
  /** Largest fall of the cumulative profit, sales in time order, in SOL (>= 0). */
  worstDrawdownSol: number;
  /** Median hold, seconds. */
  medianHoldSec: number;
  /** Exits flagged coarse. */
  coarseExits: number;
  /** Positions still holding tokens when their path ended. */
  unfinished: number;
}

/** A backtest report. */
export interface BacktestReport {
  readings: EngineReadings;
  slippageBps: number;
  positions: RecordedPosition[];
  strategies: StrategySummary[];
  /** outcomes[strategy index][position index] */
  outcomes: PositionOutcome[][];
  /** Things the report cannot decide from the recording. */
  warnings: string[];
}

/** PnL of a point on a basis (falls back to the other basis when the frame lacks it). */
export function pointPnl(p: PathPoint, basis: EngineReadings["profitBasis"]): number | undefined {
  return basis === "proceeds" ? p.proceedsPct : (p.midPct ?? p.proceedsPct);
}

function thresholdOf(d: ExitDecision, s: StrategyConfig, r: EngineReadings, peakBefore: number): number | undefined {
  switch (d.reason) {
    case "target_profit":
      return s.target_profit_pct;
    case "stop_loss":
      return -(s.stop_loss_pct ?? 0);
    case "trailing_stop":
      return d.levelIndex === undefined ? peakBefore - (s.trailing_stop_pct ?? 0) : undefined;
    case "breakeven_trail":
      return r.breakeven === "crate" ? 0 : -(s.breakeven_trail_pct ?? 0);
    case "chained_tp":
      return d.levelIndex === undefined ? undefined : s.take_profit_levels?.[d.levelIndex]?.profit_pct;
    default:
      return undefined;
  }
}

function valueAt(tokens: bigint, pnl: number, p: RecordedPosition): bigint {
  const cost = Number((p.entryQuote * tokens) / (p.tokens === 0n ? 1n : p.tokens));
  return BigInt(Math.max(0, Math.round(cost * (1 + pnl / 100))));
}

/** Runs one strategy over one position's path. */
export function runPosition(
  p: RecordedPosition,
  s: BacktestStrategy,
  r: EngineReadings,
  slippageBps: number,
  coarsePct: number,
): PositionOutcome {
  let state = initialEngineState();
  let held = p.tokens;
  const exits: BacktestExit[] = [];
  let lastPnl = 0;
  let lastT = p.openedAt;
  const sell = (t: number, pnl: number, d: ExitDecision, threshold: number | undefined, cap: bigint | undefined): void => {
    const want = d.sellTokens ?? held;
    const tokens = cap !== undefined && cap < want ? cap : want;
    if (tokens <= 0n) return;
    held -= tokens;
    exits.push({
      t,
      reason: d.reason,
      pnlPct: pnl,
      tokens,
      proceeds: valueAt(tokens, pnl, p),
      levelIndex: d.levelIndex,
      thresholdPct: threshold,
      coarse: threshold !== undefined && Math.abs(pnl - threshold) > coarsePct,
      liquidityCapped: tokens < want,
    });
  };
  for (const point of p.points) {
    if (held <= 0n) break;
    const pnl = pointPnl(point, r.profitBasis);
    if (pnl === undefined) continue;
    lastPnl = pnl;
    lastT = point.t;
    const cap = point.bands === undefined ? undefined : maxSellWithin(point.bands, slippageBps);
    if (s.deadlineSec !== undefined && point.t - p.openedAt >= s.deadlineSec * 1000) {
      sell(point.t, pnl, { reason: "deadline", sellTokens: undefined, levelIndex: undefined, full: true }, undefined, cap);
      if (held > 0n) state = { ...state, exiting: state.exiting ?? "deadline" };
      continue;
    }
    const peakBefore = state.peakPct;
    const result = step(s.strategy, state, { pnlPct: pnl, availableTokens: held, outstanding: false, guardCap: cap }, r);
    state = result.state;
    for (const d of result.decisions) sell(point.t, pnl, d, thresholdOf(d, s.strategy, r, Math.max(peakBefore, pnl)), cap);
  }
  let proceeds = 0n;
  let sold = 0n;
  for (const e of exits) {
    proceeds += e.proceeds;
    sold += e.tokens;
  }
  const heldAtEnd = held;
  // What is still held is marked at the last known PnL.
  const mark = heldAtEnd > 0n ? valueAt(heldAtEnd, lastPnl, p) : 0n;
  const profit = proceeds + mark - p.entryQuote;
  const end = heldAtEnd > 0n ? lastT : (exits.at(-1)?.t ?? lastT);
  return { exits, heldAtEnd, profit, holdMs: Math.max(0, end - p.openedAt) };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

function summarize(s: BacktestStrategy, positions: RecordedPosition[], outcomes: PositionOutcome[]): StrategySummary {
  const exitsByReason: Record<string, number> = {};
  let profit = 0n;
  let cost = 0n;
  let wins = 0;
  const timeline: Array<{ t: number; profit: bigint }> = [];
  outcomes.forEach((o, i) => {
    const p = positions[i] as RecordedPosition;
    for (const e of o.exits) exitsByReason[e.reason] = (exitsByReason[e.reason] ?? 0) + 1;
    if (o.heldAtEnd > 0n) exitsByReason["end_of_data"] = (exitsByReason["end_of_data"] ?? 0) + 1;
    profit += o.profit;
    cost += p.entryQuote;
    if (o.profit > 0n) wins++;
    timeline.push({ t: p.openedAt + o.holdMs, profit: o.profit });
  });
  timeline.sort((a, b) => a.t - b.t);
  let cumulative = 0;
  let peak = 0;
  let drawdown = 0;
  for (const x of timeline) {
    cumulative += Number(x.profit) / 1e9;
    peak = Math.max(peak, cumulative);
    drawdown = Math.max(drawdown, peak - cumulative);
  }
  return {
    name: s.name,
    strategy: s.strategy,
    deadlineSec: s.deadlineSec,
    exitsByReason,
    profitUnits: profit,
    profitSol: Number(profit) / 1e9,
    profitPct: cost === 0n ? 0 : (Number(profit) / Number(cost)) * 100,
    hitRate: outcomes.length === 0 ? 0 : wins / outcomes.length,
    worstDrawdownSol: drawdown,
    medianHoldSec: median(outcomes.map((o) => o.holdMs / 1000)),
    coarseExits: outcomes.reduce((n, o) => n + o.exits.filter((e) => e.coarse).length, 0),
    unfinished: outcomes.filter((o) => o.heldAtEnd > 0n).length,
  };
}

/**
 * Re-runs the strategy engine over each recorded position's profit path, once per strategy.
 * `recording` is a file path or a recording already loaded; `strategies` are {@link BacktestStrategy}
 * objects or specs such as `"tp=20,sl=10,trail=5,be=2,deadline=120,guard,ladder=25:30/50:40:3,grad"`:
 * take profit, stop loss, trailing stop, breakeven trail (all %), a deadline in seconds, the
 * liquidity guard, an exit ladder (`profit:sell[:trail]` levels separated by `/`) and sell on
 * graduation. A bad spec throws a `StreamError` (code `validation`) naming the bad part.
 *
 * @example
 * ```ts
 * import { backtest } from "lasersell-stream/record";
 *
 * const report = await backtest("session.ndjson.gz", ["tp=20,sl=10", "tp=30,sl=10,trail=5"], { deadlineSec: 120 });
 * for (const s of report.strategies) process.stdout.write(`${s.name}: ${s.profitSol.toFixed(3)} SOL\n`);
 * ```
 */
export async function backtest(
  recording: Recording | string,
  strategies: ReadonlyArray<BacktestStrategy | string>,
  options: BacktestOptions = {},
): Promise<BacktestReport> {
  const rec = typeof recording === "string" ? await loadRecording(recording) : recording;
  return backtestRecording(rec, strategies, options);
}

/** {@link backtest} on a recording already in memory (synchronous). */
export function backtestRecording(
  recording: Recording,
  strategies: ReadonlyArray<BacktestStrategy | string>,
  options: BacktestOptions = {},
): BacktestReport {
  const readings: EngineReadings = { ...DEFAULT_READINGS, ...options.readings };
  const slippageBps = options.slippageBps ?? 500;
  const coarsePct = options.coarsePct ?? 1;
  const specs = strategies.map((s) => {
    const spec = typeof s === "string" ? parseStrategySpec(s) : s;
    return spec.deadlineSec === undefined && options.deadlineSec !== undefined ? { ...spec, deadlineSec: options.deadlineSec } : spec;
  });
  const positions = recordedPositions(recording);
  const outcomes = specs.map((s) => positions.map((p) => runPosition(p, s, readings, slippageBps, coarsePct)));
  const warnings: string[] = [];
  if (recording.truncated) warnings.push("the recording's last line was truncated (the recorder was stopped mid-write); it was ignored");
  const coarsePrices = positions.filter((p) => p.coarsePrice).length;
  if (coarsePrices > 0 && readings.profitBasis === "mid_price") {
    warnings.push(`${coarsePrices} position(s) quote prices with too few digits for a mid-price PnL; their PnL comes from pnl_update proceeds instead`);
  }
  const sparse = positions.filter((p) => p.points.length < 3);
  if (sparse.length > 0) warnings.push(`${sparse.length} position(s) have fewer than 3 price points: too coarse to judge`);
  specs.forEach((s, i) => {
    const coarse = (outcomes[i] ?? []).flatMap((o) => o.exits.filter((e) => e.coarse));
    if (coarse.length > 0) {
      warnings.push(
        `${s.name}: ${coarse.length} exit(s) fired more than ${coarsePct} point(s) past their threshold with no frame in between; the recording is too coarse to say where they would have sold (marked at the first frame past it)`,
      );
    }
    const unfinished = (outcomes[i] ?? []).filter((o) => o.heldAtEnd > 0n).length;
    if (unfinished > 0) warnings.push(`${s.name}: ${unfinished} position(s) still held when their path ended; marked at the last PnL (end_of_data)`);
  });
  if (readings.profitBasis === "proceeds" && positions.some((p) => p.points.some((x) => x.source === "trade_tick"))) {
    warnings.push("profit basis 'proceeds': trade_tick prices carry no proceeds and were skipped");
  }
  return {
    readings,
    slippageBps,
    positions,
    strategies: specs.map((s, i) => summarize(s, positions, outcomes[i] ?? [])),
    outcomes,
    warnings,
  };
}

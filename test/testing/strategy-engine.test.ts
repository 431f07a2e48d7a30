import { describe, expect, it } from "vitest";
import type { StrategyConfig } from "../../src/protocol/index.js";
import { pnlPct } from "../../src/testing/market.js";
import { initialEngineState, ladderShare, onGraduation, runPath, step } from "../../src/testing/strategy-engine.js";

const TOKENS = 1_000_000n;
const run = (strategy: StrategyConfig, path: number[]) => runPath(strategy, TOKENS, path, pnlPct);
const only = (strategy: StrategyConfig, path: number[]) =>
  run(strategy, path).map((d) => ({ reason: d.reason, tick: d.tick, sell: d.sellTokens, level: d.levelIndex }));

describe("strategy engine: each rule fires once, exactly at its threshold", () => {
  it("take profit: at pnl >= target_profit_pct, not a hair before", () => {
    const s = { target_profit_pct: 10, stop_loss_pct: 0 };
    expect(only(s, [1.05, 1.0999999, 1.1, 1.2, 1.3])).toEqual([{ reason: "target_profit", tick: 2, sell: undefined, level: undefined }]);
  });

  it("stop loss: at pnl <= -stop_loss_pct (0.9 is exactly -10 %, despite float rounding)", () => {
    const s = { target_profit_pct: 0, stop_loss_pct: 10 };
    expect(only(s, [0.95, 0.9000001, 0.9, 0.8])).toEqual([{ reason: "stop_loss", tick: 2, sell: undefined, level: undefined }]);
  });

  it("trailing stop: armed once in profit, fires when pnl falls trailing_stop_pct points below the peak", () => {
    const s = { target_profit_pct: 0, stop_loss_pct: 0, trailing_stop_pct: 5 };
    // Never in profit: a fall from 0 to -6 % does not fire.
    expect(only(s, [1.0, 0.97, 0.94])).toEqual([]);
    // Peak +30 %: fires at +25 %, not at +25.1 %.
    expect(only(s, [1.1, 1.3, 1.251, 1.25, 1.1])).toEqual([{ reason: "trailing_stop", tick: 3, sell: undefined, level: undefined }]);
  });

  it("breakeven trail: armed when the peak reaches breakeven_trail_pct, fires when pnl returns to 0", () => {
    const s = { target_profit_pct: 0, stop_loss_pct: 50, breakeven_trail_pct: 20 };
    // Peak +19 % never arms it.
    expect(only(s, [1.19, 1.0, 0.98])).toEqual([]);
    expect(only(s, [1.1, 1.2, 1.05, 1.0001, 1.0, 0.9])).toEqual([{ reason: "breakeven_trail", tick: 4, sell: undefined, level: undefined }]);
  });

  it("exit ladder: each level once, sell_pct of the remaining tokens, with level_index; target_profit_pct ignored", () => {
    const s: StrategyConfig = {
      target_profit_pct: 5,
      stop_loss_pct: 0,
      take_profit_levels: [
        { profit_pct: 25, sell_pct: 30 },
        { profit_pct: 50, sell_pct: 50 },
        { profit_pct: 100, sell_pct: 100 },
      ],
    };
    expect(only(s, [1.1, 1.25, 1.3, 1.49, 1.5, 1.6, 2.0, 2.5])).toEqual([
      { reason: "chained_tp", tick: 1, sell: 300_000n, level: 0 },
      { reason: "chained_tp", tick: 4, sell: 350_000n, level: 1 },
      { reason: "chained_tp", tick: 6, sell: 350_000n, level: 2 },
    ]);
    const last = run(s, [1.25, 1.5, 2.0]).at(-1);
    expect(last?.full).toBe(true);
  });

  it("exit ladder: several levels crossed on one tick fire in array order", () => {
    const s: StrategyConfig = {
      target_profit_pct: 0,
      stop_loss_pct: 10,
      take_profit_levels: [
        { profit_pct: 10, sell_pct: 50 },
        { profit_pct: 20, sell_pct: 50 },
      ],
    };
    expect(only(s, [1.0, 1.3])).toEqual([
      { reason: "chained_tp", tick: 1, sell: 500_000n, level: 0 },
      { reason: "chained_tp", tick: 1, sell: 250_000n, level: 1 },
    ]);
  });

  it("a ladder level's trailing_stop_pct replaces the trailing stop afterwards", () => {
    const s: StrategyConfig = {
      target_profit_pct: 0,
      stop_loss_pct: 0,
      trailing_stop_pct: 50,
      take_profit_levels: [{ profit_pct: 20, sell_pct: 50, trailing_stop_pct: 5 }],
    };
    expect(only(s, [1.2, 1.3, 1.26, 1.25])).toEqual([
      { reason: "chained_tp", tick: 0, sell: 500_000n, level: 0 },
      { reason: "trailing_stop", tick: 3, sell: undefined, level: undefined },
    ]);
  });

  it("stop loss wins over other rules on the same tick, and nothing fires after a full exit", () => {
    const s = { target_profit_pct: 10, stop_loss_pct: 10, trailing_stop_pct: 5 };
    expect(only(s, [1.02, 0.85, 1.5, 0.5])).toEqual([{ reason: "stop_loss", tick: 1, sell: undefined, level: undefined }]);
  });

  it("liquidity guard caps a full exit at the guard band, then continues after each settlement", () => {
    const s = { target_profit_pct: 10, stop_loss_pct: 0, liquidity_guard: true };
    let state = initialEngineState();
    const input = { pnlPct: 12, availableTokens: 1_000n, outstanding: false, guardCap: 400n };
    let r = step(s, state, input);
    expect(r.decisions).toEqual([{ reason: "target_profit", sellTokens: 400n, levelIndex: undefined, full: false }]);
    state = r.state;
    // While the capped sale is unsettled, nothing more.
    r = step(s, state, { ...input, availableTokens: 600n, outstanding: true });
    expect(r.decisions).toEqual([]);
    // Settled: the same exit continues for the rest, capped again; then the final part is a full exit.
    r = step(s, r.state, { ...input, availableTokens: 600n });
    expect(r.decisions).toEqual([{ reason: "target_profit", sellTokens: 400n, levelIndex: undefined, full: false }]);
    r = step(s, r.state, { ...input, availableTokens: 200n });
    expect(r.decisions).toEqual([{ reason: "target_profit", sellTokens: undefined, levelIndex: undefined, full: true }]);
  });

  it("liquidity guard off: the cap is ignored", () => {
    const r = step({ target_profit_pct: 10, stop_loss_pct: 0 }, initialEngineState(), {
      pnlPct: 12,
      availableTokens: 1_000n,
      outstanding: false,
      guardCap: 1n,
    });
    expect(r.decisions[0]?.full).toBe(true);
  });

  it("liquidity guard caps a ladder sale; the overflow stays in the position", () => {
    const s: StrategyConfig = { target_profit_pct: 0, stop_loss_pct: 5, liquidity_guard: true, take_profit_levels: [{ profit_pct: 10, sell_pct: 100 }] };
    const r = step(s, initialEngineState(), { pnlPct: 10, availableTokens: 1_000n, outstanding: false, guardCap: 300n });
    expect(r.decisions).toEqual([{ reason: "chained_tp", sellTokens: 300n, levelIndex: 0, full: false }]);
    expect(r.state.exiting).toBeUndefined();
  });

  it("graduation fires only with sell_on_graduation, once", () => {
    const input = { availableTokens: 10n, outstanding: false };
    expect(onGraduation({ target_profit_pct: 5, stop_loss_pct: 5 }, initialEngineState(), input).decisions).toEqual([]);
    const s = { target_profit_pct: 5, stop_loss_pct: 5, sell_on_graduation: true };
    const r = onGraduation(s, initialEngineState(), input);
    expect(r.decisions).toEqual([{ reason: "graduation", sellTokens: undefined, levelIndex: undefined, full: true }]);
    expect(onGraduation(s, r.state, input).decisions).toEqual([]);
  });

  it("ladderShare rounds down and sells everything at 100 %", () => {
    expect(ladderShare(10n, 33.3)).toBe(3n);
    expect(ladderShare(7n, 100)).toBe(7n);
    expect(ladderShare(25_000_000_000_000_001n, 50)).toBe(12_500_000_000_000_000n);
  });
});

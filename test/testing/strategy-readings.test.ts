/**
 * Every worked example of strategy-rules.md, under each reading the engine offers for it.
 * Paths are profit in % of entry (pnlOf = identity).
 */
import { describe, expect, it } from "vitest";
import type { StrategyConfig } from "../../src/protocol/index.js";
import { DEFAULT_READINGS, runPath, type EngineReadings } from "../../src/testing/strategy-engine.js";

const id = (x: number): number => x;
const exits = (s: StrategyConfig, path: number[], readings: Partial<EngineReadings> = {}, tokens = 1000n) =>
  runPath(s, tokens, path, id, readings).map((d) => ({ reason: d.reason, tick: d.tick, sell: d.sellTokens, full: d.full }));
const base = { target_profit_pct: 0, stop_loss_pct: 0 };

describe("worked examples (strategy-rules.md)", () => {
  it("1. trailing 5; 0, 3, 8, 6, 4, 2.5 -> trailing_stop at the 6th point (both arming readings)", () => {
    const s = { ...base, trailing_stop_pct: 5 };
    for (const trailingArming of ["in_profit", "peak_at_trail"] as const) {
      expect(exits(s, [0, 3, 8, 6, 4, 2.5], { trailingArming })).toEqual([{ reason: "trailing_stop", tick: 5, sell: undefined, full: true }]);
    }
  });

  it("2. trailing 5; +50 -> +45 exits at +45", () => {
    expect(exits({ ...base, trailing_stop_pct: 5 }, [50, 45])).toEqual([{ reason: "trailing_stop", tick: 1, sell: undefined, full: true }]);
  });

  it("3. peak +30, trailing 5: 1.27 holds, 1.25 exits (exactly at 25)", () => {
    expect(exits({ ...base, trailing_stop_pct: 5 }, [30, 27, 25.000001, 25])).toEqual([{ reason: "trailing_stop", tick: 3, sell: undefined, full: true }]);
  });

  it("4. breakeven 2; -5, 0, 3, -1, -2.5: crate reading exits at the 4th point, api reading at the 5th", () => {
    const s = { ...base, breakeven_trail_pct: 2 };
    expect(exits(s, [-5, 0, 3, -1, -2.5], { breakeven: "crate" })).toEqual([{ reason: "breakeven_trail", tick: 3, sell: undefined, full: true }]);
    expect(exits(s, [-5, 0, 3, -1, -2.5], { breakeven: "api" })).toEqual([{ reason: "breakeven_trail", tick: 4, sell: undefined, full: true }]);
  });

  it("5. target 25 exits at +25, stop 15 at -15; target 50 / stop 10", () => {
    expect(exits({ target_profit_pct: 25, stop_loss_pct: 15 }, [10, 24.99, 25])).toEqual([{ reason: "target_profit", tick: 2, sell: undefined, full: true }]);
    expect(exits({ target_profit_pct: 25, stop_loss_pct: 15 }, [-10, -14.99, -15])).toEqual([{ reason: "stop_loss", tick: 2, sell: undefined, full: true }]);
    expect(exits({ target_profit_pct: 50, stop_loss_pct: 10 }, [49, 50])[0]?.tick).toBe(1);
    expect(exits({ target_profit_pct: 50, stop_loss_pct: 10 }, [-9, -10])[0]?.reason).toBe("stop_loss");
  });

  it("6. ladder 25:30 %, 50:40 %, 100:100 % on 1000 tokens sells 300, 280, 420", () => {
    const s: StrategyConfig = {
      ...base,
      take_profit_levels: [
        { profit_pct: 25, sell_pct: 30 },
        { profit_pct: 50, sell_pct: 40 },
        { profit_pct: 100, sell_pct: 100 },
      ],
    };
    expect(exits(s, [0, 25, 50, 100]).map((e) => e.sell)).toEqual([300n, 280n, 420n]);
  });

  const ladder7: StrategyConfig = {
    target_profit_pct: 0,
    stop_loss_pct: 15,
    take_profit_levels: [
      { profit_pct: 20, sell_pct: 25, trailing_stop_pct: 0 },
      { profit_pct: 50, sell_pct: 50, trailing_stop_pct: 3 },
      { profit_pct: 100, sell_pct: 100, trailing_stop_pct: 5 },
    ],
  };

  it("7. ladder with level trails: replace_trailing sells 375 at +50; trail_tranche arms a 3-point trail on 375 instead", () => {
    expect(exits(ladder7, [0, 20, 50])).toEqual([
      { reason: "chained_tp", tick: 1, sell: 250n, full: false },
      { reason: "chained_tp", tick: 2, sell: 375n, full: false },
    ]);
    // API reading: +20 sells 250; +50 sells nothing (375 under a 3-point trail); +100 arms a
    // 5-point trail on the other 375; a fall to +96 sells the first tranche (peak 100 - 3 = 97),
    // to +95 the second (100 - 5).
    expect(exits(ladder7, [0, 20, 50, 100, 96, 95], { ladderTrailing: "trail_tranche" })).toEqual([
      { reason: "chained_tp", tick: 1, sell: 250n, full: false },
      { reason: "trailing_stop", tick: 4, sell: 375n, full: false },
      { reason: "trailing_stop", tick: 5, sell: 375n, full: true },
    ]);
  });

  it("8. target 60 with a ladder: ignored (crate) or sells the remaining 750 at +60 (api cap)", () => {
    const s: StrategyConfig = {
      target_profit_pct: 60,
      stop_loss_pct: 0,
      take_profit_levels: [
        { profit_pct: 20, sell_pct: 25 },
        { profit_pct: 100, sell_pct: 100 },
      ],
    };
    expect(exits(s, [0, 20, 60])).toEqual([{ reason: "chained_tp", tick: 1, sell: 250n, full: false }]);
    expect(exits(s, [0, 20, 60], { targetWithLadder: "cap" })).toEqual([
      { reason: "chained_tp", tick: 1, sell: 250n, full: false },
      { reason: "target_profit", tick: 2, sell: undefined, full: true },
    ]);
  });

  it("9. trailing 5; 0, 3, -2: in_profit fires at -2, peak_at_trail never arms", () => {
    const s = { ...base, trailing_stop_pct: 5 };
    expect(exits(s, [0, 3, -2])).toEqual([{ reason: "trailing_stop", tick: 2, sell: undefined, full: true }]);
    expect(exits(s, [0, 3, -2], { trailingArming: "peak_at_trail" })).toEqual([]);
  });

  it("10. liquidity: the 500 bps band caps a full exit (cap) or holds it until the band covers it (hold)", () => {
    const s = { target_profit_pct: 10, stop_loss_pct: 0, liquidity_guard: true };
    const tick = (guardCap: bigint | undefined, readings: Partial<EngineReadings>) =>
      runGuarded(s, 5_000_000n, [{ pnl: 10, guardCap }], readings);
    expect(tick(3_000_000n, {})).toEqual([{ reason: "target_profit", sell: 3_000_000n, full: false }]);
    expect(tick(3_000_000n, { liquidityGuard: "hold" })).toEqual([]);
    expect(
      runGuarded(s, 5_000_000n, [{ pnl: 10, guardCap: 3_000_000n }, { pnl: 11, guardCap: 5_000_000n }], { liquidityGuard: "hold" }),
    ).toEqual([{ reason: "target_profit", sell: undefined, full: true }]);
  });

  it("same-tick precedence: stops_first sells on the trailing stop, profit_first on the ladder level", () => {
    const both: StrategyConfig = { target_profit_pct: 20, stop_loss_pct: 0, trailing_stop_pct: 5 };
    // A +30 peak seen before the strategy took effect (update_strategy), then +24: both the
    // trailing stop (30 - 5) and the target (20) hold on that tick.
    expect(exitsFrom(both, 30, 24, { precedence: "stops_first" })).toBe("trailing_stop");
    expect(exitsFrom(both, 30, 24, { precedence: "profit_first" })).toBe("target_profit");
  });

  it("11. profit identity: the engine takes PnL as given; 25,000,000 on 100,000,000 is +25 %", () => {
    expect(exits({ target_profit_pct: 25, stop_loss_pct: 0 }, [(25_000_000 / 100_000_000) * 100])[0]?.reason).toBe("target_profit");
    expect(exits({ target_profit_pct: 12.5, stop_loss_pct: 0 }, [((56_250_000 - 50_000_000) / 50_000_000) * 100])[0]?.reason).toBe("target_profit");
  });

  it("the defaults are the mock's readings", () => {
    expect(DEFAULT_READINGS).toMatchObject({ trailingArming: "in_profit", breakeven: "crate", ladderTrailing: "replace_trailing", targetWithLadder: "ignored" });
  });
});

import { initialEngineState, step } from "../../src/testing/strategy-engine.js";

function runGuarded(s: StrategyConfig, tokens: bigint, ticks: Array<{ pnl: number; guardCap: bigint | undefined }>, readings: Partial<EngineReadings>) {
  let state = initialEngineState();
  const out: Array<{ reason: string; sell: bigint | undefined; full: boolean }> = [];
  for (const t of ticks) {
    const r = step(s, state, { pnlPct: t.pnl, availableTokens: tokens, outstanding: false, guardCap: t.guardCap }, readings);
    state = r.state;
    out.push(...r.decisions.map((d) => ({ reason: d.reason, sell: d.sellTokens, full: d.full })));
  }
  return out;
}

/** Peak `peak` seen with no strategy in force, then the strategy meets `pnl`: which exit fires. */
function exitsFrom(s: StrategyConfig, peak: number, pnl: number, readings: Partial<EngineReadings>): string | undefined {
  const state = step({ target_profit_pct: 0, stop_loss_pct: 0 }, initialEngineState(), { pnlPct: peak, availableTokens: 100n, outstanding: false }).state;
  const r = step(s, state, { pnlPct: pnl, availableTokens: 100n, outstanding: false }, readings);
  return r.decisions[0]?.reason;
}

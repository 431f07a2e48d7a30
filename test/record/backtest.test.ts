/**
 * Backtest correctness on hand-built paths with known answers, and the same results through the
 * CLI and the library.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { backtest, backtestRecording, reportJson } from "../../src/record/index.js";
import { cli, runChild } from "../helpers/child.js";
import { COST, TOKENS, buildRecording, recordingText } from "./paths.js";

const dir = mkdtempSync(join(tmpdir(), "ls-backtest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const one = (path: Array<[number, number]>, strategy: string, options: { deadlineSec?: number } = {}) => {
  const report = backtestRecording(buildRecording([{ id: 1, openedAt: 0, path }]), [strategy], options);
  return { report, outcome: report.outcomes[0]?.[0], summary: report.strategies[0] };
};

describe("backtest: known answers", () => {
  it("take profit exactly at the threshold: +20 % sells at +20 %, not at +19.99 %; +0.2 SOL", () => {
    const { outcome, summary } = one([[1000, 0], [2000, 10], [3000, 19.99], [4000, 20], [5000, 25]], "tp=20,sl=10");
    expect(outcome?.exits.map((e) => [e.reason, e.pnlPct, e.t, e.coarse])).toEqual([["target_profit", 20, 4000, false]]);
    expect(outcome?.profit).toBe(200_000_000n);
    expect(summary?.profitSol).toBeCloseTo(0.2, 9);
    expect(summary?.profitPct).toBeCloseTo(20, 9);
    expect(summary?.hitRate).toBe(1);
    expect(summary?.medianHoldSec).toBe(4);
    expect(summary?.exitsByReason).toEqual({ target_profit: 1 });
  });

  it("trailing stop after a peak: peak +30, trail 5 -> sells at +25 (not +27)", () => {
    const { outcome } = one([[1000, 0], [2000, 10], [3000, 30], [4000, 27], [5000, 25], [6000, 10]], "tp=0,sl=0,trail=5");
    expect(outcome?.exits.map((e) => [e.reason, e.pnlPct, e.t, e.thresholdPct])).toEqual([["trailing_stop", 25, 5000, 25]]);
    expect(outcome?.profit).toBe(250_000_000n);
  });

  it("a deadline sells everything at the first frame at or after it", () => {
    const path: Array<[number, number]> = [[60_000, 1], [119_000, 2], [120_000, 4], [130_000, 5]];
    const { outcome, summary } = one(path, "tp=50,sl=50", { deadlineSec: 120 });
    expect(outcome?.exits.map((e) => [e.reason, e.pnlPct, e.t])).toEqual([["deadline", 4, 120_000]]);
    expect(summary?.medianHoldSec).toBe(120);
    // A strategy's own deadline wins over the default.
    expect(one(path, "tp=50,sl=50,deadline=60", { deadlineSec: 120 }).outcome?.exits[0]?.t).toBe(60_000);
  });

  it("too coarse to decide: a jump from -3 to -25 with a 10 % stop is flagged and reported", () => {
    const { outcome, report } = one([[1000, -3], [2000, -25]], "tp=20,sl=10");
    expect(outcome?.exits[0]).toMatchObject({ reason: "stop_loss", pnlPct: -25, thresholdPct: -10, coarse: true });
    expect(report.warnings.join("\n")).toMatch(/too coarse/);
  });

  it("liquidity caps a full sell at the 500 bps band: the rest sells on the next frames", () => {
    const rec = buildRecording([{ id: 1, openedAt: 0, band500: 400_000n, path: [[1000, 20], [2000, 21], [3000, 22]] }]);
    const outcome = backtestRecording(rec, ["tp=20,sl=10"]).outcomes[0]?.[0];
    expect(outcome?.exits.map((e) => [e.tokens, e.pnlPct, e.liquidityCapped])).toEqual([
      [400_000n, 20, true],
      [400_000n, 21, true],
      [200_000n, 22, false],
    ]);
    // A tighter slippage allowance sells less per frame.
    const tight = backtestRecording(rec, ["tp=20,sl=10"], { slippageBps: 200 }).outcomes[0]?.[0];
    expect(tight?.exits[0]?.tokens).toBe(160_000n);
    expect(tight?.heldAtEnd).toBe(TOKENS - 3n * 160_000n);
  });

  it("hit rate, drawdown and per-strategy comparison over several positions", () => {
    const rec = buildRecording([
      { id: 1, openedAt: 0, path: [[1000, 20]] },
      { id: 2, openedAt: 500, path: [[1000, -10]] },
      { id: 3, openedAt: 900, path: [[1000, -10]] },
    ]);
    const report = backtestRecording(rec, ["tp=20,sl=10", "tp=50,sl=50"]);
    const [a, b] = report.strategies;
    expect(a?.hitRate).toBeCloseTo(1 / 3, 9);
    expect(a?.profitUnits).toBe(0n); // +0.2 -0.1 -0.1
    expect(a?.worstDrawdownSol).toBeCloseTo(0.2, 9);
    expect(b?.exitsByReason).toEqual({ end_of_data: 3 });
    expect(report.outcomes[1]?.every((o) => o.heldAtEnd === TOKENS)).toBe(true);
    expect(COST).toBe(1_000_000_000n);
  });
});

describe("backtest: CLI and library agree", () => {
  it("the same report (JSON) through `lasersell-stream backtest --json` and backtest()", async () => {
    const rec = buildRecording([
      { id: 1, openedAt: 0, path: [[1000, 5], [2000, 30], [3000, 24], [4000, 19]] },
      { id: 2, openedAt: 200, path: [[1000, -4], [200_000, -2]] },
    ]);
    const file = join(dir, "hand.ndjson");
    writeFileSync(file, recordingText(rec));
    const strategies = ["tp=20,sl=10", "tp=40,sl=10,trail=5"];
    const library = reportJson(await backtest(file, strategies, { deadlineSec: 120 }));
    const run = await runChild(cli("backtest", file, ...strategies.flatMap((s) => ["--strategy", s]), "--deadline", "120", "--json"), 30_000);
    expect(run.code, run.err).toBe(0);
    expect(JSON.parse(run.out)).toEqual(JSON.parse(library));
    expect(JSON.parse(library).strategies[1].exitsByReason).toEqual({ trailing_stop: 1, deadline: 1 });
  }, 40_000);
});

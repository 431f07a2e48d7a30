/**
 * The exit-executor soak (see `exits.ts` for the faults and invariants), short enough for CI.
 * `npm run soak -- --phase exits --minutes N` runs the same phase for minutes.
 */
import { describe, expect, it } from "vitest";
import { runExitSoak } from "./exits.js";

describe("exit executor soak", () => {
  it("seed 11, ~10 s of drops, delays, on-chain failures and reconnects: every position sold exactly once", { timeout: 60_000 }, async () => {
    const { violations, stats } = await runExitSoak({ seed: 11, durationMs: 10_000 });
    expect(violations).toEqual([]);
    // The run did exercise what it claims to.
    expect(stats.opened).toBeGreaterThan(5);
    expect(stats.sold).toBe(stats.opened);
    expect(stats.confirmedAfterRetry).toBeGreaterThan(0);
    expect(stats.reconnects).toBeGreaterThan(0);
    expect(stats.faults["drop"] ?? 0).toBeGreaterThan(0);
    expect(stats.faults["fail"] ?? 0).toBeGreaterThan(0);
  });
});

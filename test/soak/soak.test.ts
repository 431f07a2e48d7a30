/**
 * The seeded fault soak (see `driver.ts` for the faults and the exact invariants), short enough
 * for CI: 25 s with one seed and 5 s with another (30 s in all). `npm run soak` runs the same driver for
 * minutes.
 */
import { describe, expect, it } from "vitest";
import { runSoak } from "./driver.js";

/** Live handles that keep Node running (vitest's own are there before and after). */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === "Timeout" || kind.startsWith("TCP")) out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

async function soak(seed: number, durationMs: number): Promise<void> {
  const before = handles();
  const { violations, stats } = await runSoak({ seed, durationMs });
  expect(violations).toEqual([]);
  // The run did exercise what it claims to.
  expect(stats.exitsRequired).toBeGreaterThan(0);
  expect(stats.exitsDelivered).toBeGreaterThanOrEqual(stats.exitsRequired);
  expect(stats.connections).toBeGreaterThan(1);
  expect(stats.invalidFrames).toBeGreaterThan(0);
  expect(stats.unknownFrames).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const after = handles();
  for (const [kind, n] of Object.entries(after)) expect(n, `live ${kind} handles after close`).toBeLessThanOrEqual(before[kind] ?? 0);
}

describe("fault soak", () => {
  it("seed 7, 25 s: exits exactly once, server state = client state, no leaks", { timeout: 60_000 }, async () => {
    await soak(7, 25_000);
  });

  it("seed 424242, ~5 s", { timeout: 30_000 }, async () => {
    await soak(424242, 5_000);
  });
});

/**
 * The seeded fault soak (see `driver.ts` for the faults, the hostile phase and the exact
 * invariants), short enough
 * for CI: 25 s with one seed and 5 s with another (30 s in all). `npm run soak` runs the same driver for
 * minutes.
 */
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/scripted-server.js";
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
  // The hostile phase ran: refused reconnects were retried, oversize frames sent, and the
  // connection ended with the typed error (odd seeds: a fatal refusal; even: a second oversize frame).
  expect(stats.refusedHandshakes).toBeGreaterThanOrEqual(seed % 2 === 1 ? 3 : 2);
  expect(stats.oversizeFrames).toBeGreaterThanOrEqual(seed % 2 === 1 ? 1 : 2);
  expect(stats.endedWith).toMatch(seed % 2 === 1 ? /^StreamHandshakeError: .*wallet_not_registered/ : /^StreamPayloadTooLargeError: /);
  // Closed sockets release their handles a few turns later; a leaked timer or socket never does.
  // (A polling wait that holds no timer while it checks: vi.waitFor's own timers would count.)
  const leaked = (): string[] => Object.entries(handles()).filter(([kind, n]) => n > (before[kind] ?? 0)).map(([kind]) => kind);
  await waitFor(() => leaked().length === 0, 2_000, "handles released").catch(() => undefined);
  expect(leaked(), "live handles after close").toEqual([]);
}

describe("fault soak", () => {
  it("seed 7, 25 s + hostile phase: exits exactly once, server state = client state, refusals and oversize frames end, no leaks", { timeout: 60_000 }, async () => {
    await soak(7, 25_000);
  });

  it("seed 424242, ~5 s + hostile phase (ends on a second oversize frame)", { timeout: 30_000 }, async () => {
    await soak(424242, 5_000);
  });
});

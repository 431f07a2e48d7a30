/**
 * executeExits against the mock server (real sockets, real signatures): every path of one exit.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SLIPPAGE_EXCEEDED_ERROR } from "../../src/testing/index.js";
import { TransactionConfirmationError, TransactionGuardError } from "../../src/tx/index.js";
import { waitFor } from "../helpers/scripted-server.js";
import { harness, type Harness } from "./exit-harness.js";

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});
async function start(...args: Parameters<typeof harness>): Promise<Harness> {
  const h = await harness(...args);
  open.push(h);
  return h;
}

describe("executeExits", () => {
  it("lands an exit the first time: signed, submitted, confirmed, sold once", { timeout: 20_000 }, async () => {
    const h = await start();
    const handle = await h.open();
    const id = Number(handle.position_id);
    h.session.requestExitSignal(handle);
    const confirmed = await h.waitEvent("confirmed");
    expect(confirmed).toMatchObject({ positionId: String(id), attempt: 1, recovered: false });
    expect(confirmed.latencyMs).toBeGreaterThan(0);
    await h.server.waitForPositionClosed(id);
    expect(h.of("signed").map((e) => e.signature)).toEqual([confirmed.signature]);
    expect(h.of("submitted")).toHaveLength(1);
    expect(h.of("failed")).toEqual([]);
    expect(h.settled(id)).toBe(1);
    const stats = h.exits.stats();
    expect(stats).toMatchObject({ signals: 1, exits: 1, confirmed: 1, confirmedAfterRetry: 0, failedAttempts: 0, reRequests: 0, gaveUp: 0 });
    expect(stats.latencyMs.count).toBe(1);
  });

  it("a submission accepted and then dropped expires, is re-requested with the first slippage step, and lands", { timeout: 20_000 }, async () => {
    const h = await start();
    const handle = await h.open();
    const id = Number(handle.position_id);
    h.server.dropNextSubmissions(1);
    h.session.requestExitSignal(handle);
    const confirmed = await h.waitEvent("confirmed");
    const failed = h.of("failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ outcome: "expired", attempt: 1 });
    expect(failed[0]?.error).toBeInstanceOf(TransactionConfirmationError);
    expect(h.of("re_requested")).toMatchObject([{ slippageBps: 500, attempt: 2 }]);
    expect(confirmed).toMatchObject({ attempt: 2 });
    expect(h.exitRequests(id)).toEqual([undefined, 500]);
    await h.server.waitForPositionClosed(id);
    expect(h.submitted(id)).toBe(2);
    expect(h.settled(id)).toBe(1);
    expect(h.exits.stats()).toMatchObject({ confirmed: 1, confirmedAfterRetry: 1, failedAttempts: 1, reRequests: 1 });
  });

  it("a transaction stuck until its blockhash expired never lands; the executor sees it expire and sells with a fresh one", { timeout: 20_000 }, async () => {
    const h = await start();
    const handle = await h.open();
    const id = Number(handle.position_id);
    const faults: string[] = [];
    h.server.on("submission_fault", (f) => faults.push(f.kind));
    h.server.delayNextSubmissions(1, 2_000); // validity is 10 slots of 20 ms
    h.session.requestExitSignal(handle);
    await h.waitEvent("confirmed");
    const failed = h.of("failed")[0];
    expect(failed?.outcome).toBe("expired");
    const error = failed?.error as TransactionConfirmationError;
    expect(error.blockHeight).toBeGreaterThan(error.lastValidBlockHeight as number);
    await h.server.waitForPositionClosed(id);
    expect(h.settled(id)).toBe(1);
  });

  it("failed on chain (slippage exceeded), then lands with the next slippage step", { timeout: 20_000 }, async () => {
    const h = await start({ executor: { slippageStepsBps: [750, 1_500] } });
    const handle = await h.open();
    const id = Number(handle.position_id);
    h.server.failNextSubmissions(1);
    h.session.requestExitSignal(handle);
    const confirmed = await h.waitEvent("confirmed");
    const failed = h.of("failed");
    expect(failed).toMatchObject([{ outcome: "failed_on_chain", attempt: 1 }]);
    expect((failed[0]?.error as TransactionConfirmationError).programError).toEqual(SLIPPAGE_EXCEEDED_ERROR);
    expect(h.of("re_requested").map((e) => e.slippageBps)).toEqual([750]);
    expect(h.exitRequests(id)).toEqual([undefined, 750]);
    expect(confirmed.attempt).toBe(2);
    await h.server.waitForPositionClosed(id);
    expect(h.settled(id)).toBe(1);
  });

  it("gives up when the attempts are spent: a gave_up event, the position still open", { timeout: 20_000 }, async () => {
    const h = await start({ executor: { maxAttempts: 3, slippageStepsBps: [500, 1_000] } });
    const handle = await h.open();
    const id = Number(handle.position_id);
    h.server.failNextSubmissions(10);
    h.session.requestExitSignal(handle);
    const gaveUp = await h.waitEvent("gave_up");
    expect(gaveUp).toMatchObject({ why: "attempts_spent", attempt: 3 });
    expect(h.of("failed").map((e) => e.outcome)).toEqual(["failed_on_chain", "failed_on_chain", "failed_on_chain"]);
    expect(h.of("re_requested").map((e) => e.slippageBps)).toEqual([500, 1_000]);
    expect(h.of("confirmed")).toEqual([]);
    expect(h.server.position(id)).toBeDefined();
    expect(h.session.position(id)).toBeDefined();
    expect(h.settled(id)).toBe(0);
    expect(h.exitRequests(id)).toEqual([undefined, 500, 1_000]);
    expect(h.exits.stats()).toMatchObject({ gaveUp: 1, failedAttempts: 3, confirmed: 0, inFlight: 0 });
  });

  it("stops when the position closes while its exit is in flight (nothing re-requested)", { timeout: 20_000 }, async () => {
    const h = await start({ server: { blockhashValiditySlots: 500 } }); // the dropped one stays pending for 10 s
    const handle = await h.open();
    const id = Number(handle.position_id);
    h.server.dropNextSubmissions(1);
    h.session.requestExitSignal(handle);
    await h.waitEvent("submitted");
    h.session.closePosition(handle);
    const stopped = await h.waitEvent("stopped");
    expect(stopped).toMatchObject({ why: "position_closed", positionId: String(id) });
    expect(h.of("re_requested")).toEqual([]);
    expect(h.exitRequests(id)).toEqual([undefined]);
    expect(h.settled(id)).toBe(0);
    expect(h.exits.stats()).toMatchObject({ stopped: 1, confirmed: 0, gaveUp: 0 });
  });

  it("two signals for one position while the first is in flight: the second is not signed, one sale", { timeout: 20_000 }, async () => {
    const h = await start({ server: { blockhashValiditySlots: 500 } });
    const handle = await h.open();
    const id = Number(handle.position_id);
    h.server.delayNextSubmissions(1, 1_500); // time for the second signal; well inside the blockhash's life (10 s)
    h.session.requestExitSignal(handle);
    await h.waitEvent("submitted");
    h.session.requestExitSignal(handle); // a second, newer signal for the same position
    await h.server.waitFor(() => (h.server.exits.filter((e) => e.position_id === id).length === 2 ? true : undefined));
    await h.waitEvent("confirmed");
    await h.server.waitForPositionClosed(id);
    expect(h.of("signed")).toHaveLength(1);
    expect(h.submitted(id)).toBe(1);
    expect(h.settled(id)).toBe(1);
    expect(h.exits.stats()).toMatchObject({ signals: 2, confirmed: 1 });
  });

  it("a newer signal supersedes an in-flight exit only after it failed: stop loss fails on chain, the engine's next signal lands, one sale", { timeout: 20_000 }, async () => {
    const h = await start({ strategy: { target_profit_pct: 1_000, stop_loss_pct: 10 } });
    const handle = await h.open();
    const id = Number(handle.position_id);
    h.server.failNextSubmissions(1);
    h.server.setPrice(id, 0.8);
    await h.waitEvent("confirmed");
    await h.server.waitForPositionClosed(id);
    expect(h.of("failed").map((e) => e.outcome)).toEqual(["failed_on_chain"]);
    expect(h.of("signed")).toHaveLength(2);
    expect(h.settled(id)).toBe(1);
    // Signals that arrive after the sale (a re-request answered late) are skipped, never signed.
    expect(h.of("signed").length + h.of("skipped").length).toBeLessThanOrEqual(h.exits.stats().signals);
  });

  it("ladder partial sells are tracked by level_index: each level sells once", { timeout: 20_000 }, async () => {
    const h = await start({
      strategy: { target_profit_pct: 0, stop_loss_pct: 50, take_profit_levels: [{ profit_pct: 20, sell_pct: 50 }, { profit_pct: 40, sell_pct: 100 }] },
    });
    const handle = await h.open(1_000_000n);
    const id = Number(handle.position_id);
    h.server.setPrice(id, 1.25);
    await h.waitEvent("confirmed", (e) => e.levelIndex === 0);
    await h.server.waitFor(() => (h.server.position(id)?.tokens === 500_000n ? true : undefined));
    h.server.setPrice(id, 1.5);
    await h.waitEvent("confirmed", (e) => e.levelIndex === 1);
    await h.server.waitForPositionClosed(id);
    expect(h.of("confirmed").map((e) => e.levelIndex)).toEqual([0, 1]);
    expect(h.settled(id)).toBe(2);
  });

  it("a transaction the guard refuses is never signed or sent: failed (refused), then gave_up", { timeout: 20_000 }, async () => {
    const h = await start({ executor: { guard: { maxSolOutflowLamports: 1n } } });
    const handle = await h.open();
    const id = Number(handle.position_id);
    h.session.requestExitSignal(handle);
    const gaveUp = await h.waitEvent("gave_up");
    expect(gaveUp.why).toBe("refused");
    expect(h.of("failed")[0]?.error).toBeInstanceOf(TransactionGuardError);
    expect(h.of("signed")).toEqual([]);
    expect(h.submitted(id)).toBe(0);
  });

  it("stop() mid-exit ends polls and waits: no timer or socket outlives it, and the exit stays unconfirmed", { timeout: 20_000 }, async () => {
    const live = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r.startsWith("TCP")).length;
    const before = live();
    const h = await harness();
    const handle = await h.open();
    h.server.dropNextSubmissions(1);
    h.session.requestExitSignal(handle);
    await h.waitEvent("submitted");
    expect(h.exits.stats().inFlight).toBe(1);
    await h.close();
    expect(h.exits.stats().inFlight).toBe(0);
    expect(h.of("confirmed")).toEqual([]);
    expect(h.of("gave_up")).toEqual([]);
    // Closed sockets release their handles a few turns later; a leaked timer or socket never does.
    // (A polling wait that holds no timer while it checks: vi.waitFor's own timers would count.)
    await waitFor(() => live() <= before, 2_000, "handles released").catch(() => undefined);
    expect(live()).toBeLessThanOrEqual(before);
  });

  it("a guard function sees each signal before signing and may refuse it", { timeout: 20_000 }, async () => {
    const seen: string[] = [];
    const h = await start({
      executor: {
        guard: (message) => {
          seen.push(message.reason);
          if (message.reason === "sell_now") throw new Error("manual exits need a human");
        },
      },
    });
    const handle = await h.open();
    h.session.requestExitSignal(handle);
    const gaveUp = await h.waitEvent("gave_up");
    expect(gaveUp.why).toBe("refused");
    expect(seen).toEqual(["sell_now"]);
    expect(h.submitted(Number(handle.position_id))).toBe(0);
  });
});

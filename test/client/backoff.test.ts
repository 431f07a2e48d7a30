import { afterEach, describe, expect, it, vi } from "vitest";
import { computeBackoffDelay } from "../../src/client/backoff.js";
import { Heartbeat } from "../../src/client/heartbeat.js";

const policy = { initialDelayMs: 100, maxDelayMs: 5000 };

describe("computeBackoffDelay", () => {
  it.each([
    // attempt, random, expected
    [0, 0, 50],
    [0, 0.999999, 100],
    [0, 0.5, 75],
    [1, 0, 100],
    [1, 0.999999, 200],
    [2, 0.5, 300],
    [3, 0.5, 600],
    [5, 0.999999, 3200],
    [6, 0.999999, 5000], // 6400 capped
    [6, 0, 2500],
    [50, 0.5, 3750],
    [1e6, 0.999999, 5000], // huge exponents do not overflow
  ])("attempt %d with random %d -> %d ms", (attempt, random, expected) => {
    expect(computeBackoffDelay(attempt, policy, () => random)).toBe(expected);
  });

  it("stays within [ceiling / 2, ceiling] and never reaches zero", () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const ceiling = Math.min(5000, 100 * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const delay = computeBackoffDelay(attempt, policy);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(computeBackoffDelay(0, { initialDelayMs: 0, maxDelayMs: 0 }, () => 0)).toBe(1);
  });

  it("spreads clients out: two random sources give different delays (no lock-step)", () => {
    const delays = new Set(Array.from({ length: 20 }, () => computeBackoffDelay(4, policy)));
    expect(delays.size).toBeGreaterThan(1);
  });

  it("clamps a random source outside [0, 1)", () => {
    expect(computeBackoffDelay(0, policy, () => -3)).toBe(50);
    expect(computeBackoffDelay(0, policy, () => 7)).toBe(100);
  });
});

describe("Heartbeat (fake timers)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(intervalMs = 5000, timeoutMs = 5000) {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "clearImmediate", "Date"] });
    const pings: number[] = [];
    const deaths: number[] = [];
    const heartbeat = new Heartbeat(
      intervalMs,
      timeoutMs,
      () => pings.push(Date.now()),
      (silent) => deaths.push(silent),
    );
    return { heartbeat, pings, deaths, start: Date.now() };
  }

  it("pings after intervalMs of silence and declares the link dead timeoutMs later (10 s with defaults)", () => {
    const { heartbeat, pings, deaths, start } = setup();
    heartbeat.start();
    vi.advanceTimersByTime(4999);
    expect(pings).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(pings).toEqual([start + 5000]);
    vi.advanceTimersByTime(4999);
    expect(deaths).toHaveLength(0);
    vi.advanceTimersByTime(1);
    // the verdict waits one setImmediate, so an answer already received is read first
    vi.advanceTimersByTime(1);
    expect(deaths).toHaveLength(1);
    expect(deaths[0]).toBeGreaterThanOrEqual(10_000);
    expect(deaths[0]).toBeLessThanOrEqual(10_001);
    heartbeat.stop();
  });

  it("a frame after the ping keeps the link alive; steady traffic never pings", () => {
    const { heartbeat, pings, deaths } = setup(1000, 500);
    heartbeat.start();
    for (let i = 0; i < 50; i++) {
      vi.advanceTimersByTime(200);
      heartbeat.touch();
    }
    expect(pings).toHaveLength(0);
    vi.advanceTimersByTime(1000);
    expect(pings).toHaveLength(1);
    vi.advanceTimersByTime(300);
    heartbeat.touch(); // the pong
    vi.advanceTimersByTime(1000);
    expect(deaths).toHaveLength(0);
    expect(pings).toHaveLength(2);
    vi.advanceTimersByTime(501);
    expect(deaths).toHaveLength(1);
    heartbeat.stop();
  });

  it("one timer at a time, none after stop()", () => {
    const { heartbeat, pings, deaths } = setup(1000, 1000);
    heartbeat.start();
    for (let i = 0; i < 100; i++) heartbeat.touch();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000); // ping; the timeout is armed
    expect(pings).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000); // timeout fired: the verdict is pending
    heartbeat.stop(); // clears the pending verdict too
    vi.advanceTimersByTime(5000);
    expect(vi.getTimerCount()).toBe(0);
    expect(deaths).toHaveLength(0);
    heartbeat.start();
    heartbeat.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(pings).toHaveLength(1);
  });
});

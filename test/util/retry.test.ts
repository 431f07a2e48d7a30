import { afterEach, describe, expect, it, vi } from "vitest";
import { StreamError, TimeoutError } from "../../src/errors.js";
import { LOW_LATENCY_RETRY_POLICY, delayForAttempt, retryAsync, withTimeout, type RetryPolicy } from "../../src/util/retry.js";
import { computeBackoffDelay } from "../../src/client/backoff.js";

const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({ max_attempts: 3, initial_backoff_ms: 100, max_backoff_ms: 1_000, jitter_ms: 0, ...over });

afterEach(() => {
  vi.useRealTimers();
});

describe("delayForAttempt", () => {
  it("doubles from the first failure and caps (the official SDK's numbers for 25/100/0)", () => {
    const p = { max_attempts: 5, initial_backoff_ms: 25, max_backoff_ms: 100, jitter_ms: 0 };
    expect([1, 2, 3, 4, 5].map((n) => delayForAttempt(p, n))).toEqual([25, 50, 100, 100, 100]);
  });

  it.each([
    [{ jitter_ms: 25 }, (): number => 0, 100],
    [{ jitter_ms: 25 }, (): number => 0.999, 125],
    [{ jitter_ratio: 0.5 }, (): number => 0, 50],
    [{ jitter_ratio: 0.5 }, (): number => 0.5, 75],
    [{ initial_backoff_ms: 5_000 }, (): number => 0, 1_000],
  ] as const)("jitter and cap: %o", (over, random, expected) => {
    expect(delayForAttempt(policy(over), 1, random)).toBe(expected);
  });

  it("is the reconnect backoff too: computeBackoffDelay(n) = delayForAttempt(n + 1) with equal jitter", () => {
    for (const r of [0, 0.25, 0.5, 0.99]) {
      for (let n = 0; n < 8; n++) {
        expect(computeBackoffDelay(n, { initialDelayMs: 100, maxDelayMs: 5_000 }, () => r)).toBe(
          delayForAttempt({ max_attempts: Infinity, initial_backoff_ms: 100, max_backoff_ms: 5_000, jitter_ms: 0, jitter_ratio: 0.5 }, n + 1, () => r),
        );
      }
    }
    expect(computeBackoffDelay(3, { initialDelayMs: 100, maxDelayMs: 5_000 }, () => 0.5)).toBe(600);
  });
});

describe("retryAsync", () => {
  it("takes the official bare shouldRetry function and rethrows the original error on the last attempt", async () => {
    const boom = new Error("boom");
    let calls = 0;
    const err = await retryAsync({ ...LOW_LATENCY_RETRY_POLICY, jitter_ms: 0, initial_backoff_ms: 1 }, async () => {
      calls++;
      throw boom;
    }, () => true).catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(calls).toBe(2);
  });

  it("stops at once when shouldRetry declines, and resolves on a later success", async () => {
    let calls = 0;
    await expect(retryAsync(policy({ initial_backoff_ms: 1 }), async () => { calls++; throw new Error("no"); }, { shouldRetry: () => false })).rejects.toThrow("no");
    expect(calls).toBe(1);
    calls = 0;
    await expect(retryAsync(policy({ initial_backoff_ms: 1 }), async (n) => { calls++; if (n < 3) throw new Error("again"); return n; })).resolves.toBe(3);
    expect(calls).toBe(3);
  });

  it("uses the error's isRetryable() by default", async () => {
    let calls = 0;
    const err = Object.assign(new Error("fatal"), { isRetryable: () => false });
    await expect(retryAsync(policy({ initial_backoff_ms: 1 }), async () => { calls++; throw err; })).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it("waits at least the failure's Retry-After", async () => {
    vi.useFakeTimers();
    const delays: number[] = [];
    const p = retryAsync(
      policy({ initial_backoff_ms: 10 }),
      async (n) => {
        if (n === 1) throw Object.assign(new Error("429"), { retryAfterMs: 2_000 });
        return "ok";
      },
      { onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    await vi.advanceTimersByTimeAsync(1_999);
    expect(delays).toEqual([2_000]);
    await vi.advanceTimersByTimeAsync(1);
    await expect(p).resolves.toBe("ok");
  });

  it("an abort during the backoff ends the loop at once with code aborted", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    let calls = 0;
    const p = retryAsync(policy({ initial_backoff_ms: 10_000 }), async () => { calls++; throw new Error("down"); }, { signal: controller.signal });
    const seen = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5);
    controller.abort();
    const err = await seen;
    expect(err).toBeInstanceOf(StreamError);
    expect((err as StreamError).code).toBe("aborted");
    expect(calls).toBe(1);
  });

  it("the deadline aborts the running attempt's signal and rejects with TimeoutError", async () => {
    let sawAbort = false;
    const err = await retryAsync(
      policy(),
      (_n, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            sawAbort = true;
            reject(new Error("attempt aborted"));
          });
        }),
      { deadlineMs: 30 },
    ).catch((e: unknown) => e);
    expect(sawAbort).toBe(true);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it("does not start a backoff that would end past the deadline: the failure itself is thrown", async () => {
    const boom = new Error("down");
    let calls = 0;
    const started = Date.now();
    await expect(retryAsync(policy({ initial_backoff_ms: 10_000 }), async () => { calls++; throw boom; }, { deadlineMs: 1_000 })).rejects.toBe(boom);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("withTimeout", () => {
  it("aborts the work it times out (function form) and rejects with TimeoutError", async () => {
    let aborted: unknown;
    const err = await withTimeout(20, (signal) => new Promise((_r, reject) => signal.addEventListener("abort", () => { aborted = signal.reason; reject(new Error("stopped")); }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).timeout_ms).toBe(20);
    expect(aborted).toBe(err);
  });

  it("passes a result through and accepts a bare promise (the official form); <= 0 means no limit", async () => {
    await expect(withTimeout(1_000, Promise.resolve(7))).resolves.toBe(7);
    // Settles 20 ms later: with no limit, the elapsed time does not matter.
    await expect(withTimeout(0, new Promise((r) => setTimeout(() => r("late"), 20)))).resolves.toBe("late");
    await expect(withTimeout(10, new Promise(() => undefined))).rejects.toMatchObject({ name: "TimeoutError", code: "timeout" });
  });
});

/**
 * The one retry policy of the library and the helpers built on it: the Exit API client's retries,
 * the stream's reconnect backoff and anyone's own loops use {@link RetryPolicy} and
 * {@link delayForAttempt}. Names and defaults follow the official SDK's `retry` module; the loop
 * adds cancellation, an overall deadline and `Retry-After`.
 */
import { sleep } from "./abort.js";
import { StreamError, TimeoutError } from "../errors.js";

/**
 * A bounded, capped exponential backoff (the official SDK's shape, snake_case kept so a policy
 * object moves between the two libraries unchanged). Times in milliseconds.
 *
 * Delay after failed attempt `n` (1-based) = `min(max_backoff_ms, initial_backoff_ms * 2^(n-1))`,
 * scaled by a random factor in `[1 - jitter_ratio, 1]` when `jitter_ratio` is set, plus a random
 * integer in `[0, jitter_ms]`.
 */
export interface RetryPolicy {
  /** Attempts in all, the first one included (at least 1 is always made). */
  max_attempts: number;
  /** Delay after the first failure. */
  initial_backoff_ms: number;
  /** Cap of the doubled delay. */
  max_backoff_ms: number;
  /** Random extra delay, uniform in `[0, jitter_ms]`. */
  jitter_ms: number;
  /**
   * Proportional jitter: the delay is scaled by a random factor in `[1 - jitter_ratio, 1]`
   * (`0.5` is "equal jitter", what the stream's reconnect uses). Not in the official SDK.
   * @defaultValue 0
   */
  jitter_ratio?: number;
}

/** `{ max_attempts: 2, initial_backoff_ms: 25, max_backoff_ms: 100, jitter_ms: 25 }` (the official SDK's). */
export const LOW_LATENCY_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  max_attempts: 2,
  initial_backoff_ms: 25,
  max_backoff_ms: 100,
  jitter_ms: 25,
});

/** A fresh copy of {@link LOW_LATENCY_RETRY_POLICY}. */
export function lowLatencyRetryPolicy(): RetryPolicy {
  return { ...LOW_LATENCY_RETRY_POLICY };
}

const nonNegative = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0);
const unit = (r: number): number => Math.min(Math.max(Number.isFinite(r) ? r : 0, 0), 1);

/**
 * Delay before the next attempt after attempt `attempt` (1-based: the attempt that just failed)
 * failed. Always capped at `max_backoff_ms` before jitter (the official SDK leaves a first delay
 * above the cap uncapped).
 *
 * @param random - a source of numbers in [0, 1); injectable for tests.
 * @example
 * ```ts
 * import { delayForAttempt } from "lasersell-stream";
 * const policy = { max_attempts: 5, initial_backoff_ms: 25, max_backoff_ms: 100, jitter_ms: 0 };
 * [1, 2, 3, 4].map((n) => delayForAttempt(policy, n)); // [25, 50, 100, 100]
 * ```
 */
export function delayForAttempt(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(Math.floor(attempt) - 1, 52));
  const cap = nonNegative(policy.max_backoff_ms);
  let delay = Math.min(cap, nonNegative(policy.initial_backoff_ms) * 2 ** exponent);
  const ratio = unit(policy.jitter_ratio ?? 0);
  if (ratio > 0) delay *= 1 - ratio + ratio * unit(random());
  const jitter = Math.floor(nonNegative(policy.jitter_ms));
  if (jitter > 0) delay += Math.min(jitter, Math.floor(unit(random()) * (jitter + 1)));
  return Math.round(delay);
}

/** Options of {@link retryAsync}. */
export interface RetryOptions<E = unknown> {
  /**
   * Whether a failure is worth another attempt.
   * @defaultValue the error's own `isRetryable()` when it has one, otherwise `true`
   */
  shouldRetry?: (error: E, attempt: number) => boolean;
  /** Cancels the loop (the running attempt sees it through its `signal` argument, the backoff ends at once). */
  signal?: AbortSignal;
  /**
   * Budget for the whole call in milliseconds, attempts and backoff included. The running attempt's
   * signal aborts when it runs out; a backoff that would end past it is not started (the last
   * failure is thrown instead).
   */
  deadlineMs?: number;
  /**
   * Reads a server-requested wait (`Retry-After`) from a failure; the next delay is at least that.
   * @defaultValue the error's `retryAfterMs` property when it is a number
   */
  retryAfterMs?: (error: E) => number | undefined;
  /** Called before each backoff (for logging or metrics). */
  onRetry?: (info: { attempt: number; delayMs: number; error: E }) => void;
  /** Random source of the jitter (tests inject one). */
  random?: () => number;
}

function defaultShouldRetry(error: unknown): boolean {
  const retryable = (error as { isRetryable?: unknown } | null)?.isRetryable;
  return typeof retryable === "function" ? (retryable as () => unknown).call(error) === true : true;
}

function defaultRetryAfter(error: unknown): number | undefined {
  const v = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** The error a cancelled wait rejects with. */
function abortedError(signal: AbortSignal): StreamError {
  return new StreamError("aborted", "the operation was aborted", { cause: signal.reason });
}

/**
 * Runs `op(attempt, signal)` for `attempt = 1..max_attempts` until it resolves. A failure that is
 * the last attempt's, or that `shouldRetry` declines, is rethrown unchanged; otherwise the loop
 * waits {@link delayForAttempt} (or the failure's `Retry-After`, if longer) and tries again.
 *
 * The third argument may be the official SDK's bare `shouldRetry` function or a
 * {@link RetryOptions} object. With `signal`, an abort ends the loop at once with a
 * `StreamError` code `"aborted"` (unless the attempt itself rejected first); with `deadlineMs`,
 * running out of time throws {@link TimeoutError} (its `cause` is the last failure, when there was one).
 *
 * @example
 * ```ts
 * import { retryAsync, LOW_LATENCY_RETRY_POLICY } from "lasersell-stream";
 * const text = await retryAsync(
 *   { ...LOW_LATENCY_RETRY_POLICY, max_attempts: 3 },
 *   (_attempt, signal) => fetch("https://example.com", { signal }).then((r) => r.text()),
 *   { deadlineMs: 5_000 },
 * );
 * ```
 */
export async function retryAsync<T, E = unknown>(
  policy: RetryPolicy,
  op: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: RetryOptions<E> | ((error: E) => boolean) = {},
): Promise<T> {
  const o: RetryOptions<E> = typeof options === "function" ? { shouldRetry: options } : options;
  const shouldRetry = o.shouldRetry ?? defaultShouldRetry;
  const retryAfter = o.retryAfterMs ?? defaultRetryAfter;
  const maxAttempts = Math.max(1, Math.floor(Number.isFinite(policy.max_attempts) ? policy.max_attempts : 1));
  const deadlineAt = o.deadlineMs === undefined ? undefined : Date.now() + Math.max(0, o.deadlineMs);

  // One signal for everything: the caller's abort or the deadline.
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onAbort, { once: true });
  let deadlineTimer: NodeJS.Timeout | undefined;
  if (deadlineAt !== undefined && o.deadlineMs !== undefined) {
    deadlineTimer = setTimeout(() => controller.abort(new TimeoutError(o.deadlineMs ?? 0, "retry deadline exceeded")), Math.max(0, o.deadlineMs));
  }
  const stopped = (last?: unknown): Error => {
    if (o.signal?.aborted === true) return abortedError(o.signal);
    return new TimeoutError(o.deadlineMs ?? 0, `gave up after the ${o.deadlineMs ?? 0} ms deadline`, last === undefined ? undefined : { cause: last });
  };
  try {
    if (o.signal?.aborted === true) throw abortedError(o.signal);
    for (let attempt = 1; ; attempt++) {
      if (controller.signal.aborted) throw stopped();
      try {
        return await op(attempt, controller.signal);
      } catch (error) {
        // Cancelled or out of time: a typed error from the attempt says so best; anything else is wrapped.
        if (controller.signal.aborted) throw error instanceof StreamError ? error : stopped(error);
        if (attempt >= maxAttempts || !shouldRetry(error as E, attempt)) throw error;
        const delayMs = Math.max(delayForAttempt(policy, attempt, o.random), retryAfter(error as E) ?? 0);
        if (deadlineAt !== undefined && Date.now() + delayMs >= deadlineAt) throw error;
        o.onRetry?.({ attempt, delayMs, error: error as E });
        if (delayMs > 0) await sleep(delayMs, controller.signal);
        if (controller.signal.aborted) throw stopped(error);
      }
    }
  } finally {
    clearTimeout(deadlineTimer);
    o.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Rejects with {@link TimeoutError} if `work` has not settled within `timeoutMs` (`<= 0`: no limit).
 * Pass a function to have the work cancelled: it receives a signal that aborts (with the
 * `TimeoutError` as reason) when the time is up, so a `fetch` given that signal stops too. A bare
 * promise (the official SDK's form) cannot be cancelled; only the wait ends.
 *
 * @example
 * ```ts
 * import { withTimeout } from "lasersell-stream";
 * const res = await withTimeout(2_000, (signal) => fetch("https://example.com", { signal }));
 * ```
 */
export function withTimeout<T>(timeoutMs: number, work: Promise<T> | ((signal: AbortSignal) => Promise<T>)): Promise<T> {
  const controller = new AbortController();
  const promise = typeof work === "function" ? Promise.resolve().then(() => work(controller.signal)) : work;
  if (!(timeoutMs > 0)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new TimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A signal that aborts when any of `signals` does (with its reason). `AbortSignal.any` for Node 18. */
export function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  const list = signals.filter((s): s is AbortSignal => s !== undefined);
  if (list.length === 1 && list[0] !== undefined) return list[0];
  const controller = new AbortController();
  for (const s of list) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener("abort", () => controller.abort(s.reason), { once: true, signal: controller.signal });
  }
  return controller.signal;
}

/**
 * The reconnect backoff delay, on the library's one retry policy (`src/util/retry.ts`). Pure
 * function. (What each disconnect means: `policy.ts`.)
 */
import { delayForAttempt, type RetryPolicy } from "../util/retry.js";

/** The resolved reconnect policy (every option filled in). */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Attempts after a drop before giving up. @defaultValue Infinity */
  maxAttempts?: number;
}

/**
 * The reconnect options as the library's one {@link RetryPolicy}: capped doubling with "equal
 * jitter" (`jitter_ratio` 0.5: a random factor in [0.5, 1]), which keeps many clients (or many
 * connections of one bot) from reconnecting in lock-step after a server restart.
 */
export function reconnectRetryPolicy(policy: BackoffPolicy): RetryPolicy {
  return {
    max_attempts: policy.maxAttempts ?? Infinity,
    initial_backoff_ms: policy.initialDelayMs,
    max_backoff_ms: policy.maxDelayMs,
    jitter_ms: 0,
    jitter_ratio: 0.5,
  };
}

/**
 * Delay before reconnect attempt `attempt` (0-based): {@link delayForAttempt} of
 * {@link reconnectRetryPolicy}, i.e. `min(maxDelayMs, initialDelayMs * 2^attempt)` scaled by a
 * random factor in [0.5, 1], and never below 1 ms.
 *
 * @param random - a source of numbers in [0, 1); injectable for tests.
 * @example
 * ```ts
 * computeBackoffDelay(3, { initialDelayMs: 100, maxDelayMs: 5000 }, () => 0.5); // 600
 * ```
 */
export function computeBackoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  return Math.max(1, delayForAttempt(reconnectRetryPolicy(policy), attempt + 1, random));
}

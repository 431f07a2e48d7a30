/**
 * Reconnect policy as data: the backoff delay (on the library's one retry policy,
 * `src/util/retry.ts`) and the close-code verdict. Pure functions.
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

/**
 * Whether a WebSocket close code is worth a reconnect.
 *
 * `"fatal"` for codes that say this client itself is at fault in a way a reconnect would repeat:
 * 1002 protocol error, 1003 unsupported data, 1007 invalid payload, 1009 message too big,
 * 1010 missing extension, 1015 TLS failure. Everything else retries, including 1008 (policy
 * violation: LaserSell documents no close codes, and a session limit can be transient while the
 * server still counts the old session), 1011/1012/1013 (server error, restart, try later), 1006
 * (abnormal drop), 1000/1001/1005 and any application code (4000-4999).
 * An HTTP 401/403 on the upgrade is fatal too, but that is not a close code.
 */
export function classifyClose(code: number): "retry" | "fatal" {
  switch (code) {
    case 1002:
    case 1003:
    case 1007:
    case 1009:
    case 1010:
    case 1015:
      return "fatal";
    default:
      return "retry";
  }
}

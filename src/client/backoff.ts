/**
 * The reconnect backoff delay. Pure function. (What each disconnect means: `policy.ts`.)
 */

/** The resolved reconnect policy (every option filled in). */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before reconnect attempt `attempt` (0-based):
 * `min(maxDelayMs, initialDelayMs * 2^attempt)` scaled by a random factor in [0.5, 1], and never
 * below 1 ms. The jitter keeps many clients (or many connections of one bot) from reconnecting in
 * lock-step after a server restart.
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
  const exponent = Math.max(0, Math.min(attempt, 52));
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  const factor = 0.5 + 0.5 * Math.min(Math.max(random(), 0), 1);
  return Math.max(1, Math.round(ceiling * factor));
}

/**
 * Reconnect policy as data: the backoff delay and the close-code verdict. Pure functions.
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

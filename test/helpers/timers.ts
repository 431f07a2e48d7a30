/**
 * Waiting for a system whose only way to act again is a timer, before asserting that it did not.
 */

/**
 * Resolves after every timer armed before this call with a delay of at most `maxDelayMs` has run,
 * with the synchronous work it started (an event, a dial). Node runs timers in order of expiry,
 * so one armed now for `maxDelayMs + 1` runs after all of them, however slow the machine: a
 * guarantee, not a guess. Give it the longest delay the system under test can use (its reconnect
 * `maxDelayMs`, jitter included).
 */
export function afterTimersUpTo(maxDelayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, maxDelayMs + 1));
}

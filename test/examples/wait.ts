/** Polls `probe` every 5 ms until it returns a value; rejects after `timeoutMs` naming `what`. */
export async function until<T>(probe: () => T | undefined, what: () => string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits for a line starting with `prefix` in `lines` (a bot's log). */
export function waitForLine(lines: readonly string[], prefix: string, timeoutMs = 5_000): Promise<string> {
  return until(
    () => lines.find((l) => l.startsWith(prefix)),
    () => `a log line starting with "${prefix}" in ${JSON.stringify(lines, null, 1)}`,
    timeoutMs,
  );
}

/** Reading `StreamSession` events in socket tests. */
import type { StreamEvent, StreamSession } from "../../src/session/index.js";

/**
 * Reads events until one of `type` matches `where` (events before it are skipped). Rejects when
 * none does within `timeoutMs` or the session ends first.
 */
export async function nextEvent<T extends StreamEvent["type"]>(
  session: StreamSession,
  type: T,
  where: (e: Extract<StreamEvent, { type: T }>) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<Extract<StreamEvent, { type: T }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no ${type} event within ${timeoutMs} ms`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const event = await Promise.race([
      session.recv(),
      new Promise<"timeout">((r) => {
        timer = setTimeout(() => r("timeout"), left);
      }),
    ]);
    clearTimeout(timer);
    if (event === "timeout") throw new Error(`no ${type} event within ${timeoutMs} ms`);
    if (event === null) throw new Error(`session ended before a ${type} event`);
    if (event.type === type && where(event as Extract<StreamEvent, { type: T }>)) return event as Extract<StreamEvent, { type: T }>;
  }
}

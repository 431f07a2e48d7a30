/**
 * One flooded client, run in its own process with a small heap (`--max-old-space-size`) by
 * `flood.test.ts`. Arguments: `<url> <connection|session> <high|unknown|low> <count>`.
 *
 * It reads nothing until the flood has pushed it to its bound (the socket paused, or everything
 * arrived), samples memory there, then drains; repeats until the server's final marker (an `error`
 * frame with code `flood_done`). Prints one JSON line with what it saw.
 */
import { StreamClient } from "../../src/client/index.js";
import { StreamSession } from "../../src/session/index.js";
import { configure } from "../helpers/frames.js";

const [url, mode, kind, countText] = process.argv.slice(2) as [string, "connection" | "session", string, string];
const count = Number(countText);

let peakHeap = 0;
let peakRss = 0;
function sample(): void {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
}
const sampler = setInterval(sample, 5);

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

const client = new StreamClient("flood-test-key", { endpoint: url, reconnect: false, heartbeat: { intervalMs: 2_000, timeoutMs: 2_000 } });
let nextExit = 0;
let outOfOrder = 0;
let high = 0;
let unknown = 0;
let low = 0;
let pauses = 0;
/** The most messages waiting for the consumer at any sample (the bound under test). */
let peakPending = 0;
let done = false;

function seen(type: string, positionId: unknown, code?: unknown): void {
  if (type === "exit_signal_with_tx") {
    if (positionId !== nextExit) outOfOrder++;
    nextExit++;
    high++;
  } else if (type === "unknown") unknown++;
  else if (type === "pnl_update") low++;
  else if (type === "error" && code === "flood_done") done = true;
}

if (mode === "connection") {
  const connection = await client.connect(configure());
  while (!done) {
    // Read nothing until the flood hit a bound: the socket paused, or the marker arrived.
    while (!connection.stats().paused && connection.stats().received < count + 2) await tick();
    if (connection.stats().paused) pauses++;
    sample();
    peakPending = Math.max(peakPending, connection.stats().pendingHigh + connection.stats().pendingLow);
    while (connection.stats().pendingHigh + connection.stats().pendingLow > 0) {
      const m = await connection.recv();
      if (m === null) break;
      seen(m.type, (m as { position_id?: unknown }).position_id, (m as { code?: unknown }).code);
    }
    if (!done) await tick();
  }
  const stats = connection.stats();
  await connection.close();
  report(stats.received, stats.dropped);
} else {
  const session = await StreamSession.connect(client, configure());
  const connection = session.connection as unknown as { stats(): { paused: boolean; received: number } };
  while (!done) {
    while (!connection.stats().paused && connection.stats().received < count + 2) await tick();
    if (connection.stats().paused) pauses++;
    sample();
    peakPending = Math.max(peakPending, session.stats().pending);
    while (session.stats().pending > 0) {
      const e = await session.recv();
      if (e === null) break;
      const message = "message" in e ? (e.message as { position_id?: unknown; code?: unknown } | undefined) : undefined;
      seen(e.type, message?.position_id, message?.code);
    }
    if (!done) await tick();
  }
  const received = connection.stats().received;
  const dropped = session.stats().dropped;
  await session.close();
  report(received, dropped);
}

function report(received: number, dropped: object): void {
  clearInterval(sampler);
  sample();
  process.stdout.write(
    `${JSON.stringify({ mode, kind, count, received, high, unknown, low, outOfOrder, pauses, peakPending, dropped, peakHeapMB: peakHeap / 2 ** 20, peakRssMB: peakRss / 2 ** 20 })}\n`,
  );
}

import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { runChild, tsx } from "../helpers/child.js";
import { DEFAULT_LIMITS } from "../helpers/scripted-server.js";
import { exitSignal, pnlUpdate } from "../helpers/frames.js";

// Floods over real sockets at a client that does not read, in a child process whose heap is
// capped: it must survive, lose no high-priority message, and stay under the stated figure
// (docs/inbound.md). The server writes as fast as the socket takes it (it waits only while its
// own send buffer is over 1 MiB, i.e. while the client has stopped reading).

const HEAP_LIMIT_MB = 64;
const CHILD = fileURLToPath(new URL("./flood-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Report {
  received: number;
  high: number;
  unknown: number;
  low: number;
  outOfOrder: number;
  pauses: number;
  peakPending: number;
  dropped: { pnl_update: number; unknown: number };
  peakHeapMB: number;
  peakRssMB: number;
}

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

function frame(kind: string, i: number): string {
  if (kind === "high") return JSON.stringify(exitSignal(i));
  if (kind === "unknown") return JSON.stringify({ type: "flood_unknown", seq: i, pad: "u".repeat(600) });
  return JSON.stringify(pnlUpdate(i % 256, i));
}

async function flood(ws: WebSocket, kind: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    while (ws.bufferedAmount > 1 << 20) {
      if (ws.readyState !== ws.OPEN) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    ws.send(frame(kind, i));
  }
  ws.send(JSON.stringify({ type: "error", code: "flood_done", message: "end of flood" }));
}

async function run(mode: "connection" | "session", kind: "high" | "unknown" | "low", count: number): Promise<Report> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  servers.push(wss);
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const port = (wss.address() as { port: number }).port;
  wss.on("connection", (ws) => {
    ws.once("message", () => {
      ws.send(JSON.stringify({ type: "hello_ok", session_id: 1, server_time_ms: Date.now(), limits: DEFAULT_LIMITS }));
      void flood(ws, kind, count);
    });
  });
  const child = await runChild([`--max-old-space-size=${HEAP_LIMIT_MB}`, ...tsx(CHILD, `ws://127.0.0.1:${port}/v1/ws`, mode, kind, String(count))], {
    cwd: ROOT,
    timeoutMs: 110_000,
  });
  if (child.code !== 0) throw new Error(`flood child (${mode}, ${kind}) exited with ${child.code}: ${child.err.slice(-2000)}`);
  const report = JSON.parse(child.out.trim().split("\n").pop() as string) as Report;
  // The memory figure, for docs/inbound.md and the reader of the test log.
  console.log(`flood ${mode}/${kind} x${count}: peak heap ${report.peakHeapMB.toFixed(1)} MiB, rss ${report.peakRssMB.toFixed(1)} MiB, pauses ${report.pauses}`);
  return report;
}

describe(`floods at a consumer that does not read (child process, ${HEAP_LIMIT_MB} MiB heap)`, () => {
  for (const mode of ["connection", "session"] as const) {
    it(`${mode}: 60k exit signals: the socket pauses, every one is delivered in order, memory bounded`, async () => {
      const count = 60_000;
      const r = await run(mode, "high", count);
      expect(r.high).toBe(count);
      expect(r.outOfOrder).toBe(0);
      expect(r.pauses).toBeGreaterThan(0);
      expect(r.peakHeapMB).toBeLessThan(48);
    }, 120_000);
  }

  it("unknown-type frames: at most maxPendingUnknown (256) kept, the rest dropped and counted", async () => {
    const count = 40_000;
    const r = await run("connection", "unknown", count);
    expect(r.unknown + r.dropped.unknown).toBe(count);
    expect(r.dropped.unknown).toBeGreaterThan(0);
    expect(r.peakHeapMB).toBeLessThan(48);
  }, 120_000);

  it.each(["connection", "session"] as const)("%s: pnl updates for 256 positions: coalesced to the latest per position, memory bounded", async (mode) => {
    const count = 100_000;
    const r = await run(mode, "low", count);
    expect(r.low + r.dropped.pnl_update).toBe(count);
    // Never more waiting than one update per position (besides hello_ok and the end marker).
    expect(r.peakPending).toBeGreaterThan(0);
    expect(r.peakPending).toBeLessThanOrEqual(256 + 2);
    expect(r.dropped.pnl_update).toBeGreaterThan(0);
    expect(r.peakHeapMB).toBeLessThan(48);
  }, 120_000);
});

import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import { StreamClient } from "../../src/client/index.js";
import { StreamSession } from "../../src/session/index.js";
import { configure, exitSignal, pnlUpdate } from "../helpers/frames.js";
import { DEFAULT_LIMITS } from "../helpers/scripted-server.js";

// The session reads the connection directly (one mailbox). Frames that arrive in the same TCP
// read as hello_ok reach the connection before the session exists: they are handed over in
// order, and what the connection coalesced meanwhile is counted in the session's stats.

let wss: WebSocketServer | undefined;
afterEach(async () => {
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise<void>((resolve) => (wss === undefined ? resolve() : wss.close(() => resolve())));
  wss = undefined;
});

async function serve(onConfigure: (ws: WebSocket) => void): Promise<string> {
  wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss?.once("listening", () => resolve()));
  wss.on("connection", (ws) => ws.once("message", () => onConfigure(ws)));
  return `ws://127.0.0.1:${(wss.address() as { port: number }).port}/v1/ws`;
}

/** Writes the frames in one TCP write, so the client reads them in one chunk. */
function burst(ws: WebSocket, frames: object[]): void {
  const socket = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
  socket.cork();
  for (const f of frames) ws.send(JSON.stringify(f));
  socket.uncork();
}

describe("one mailbox between the connection and the session", () => {
  it("frames that came with hello_ok are handed over in order, and their coalescing is counted", async () => {
    const url = await serve((ws) =>
      burst(ws, [
        { type: "hello_ok", session_id: 1, server_time_ms: Date.now(), limits: DEFAULT_LIMITS },
        ...Array.from({ length: 50 }, (_, i) => pnlUpdate(1 + (i % 2), i)),
        exitSignal(7),
      ]),
    );
    const client = new StreamClient("test-key", { endpoint: url, heartbeat: { intervalMs: 60_000 } });
    const session = await StreamSession.connect(client, configure());
    try {
      // The whole burst was read with hello_ok, before connect() resolved: all of it waits now.
      expect(session.stats().pending).toBe(4);
      const types = [];
      for (let i = 0; i < 4; i++) types.push((await session.recv())?.type);
      expect(types).toEqual(["hello_ok", "exit_signal_with_tx", "pnl_update", "pnl_update"]);
      // 50 updates for 2 positions: 2 delivered, 48 superseded, wherever the coalescing happened.
      expect(session.stats().dropped.pnl_update).toBe(48);
      expect(session.stats().pending).toBe(0);
    } finally {
      await session.close();
    }
  });

  it("listeners attached right after connect() resolves see the events of frames that came with hello_ok", async () => {
    const url = await serve((ws) =>
      burst(ws, [{ type: "hello_ok", session_id: 1, server_time_ms: Date.now(), limits: DEFAULT_LIMITS }, exitSignal(7), exitSignal(8)]),
    );
    const client = new StreamClient("test-key", { endpoint: url, heartbeat: { intervalMs: 60_000 } });
    const session = await StreamSession.connect(client, configure());
    try {
      // What executeExits does: attach after connect() resolved, in the same turn.
      const seen: string[] = [];
      session.on("hello_ok", () => seen.push("hello_ok"));
      session.on("exit_signal_with_tx", (e) => seen.push(`exit ${String(e.message.position_id)}`));
      await expect.poll(() => seen).toEqual(["hello_ok", "exit 7", "exit 8"]);
      // recv() still has them too, in the same order.
      expect((await session.recv())?.type).toBe("hello_ok");
      expect((await session.recv())?.type).toBe("exit_signal_with_tx");
    } finally {
      await session.close();
    }
  });
});

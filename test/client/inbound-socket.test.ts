import { afterEach, describe, expect, it } from "vitest";
import { StreamClient, type StreamClientOptions, type StreamConnection } from "../../src/client/index.js";
import type { IntMode } from "../../src/protocol/index.js";
import { StreamProtocolError } from "../../src/errors.js";
import { configure, exitSignal, liquiditySnapshot, pnlUpdate, positionClosed, tradeTick } from "../helpers/frames.js";
import { ScriptedServer, waitFor } from "../helpers/scripted-server.js";

let server: ScriptedServer | undefined;
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const connection of open.splice(0)) await connection.close();
  await server?.close();
  server = undefined;
});

async function setup<M extends IntMode = "number">(
  options: StreamClientOptions<M> = {},
): Promise<{ s: ScriptedServer; connection: StreamConnection<M> }> {
  server = await ScriptedServer.start();
  const client = new StreamClient<M>("test-key", { endpoint: server.url, heartbeat: { intervalMs: 60_000 }, ...options });
  const connection = await client.connect(configure());
  open.push(connection);
  expect((await connection.recv())?.type).toBe("hello_ok");
  return { s: server, connection };
}

describe("inbound over a socket", () => {
  // Priority and coalescing at the connection. The bound under a real flood, with memory, is
  // test/flood/flood.test.ts.
  it("delivers an exit signal ahead of a PnL backlog, coalesced to the latest per position", async () => {
    const { s, connection } = await setup();
    const conn = s.connection(0);
    for (let i = 0; i < 5000; i++) conn.push(pnlUpdate(1 + (i % 3), i));
    conn.push(exitSignal(2));
    await waitFor(() => connection.stats().received === 5002);
    const first = await connection.recv();
    expect(first?.type).toBe("exit_signal_with_tx");
    // the backlog collapsed to the latest update of each of the 3 positions
    expect(connection.stats().pendingLow).toBe(3);
    expect(connection.stats().dropped.pnl_update).toBe(4997);
    const rest = [await connection.recv(), await connection.recv(), await connection.recv()];
    expect(rest.map((m) => (m as { profit_units: number }).profit_units).sort((a, b) => a - b)).toEqual([4997, 4998, 4999]);
  });

  it("bounds trade ticks to lowPriorityCapacity (oldest dropped) and keeps liquidity snapshots latest-wins", async () => {
    const { s, connection } = await setup({ lowPriorityCapacity: 10 });
    const conn = s.connection(0);
    for (let i = 0; i < 50; i++) conn.push(tradeTick(1, i));
    for (let i = 0; i < 5; i++) conn.push(liquiditySnapshot(1, i === 4 ? "draining" : "stable"));
    await waitFor(() => connection.stats().received === 56);
    expect(connection.stats().dropped).toEqual({ pnl_update: 0, liquidity_snapshot: 4, trade_tick: 40, unknown: 0 });
    const out = [];
    for (let i = 0; i < 11; i++) out.push(await connection.recv());
    expect(out.slice(0, 10).map((m) => (m as { time_ms: number }).time_ms - 1_773_792_013_021)).toEqual([
      40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
    ]);
    expect(out[10]).toMatchObject({ type: "liquidity_snapshot", liquidity_trend: "draining" });
  });

  it("discardPending drops a closed position's low-priority backlog", async () => {
    const { s, connection } = await setup();
    const conn = s.connection(0);
    conn.push(pnlUpdate(1));
    conn.push(tradeTick(1));
    conn.push(pnlUpdate(2));
    conn.push(positionClosed(1));
    await waitFor(() => connection.stats().received === 5);
    expect((await connection.recv())?.type).toBe("position_closed");
    expect(connection.discardPending(1)).toBe(2);
    expect(connection.discardPending(1n)).toBe(0);
    expect(await connection.recv()).toMatchObject({ type: "pnl_update", position_id: 2 });
  });

  it("delivers an exit signal with an unknown market_type, unknown fields kept", async () => {
    const { s, connection } = await setup();
    s.connection(0).push(exitSignal(3, { market_context: { market_type: "brand_new_dex", pool: "x" }, new_field: 1 }));
    const message = await connection.recv();
    expect(message).toMatchObject({
      type: "exit_signal_with_tx",
      position_id: 3,
      market_context: { market_type: "brand_new_dex" },
      new_field: 1,
    });
  });

  it("delivers an unknown message type as { type: 'unknown' } with an event", async () => {
    const { s, connection } = await setup();
    const events: unknown[] = [];
    connection.on("unknown_message", (m) => events.push(m));
    const raw = `{"type":"position_rebalanced","position_id":4,"amount":${2n ** 60n + 1n}}`;
    s.connection(0).push(raw);
    const message = await connection.recv();
    expect(message).toEqual({
      type: "unknown",
      messageType: "position_rebalanced",
      value: { type: "position_rebalanced", position_id: 4, amount: 2n ** 60n + 1n },
      raw,
    });
    expect(events).toEqual([message]);
    expect(connection.stats().unknown).toBe(1);
  });

  it("reports an invalid frame and keeps the stream going; ignores binary frames with a debug line", async () => {
    const { s, connection } = await setup();
    const invalid: StreamProtocolError[] = [];
    const debug: string[] = [];
    connection.on("invalid_message", (e) => invalid.push(e));
    connection.on("debug", (line) => debug.push(line));
    const conn = s.connection(0);
    conn.push("{not json");
    conn.push({ type: "pnl_update", position_id: "seven" });
    conn.pushBinary(new Uint8Array([1, 2, 3]));
    conn.push(exitSignal(1));
    expect((await connection.recv())?.type).toBe("exit_signal_with_tx");
    expect(invalid).toHaveLength(2);
    expect(invalid[1]).toMatchObject({ code: "protocol", messageType: "pnl_update", raw: expect.stringContaining("seven") });
    expect(connection.stats().invalid).toBe(2);
    expect(debug).toContain("binary frame ignored");
    expect(connection.status).toBe("open");
  });

  it("ints: 'bigint' round-trips u64 values beyond 2^53 exactly, in and out", async () => {
    const { s, connection } = await setup({ ints: "bigint" });
    const big = 2n ** 63n + 12345n;
    s.connection(0).push(`{"type":"position_closed","position_id":${big},"wallet_pubkey":"w","mint":"m","reason":"x","slot":1}`);
    const message = await connection.recv();
    expect(message).toMatchObject({ type: "position_closed", position_id: big });
    if (message?.type !== "position_closed") throw new Error("unreachable");
    connection.sender().closeById(message.position_id);
    connection.sender().requestExitSignal({ positionId: message.position_id }, 250);
    const frames = await s.connection(0).waitForFrames((m) => m["type"] !== "configure", 2);
    expect(frames).toHaveLength(2);
    expect(s.connection(0).frames.slice(1)).toEqual([
      `{"type":"close_position","position_id":${big}}`,
      `{"type":"request_exit_signal","position_id":${big},"slippage_bps":250}`,
    ]);
  });

  it("number mode: a value beyond 2^53 raises precision_warning naming the field", async () => {
    const { s, connection } = await setup();
    const warnings: unknown[] = [];
    connection.on("precision_warning", (w) => warnings.push(w));
    s.connection(0).push(`{"type":"balance_update","wallet_pubkey":"w","mint":"m","tokens":25000000000000001,"slot":1}`);
    expect((await connection.recv())?.type).toBe("balance_update");
    expect(warnings).toEqual([{ type: "balance_update", paths: ["tokens"] }]);
  });

  it("async iteration ends when the connection closes", async () => {
    const { s, connection } = await setup();
    s.connection(0).push(exitSignal(1));
    const seen: string[] = [];
    for await (const message of connection) {
      seen.push(message.type);
      if (seen.length === 1) void connection.close();
    }
    expect(seen).toEqual(["exit_signal_with_tx"]);
  });
});

describe("lanes (official SDK compatibility)", () => {
  it("high lane gets everything but low-priority types; low lane gets pnl, liquidity and ticks", async () => {
    server = await ScriptedServer.start();
    const client = new StreamClient("test-key", { endpoint: server.url, heartbeat: { intervalMs: 60_000 } });
    const lanes = await client.connectLanes(configure(), { lowPriorityCapacity: 2 });
    open.push(lanes);
    const [sender, high, low] = lanes.split();
    expect(sender).toBe(lanes.sender());
    expect(lanes.highReceiver()).toBe(high);
    expect(lanes.lowReceiver()).toBe(low);
    const conn = server.connection(0);
    const lowPending = low.recv(); // waits on the low lane only
    conn.push(exitSignal(1));
    conn.push(pnlUpdate(1));
    expect(await lowPending).toMatchObject({ type: "pnl_update" });
    for (let i = 0; i < 4; i++) conn.push(tradeTick(1, i));
    conn.push(positionClosed(1));
    await waitFor(() => lanes.connection.stats().received === 8);
    expect((await high.recv())?.type).toBe("hello_ok");
    expect((await high.recv())?.type).toBe("exit_signal_with_tx");
    expect((await high.recv())?.type).toBe("position_closed");
    expect(lanes.connection.stats().dropped.trade_tick).toBe(2);
    expect((await low.recv())?.type).toBe("trade_tick");
    expect((await low.recv())?.type).toBe("trade_tick");
    const closing = high.recv();
    await lanes.close();
    expect(await closing).toBeNull();
    expect(await low.recv()).toBeNull();
  });
});

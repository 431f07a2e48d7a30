import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { StreamClient, type StreamConnection } from "../../src/client/index.js";
import { StreamClosedError } from "../../src/errors.js";
import { startChild, tsx } from "../helpers/child.js";
import { MINT, WALLET, WALLET_2, configure } from "../helpers/frames.js";
import { ScriptedServer, waitFor, type ScriptedServerOptions } from "../helpers/scripted-server.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(options: ScriptedServerOptions = {}): Promise<{ s: ScriptedServer; connection: StreamConnection }> {
  server = await ScriptedServer.start(options);
  const client = new StreamClient("test-key", { endpoint: server.url, heartbeat: { intervalMs: 60_000 } });
  const connection = await client.connect(configure());
  return { s: server, connection };
}

describe("close()", () => {
  it("flushes what is queued, then closes with code 1000 and resolves when the socket is closed", async () => {
    const { s, connection } = await setup();
    const sender = connection.sender();
    for (let i = 0; i < 200; i++) sender.ping(i);
    sender.closeById(42);
    const statuses: string[] = [];
    const disconnects: unknown[] = [];
    connection.on("status", ({ current }) => statuses.push(current));
    connection.on("disconnected", (info) => disconnects.push(info));
    await connection.close();
    expect(disconnects).toEqual([{ code: 1000, reason: "client closed", willReconnect: false }]);
    const conn = s.connection(0);
    // the server's own close event may trail the client's by a tick
    expect((await conn.closed).code).toBe(1000);
    expect(conn.messagesOfType("ping")).toHaveLength(200);
    expect(conn.messages.at(-1)).toEqual({ type: "close_position", position_id: 42 });
    expect(statuses).toEqual(["closing", "closed"]);
    expect(connection.status).toBe("closed");
  });

  it("bounds the flush by flushTimeoutMs against a stalled server, then still closes", async () => {
    const { s, connection } = await setup();
    s.connection(0).stall();
    const sender = connection.sender();
    const many = Array.from({ length: 1000 }, () => ({ pubkey: "AUH6c4QLMr2qQr9N5Kkpz5astDM9gBNroXCSxQiFTGQv" }));
    // large frames (about 60 kB each) fill the socket buffers of a peer that stopped reading
    for (let i = 0; i < 200; i++) sender.updateWatchWallets(many);
    expect(connection.stats().outboundQueued).toBeGreaterThan(0);
    const started = Date.now();
    await connection.close({ flushTimeoutMs: 100 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(2500);
    expect(connection.status).toBe("closed");
  });

  it("after close: recv() is null (pending calls too), sender throws a closed error, close() is idempotent", async () => {
    const { connection } = await setup();
    expect((await connection.recv())?.type).toBe("hello_ok");
    const pending = connection.recv();
    const closing = connection.close();
    expect(connection.close()).toBe(closing);
    await closing;
    expect(await pending).toBeNull();
    expect(await connection.recv()).toBeNull();
    expect(() => connection.sender().ping()).toThrow(StreamClosedError);
    expect(() => connection.sender().updateStrategy({ target_profit_pct: 1, stop_loss_pct: 1 })).toThrow(
      expect.objectContaining({ code: "closed" }),
    );
    await connection.close();
  });

  it("[Symbol.asyncDispose] closes", async () => {
    const { s, connection } = await setup();
    await connection[Symbol.asyncDispose]();
    expect((await s.connection(0).closed).code).toBe(1000);
  });

  it("an invalid message throws synchronously and nothing is sent", async () => {
    const { s, connection } = await setup();
    const sender = connection.sender();
    expect(() => sender.updateStrategy({ target_profit_pct: -5, stop_loss_pct: 1 })).toThrow(
      expect.objectContaining({ code: "validation", field: "strategy.target_profit_pct" }),
    );
    expect(() => sender.requestExitSignalById(1, 70_000)).toThrow(expect.objectContaining({ field: "slippage_bps" }));
    expect(() => sender.closePosition({} as never)).toThrow(expect.objectContaining({ code: "validation" }));
    expect(() => sender.updateWallets(["not-a-key"])).toThrow(expect.objectContaining({ code: "validation" }));
    expect(() => sender.closeById(2 ** 60)).toThrow(expect.objectContaining({ code: "validation" }));
    sender.ping(7);
    await s.connection(0).waitForType("ping");
    expect(s.connection(0).messages.map((m) => m["type"])).toEqual(["configure", "ping"]);
    expect(connection.state.strategy).toEqual({ target_profit_pct: 20, stop_loss_pct: 10 });
    await connection.close();
  });

  it("selectors follow the official SDK: string = token account, number/bigint = id, object forms", async () => {
    const { s, connection } = await setup();
    const sender = connection.sender();
    sender.closePosition("3wEbogFD59ihp6BMG3fSWN3pmJZz7aHZWo1TQrbsLuMD");
    sender.closePosition(5);
    sender.closePosition({ positionId: 6n });
    sender.requestExitSignal({ token_account: WALLET });
    sender.requestExitSignal({ tokenAccount: WALLET_2 }, 100);
    sender.requestExitSignal({ position_id: 8 });
    sender.mirrorBuyResult(MINT, false);
    sender.updateStrategy({ target_profit_pct: 0, stop_loss_pct: 0 }, 30); // timeout-only, with a new deadline
    await s.connection(0).waitForType("update_strategy");
    expect(s.connection(0).messages.slice(1)).toEqual([
      { type: "close_position", token_account: "3wEbogFD59ihp6BMG3fSWN3pmJZz7aHZWo1TQrbsLuMD" },
      { type: "close_position", position_id: 5 },
      { type: "close_position", position_id: 6 },
      { type: "request_exit_signal", token_account: WALLET },
      { type: "request_exit_signal", token_account: WALLET_2, slippage_bps: 100 },
      { type: "request_exit_signal", position_id: 8 },
      { type: "mirror_buy_result", mint: MINT, success: false },
      { type: "update_strategy", strategy: { target_profit_pct: 0, stop_loss_pct: 0 } },
    ]);
    expect(connection.deadlineTimeoutSec).toBe(30);
    await connection.close();
  });
});

describe("process hygiene", () => {
  const fixture = fileURLToPath(new URL("./fixtures/close-exit.ts", import.meta.url));

  async function runFixture(mode: "open" | "reconnecting"): Promise<{ lingerMs: number; code: number | null | "hung" }> {
    const s = await ScriptedServer.start();
    server = s;
    const child = startChild(tsx(fixture, s.url, mode), { timeoutMs: 10_000 });
    // The "reconnecting" fixture asks for its link to be dropped.
    void child.waitFor(/drop-me/).then(
      () => s.connection(0).drop(1011),
      () => undefined,
    );
    const exit = await child.exited;
    const out = child.out();
    const match = /closed (\d+)/.exec(out);
    if (match === null) throw new Error(`child never closed (exit ${exit.code}): stdout=${out} stderr=${child.err()}`);
    return { lingerMs: exit.at - Number(match[1]), code: exit.code };
  }

  it("the process exits promptly after close() of an open connection", async () => {
    const { lingerMs, code } = await runFixture("open");
    expect(code).toBe(0);
    expect(lingerMs).toBeLessThan(1500);
  }, 15_000);

  it("the process exits promptly after close() during a reconnect", async () => {
    const { lingerMs, code } = await runFixture("reconnecting");
    expect(code).toBe(0);
    expect(lingerMs).toBeLessThan(1500);
  }, 15_000);

  it("close() leaves no active handle behind (in-process check)", async () => {
    const { connection } = await setup();
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    connection.sender().ping(1);
    await connection.close();
    await waitFor(() => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length <= before);
  });
});

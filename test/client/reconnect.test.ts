import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { StreamClient, type StreamClientOptions, type StreamConnection } from "../../src/client/index.js";
import { StreamAuthError, StreamError } from "../../src/errors.js";
import { startChild } from "../helpers/child.js";
import { WALLET, WALLET_2, configure, positionClosed } from "../helpers/frames.js";
import { ScriptedServer, waitFor, type ScriptedServerOptions } from "../helpers/scripted-server.js";
import { afterTimersUpTo } from "../helpers/timers.js";

let server: ScriptedServer | undefined;
const open: StreamConnection[] = [];
afterEach(async () => {
  for (const connection of open.splice(0)) await connection.close({ flushTimeoutMs: 0 });
  await server?.close();
  server = undefined;
});

async function start(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  server = await ScriptedServer.start(options);
  return server;
}

async function connect(
  s: ScriptedServer,
  options: StreamClientOptions = {},
  config = configure(),
  random = (): number => 0.999,
): Promise<StreamConnection> {
  const client = new StreamClient("test-key", {
    endpoint: s.url,
    heartbeat: { intervalMs: 60_000 },
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    ...options,
  });
  client.random = random;
  const connection = await client.connect(config);
  open.push(connection);
  return connection;
}

/** Records every event of a connection, in order. */
function record(connection: StreamConnection): Array<[string, unknown]> {
  const events: Array<[string, unknown]> = [];
  for (const name of ["status", "disconnected", "reconnecting", "reconnected", "stream_error"] as const) {
    connection.on(name, (payload: unknown) => events.push([name, payload]));
  }
  return events;
}

const S2 = { target_profit_pct: 50, stop_loss_pct: 5, trailing_stop_pct: 3 };
const S3 = { target_profit_pct: 10, stop_loss_pct: 2, take_profit_levels: [{ profit_pct: 5, sell_pct: 50 }] };
const S4 = { target_profit_pct: 99, stop_loss_pct: 1 };
const WATCH = [{ pubkey: WALLET_2, mirror_sell: true }];
/** A ping the test sends last: once the server has it, everything the client sent before it is in. */
const MARKER = 424_242;

describe("reconnect", () => {
  it("reconnects after a drop, announces every step, and delivers the new hello_ok", async () => {
    const s = await start();
    const connection = await connect(s);
    const events = record(connection);
    expect((await connection.recv())?.type).toBe("hello_ok");
    s.connection(0).drop(1011, "restart");
    await s.waitForReady(1);
    const hello = await connection.recv();
    expect(hello).toMatchObject({ type: "hello_ok", session_id: 2 });
    await waitFor(() => events.some(([n]) => n === "reconnected"));
    expect(events).toEqual([
      ["disconnected", { code: 1011, reason: "restart", willReconnect: true }],
      ["status", { previous: "open", current: "reconnecting" }],
      ["reconnecting", { attempt: 1, delayMs: 10 }],
      ["status", { previous: "reconnecting", current: "open" }],
      ["reconnected", { attempt: 1, hello: expect.objectContaining({ session_id: 2 }) }],
    ]);
    expect(connection.stats().reconnects).toBe(1);
  });

  it("replays the LATEST state (wallets, strategy, watch wallets, overrides), not the original configure", async () => {
    const mirror = { cooldown_sec: 30, buy_slippage_bps: 300 };
    const s = await start();
    const connection = await connect(s, {}, configure({ mirror_config: mirror }));
    const sender = connection.sender();
    sender.updateStrategy(S2);
    sender.updateWallets([WALLET, WALLET_2]);
    sender.updateWatchWallets(WATCH);
    sender.updatePositionStrategy(7, S3);
    sender.updatePositionStrategy(8, S4);
    sender.updatePositionStrategy(7, S4); // latest override of 7 wins
    const first = s.connection(0);
    await first.waitForFrames((m) => m["type"] === "update_position_strategy", 3);
    first.push(positionClosed(8)); // closed: its override is forgotten
    await waitFor(() => connection.state.positionStrategies.size === 1, 2000, "override of 8 forgotten");

    first.drop(1001);
    const second = await s.waitForReady(1);
    await waitFor(() => connection.status === "open", 2000, "reopened");
    // A marker sent now follows everything the replay sent on this (ordered) link.
    connection.sender().ping(MARKER);
    await second.waitForType("ping");
    expect(second.messages).toEqual([
      {
        type: "configure",
        wallet_pubkeys: [WALLET, WALLET_2],
        strategy: S2,
        send_mode: "helius_sender",
        tip_lamports: 1000,
        watch_wallets: WATCH,
        mirror_config: mirror,
      },
      { type: "update_position_strategy", position_id: 7, strategy: S4 },
      { type: "ping", client_time_ms: MARKER },
    ]);
    expect(connection.state).toMatchObject({
      wallet_pubkeys: [WALLET, WALLET_2],
      strategy: S2,
      watch_wallets: WATCH,
      mirror_config: mirror,
      send_mode: "helius_sender",
      tip_lamports: 1000,
      deadline_timeout_sec: 45,
    });
  });

  it("after update_wallets([]) a reconnect sends the last wallets in configure, then update_wallets([])", async () => {
    const s = await start();
    const connection = await connect(s);
    connection.sender().updateWallets([]);
    await s.connection(0).waitForType("update_wallets");
    s.connection(0).drop(1001);
    const second = await s.waitForReady(1);
    await second.waitForType("update_wallets");
    expect(second.messages.map((m) => [m["type"], m["wallet_pubkeys"]])).toEqual([
      ["configure", [WALLET]],
      ["update_wallets", []],
    ]);
  });

  it("flushes messages sent while disconnected in order after hello_ok, folding state updates into configure", async () => {
    const s = await start();
    const connection = await connect(s, { reconnect: { initialDelayMs: 150, maxDelayMs: 150 } });
    s.connection(0).drop(1001);
    await waitFor(() => connection.status === "reconnecting");
    const sender = connection.sender();
    sender.ping(1);
    sender.updateStrategy(S2);
    sender.closeById(5);
    sender.requestExitSignalById(6, 500);
    sender.updateStrategy(S3);
    sender.updatePositionStrategy(9, S4);
    expect(connection.stats().outboundQueued).toBe(6);
    const second = await s.waitForReady(1);
    await second.waitForType("request_exit_signal");
    // A marker sent now follows everything the flush sent on this (ordered) link.
    sender.ping(MARKER);
    await second.waitForFrames((m) => m["client_time_ms"] === MARKER, 1);
    expect(second.messages).toEqual([
      { type: "configure", wallet_pubkeys: [WALLET], strategy: S3, send_mode: "helius_sender", tip_lamports: 1000 },
      { type: "update_position_strategy", position_id: 9, strategy: S4 },
      { type: "ping", client_time_ms: 1 },
      { type: "close_position", position_id: 5 },
      { type: "request_exit_signal", position_id: 6, slippage_bps: 500 },
      { type: "ping", client_time_ms: MARKER },
    ]);
    expect(connection.stats().outboundQueued).toBe(0);
  });

  it("a state update sent while the reconnect handshake is in flight is sent after hello_ok, never lost", async () => {
    const s = await start({ handshake: (i) => (i === 0 ? "after_configure" : "never") });
    const connection = await connect(s);
    s.connection(0).drop(1001);
    const second = await s.waitForConnections(2);
    await second.waitForType("configure");
    connection.sender().updateStrategy(S2);
    second.sendHello();
    await second.waitForType("update_strategy");
    expect(second.messages.map((m) => [m["type"], m["strategy"]])).toEqual([
      ["configure", { target_profit_pct: 20, stop_loss_pct: 10 }],
      ["update_strategy", S2],
    ]);
  });

  it("no reconnect storm against a server that closes right after hello_ok (default backoff)", async () => {
    const s = await start({ onReady: (conn) => conn.drop(1000) });
    const client = new StreamClient("test-key", { endpoint: s.url, heartbeat: { intervalMs: 60_000 } });
    client.random = () => 0.999;
    const connection = await client.connect(configure());
    open.push(connection);
    const scheduled: Array<[number, number]> = [];
    connection.on("reconnecting", ({ attempt, delayMs }) => scheduled.push([attempt, delayMs]));
    await waitFor(() => scheduled.length >= 4, 5_000, "four reconnects scheduled");
    // The counter is not reset (uptime < minUptimeMs): 50, 100, 200, 400 ms, so 4 connections
    // in the first 350 ms. The official SDK resets its backoff on every hello_ok: 100 ms each time.
    expect(scheduled).toEqual([
      [1, 50],
      [2, 100],
      [3, 200],
      [4, 400],
    ]);
    expect(s.connectionCount).toBe(4);
  });

  it("the attempt counter resets once a link stayed up minUptimeMs", async () => {
    const s = await start({
      onReady: (conn) => {
        // Each link stays up 120 ms, past minUptimeMs (60): the elapsed time is what is under test.
        if (conn.index < 3) setTimeout(() => conn.drop(1001), 120);
      },
    });
    const connection = await connect(s, { reconnect: { initialDelayMs: 10, maxDelayMs: 1000, minUptimeMs: 60 } });
    const attempts: number[] = [];
    connection.on("reconnecting", ({ attempt }) => attempts.push(attempt));
    await s.waitForReady(3);
    expect(attempts).toEqual([1, 1, 1]);
  });

  it("gives up after maxAttempts: error reconnect_exhausted, status closed, recv() drains then null", async () => {
    const s = await start({ handshake: (i) => (i === 0 ? "after_configure" : { status: 503 }) });
    const connection = await connect(s, { reconnect: { initialDelayMs: 5, maxDelayMs: 5, maxAttempts: 3 } });
    const events = record(connection);
    const pending = connection.recv(); // hello_ok
    const waiting = (async () => {
      await pending;
      return connection.recv(); // pending until the end
    })();
    s.connection(0).drop(1011);
    expect(await waiting).toBeNull();
    const errors = events.filter(([n]) => n === "stream_error").map(([, e]) => e as StreamError);
    expect(errors.map((e) => e.code)).toEqual(["connection", "connection", "connection", "reconnect_exhausted"]);
    expect(events.filter(([n]) => n === "reconnecting")).toHaveLength(3);
    expect(connection.status).toBe("closed");
    expect(s.attempts).toBe(4);
    expect(await connection.recv()).toBeNull();
    expect(() => connection.sender().ping()).toThrow(expect.objectContaining({ code: "closed" }));
  });

  it("error events with nobody listening do not crash the process", async () => {
    const s = await start({ handshake: (i) => (i === 0 ? "after_configure" : { status: 500 }) });
    const connection = await connect(s, { reconnect: { initialDelayMs: 5, maxDelayMs: 5, maxAttempts: 2 } });
    expect(connection.listenerCount("stream_error")).toBe(0);
    s.connection(0).drop(1011);
    await waitFor(() => connection.status === "closed");
    expect(s.attempts).toBe(3);
  });

  it("an auth failure on a reconnect stops reconnecting", async () => {
    const s = await start({ handshake: (i) => (i === 0 ? "after_configure" : { status: 401 }) });
    const connection = await connect(s);
    const events = record(connection);
    s.connection(0).drop(1011);
    await waitFor(() => connection.status === "closed");
    const seen = events.length;
    // Any reconnect timer still armed (<= maxDelayMs) has run, and a dial it made reached the server.
    await afterTimersUpTo(50);
    await s.probe();
    expect(events).toHaveLength(seen);
    expect(s.attempts).toBe(2);
    const errors = events.filter(([n]) => n === "stream_error").map(([, e]) => e);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StreamAuthError);
  });

  it("a handshake error on a reconnect is retried with backoff (e.g. the old session still counted)", async () => {
    const s = await start({
      handshake: (i) =>
        i === 1 ? { error: { code: "too_many_sessions", message: "session limit reached" } } : "after_configure",
    });
    const connection = await connect(s);
    const errors: StreamError[] = [];
    connection.on("stream_error", (e) => errors.push(e));
    s.connection(0).drop(1001);
    await s.waitForReady(2);
    // The server sent hello_ok; the client is open once it read it.
    await waitFor(() => connection.status === "open", 2000, "the reconnect's hello_ok");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "handshake", serverCode: "too_many_sessions", retryable: true });
  });

  it("a fatal close code ends the connection without a reconnect", async () => {
    const s = await start();
    const connection = await connect(s);
    const events = record(connection);
    s.connection(0).drop(1002, "protocol error");
    await waitFor(() => connection.status === "closed");
    expect(events[0]).toEqual(["disconnected", { code: 1002, reason: "protocol error", willReconnect: false }]);
    expect(events.some(([n, e]) => n === "stream_error" && (e as StreamError).code === "connection")).toBe(true);
    const seen = events.length;
    // Any reconnect timer still armed (<= maxDelayMs) has run, and a dial it made reached the server.
    await afterTimersUpTo(50);
    await s.probe();
    expect(events).toHaveLength(seen);
    expect(s.attempts).toBe(1);
    expect(s.connectionCount).toBe(1);
  });

  it("reconnect: false ends the connection at the first drop", async () => {
    const s = await start();
    const connection = await connect(s, { reconnect: false });
    const events = record(connection);
    s.connection(0).terminate();
    await waitFor(() => connection.status === "closed");
    expect(events[0]).toEqual(["disconnected", { code: 1006, reason: "", willReconnect: false }]);
    expect((await connection.recv())?.type).toBe("hello_ok");
    expect(await connection.recv()).toBeNull();
  });

  it("close() while reconnecting stops everything at once", async () => {
    const s = await start();
    const connection = await connect(s, { reconnect: { initialDelayMs: 10_000, maxDelayMs: 10_000 } });
    s.connection(0).drop(1001);
    await waitFor(() => connection.status === "reconnecting");
    const started = Date.now();
    await connection.close();
    expect(Date.now() - started).toBeLessThan(100);
    expect(connection.status).toBe("closed");
    expect(s.connectionCount).toBe(1);
  });
});

describe("dead link", () => {
  it("detects a stalled peer (no frames, WebSocket pings unanswered) and reconnects", async () => {
    const s = await start();
    const connection = await connect(s, { heartbeat: { intervalMs: 100, timeoutMs: 100 } });
    const debug: string[] = [];
    connection.on("debug", (line) => debug.push(line));
    const disconnected = new Promise<{ code: number; reason: string }>((resolve) =>
      connection.once("disconnected", resolve),
    );
    const stalledAt = Date.now();
    s.connection(0).stall();
    expect(await disconnected).toMatchObject({ code: 1006, reason: "heartbeat timeout" });
    const detectedMs = Date.now() - stalledAt;
    expect(detectedMs).toBeGreaterThanOrEqual(150);
    expect(detectedMs).toBeLessThan(1000);
    expect(debug.some((line) => line.includes("ping sent"))).toBe(true);
    await s.waitForReady(1);
    await waitFor(() => connection.status === "open");
  });

  it("keeps a quiet but healthy link: the server answers WebSocket pings", async () => {
    const s = await start();
    const connection = await connect(s, { heartbeat: { intervalMs: 40, timeoutMs: 200 } });
    const events = record(connection);
    const pings: string[] = [];
    connection.on("debug", (line) => pings.push(line));
    // A ping is only sent once the previous one was judged answered: the third proves two verdicts.
    await waitFor(() => pings.filter((line) => line.includes("ping sent")).length >= 3, 3_000, "three pings");
    expect(events).toEqual([]);
    expect(connection.status).toBe("open");
  });

  it("a blocked event loop is not a dead link: an answer already received is read before judging", async () => {
    // The peer runs in its own process, so it answers the ping while this process is blocked.
    const child = startChild([fileURLToPath(new URL("./fixtures/pong-server.cjs", import.meta.url))], { stdin: "pipe", timeoutMs: 14_000 });
    try {
      const [, port] = await child.waitFor(/^(\d+)\n/);
      const client = new StreamClient("test-key", {
        endpoint: `ws://127.0.0.1:${port}/v1/ws`,
        heartbeat: { intervalMs: 40, timeoutMs: 40 },
        reconnect: false,
      });
      const connection = await client.connect(configure());
      open.push(connection);
      const events = record(connection);
      let blocked = 0;
      connection.on("debug", (line) => {
        if (line.includes("ping sent") && blocked++ === 0) {
          // The ping is out (answered 20 ms later). At 10 ms other work (say, signing) blocks the
          // loop well past the timeout while the pong arrives unread; when it ends, the overdue
          // timer runs before any socket is read.
          const sentAt = Date.now();
          const spin = (): void => {
            if (Date.now() - sentAt < 10) {
              setImmediate(spin);
              return;
            }
            const until = Date.now() + 250;
            while (Date.now() < until);
          };
          setImmediate(spin);
        }
      });
      // The next ping is only sent once the blocked one was judged answered (a dead verdict would
      // end the link instead: reconnect is off).
      await waitFor(() => blocked >= 2 || events.length > 0, 3_000, "a ping after the blocked one, or a verdict");
      expect(events).toEqual([]);
      expect(connection.status).toBe("open");
    } finally {
      child.process.stdin?.end();
      await child.stop();
    }
  });
});

describe("outbound around a drop", () => {
  it("never loses a message sent while the link is going down: all arrive once, in order", async () => {
    const s = await start();
    const connection = await connect(s, { reconnect: { initialDelayMs: 20, maxDelayMs: 20 } });
    const sender = connection.sender();
    let disconnectedAt = -1;
    connection.once("disconnected", () => {
      disconnectedAt = sent;
    });
    let sent = 0;
    s.connection(0).endTcp(); // FIN without a close frame: the client's writes start to fail
    while (disconnectedAt < 0 || sent < disconnectedAt + 20) {
      sender.ping(sent++);
      await new Promise((r) => setImmediate(r));
    }
    expect(disconnectedAt).toBeGreaterThan(0); // some messages went out in the closing window
    await s.waitForReady(1);
    const all = () =>
      s.connections.flatMap((c) => c.messagesOfType("ping").map((m) => m["client_time_ms"] as number));
    await waitFor(() => all().length >= sent, 2000, "every ping received");
    expect(all()).toEqual(Array.from({ length: sent }, (_, i) => i));
  });
});

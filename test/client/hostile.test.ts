/**
 * A hostile or broken server, over real sockets on loopback: oversize frames and refused
 * reconnects end (with a typed error naming the limit or the server's code), never loop.
 */
import { afterEach, describe, expect, it } from "vitest";
import { STREAM_CLIENT_DEFAULTS, StreamClient, type StreamClientOptions, type StreamConnection } from "../../src/client/index.js";
import { StreamError, StreamHandshakeError, StreamPayloadTooLargeError } from "../../src/errors.js";
import { configure, exitSignal } from "../helpers/frames.js";
import { ScriptedServer, waitFor, type HandshakeScript } from "../helpers/scripted-server.js";

/** Connections, then the server, closed after each test (last opened, first closed). */
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Starts a scripted server that is closed after the test. */
async function start(options?: Parameters<typeof ScriptedServer.start>[0]): Promise<ScriptedServer> {
  const s = await ScriptedServer.start(options);
  cleanup.push(() => s.close());
  return s;
}

/** Keeps a connection to close after the test. */
function keep(connection: StreamConnection): StreamConnection {
  cleanup.push(() => connection.close({ flushTimeoutMs: 0 }));
  return connection;
}

function client(s: ScriptedServer, options: StreamClientOptions = {}): StreamClient {
  const c = new StreamClient("test-key", {
    endpoint: s.url,
    heartbeat: { intervalMs: 60_000 },
    reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
    ...options,
  });
  c.random = () => 0.999;
  return c;
}

/** Every error event, and a promise for the connection's end. */
function watch(connection: StreamConnection) {
  const errors: StreamError[] = [];
  const disconnects: { code: number; willReconnect: boolean }[] = [];
  connection.on("stream_error", (e) => errors.push(e));
  connection.on("disconnected", ({ code, willReconnect }) => disconnects.push({ code, willReconnect }));
  const closed = new Promise<void>((resolve) =>
    connection.on("status", ({ current }) => {
      if (current === "closed") resolve();
    }),
  );
  return { errors, disconnects, closed };
}

const big = (bytes: number) => ({ type: "pong", server_time_ms: 1, padding: "x".repeat(bytes) });

describe("oversize frames", () => {
  it("the default maxPayload is 64 KiB: a 60 KiB frame passes, a 65 KiB one does not", async () => {
    expect(STREAM_CLIENT_DEFAULTS.maxPayload).toBe(65_536);
    const server = await start();
    const connection = await client(server, { reconnect: false }).connect(configure());
    keep(connection);
    const w = watch(connection);
    server.connection(0).push(big(60 * 1024));
    expect((await connection.recv())?.type).toBe("hello_ok");
    expect((await connection.recv())?.type).toBe("pong");
    server.connection(0).push(big(65 * 1024));
    await w.closed;
    expect(w.errors).toHaveLength(1);
    expect(w.errors[0]).toBeInstanceOf(StreamPayloadTooLargeError);
    expect(w.errors[0]).toMatchObject({ code: "payload_too_large", limit: 65_536 });
  });

  it("the first oversize frame is an error event naming the limit and costs one reconnect; the second ends the connection", async () => {
    const server = await start({ onReady: (c) => c.index < 2 && c.push(big(4096)) });
    const connection = await client(server, { maxPayload: 2048 }).connect(configure());
    keep(connection);
    const w = watch(connection);
    await w.closed;
    // Two connections, each hit once: never a loop.
    expect(server.connections).toHaveLength(2);
    expect(w.errors).toHaveLength(2);
    for (const error of w.errors) {
      expect(error).toBeInstanceOf(StreamPayloadTooLargeError);
      expect((error as StreamPayloadTooLargeError).limit).toBe(2048);
      expect(error.message).toContain("maxPayload (2048 bytes)");
    }
    expect(w.errors[0]?.message).toMatch(/reconnecting/);
    expect(w.errors[1]?.message).toMatch(/connection is closed/);
    // ws reports its own cut as 1006; the client reports it as the 1009 it is.
    expect(w.disconnects).toEqual([
      { code: 1009, willReconnect: true },
      { code: 1009, willReconnect: false },
    ]);
    const types: string[] = [];
    for (let m = await connection.recv(); m !== null; m = await connection.recv()) types.push(m.type);
    expect(types).toEqual(["hello_ok", "hello_ok"]);
  });

  it("an oversize frame during a reconnect's handshake counts too", async () => {
    const server = await start({
      handshake: (i) => (i === 0 ? "after_configure" : "never"),
      onFrame: (c) => c.index > 0 && c.push(big(4096)),
    });
    const connection = await client(server, { maxPayload: 2048 }).connect(configure());
    keep(connection);
    const w = watch(connection);
    server.connection(0).push(big(4096));
    await w.closed;
    expect(server.connections).toHaveLength(2);
    expect(w.errors.map((e) => e.constructor)).toEqual([StreamPayloadTooLargeError, StreamPayloadTooLargeError]);
  });

  it("an oversize first frame rejects connect() with the typed error", async () => {
    const server = await start({ handshake: "never", onFrame: (c) => c.push(big(4096)) });
    const error = await client(server, { maxPayload: 2048 })
      .connect(configure())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamPayloadTooLargeError);
    expect(error).toMatchObject({ limit: 2048 });
    expect(server.connections).toHaveLength(1);
  });
});

describe("configure refusals mean the same on a reconnect as on the first connect", () => {
  const refuse = (code: string): HandshakeScript => ({ error: { code, message: `refused: ${code}` } });

  it.each(["wallet_not_registered", "invalid_strategy", "too_many_wallets", "unauthorized"])(
    "%s on every reconnect ends the connection with the server's code, after one attempt",
    async (code) => {
      const server = await start({ handshake: (i) => (i === 0 ? "after_configure" : refuse(code)) });
      const connection = await client(server).connect(configure());
      keep(connection);
      const w = watch(connection);
      server.connection(0).drop(1011, "restart");
      await w.closed;
      expect(server.connections).toHaveLength(2);
      expect(w.errors).toHaveLength(1);
      const error = w.errors[0] as StreamHandshakeError;
      expect(error).toBeInstanceOf(StreamHandshakeError);
      expect(error).toMatchObject({ code: "handshake", serverCode: code, serverMessage: `refused: ${code}`, retryable: false });
      expect(await connection.recv()).toMatchObject({ type: "hello_ok" });
      expect(await connection.recv()).toBeNull();
      // And the same refusal on the first connect: a rejection with the same code and verdict.
      server.options.handshake = refuse(code);
      const first = await client(server)
        .connect(configure())
        .catch((e: unknown) => e);
      expect(first).toBeInstanceOf(StreamHandshakeError);
      expect(first).toMatchObject({ serverCode: code, retryable: false });
    },
  );

  it("a transient refusal (too_many_sessions) is retried with backoff until the server accepts", async () => {
    const server = await start({
      handshake: (i) => (i === 0 || i >= 4 ? "after_configure" : refuse("too_many_sessions")),
    });
    const connection = await client(server).connect(configure());
    keep(connection);
    const w = watch(connection);
    const reconnected = new Promise<number>((resolve) => connection.once("reconnected", ({ attempt }) => resolve(attempt)));
    server.connection(0).drop(1011, "restart");
    expect(await reconnected).toBe(4);
    expect(w.errors).toHaveLength(3);
    for (const error of w.errors) expect(error).toMatchObject({ serverCode: "too_many_sessions", retryable: true });
    server.connection(4).push(exitSignal(9));
    const types: string[] = [];
    while (types.at(-1) !== "exit_signal_with_tx") types.push((await connection.recv())?.type ?? "null");
    expect(types).toEqual(["hello_ok", "hello_ok", "exit_signal_with_tx"]);
    expect(connection.status).toBe("open");
  });

  it("an unknown refusal code is retried with backoff, bounded by reconnect.maxAttempts", async () => {
    const server = await start({ handshake: (i) => (i === 0 ? "after_configure" : refuse("brand_new_code")) });
    const connection = await client(server, { reconnect: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 } }).connect(
      configure(),
    );
    keep(connection);
    const w = watch(connection);
    server.connection(0).drop(1011, "restart");
    await w.closed;
    expect(server.connections).toHaveLength(4);
    expect(w.errors.map((e) => e.code)).toEqual(["handshake", "handshake", "handshake", "reconnect_exhausted"]);
  });

  it("a first-connect refusal says whether retrying could help", async () => {
    const server = await start({ handshake: refuse("too_many_sessions") });
    const error = await client(server)
      .connect(configure())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ serverCode: "too_many_sessions", retryable: true });
    await waitFor(() => server.connections[0]?.isClosed === true);
  });
});

import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { StreamClient, type StreamClientOptions } from "../../src/client/index.js";
import {
  StreamAuthError,
  StreamError,
  StreamHandshakeError,
  StreamTimeoutError,
  StreamValidationError,
} from "../../src/errors.js";
import { configure } from "../helpers/frames.js";
import { ScriptedServer, waitFor, type ScriptedServerOptions } from "../helpers/scripted-server.js";
import { afterTimersUpTo } from "../helpers/timers.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  server = await ScriptedServer.start(options);
  return server;
}

function client(url: string, options: StreamClientOptions = {}): StreamClient {
  return new StreamClient("test-key", { endpoint: url, heartbeat: { intervalMs: 60_000 }, ...options });
}

describe("handshake", () => {
  it.each(["after_configure", "on_connect"] as const)(
    "works when the server sends hello_ok %s; configure is the first client frame; hello_ok is delivered",
    async (order) => {
      const s = await start({ handshake: order });
      const connection = await client(s.url).connect(configure());
      expect(connection.status).toBe("open");
      const first = await connection.recv();
      expect(first).toMatchObject({ type: "hello_ok", session_id: 1, limits: { hi_capacity: 256 } });
      const conn = s.connection(0);
      await conn.waitForType("configure");
      expect(conn.messages[0]).toEqual({
        type: "configure",
        wallet_pubkeys: [configure().wallet_pubkeys[0]],
        strategy: { target_profit_pct: 20, stop_loss_pct: 10 },
        send_mode: "helius_sender",
        tip_lamports: 1000,
      });
      expect(conn.apiKey).toBe("test-key");
      await connection.close();
    },
  );

  it("an error frame instead of hello_ok rejects with StreamHandshakeError keeping the server's code and message", async () => {
    const s = await start({ handshake: { error: { code: "wallet_not_registered", message: "wallet 6anb... is not registered" } } });
    const error = await client(s.url).connect(configure()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamHandshakeError);
    expect(error).toMatchObject({
      code: "handshake",
      serverCode: "wallet_not_registered",
      serverMessage: "wallet 6anb... is not registered",
    });
    expect((error as Error).message).toContain("wallet_not_registered");
    await waitFor(() => s.connection(0).isClosed);
    expect(s.connectionCount).toBe(1); // the first connect is never retried
  });

  it.each([401, 403])("HTTP %d on the upgrade rejects with StreamAuthError and is not retried", async (status) => {
    const s = await start({ handshake: { status } });
    const error = await client(s.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 10 } }).connect(configure()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamAuthError);
    expect(error).toMatchObject({ code: "auth", status });
    // A retry timer (<= maxDelayMs) would have run by now, and its dial reached the server.
    await afterTimersUpTo(10);
    await s.probe();
    expect(s.attempts).toBe(1);
  });

  it("another HTTP status rejects with a connection error", async () => {
    const s = await start({ handshake: { status: 500 } });
    const error = await client(s.url).connect(configure()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ code: "connection" });
    expect((error as Error).message).toContain("500");
  });

  it("times out when the server never answers, and closes the socket", async () => {
    const s = await start({ handshake: "never" });
    const started = Date.now();
    const error = await client(s.url, { handshakeTimeoutMs: 150 }).connect(configure()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamTimeoutError);
    expect(error).toMatchObject({ code: "timeout", timeoutMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await waitFor(() => s.connection(0).isClosed, 1000, "socket closed by the client");
  });

  it("times out against a TCP server that never answers the upgrade", async () => {
    const sockets: import("node:net").Socket[] = [];
    const tcp: Server = createServer((socket) => {
      sockets.push(socket);
      socket.resume(); // read (and discard) the upgrade request, so the client's FIN is seen
    });
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    try {
      const port = (tcp.address() as import("node:net").AddressInfo).port;
      const error = await client(`ws://127.0.0.1:${port}/v1/ws`, { handshakeTimeoutMs: 100 })
        .connect(configure())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StreamTimeoutError);
      await waitFor(() => sockets.length === 1 && sockets[0]?.destroyed === true, 1000, "socket closed");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });

  it("an abort during the handshake rejects with code aborted and leaves nothing open", async () => {
    const s = await start({ handshake: "never" });
    const controller = new AbortController();
    const pending = client(s.url).connect(configure(), { signal: controller.signal });
    await s.waitForConnections(1);
    controller.abort(new Error("user gave up"));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ code: "aborted" });
    await waitFor(() => s.connection(0).isClosed, 1000, "socket closed");
  });

  it("an already aborted signal rejects before any I/O", async () => {
    const s = await start();
    const error = await client(s.url).connect(configure(), { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "aborted" });
    expect(s.attempts).toBe(0);
  });

  it("an invalid strategy is refused before any I/O", async () => {
    const s = await start();
    const bad = configure({ strategy: { target_profit_pct: 0, stop_loss_pct: 0 }, deadline_timeout_sec: 0 });
    await expect(client(s.url).connect(bad)).rejects.toBeInstanceOf(StreamValidationError);
    const negative = configure({ strategy: { target_profit_pct: -1, stop_loss_pct: 5 } });
    await expect(client(s.url).connect(negative)).rejects.toMatchObject({ field: "strategy.target_profit_pct" });
    const noWallet = configure({ wallet_pubkeys: [] });
    await expect(client(s.url).connect(noWallet)).rejects.toBeInstanceOf(StreamValidationError);
    expect(s.attempts).toBe(0);
  });

  it("a timeout-only strategy is accepted (deadline kept locally, never sent)", async () => {
    const s = await start();
    const connection = await client(s.url).connect(
      configure({ strategy: { target_profit_pct: 0, stop_loss_pct: 0 }, deadline_timeout_sec: 30 }),
    );
    expect(connection.deadlineTimeoutSec).toBe(30);
    expect(connection.state.deadline_timeout_sec).toBe(30);
    expect(s.connection(0).frames[0]).not.toContain("deadline");
    await connection.close();
  });

  it("a first frame that is not hello_ok fails the handshake", async () => {
    const s = await start({
      handshake: "never",
      onFrame: (conn, frame) => {
        if (frame.includes("configure")) conn.push({ type: "pong", server_time_ms: 1 });
      },
    });
    const error = await client(s.url).connect(configure()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamHandshakeError);
    expect((error as Error).message).toContain("got pong");
  });

  it("a socket closed before hello_ok rejects with a connection error naming the close code", async () => {
    const s = await start({
      handshake: "never",
      onFrame: (conn) => conn.drop(1011, "boom"),
    });
    const error = await client(s.url).connect(configure()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "connection" });
    expect((error as Error).message).toContain("1011");
  });

  it("a refused TCP connection rejects with a connection error", async () => {
    const tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    const port = (tcp.address() as import("node:net").AddressInfo).port;
    await new Promise((resolve) => tcp.close(resolve));
    const error = await client(`ws://127.0.0.1:${port}/v1/ws`).connect(configure()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "connection" });
  });
});

describe("endpoint and options", () => {
  it.each([
    "ws://stream.example.com/v1/ws",
    "ws://10.0.0.1:8082/v1/ws",
    "ws://localhost.evil.com/v1/ws",
  ])("refuses %s without allowInsecure, before any I/O", (endpoint) => {
    expect(() => new StreamClient("k", { endpoint })).toThrow(StreamValidationError);
    expect(() => new StreamClient("k").withEndpoint(endpoint)).toThrow(/ws:\/\//);
    expect(() => new StreamClient("k", { endpoint, allowInsecure: true })).not.toThrow();
  });

  it.each(["ws://localhost:8082/v1/ws", "ws://127.0.0.1:1/v1/ws", "ws://[::1]:1/v1/ws", "wss://stream.example.com/v1/ws"])(
    "accepts %s",
    (endpoint) => {
      expect(new StreamClient("k", { endpoint }).endpoint).toBe(endpoint);
    },
  );

  it("resolves endpoints like the official SDK: explicit (trimmed) beats local mode beats default", () => {
    expect(new StreamClient("k").endpoint).toBe("wss://stream.lasersell.io/v1/ws");
    expect(new StreamClient("k").withLocalMode(true).endpoint).toBe("ws://localhost:8082/v1/ws");
    expect(new StreamClient("k", { local: true }).endpoint).toBe("ws://localhost:8082/v1/ws");
    expect(new StreamClient("k").withLocalMode(true).withEndpoint(" wss://x.example/v1/ws  ").endpoint).toBe(
      "wss://x.example/v1/ws",
    );
  });

  it("refuses other schemes, URL credentials, bad URLs, empty keys and bad options", () => {
    expect(() => new StreamClient("k", { endpoint: "https://x.example" })).toThrow(StreamValidationError);
    expect(() => new StreamClient("k", { endpoint: "wss://user:pw@x.example" })).toThrow(StreamValidationError);
    expect(() => new StreamClient("k", { endpoint: "not a url" })).toThrow(StreamValidationError);
    expect(() => new StreamClient("")).toThrow(StreamValidationError);
    expect(() => new StreamClient("key\r\nx-evil: 1")).toThrow(StreamValidationError);
    expect(() => new StreamClient("k", { handshakeTimeoutMs: -1 })).toThrow(/handshakeTimeoutMs/);
    expect(() => new StreamClient("k", { reconnect: { initialDelayMs: Number.NaN } })).toThrow(/initialDelayMs/);
  });

  it("passes maxPayload to ws: a frame larger than it ends the link (and is never delivered)", async () => {
    const s = await start();
    const connection = await client(s.url, { maxPayload: 2048, reconnect: false }).connect(configure());
    const debug: string[] = [];
    connection.on("debug", (line) => debug.push(line));
    const closed = new Promise((resolve) => connection.once("disconnected", resolve));
    s.connection(0).push({ type: "pong", server_time_ms: 1, padding: "x".repeat(4096) });
    expect(await closed).toMatchObject({ willReconnect: false });
    expect(debug.join("\n")).toMatch(/max payload/i);
    expect((await connection.recv())?.type).toBe("hello_ok");
    expect(await connection.recv()).toBeNull();
    await connection.close();
  });
});

import { VersionedTransaction } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { parseServerMessage } from "../../src/protocol/index.js";
import { MockStreamServer, type MockStreamServerOptions } from "../../src/testing/index.js";
import { RawClient, STRATEGY, WALLET, WALLET_2, WATCHED, closeAllRawClients, configureFrame, type Frame } from "./raw-client.js";

const servers: MockStreamServer[] = [];
async function start(options: MockStreamServerOptions = {}): Promise<MockStreamServer> {
  const s = await MockStreamServer.start({ seed: 42, priceWalk: false, pnlFlushMs: 20, settleMs: 10, ...options });
  servers.push(s);
  return s;
}

afterEach(async () => {
  closeAllRawClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Every frame a client got must parse as the protocol layer reads server frames. */
function expectValidFrames(frames: readonly Frame[]): void {
  for (const f of frames) {
    const r = parseServerMessage(JSON.stringify(f, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v)));
    expect(r.kind, `${f.type}: ${r.kind === "invalid" ? r.error.message : ""}`).toBe("message");
  }
}

describe("MockStreamServer: upgrade and handshake", () => {
  it("refuses a missing or unknown x-api-key with HTTP 401 and a wrong path with 404", async () => {
    const server = await start({ apiKeys: ["good-key"] });
    const rejected: number[] = [];
    server.on("rejected", (r) => rejected.push(r.status));
    await expect(RawClient.connect(server.url, undefined)).rejects.toMatchObject({ status: 401 });
    await expect(RawClient.connect(server.url, "bad-key")).rejects.toMatchObject({ status: 401 });
    await expect(RawClient.connect(server.url.replace("/v1/ws", "/v2/ws"), "good-key")).rejects.toMatchObject({ status: 404 });
    const ok = await RawClient.connect(server.url, "good-key");
    expect(ok.ws.readyState).toBe(WebSocket.OPEN);
    expect(rejected).toEqual([401, 401, 404]);
  });

  it("never reveals the API key in rejection events", async () => {
    const server = await start({ apiKeys: ["good-key"] });
    const seen: string[] = [];
    server.on("rejected", (r) => seen.push(JSON.stringify(r)));
    server.on("debug", (m) => seen.push(m));
    await expect(RawClient.connect(server.url, "SECRET-KEY-123")).rejects.toBeDefined();
    expect(seen.join(" ")).not.toContain("SECRET-KEY-123");
  });

  it("answers configure with hello_ok first (SDK order), with the tier's limits and a session id", async () => {
    const server = await start({ tier: 2, pnlFlushMs: 50 });
    const c = await RawClient.connect(server.url);
    c.send(configureFrame());
    const hello = await c.next("hello_ok");
    expect(c.frames[0]?.type).toBe("hello_ok");
    expect(hello["limits"]).toEqual({
      hi_capacity: 256,
      pnl_flush_ms: 50,
      max_positions_per_session: 20_000,
      max_wallets_per_session: 200,
      max_positions_per_wallet: 100,
      max_sessions_per_api_key: 1,
      max_watch_wallets_per_session: 50,
    });
    expect(typeof hello["session_id"]).toBe("number");
    const conn = await server.waitForConnection();
    expect(conn.sessionId).toBe(hello["session_id"]);
    expect(server.connectionCount).toBe(1);
  });

  it("sends hello_ok on open with helloOrder on_connect, then accepts configure", async () => {
    const server = await start({ helloOrder: "on_connect" });
    const c = await RawClient.connect(server.url);
    await c.next("hello_ok");
    c.send({ type: "ping", client_time_ms: 1 });
    await c.next("pong");
    c.send(configureFrame());
    await server.waitForConnection();
    const { position_id } = server.openPosition({ wallet: WALLET });
    await c.next("position_opened", (f) => f["position_id"] === position_id);
    expect(c.of("hello_ok")).toHaveLength(1);
  });

  it.each([
    ["invalid JSON", "{not json", "invalid_message"],
    ["an unknown type", { type: "subscribe" }, "invalid_message"],
    ["a message before configure", { type: "update_strategy", strategy: STRATEGY }, "not_configured"],
    ["a configure missing strategy", { type: "configure", wallet_pubkeys: [WALLET] }, "invalid_message"],
    ["a wallet that is not base58", configureFrame({ wallet_pubkeys: ["not-a-key"] }), "invalid_message"],
    ["an all-zero strategy", configureFrame({ strategy: { target_profit_pct: 0, stop_loss_pct: 0 } }), "invalid_strategy"],
    ["a negative stop loss", configureFrame({ strategy: { target_profit_pct: 5, stop_loss_pct: -1 } }), "invalid_strategy"],
  ])("rejects %s with an error frame and close 1008", async (_name, frame, code) => {
    const server = await start();
    const c = await RawClient.connect(server.url);
    c.send(frame as object | string);
    const error = await c.next("error");
    expect(error["code"]).toBe(code);
    expect(typeof error["message"]).toBe("string");
    expect(c.frames[0]?.type).toBe("error");
    expect((await c.waitClosed()).code).toBe(1008);
    expect(server.received[0]?.error).toMatch(new RegExp(`^${code}: `));
  });

  it("refuseConfigure() answers configure with the given error and close 1008, until reset", async () => {
    const server = await start();
    server.refuseConfigure({ code: "wallet_not_registered", message: "wallet 6anb... is not registered" });
    const a = await RawClient.connect(server.url);
    a.send(configureFrame());
    expect(await a.next("error")).toEqual({ type: "error", code: "wallet_not_registered", message: "wallet 6anb... is not registered" });
    expect((await a.waitClosed()).code).toBe(1008);
    server.refuseConfigure(undefined);
    await RawClient.configured(server.url);
  });

  it("enforces the tier's wallet limit (too_many_wallets) and the tier gate for watch wallets", async () => {
    const server = await start({ tier: 0 });
    const a = await RawClient.connect(server.url);
    a.send(configureFrame({ wallet_pubkeys: [WALLET, WALLET_2] }));
    expect((await a.next("error"))["code"]).toBe("too_many_wallets");
    expect((await a.waitClosed()).code).toBe(1008);
    const b = await RawClient.connect(server.url);
    b.send(configureFrame({ watch_wallets: [{ pubkey: WATCHED }] }));
    expect((await b.next("error"))["code"]).toBe("tier_required");
  });

  it("answers an invalid message after configure with an error frame and keeps the connection", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url);
    c.send({ type: "close_position", position_id: "12" });
    expect((await c.next("error"))["code"]).toBe("invalid_message");
    c.send(configureFrame());
    expect((await c.next("error", (f) => f["code"] === "already_configured"))["code"]).toBe("already_configured");
    c.send({ type: "update_strategy", strategy: { target_profit_pct: 0, stop_loss_pct: 0 } });
    await c.next("error", (f) => f["code"] === "invalid_strategy");
    c.send({ type: "ping", client_time_ms: 5 });
    await c.next("pong");
    expect(c.closed).toBeUndefined();
    expect(server.connectionCount).toBe(1);
  });

  it("answers WebSocket pings with pongs", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url);
    const pong = new Promise<string>((resolve) => c.ws.once("pong", (data) => resolve(data.toString())));
    c.ws.ping("hi");
    expect(await pong).toBe("hi");
  });

  it("records every client frame, parsed, per connection", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url);
    c.send({ type: "sell_now", token_account: "x" });
    c.send({ type: "ping", client_time_ms: 7 });
    const ping = await server.waitForMessage("ping");
    expect(ping.client_time_ms).toBe(7);
    const types = server.received.map((r) => r.message?.type);
    expect(types).toEqual(["configure", "request_exit_signal", "ping"]);
    const conn = server.connections[0];
    expect(conn?.received).toHaveLength(3);
  });
});

describe("MockStreamServer: positions", () => {
  it("announces a new position with balance_update then position_opened, and re-emits it on reconnect with the same id and opened_at_ms", async () => {
    const server = await start();
    const a = await RawClient.configured(server.url);
    const opened = server.openPosition({ wallet: WALLET, tokens: 25_000_000_000_000_001n });
    const first = await a.next("position_opened");
    const balanceIndex = a.frames.findIndex((f) => f.type === "balance_update");
    expect(balanceIndex).toBeGreaterThanOrEqual(0);
    expect(balanceIndex).toBeLessThan(a.frames.indexOf(first));
    expect(first["position_id"]).toBe(opened.position_id);
    expect(first["tokens"]).toBe(25_000_000_000_000_001n); // written as a bare integer, read losslessly
    a.ws.terminate();
    await server.waitForDisconnect();

    const b = await RawClient.configured(server.url);
    const again = await b.next("position_opened");
    expect(again["position_id"]).toBe(first["position_id"]);
    expect(again["opened_at_ms"]).toBe(first["opened_at_ms"]);
    expect(again["token_account"]).toBe(opened.token_account);
    expect(b.of("balance_update")).toHaveLength(1);
    expectValidFrames(b.frames);
  });

  it("streams pnl_update consistent with the price, liquidity_snapshot on tier 1, none on tier 0", async () => {
    for (const tier of [1, 0] as const) {
      const server = await start({ tier });
      const c = await RawClient.configured(server.url);
      const { position_id } = server.openPosition({ wallet: WALLET, entryQuoteUnits: 1_000_000_000, tokens: 1_000_000_000_000 });
      server.setPrice(position_id, 1.03);
      const pnl = await c.next("pnl_update", (f) => f["profit_units"] === 30_000_000);
      expect(pnl["proceeds_units"]).toBe(1_030_000_000);
      if (tier === 1) {
        const snap = await c.next("liquidity_snapshot");
        expect((snap["bands"] as Array<{ slippage_bps: number }>).map((b) => b.slippage_bps)).toEqual([100, 200, 500, 1000]);
        expect(["growing", "stable", "draining"]).toContain(snap["liquidity_trend"]);
      } else {
        await c.next("pnl_update", (f) => f !== pnl);
        expect(c.of("liquidity_snapshot")).toHaveLength(0);
      }
      expectValidFrames(c.frames);
    }
  });

  it("writes integers beyond 2^53 exactly in every frame (tokens, bands, exits)", async () => {
    const server = await start({ tier: 1 });
    const c = await RawClient.configured(server.url);
    const tokens = 25_000_000_000_000_001n;
    const { position_id } = server.openPosition({ wallet: WALLET, tokens, poolLiquidityQuote: 1e15 });
    const snap = await c.next("liquidity_snapshot");
    const bands = snap["bands"] as Array<{ max_tokens: bigint | number; coverage_pct: number }>;
    expect(bands.at(-1)?.max_tokens).toBe(tokens);
    c.send({ type: "request_exit_signal", position_id });
    expect((await c.next("exit_signal_with_tx"))["position_tokens"]).toBe(tokens);
    expect((await c.next("pnl_update"))["proceeds_units"]).toBeTypeOf("number");
    expectValidFrames(c.frames);
  });

  it("close_position stops tracking and emits position_closed; unknown ids get position_not_found", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url);
    const { position_id } = server.openPosition({ wallet: WALLET });
    await c.next("position_opened");
    c.send({ type: "close_position", position_id });
    const closed = await c.next("position_closed");
    expect(closed["reason"]).toBe("closed");
    expect(server.position(position_id)).toBeUndefined();
    c.send({ type: "close_position", position_id });
    expect((await c.next("error"))["code"]).toBe("position_not_found");
  });

  it("request_exit_signal (and sell_now) answer with an exit whose transaction decodes with the wallet as fee payer", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url);
    const { position_id, token_account } = server.openPosition({ wallet: WALLET });
    await c.next("position_opened");
    c.send({ type: "request_exit_signal", position_id, slippage_bps: 300 });
    const exit = await c.next("exit_signal_with_tx");
    expect(exit["reason"]).toBe("sell_now");
    expect(exit["sell_tokens"]).toBeUndefined();
    const tx = VersionedTransaction.deserialize(Buffer.from(exit["unsigned_tx_b64"] as string, "base64"));
    expect(tx.message.staticAccountKeys[0]?.toBase58()).toBe(WALLET);
    expect(tx.message.header.numRequiredSignatures).toBe(1);
    c.send({ type: "sell_now", token_account });
    await c.until(() => (c.of("exit_signal_with_tx").length === 2 ? true : undefined), 2_000, "second exit");
    expectValidFrames(c.frames);
  });

  it("sends watched positions only to connections watching the wallet, flagged watched", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url, configureFrame({ watch_wallets: [{ pubkey: WATCHED }] }));
    server.openPosition({ wallet: WATCHED });
    const opened = await c.next("position_opened");
    expect(opened["watched"]).toBe(true);
    expect(opened["wallet_pubkey"]).toBe(WATCHED);
  });

  it("update_wallets announces the positions of added wallets", async () => {
    const server = await start();
    server.openPosition({ wallet: WALLET_2 });
    const c = await RawClient.configured(server.url);
    expect(c.of("position_opened")).toHaveLength(0);
    c.send({ type: "update_wallets", wallet_pubkeys: [WALLET, WALLET_2] });
    expect((await c.next("position_opened"))["wallet_pubkey"]).toBe(WALLET_2);
  });
});

describe("MockStreamServer: fault hooks", () => {
  it("send() pushes raw frames; dropConnections() closes with the given code", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url);
    expect(server.send({ type: "future_message", x: 1 })).toBe(1);
    server.send('{"type":"pong","server_time_ms":1}');
    await c.next("future_message");
    await c.next("pong");
    server.dropConnections(4000, "bye");
    expect(await c.waitClosed()).toEqual({ code: 4000, reason: "bye" });
    await server.waitForDisconnect();
    expect(server.connectionCount).toBe(0);
  });

  it("stall() stops answering pings and processing frames; resume() catches up", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url);
    server.stall();
    let ponged = false;
    c.ws.once("pong", () => (ponged = true));
    c.ws.ping();
    c.send({ type: "ping", client_time_ms: 9 });
    // A client that connects after the stall gets both answers: the server processed frames that
    // arrived after the stalled client's, so it had its chance to answer those.
    const control = await RawClient.configured(server.url);
    let controlPonged = false;
    control.ws.once("pong", () => (controlPonged = true));
    control.ws.ping();
    control.send({ type: "ping", client_time_ms: 10 });
    await control.next("pong");
    await control.until(() => (controlPonged ? true : undefined), 1_000, "control ws pong");
    expect(ponged).toBe(false);
    expect(c.of("pong")).toHaveLength(0);
    server.resume();
    await c.next("pong");
    await c.until(() => (ponged ? true : undefined), 1_000, "ws pong");
  });

  it("close() is fast with clients connected and rejects pending waits", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url);
    const pending = server.waitForMessage("update_wallets", { timeoutMs: 10_000 }).catch((e: unknown) => e);
    // Resolves without waiting for the client to close its side (the test timeout bounds it).
    await server.close();
    expect(String(await pending)).toMatch(/closed/);
    expect((await c.waitClosed()).code).toBe(1006);
  });
});

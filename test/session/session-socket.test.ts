/**
 * StreamSession over real sockets: the real StreamClient against MockStreamServer on 127.0.0.1,
 * port 0, with short intervals.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StreamClient, type StreamConfigure, type StreamClientOptions } from "../../src/client/index.js";
import type { ClientMessage, IntMode } from "../../src/protocol/index.js";
import { StreamSession, type SessionConnectOptions } from "../../src/session/index.js";
import { MockStreamServer, type MockStreamServerOptions } from "../../src/testing/index.js";
import { signExitTransaction, submitTransaction } from "../../src/tx/index.js";
import { nextEvent as next } from "../helpers/session-events.js";

const API_KEY = "lsk_live_SECRET_9f8e7d6c5b4a";
const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
const WATCHED = "Borqy3dEjw9az7Uj9nW69A9ZDansFGHWEggUx7tkv44f";
const QUIET = { target_profit_pct: 500, stop_loss_pct: 90 };

const servers: MockStreamServer[] = [];
const sessions: StreamSession<IntMode>[] = [];

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close({ flushTimeoutMs: 200 })));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(options: MockStreamServerOptions = {}): Promise<MockStreamServer> {
  const server = await MockStreamServer.start({ seed: 11, priceWalk: false, pnlFlushMs: 20, settleMs: 10, ...options });
  servers.push(server);
  return server;
}

function clientFor<M extends IntMode = "number">(server: MockStreamServer, options: StreamClientOptions<M> = {}): StreamClient<M> {
  return new StreamClient<M>(API_KEY, {
    endpoint: server.url,
    reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
    heartbeat: { intervalMs: 1_000, timeoutMs: 1_000 },
    ...options,
  });
}

async function connect(
  server: MockStreamServer,
  configure: Partial<StreamConfigure> = {},
  options: SessionConnectOptions = {},
): Promise<StreamSession> {
  const session = await StreamSession.connect(
    clientFor(server),
    { wallet_pubkeys: [WALLET], strategy: QUIET, ...configure },
    options,
  );
  sessions.push(session);
  return session;
}

/** Client messages of one type the server has received so far (all connections). */
function received<T extends ClientMessage["type"]>(server: MockStreamServer, type: T): Extract<ClientMessage, { type: T }>[] {
  const out: Extract<ClientMessage, { type: T }>[] = [];
  for (const c of server.connections) {
    for (const f of c.received) if (f.message?.type === type) out.push(f.message as Extract<ClientMessage, { type: T }>);
  }
  return out;
}

/** Lets wall-clock time pass, for tests where the elapsed time itself is what is under test. */
const elapse = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("StreamSession over a real socket", () => {
  it("connects, yields hello_ok, tracks a position with a handle and updates it from PnL", async () => {
    const server = await startServer();
    const session = await connect(server);
    expect((await next(session, "hello_ok")).message.session_id).toBeGreaterThan(0);
    expect(session.serverClockOffsetMs).toBeDefined();
    const opened = server.openPosition({ wallet: WALLET, tokens: 1_000_000n, entryQuoteUnits: 500_000_000n });
    const event = await next(session, "position_opened");
    expect(event.handle).toMatchObject({ position_id: opened.position_id, token_account: opened.token_account, tokens: 1_000_000 });
    expect(Object.isFrozen(event.handle)).toBe(true);
    server.setPrice(opened.position_id, 1.2);
    const pnl = await next(session, "pnl_update", (e) => e.message.profit_units > 0);
    expect(pnl.handle?.profit_units).toBe(pnl.message.profit_units);
    expect(session.position(opened.position_id)?.peak_profit_units).toBeGreaterThan(0);
  });

  it("the deadline clock survives a drop and the re-emitted position_opened (no duplicate)", async () => {
    const server = await startServer();
    const session = await connect(server, { deadline_timeout_sec: 1.2 }, { deadlineRetryMs: 5_000 });
    const { position_id } = server.openPosition({ wallet: WALLET });
    const first = await next(session, "position_opened");
    const openedAt = Date.now();
    expect(first.handle.deadline_at_ms).toBeGreaterThan(openedAt);
    // The drop comes 500 ms into the 1.2 s deadline: a clock restarted by it would fire late.
    await elapse(500);
    server.dropConnections(1012, "restart");
    await next(session, "disconnected");
    await next(session, "reconnected");
    const again = await next(session, "position_opened");
    expect(again.handle.position_id).toBe(position_id);
    expect(again.handle.deadline_at_ms).toBe(first.handle.deadline_at_ms);
    expect(session.positions()).toHaveLength(1);
    const deadline = await next(session, "deadline");
    const firedAfter = Date.now() - openedAt;
    // Counted from the open (1.2 s), not restarted by the reconnect (which would be >= 1.7 s).
    expect(firedAfter).toBeGreaterThanOrEqual(1_000);
    expect(firedAfter).toBeLessThan(1_650);
    expect(deadline.handle.position_id).toBe(position_id);
    const exit = await next(session, "exit_signal_with_tx");
    expect(exit.handle?.position_id).toBe(position_id);
    expect(received(server, "request_exit_signal")).toEqual([{ type: "request_exit_signal", position_id }]);
  });

  it("no ghost and no exit request for a closed position; its liquidity cache is pruned", async () => {
    const server = await startServer({ tier: 1 });
    const session = await connect(server, { deadline_timeout_sec: 0.6 });
    const a = server.openPosition({ wallet: WALLET });
    const b = server.openPosition({ wallet: WALLET });
    await next(session, "liquidity_snapshot", (e) => e.message.position_id === a.position_id);
    expect(session.getSlippageBands(a.position_id)?.length).toBeGreaterThan(0);
    const handle = session.position(a.position_id);
    if (handle === undefined) throw new Error("position a unknown");
    session.closePosition(handle);
    const closed = await next(session, "position_closed");
    expect(closed.handle?.position_id).toBe(a.position_id);
    expect(session.position(a.position_id)).toBeUndefined();
    expect(session.getSlippageBands(a.position_id)).toBeUndefined();
    const deadlines: unknown[] = [];
    session.on("deadline", (e) => deadlines.push(e.handle.position_id));
    server.dropConnections();
    await next(session, "reconnected");
    await next(session, "position_opened", (e) => e.message.position_id === b.position_id);
    // a opened before b with the same deadline: a ghost of a would have had its deadline, and sent
    // its request on the same (ordered) link, before b's request reaches the server.
    await vi.waitFor(() => expect(received(server, "request_exit_signal").length).toBeGreaterThan(0), { timeout: 5_000 });
    expect(deadlines).toEqual([b.position_id]);
    expect(session.positions().map((p) => p.position_id)).toEqual([b.position_id]);
    const asked = received(server, "request_exit_signal").map((m) => m.position_id);
    expect(asked).toEqual([b.position_id]);
    expect(session.getSlippageBands(a.position_id)).toBeUndefined();
  });

  it("watched positions get no deadline", async () => {
    const server = await startServer();
    const session = await connect(server, { deadline_timeout_sec: 0.3, watch_wallets: [{ pubkey: WATCHED }] });
    server.openPosition({ wallet: WATCHED });
    const event = await next(session, "position_opened");
    expect(event.handle.watched).toBe(true);
    expect(event.handle.deadline_at_ms).toBeUndefined();
    expect(session.stats().timers).toBe(0);
    // An own position opened after it, with the same deadline: its request reaching the server
    // proves the watched one's deadline (earlier, on the same ordered link) would have come first.
    const own = server.openPosition({ wallet: WALLET });
    await next(session, "position_opened", (e) => e.message.position_id === own.position_id);
    await vi.waitFor(() => expect(received(server, "request_exit_signal").length).toBeGreaterThan(0), { timeout: 5_000 });
    expect(received(server, "request_exit_signal")).toEqual([{ type: "request_exit_signal", position_id: own.position_id }]);
  });

  it("updateStrategy with a shorter deadline reschedules: an expired position is asked at once", async () => {
    const server = await startServer();
    const session = await connect(server, { deadline_timeout_sec: 60 });
    const { position_id } = server.openPosition({ wallet: WALLET });
    await next(session, "position_opened");
    // The position must be older than the new deadline (0.2 s) when it arrives.
    await elapse(300);
    session.updateStrategy({ target_profit_pct: 400, stop_loss_pct: 90 }, 0.2);
    await next(session, "deadline");
    await next(session, "exit_signal_with_tx");
    const updates = received(server, "update_strategy");
    expect(updates).toEqual([{ type: "update_strategy", strategy: { target_profit_pct: 400, stop_loss_pct: 90 } }]);
    expect(received(server, "request_exit_signal")).toEqual([{ type: "request_exit_signal", position_id }]);
  });

  it("a timeout-only updateStrategy(strategy, deadlineSec) after a deadline-less connect reaches the server and arms the deadline", async () => {
    const server = await startServer({ allowEmptyStrategy: true });
    const session = await connect(server); // no deadline_timeout_sec
    const { position_id } = server.openPosition({ wallet: WALLET });
    await next(session, "position_opened");
    session.updateStrategy({ target_profit_pct: 0, stop_loss_pct: 0 }, 0.2);
    expect((session.connection as { state?: { deadline_timeout_sec?: number } }).state?.deadline_timeout_sec).toBe(0.2);
    await next(session, "deadline");
    await next(session, "exit_signal_with_tx");
    expect(received(server, "update_strategy")).toEqual([
      { type: "update_strategy", strategy: { target_profit_pct: 0, stop_loss_pct: 0 } },
    ]);
    expect(received(server, "request_exit_signal")).toEqual([{ type: "request_exit_signal", position_id }]);
  });

  it("handles follow ladder exits and the balance_update of each settled sale", async () => {
    const server = await startServer();
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    const session = await connect(server, {
      wallet_pubkeys: [wallet],
      strategy: {
        target_profit_pct: 0,
        stop_loss_pct: 90,
        take_profit_levels: [
          { profit_pct: 10, sell_pct: 50 },
          { profit_pct: 30, sell_pct: 100 },
        ],
      },
    });
    const { position_id } = server.openPosition({ wallet, tokens: 1_000_000n });
    await next(session, "position_opened");
    server.setPrice(position_id, 1.15);
    const first = await next(session, "exit_signal_with_tx");
    expect(first.message.sell_tokens).toBe(500_000);
    expect(first.handle).toMatchObject({ tokens: 1_000_000, last_exit: { sell_tokens: 500_000, level_index: 0 } });
    const signed = signExitTransaction(first.message, keypair);
    await submitTransaction(server.rpcUrl, signed.signedTxB64, { timeoutMs: 2_000 });
    const balance = await next(session, "balance_update");
    expect(balance.handle?.position_id).toBe(position_id);
    expect(balance.handle?.tokens).toBe(500_000);
    expect(session.position(position_id)?.tokens).toBe(500_000);
    server.setPrice(position_id, 1.4);
    const second = await next(session, "exit_signal_with_tx");
    expect(second.handle).toMatchObject({ tokens: 500_000, last_exit: { position_tokens: 500_000, level_index: 1 } });
    await submitTransaction(server.rpcUrl, signExitTransaction(second.message, keypair).signedTxB64, { timeoutMs: 2_000 });
    const closed = await next(session, "position_closed");
    expect(closed.handle?.position_id).toBe(position_id);
    expect(session.positions()).toEqual([]);
  });

  it("the API key never appears in any event, error or debug line", async () => {
    const server = await startServer({ tier: 1 });
    const connection = await clientFor(server).connect({ wallet_pubkeys: [WALLET], strategy: QUIET, deadline_timeout_sec: 0.2 });
    const session = StreamSession.fromConnection(connection);
    sessions.push(session);
    expect(session.deadlineTimeoutSec).toBe(0.2);
    const seen: unknown[] = [];
    session.on("debug", (m) => seen.push(m));
    session.on("stream_error", (e) => seen.push(e.message, e.stack, String(e.cause)));
    connection.on("debug", (m) => seen.push(m));
    connection.on("stream_error", (e) => seen.push(e.message, e.stack));
    const { position_id } = server.openPosition({ wallet: WALLET });
    await next(session, "deadline");
    const sel = session.position(position_id);
    if (sel !== undefined) {
      expect(() => session.requestExitSignal(sel, 70_000)).toThrow();
    }
    server.dropConnections(1011, "boom");
    await next(session, "reconnected");
    // Everything up to the position's re-announcement on the new link.
    for (;;) {
      const e = await session.recv();
      if (e === null) break;
      seen.push(e);
      if (e.type === "position_opened" && e.message.position_id === position_id) break;
    }
    const text = JSON.stringify(seen, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(text.length).toBeGreaterThan(100);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain("SECRET");
  });

  it("bigint mode end to end: ids and amounts exact, position(id) with number or bigint", async () => {
    const server = await startServer();
    const session = await StreamSession.connect(clientFor(server, { ints: "bigint" }), { wallet_pubkeys: [WALLET], strategy: QUIET });
    sessions.push(session as unknown as StreamSession<IntMode>);
    const { position_id } = server.openPosition({ wallet: WALLET, tokens: 25_000_000_000_000_001n });
    for (;;) {
      const e = await session.recv();
      if (e?.type === "position_opened") {
        expect(e.handle.position_id).toBe(BigInt(position_id));
        expect(e.handle.tokens).toBe(25_000_000_000_000_001n);
        break;
      }
    }
    expect(session.position(position_id)?.tokens).toBe(25_000_000_000_000_001n);
    session.requestExitSignal(BigInt(position_id));
    for (;;) {
      const e = await session.recv();
      if (e?.type === "exit_signal_with_tx") {
        expect(e.handle?.position_id).toBe(BigInt(position_id));
        break;
      }
    }
  });

  it("mirror trading: mirror_buy_signal, reportMirrorBuy, the mirror position's handle and its mirror_sell exit", async () => {
    const server = await startServer();
    const entry = { pubkey: WATCHED, auto_buy: { wallet_pubkey: WALLET, amount_quote_units: 100_000_000 }, mirror_sell: true };
    const session = await connect(server, { watch_wallets: [entry], deadline_timeout_sec: 60 });
    const source = server.openPosition({ wallet: WATCHED });
    const watched = await next(session, "position_opened", (e) => e.message.position_id === source.position_id);
    expect(watched.handle).toMatchObject({ watched: true, deadline_at_ms: undefined });
    const signal = await next(session, "mirror_buy_signal");
    expect(signal.message).toMatchObject({ watched_wallet: WATCHED, user_wallet: WALLET, mint: source.mint, input: "SOL" });
    expect(signal.message.unsigned_tx_b64.length).toBeGreaterThan(100);
    session.reportMirrorBuy(signal, true);
    const mirror = await next(session, "position_opened", (e) => e.message.mirror_source === WATCHED);
    expect(mirror.handle).toMatchObject({ wallet_pubkey: WALLET, mint: source.mint, mirror_source: WATCHED, watched: false });
    expect(mirror.handle.deadline_at_ms).toBeGreaterThan(Date.now());
    server.watchedSell(source.position_id);
    const exit = await next(session, "exit_signal_with_tx");
    expect(exit.handle).toMatchObject({ position_id: mirror.handle.position_id, last_exit: { reason: "mirror_sell" } });
    expect(received(server, "mirror_buy_result")).toEqual([{ type: "mirror_buy_result", mint: source.mint, success: true }]);
  });

  it("session commands are replayed after a reconnect (latest strategy and wallets, position overrides)", async () => {
    const server = await startServer();
    const session = await connect(server, { watch_wallets: [{ pubkey: WATCHED }] });
    const { position_id } = server.openPosition({ wallet: WALLET });
    await next(session, "position_opened");
    session.updateStrategy({ target_profit_pct: 300, stop_loss_pct: 80 }, 5);
    session.updateWatchWallets([]);
    session.updatePositionStrategy(position_id, { target_profit_pct: 250, stop_loss_pct: 70 });
    await server.waitFor(() => (received(server, "update_position_strategy").length === 1 ? true : undefined), 5_000, "override");
    server.dropConnections();
    await next(session, "reconnected");
    await next(session, "position_opened");
    const second = server.connections.at(-1);
    const configure = second?.received.find((f) => f.message?.type === "configure")?.message;
    expect(configure).toMatchObject({ strategy: { target_profit_pct: 300, stop_loss_pct: 80 }, wallet_pubkeys: [WALLET] });
    expect(configure !== undefined && "watch_wallets" in configure ? configure.watch_wallets ?? [] : []).toEqual([]);
    await server.waitFor(
      () => (second?.received.some((f) => f.message?.type === "update_position_strategy") === true ? true : undefined),
      5_000,
      "override replayed",
    );
    expect(session.deadlineTimeoutSec).toBe(5);
  });

  it("close() ends recv with null and leaves no timers", async () => {
    const server = await startServer();
    const session = await connect(server, { deadline_timeout_sec: 30 });
    server.openPosition({ wallet: WALLET });
    await next(session, "position_opened");
    expect(session.stats().timers).toBe(1);
    const pending = (async () => {
      for (;;) {
        const e = await session.recv();
        if (e === null) return null;
      }
    })();
    await session.close();
    expect(await pending).toBeNull();
    expect(session.stats().timers).toBe(0);
    await server.waitForDisconnect();
  });
});

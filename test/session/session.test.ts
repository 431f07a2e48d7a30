import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StreamError, StreamValidationError } from "../../src/errors.js";
import { StreamSession, type StreamEvent, type StreamSessionOptions } from "../../src/session/index.js";
import { FakeClient, FakeConnection } from "./fake-connection.js";
import {
  MINT,
  MINT_2,
  WALLET,
  WALLET_2,
  balanceUpdate,
  exitSignal,
  helloOk,
  liquiditySnapshot,
  pnlUpdate,
  positionClosed,
  positionOpened,
  tokenAccount,
  tradeTick,
} from "../helpers/frames.js";

const sessions: StreamSession<"number">[] = [];

function setup(deadlineSec = 0, options: StreamSessionOptions = {}) {
  const conn = new FakeConnection();
  const session = StreamSession.fromConnection(conn, { deadline_timeout_sec: deadlineSec }, options);
  sessions.push(session);
  return { conn, session };
}

async function drain(session: StreamSession<"number">): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  while (session.stats().pending > 0) {
    const e = await session.recv();
    if (e === null) break;
    out.push(e);
  }
  return out;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "performance"] });
  vi.setSystemTime(1_773_792_000_000);
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  vi.useRealTimers();
});

describe("positions and handles", () => {
  it("position_opened creates a frozen handle carrying everything the message says", async () => {
    const { conn, session } = setup();
    conn.push(positionOpened(5, { opened_at_ms: 1_773_791_999_000, watched: false, mirror_source: WALLET_2 }));
    await conn.drained();
    const event = await session.recv();
    expect(event?.type).toBe("position_opened");
    if (event?.type !== "position_opened") throw new Error("unreachable");
    const h = event.handle;
    expect(h).toMatchObject({
      position_id: 5,
      token_account: tokenAccount(5),
      wallet_pubkey: WALLET,
      mint: MINT,
      token_program: "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
      tokens: 1_000_000,
      entry_quote_units: 500_000_000,
      market_type: "pump_fun",
      market_context: { market_type: "pump_fun", pumpfun: {} },
      token_name: "Lamppoli",
      token_symbol: "LAMP",
      token_decimals: 6,
      token_price_quote: 24_000,
      market_cap_quote: 30_000_000_000,
      pool_liquidity_quote: 30_000_000_000,
      opened_at_ms: 1_773_791_999_000,
      slot: 400_000_000,
      watched: false,
      mirror_source: WALLET_2,
      first_seen_at_ms: 1_773_792_000_000,
    });
    expect(h.deadline_at_ms).toBeUndefined();
    expect(Object.isFrozen(h)).toBe(true);
    expect(Object.isFrozen(h.market_context)).toBe(true);
    expect(() => {
      (h as { tokens: number }).tokens = 1;
    }).toThrow(TypeError);
    expect(session.positions()).toEqual([h]);
    expect(session.position(5)).toBe(h);
    expect(session.position(5n)).toBe(h);
    expect(session.position(tokenAccount(5))).toBe(h);
    expect(session.positionsForWalletMint(WALLET, MINT)).toEqual([h]);
    expect(session.positionsForWalletMint(WALLET, MINT_2)).toEqual([]);
  });

  it("pnl_update makes a new snapshot with last profit, proceeds, peak, price and market cap; old handles never change", async () => {
    const { conn, session } = setup();
    conn.push(positionOpened(1));
    await conn.drained();
    const first = session.position(1);
    conn.push(pnlUpdate(1, 10, { token_price_quote: 25_000, market_cap_quote: 31_000_000_000 }));
    conn.push(pnlUpdate(1, 40));
    conn.push(pnlUpdate(1, -5, { proceeds_units: 400 }));
    await conn.drained();
    const h = session.position(1);
    expect(h).toMatchObject({
      profit_units: -5,
      proceeds_units: 400,
      peak_profit_units: 40,
      token_price_quote: 25_000,
      market_cap_quote: 31_000_000_000,
    });
    expect(first?.profit_units).toBeUndefined();
    expect(first?.peak_profit_units).toBeUndefined();
    expect(h).not.toBe(first);
  });

  it("balance_update updates tokens by token account, else by wallet + mint, and carries the handle", async () => {
    const { conn, session } = setup();
    conn.push(positionOpened(1));
    conn.push(positionOpened(2, { mint: MINT_2 }));
    conn.push(balanceUpdate(700, { token_account: tokenAccount(1) }));
    conn.push(balanceUpdate(300, { mint: MINT_2 }));
    conn.push(balanceUpdate(9, { wallet_pubkey: WALLET_2 }));
    await conn.drained();
    expect(session.position(1)?.tokens).toBe(700);
    expect(session.position(2)?.tokens).toBe(300);
    const events = await drain(session);
    const balances = events.filter((e) => e.type === "balance_update");
    expect(balances.map((e) => (e.type === "balance_update" ? e.handle?.position_id : null))).toEqual([1, 2, undefined]);
  });

  it("ladder exits: tokens follow each signal's position_tokens, the sale itself only through balance_update", async () => {
    const { conn, session } = setup();
    conn.push(positionOpened(1, { tokens: 1000 }));
    conn.push(exitSignal(1, { reason: "chained_tp", position_tokens: 1000, sell_tokens: 300, level_index: 0 }));
    await conn.drained();
    expect(session.position(1)).toMatchObject({
      tokens: 1000,
      last_exit: { reason: "chained_tp", position_tokens: 1000, sell_tokens: 300, level_index: 0 },
    });
    conn.push(balanceUpdate(700, { token_account: tokenAccount(1) }));
    conn.push(exitSignal(1, { reason: "chained_tp", position_tokens: 700, sell_tokens: 350, level_index: 1 }));
    await conn.drained();
    expect(session.position(1)).toMatchObject({ tokens: 700, last_exit: { sell_tokens: 350, level_index: 1 } });
    conn.push(balanceUpdate(350, { token_account: tokenAccount(1) }));
    await conn.drained();
    expect(session.position(1)?.tokens).toBe(350);
    const events = await drain(session);
    const exits = events.filter((e) => e.type === "exit_signal_with_tx");
    expect(exits).toHaveLength(2);
    expect(exits.map((e) => (e.type === "exit_signal_with_tx" ? e.handle?.tokens : null))).toEqual([1000, 700]);
  });

  it("a re-emitted position_opened updates the position: no duplicate, live state kept", async () => {
    const { conn, session } = setup();
    conn.push(positionOpened(3));
    conn.push(pnlUpdate(3, 99));
    conn.push(liquiditySnapshot(3, "stable", [[100, 10]]));
    await conn.drained();
    vi.setSystemTime(1_773_792_060_000);
    conn.push(positionOpened(3, { tokens: 800, token_price_quote: undefined }));
    await conn.drained();
    expect(session.positions()).toHaveLength(1);
    expect(session.position(3)).toMatchObject({
      tokens: 800,
      profit_units: 99,
      peak_profit_units: 99,
      token_price_quote: 24_000,
      first_seen_at_ms: 1_773_792_000_000,
      liquidity_trend: "stable",
    });
  });

  it("position_closed removes the position, prunes its liquidity cache and pending low-priority events", async () => {
    const { conn, session } = setup();
    conn.push(positionOpened(1));
    conn.push(positionOpened(2));
    conn.push(liquiditySnapshot(1, "stable", [[100, 10]]));
    conn.push(pnlUpdate(1, 5));
    conn.push(tradeTick(1));
    conn.push(pnlUpdate(2, 6));
    await conn.drained();
    expect(session.getSlippageBands(1)).toHaveLength(1);
    conn.push(positionClosed(1));
    await conn.drained();
    expect(session.position(1)).toBeUndefined();
    expect(session.positions().map((p) => p.position_id)).toEqual([2]);
    expect(session.getSlippageBands(1)).toBeUndefined();
    expect(session.getMaxSellAtSlippage(1, 100)).toBeUndefined();
    expect(conn.discarded).toEqual([1]);
    const events = await drain(session);
    expect(events.map((e) => e.type)).toEqual(["position_opened", "position_opened", "position_closed", "pnl_update"]);
    const close = events[2];
    expect(close?.type === "position_closed" && close.handle?.position_id).toBe(1);
    // A late snapshot of the closed position is not cached.
    conn.push(liquiditySnapshot(1, "stable", [[100, 10]]));
    await conn.drained();
    expect(session.getSlippageBands(1)).toBeUndefined();
  });

  it("a late message for an unknown position carries no handle and creates no ghost", async () => {
    const { conn, session } = setup();
    conn.push(pnlUpdate(9, 1));
    conn.push(exitSignal(9));
    conn.push(positionClosed(9));
    await conn.drained();
    expect(session.positions()).toEqual([]);
    const events = await drain(session);
    // The closed position's pending pnl_update is discarded.
    expect(events.map((e) => e.type)).toEqual(["exit_signal_with_tx", "position_closed"]);
    for (const e of events) expect("handle" in e).toBe(false);
  });

  it("bigint mode keys positions so number and bigint ids agree", async () => {
    const conn = new FakeConnection({ ints: "bigint" });
    const session = StreamSession.fromConnection(conn);
    const big = 18_446_744_073_709_551_615n;
    conn.push(positionOpened(big, { tokens: 25_000_000_000_000_001n }));
    conn.push(liquiditySnapshot(big, "stable", [[100, 12_345_678_901_234_567_890n]]));
    await conn.drained();
    expect(session.position(big)?.tokens).toBe(25_000_000_000_000_001n);
    expect(session.getMaxSellAtSlippage(big, 150)).toBe(12_345_678_901_234_567_890n);
    conn.push(positionOpened(5n));
    await conn.drained();
    expect(session.position(5)?.position_id).toBe(5n);
    session.requestExitSignal(5);
    expect(conn.sentOf("request_exit_signal")).toEqual([{ type: "request_exit_signal", position_id: 5 }]);
    await session.close();
  });
});

describe("liquidity", () => {
  it("getMaxSellAtSlippage: exact band, else the largest band below, else undefined; trend and bands", async () => {
    const { conn, session } = setup();
    conn.push(positionOpened(1));
    await conn.drained();
    expect(session.getMaxSellAtSlippage(1, 500)).toBeUndefined();
    expect(session.getLiquidityTrend(1)).toBeUndefined();
    conn.push(liquiditySnapshot(1, "draining", [[1000, 900], [100, 100], [500, 600], [200, 250]]));
    await conn.drained();
    expect(session.getMaxSellAtSlippage(1, 500)).toBe(600);
    expect(session.getMaxSellAtSlippage(1, 300)).toBe(250);
    expect(session.getMaxSellAtSlippage(1, 999)).toBe(600);
    expect(session.getMaxSellAtSlippage(1, 5000)).toBe(900);
    expect(session.getMaxSellAtSlippage(1, 50)).toBeUndefined();
    const handle = session.position(1);
    if (handle === undefined) throw new Error("no handle");
    expect(session.getMaxSellAtSlippage(handle, 100)).toBe(100);
    expect(session.getLiquidityTrend(1)).toBe("draining");
    expect(session.getSlippageBands(1n)?.map((b) => b.slippage_bps)).toEqual([1000, 100, 500, 200]);
    expect(handle.slippage_bands).toHaveLength(4);
    expect(Object.isFrozen(handle.slippage_bands)).toBe(true);
    conn.push(liquiditySnapshot(1, "growing", [[100, 1]]));
    await conn.drained();
    expect(session.getMaxSellAtSlippage(1, 500)).toBe(1);
    expect(session.getLiquidityTrend(1)).toBe("growing");
  });
});

describe("events", () => {
  it("every server message type becomes an event of that type, emitted and queued in order", async () => {
    const { conn, session } = setup();
    const seen: string[] = [];
    for (const t of ["hello_ok", "pong", "error", "mirror_buy_signal", "mirror_buy_failed", "mirror_wallet_auto_disabled", "unknown"] as const) {
      session.on(t, (e) => {
        seen.push(e.type);
      });
    }
    conn.push(helloOk());
    conn.push({ type: "pong", server_time_ms: Date.now() });
    conn.push({ type: "error", code: "invalid_strategy", message: "nope" });
    conn.push({
      type: "mirror_buy_signal",
      session_id: 7,
      watched_wallet: WALLET_2,
      mint: MINT,
      user_wallet: WALLET,
      amount_quote_units: 100_000_000,
      input: "SOL",
      unsigned_tx_b64: "AQAAAA==",
      slippage_bps: 2500,
    });
    conn.push({ type: "mirror_buy_failed", watched_wallet: WALLET_2, mint: MINT, reason: "cooldown" });
    conn.push({ type: "mirror_wallet_auto_disabled", watched_wallet: WALLET_2, reason: "consecutive_losses", loss_count: 3 });
    conn.push({ type: "brand_new_thing", x: 1 });
    await conn.drained();
    expect(seen).toEqual(["hello_ok", "pong", "error", "mirror_buy_signal", "mirror_buy_failed", "mirror_wallet_auto_disabled", "unknown"]);
    const events = await drain(session);
    expect(events.map((e) => e.type)).toEqual(seen);
    const unknown = events[6];
    expect(unknown).toMatchObject({ type: "unknown", messageType: "brand_new_thing", value: { x: 1 } });
    const mirror = events[3];
    if (mirror?.type !== "mirror_buy_signal") throw new Error("unreachable");
    session.reportMirrorBuy(mirror, true);
    session.reportMirrorBuy(mirror.message, false);
    expect(conn.sentOf("mirror_buy_result")).toEqual([
      { type: "mirror_buy_result", mint: MINT, success: true },
      { type: "mirror_buy_result", mint: MINT, success: false },
    ]);
  });

  it("disconnected and reconnected become events; the reconnect's hello samples the clock", async () => {
    const { conn, session } = setup();
    conn.drop(1006, "gone", true);
    conn.reconnect(helloOk(Date.now() + 5_000) as never, 2);
    await conn.drained();
    const events = await drain(session);
    expect(events).toEqual([
      { type: "disconnected", code: 1006, reason: "gone", willReconnect: true },
      expect.objectContaining({ type: "reconnected", attempt: 2 }),
    ]);
    expect(session.serverClockOffsetMs).toBe(5_000);
  });

  // The session's own queue (priority, latest-wins, the tick ring, handles kept current). The bound
  // under a real flood over sockets, with memory, is test/flood/flood.test.ts.
  it("the session's queue: exit signals before the PnL backlog, latest pnl per position, ticks in a ring, counted drops", async () => {
    const { conn, session } = setup();
    for (let id = 1; id <= 3; id += 1) conn.push(positionOpened(id));
    for (let i = 0; i < 30_000; i += 1) {
      conn.push(pnlUpdate((i % 3) + 1, i));
      if (i % 6_000 === 5_999) conn.push(exitSignal((i % 3) + 1, { profit_units: i }));
      if (i % 10 === 0) conn.push(tradeTick((i % 3) + 1, i));
    }
    await conn.drained();
    const stats = session.stats();
    expect(stats.pending).toBeLessThanOrEqual(3 + 5 + 3 + 1024);
    expect(stats.dropped.pnl_update).toBe(30_000 - 3);
    expect(stats.dropped.trade_tick).toBe(3_000 - 1024);
    const events = await drain(session);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 8)).toEqual([
      "position_opened",
      "position_opened",
      "position_opened",
      ...Array<string>(5).fill("exit_signal_with_tx"),
    ]);
    expect(events.slice(3, 8).map((e) => (e.type === "exit_signal_with_tx" ? e.message.profit_units : -1))).toEqual([
      5_999, 11_999, 17_999, 23_999, 29_999,
    ]);
    const pnls = events.filter((e) => e.type === "pnl_update");
    // Latest wins: each position's pending pnl_update is its last one.
    expect(pnls.map((e) => (e.type === "pnl_update" ? e.message.profit_units : -1)).sort()).toEqual([29_997, 29_998, 29_999]);
    expect(pnls.every((e) => e.type === "pnl_update" && e.handle?.profit_units === e.message.profit_units)).toBe(true);
  });

  it("listeners see every message as it arrives (no coalescing)", async () => {
    const { conn, session } = setup(0, { buffer: false });
    const profits: number[] = [];
    session.on("pnl_update", (e) => profits.push(e.message.profit_units));
    conn.push(positionOpened(1));
    for (let i = 0; i < 100; i += 1) conn.push(pnlUpdate(1, i));
    await conn.drained();
    expect(profits).toHaveLength(100);
    expect(profits).toEqual([...Array(100).keys()]);
    expect(session.stats().pending).toBe(0);
    await expect(session.recv()).rejects.toBeInstanceOf(StreamValidationError);
    await expect(session.recv()).rejects.toMatchObject({ code: "validation", field: "buffer" });
  });

  it("recv() and for-await: pending recv resolves on arrival; events after the connection ends are drained, then null", async () => {
    const { conn, session } = setup();
    const pending = session.recv();
    conn.push(positionOpened(1));
    expect((await pending)?.type).toBe("position_opened");
    conn.push(exitSignal(1));
    conn.push(pnlUpdate(1, 1));
    conn.end();
    await conn.drained();
    const types: string[] = [];
    for await (const e of session) types.push(e.type);
    expect(types).toEqual(["exit_signal_with_tx", "pnl_update"]);
    expect(await session.recv()).toBeNull();
  });

  it("a failing connection is reported as an error event and ends the stream", async () => {
    const { conn, session } = setup();
    const errors: StreamError[] = [];
    session.on("stream_error", (e) => {
      errors.push(e);
    });
    const next = session.recv();
    conn.fail(new StreamError("reconnect_exhausted", "gave up"));
    expect(await next).toBeNull();
    expect(errors.map((e) => e.code)).toEqual(["reconnect_exhausted"]);
  });

  it("a throwing listener is rethrown outside the session; state and the recv() queue are unaffected", async () => {
    const { conn, session } = setup();
    const rethrown: (() => void)[] = [];
    const spy = vi.spyOn(globalThis, "queueMicrotask").mockImplementation((fn) => {
      rethrown.push(fn as () => void);
    });
    session.on("position_opened", () => {
      throw new Error("bot bug");
    });
    conn.push(positionOpened(1));
    conn.push(exitSignal(1));
    await vi.waitFor(() => expect(session.stats().pending).toBe(2));
    spy.mockRestore();
    expect(rethrown).toHaveLength(1);
    expect(() => rethrown[0]?.()).toThrow("bot bug");
    expect(session.position(1)?.last_exit?.reason).toBe("stop_loss");
    expect((await drain(session)).map((e) => e.type)).toEqual(["position_opened", "exit_signal_with_tx"]);
  });

  it("a message the session cannot apply is reported and the stream goes on", async () => {
    const { conn, session } = setup();
    const errors: StreamError[] = [];
    session.on("stream_error", (e) => {
      errors.push(e);
    });
    const bad = { ...(positionOpened(1) as Record<string, unknown>), watched: false, market_context: { market_type: "x", hook: () => 1 } };
    conn.inject(bad as never);
    conn.push(positionOpened(2));
    await conn.drained();
    expect(errors.map((e) => [e.code, e.message])).toEqual([["protocol", "could not apply a position_opened message"]]);
    expect(session.positions().map((p) => p.position_id)).toEqual([2]);
  });

  it("connection error events are forwarded", async () => {
    const { conn, session } = setup();
    const errors: StreamError[] = [];
    session.on("stream_error", (e) => {
      errors.push(e);
    });
    conn.emit("stream_error", new StreamError("protocol", "bad frame"));
    expect(errors).toHaveLength(1);
  });
});

describe("commands", () => {
  it("validate before sending and go through the connection's sender", async () => {
    const { conn, session } = setup(30);
    conn.push(positionOpened(1));
    await conn.drained();
    const h = session.position(1);
    if (h === undefined) throw new Error("no handle");
    session.updateStrategy({ target_profit_pct: 20, stop_loss_pct: 5 });
    session.updateWallets([WALLET, WALLET_2]);
    session.updateWatchWallets([{ pubkey: WALLET_2, mirror_sell: true }]);
    session.updatePositionStrategy(h, { target_profit_pct: 50, stop_loss_pct: 5 });
    session.requestExitSignal(h, 700);
    session.requestExitSignal(1);
    session.closePosition(h);
    expect(conn.sent).toEqual([
      { type: "update_strategy", strategy: { target_profit_pct: 20, stop_loss_pct: 5 } },
      { type: "update_wallets", wallet_pubkeys: [WALLET, WALLET_2] },
      { type: "update_watch_wallets", watch_wallets: [{ pubkey: WALLET_2, mirror_sell: true }] },
      { type: "update_position_strategy", position_id: 1, strategy: { target_profit_pct: 50, stop_loss_pct: 5 } },
      { type: "request_exit_signal", position_id: 1, slippage_bps: 700 },
      { type: "request_exit_signal", position_id: 1 },
      { type: "close_position", position_id: 1 },
    ]);
    expect(session.sender()).toBeDefined();
  });

  it("updateStrategy(strategy, deadlineSec) hands the deadline to the connection (a timeout-only strategy after a deadline-less connect)", async () => {
    const conn = new FakeConnection(); // connected without a deadline, like the real connection
    const session = StreamSession.fromConnection(conn);
    sessions.push(session);
    // The connection's own validation refuses a timeout-only strategy without a deadline...
    expect(() => conn.sender().updateStrategy({ target_profit_pct: 0, stop_loss_pct: 0 })).toThrow(StreamValidationError);
    // ...so the session must pass the new deadline along with the strategy.
    session.updateStrategy({ target_profit_pct: 0, stop_loss_pct: 0 }, 60);
    expect(conn.deadlineTimeoutSec).toBe(60);
    session.updateStrategy({ stop_loss_pct: 0 });
    expect(conn.sentOf("update_strategy").map((m) => m.strategy)).toEqual([
      { target_profit_pct: 0, stop_loss_pct: 0 },
      { target_profit_pct: 0, stop_loss_pct: 0 },
    ]);
    expect(session.deadlineTimeoutSec).toBe(60);
  });

  it("updateStrategyOptional (official SDK) fills disabled thresholds and keeps the deadline", async () => {
    const { conn, session } = setup(30);
    session.updateStrategyOptional({ stop_loss_pct: 7 });
    session.updateStrategyOptional({}, 15);
    expect(conn.sentOf("update_strategy").map((m) => m.strategy)).toEqual([
      { target_profit_pct: 0, stop_loss_pct: 7 },
      { target_profit_pct: 0, stop_loss_pct: 0 },
    ]);
    expect(session.deadlineTimeoutSec).toBe(15);
    expect(() => session.updateStrategyOptional({}, 0)).toThrow(StreamValidationError);
  });

  it("refuses bad input with a typed error and sends nothing", async () => {
    const { conn, session } = setup(30);
    conn.push(positionOpened(1));
    await conn.drained();
    const bad = [
      () => session.updateStrategy({ target_profit_pct: -1, stop_loss_pct: 5 }),
      () => session.updateStrategy({ target_profit_pct: 0, stop_loss_pct: 0 }, 0),
      () => session.updateStrategy({ target_profit_pct: 10, stop_loss_pct: 5 }, Number.NaN),
      () => session.updatePositionStrategy(1, { target_profit_pct: Number.POSITIVE_INFINITY, stop_loss_pct: 5 }),
      () => session.requestExitSignal(2),
      () => session.closePosition(2),
      () => session.updatePositionStrategy(2, { target_profit_pct: 10, stop_loss_pct: 5 }),
      () => session.requestExitSignal(1, 70_000),
      () => session.updateWallets(["not a key"]),
    ];
    for (const f of bad) expect(f).toThrow(StreamValidationError);
    expect(conn.sent).toEqual([]);
    expect(session.deadlineTimeoutSec).toBe(30);
  });

  it("close(): pending recv resolves null, timers cleared, connection closed once; close(handle) closes a position", async () => {
    const { conn, session } = setup(30);
    conn.push(positionOpened(1));
    await conn.drained();
    expect(session.stats().timers).toBe(1);
    const h = session.position(1);
    if (h === undefined) throw new Error("no handle");
    await session.close(h);
    expect(conn.sentOf("close_position")).toEqual([{ type: "close_position", position_id: 1 }]);
    await drain(session);
    const pending = session.recv();
    await session.close();
    await session.close();
    expect(await pending).toBeNull();
    expect(await session.recv()).toBeNull();
    expect(session.stats().timers).toBe(0);
    expect(conn.closeCalls).toBe(1);
    expect(() => session.updateWallets([WALLET])).toThrow(StreamError);
    conn.push(positionOpened(2));
    await conn.drained();
    expect(await session.recv()).toBeNull();
  });

  it("Symbol.asyncDispose closes", async () => {
    const conn = new FakeConnection();
    {
      await using session = StreamSession.fromConnection(conn);
      void session;
    }
    expect(conn.closeCalls).toBe(1);
  });

  it("connect(client, configure) takes the deadline from configure", async () => {
    const client = new FakeClient();
    const session = await StreamSession.connect(client, {
      wallet_pubkeys: [WALLET],
      strategy: { target_profit_pct: 0, stop_loss_pct: 0 },
      deadline_timeout_sec: 45,
    });
    sessions.push(session);
    expect(session.deadlineTimeoutSec).toBe(45);
    expect(client.configures).toHaveLength(1);
  });

  it("connect() refuses an invalid strategy or deadline before connecting", async () => {
    const client = new FakeClient();
    const bad = [
      { wallet_pubkeys: [WALLET], strategy: { target_profit_pct: 0, stop_loss_pct: 0 } },
      { wallet_pubkeys: [WALLET], strategy: { target_profit_pct: 5, stop_loss_pct: 1 }, deadline_timeout_sec: -1 },
    ];
    for (const configure of bad) {
      await expect(StreamSession.connect(client, configure)).rejects.toBeInstanceOf(StreamValidationError);
    }
    expect(client.configures).toEqual([]);
  });

  it("fromConnection accepts the official (connection, strategy, deadline) form and falls back to the connection's deadline", () => {
    const a = StreamSession.fromConnection(new FakeConnection(), { target_profit_pct: 5, stop_loss_pct: 1 }, 12);
    const b = StreamSession.fromConnection(new FakeConnection({ deadlineTimeoutSec: 9 }));
    sessions.push(a, b);
    expect(a.deadlineTimeoutSec).toBe(12);
    expect(b.deadlineTimeoutSec).toBe(9);
  });
});

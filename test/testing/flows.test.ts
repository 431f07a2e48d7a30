import { Keypair, VersionedTransaction } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { MockStreamServer, type MockStreamServerOptions } from "../../src/testing/index.js";
import { RawClient, WALLET, WALLET_2, WATCHED, closeAllRawClients, configureFrame, type Frame } from "./raw-client.js";

const servers: MockStreamServer[] = [];
async function start(options: MockStreamServerOptions = {}): Promise<MockStreamServer> {
  const s = await MockStreamServer.start({ seed: 3, priceWalk: false, pnlFlushMs: 20, settleMs: 10, ...options });
  servers.push(s);
  return s;
}
afterEach(async () => {
  closeAllRawClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Frames of `type` the client received after `frame`. */
const after = (c: RawClient, frame: Frame, type: string): Frame[] => c.frames.slice(c.frames.indexOf(frame) + 1).filter((f) => f.type === type);

describe("strategy rules over sockets", () => {
  it("a scripted path fires stop_loss once, at the threshold tick", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url, configureFrame({ strategy: { target_profit_pct: 50, stop_loss_pct: 10 } }));
    const { position_id } = server.openPosition({
      wallet: WALLET,
      entryQuoteUnits: 1_000_000_000,
      tokens: 1_000_000_000_000,
      path: [0.97, 0.93, 0.9, 0.85, 0.8],
    });
    const exit = await c.next("exit_signal_with_tx");
    // Fired on the 0.9 tick (-10 %), not on 0.93 or 0.85.
    expect(exit).toMatchObject({ position_id, reason: "stop_loss", position_tokens: 1_000_000_000_000, profit_units: -100_000_000 });
    expect(exit["sell_tokens"]).toBeUndefined();
    // The path runs out and holds at 0.8: still one exit. Each tick sends its pnl_update before it
    // evaluates the strategy, so the 4th pnl_update after the exit (0.85, 0.8, 0.8, 0.8) follows
    // the evaluation of two ticks held at 0.8.
    await c.until(() => (after(c, exit, "pnl_update").length >= 4 ? true : undefined), 2_000, "four ticks after the exit");
    expect(c.of("exit_signal_with_tx")).toHaveLength(1);
    expect(server.position(position_id)?.multiplier).toBe(0.8);
  });

  it("update_strategy applies to open positions; update_position_strategy overrides one position", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url, configureFrame({ strategy: { target_profit_pct: 50, stop_loss_pct: 50 } }));
    const a = server.openPosition({ wallet: WALLET });
    const b = server.openPosition({ wallet: WALLET });
    c.send({ type: "update_strategy", strategy: { target_profit_pct: 20, stop_loss_pct: 50 } });
    c.send({ type: "update_position_strategy", position_id: b.position_id, strategy: { target_profit_pct: 5, stop_loss_pct: 50 } });
    await server.waitForMessage("update_position_strategy");
    server.setPrice(a.position_id, 1.1);
    server.setPrice(b.position_id, 1.1);
    const exit = await c.next("exit_signal_with_tx");
    expect(exit).toMatchObject({ position_id: b.position_id, reason: "target_profit" });
    server.setPrice(a.position_id, 1.2);
    await c.next("exit_signal_with_tx", (f) => f["position_id"] === a.position_id);
  });

  it("graduate() fires a graduation exit under sell_on_graduation and changes the market context", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url, configureFrame({ strategy: { target_profit_pct: 50, stop_loss_pct: 50, sell_on_graduation: true } }));
    const { position_id } = server.openPosition({ wallet: WALLET, marketType: "pump_fun" });
    server.graduate(position_id);
    const exit = await c.next("exit_signal_with_tx");
    expect(exit["reason"]).toBe("graduation");
    expect((exit["market_context"] as { market_type: string }).market_type).toBe("pump_swap");
  });

  it("the liquidity guard caps the sale at the 500 bps band", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url, configureFrame({ strategy: { target_profit_pct: 10, stop_loss_pct: 0, liquidity_guard: true } }));
    const { position_id } = server.openPosition({ wallet: WALLET, tokens: 1_000_000_000_000, entryQuoteUnits: 1_000_000_000, poolLiquidityQuote: 1_000_000_000 });
    server.setPrice(position_id, 1.1);
    const exit = await c.next("exit_signal_with_tx");
    const snapshot = await c.next("liquidity_snapshot");
    const band500 = (snapshot["bands"] as Array<{ slippage_bps: number; max_tokens: number }>).find((b) => b.slippage_bps === 500);
    expect(exit["reason"]).toBe("target_profit");
    expect(exit["sell_tokens"]).toBe(band500?.max_tokens);
    expect(exit["sell_tokens"] as number).toBeLessThan(1_000_000_000_000);
  });

  it("no exit is lost while no client is connected: it fires once the wallet's session is back", async () => {
    const server = await start();
    const a = await RawClient.configured(server.url);
    const { position_id } = server.openPosition({ wallet: WALLET });
    await a.next("position_opened");
    a.ws.terminate();
    await server.waitForDisconnect();
    server.setPrice(position_id, 0.5);
    const b = await RawClient.configured(server.url);
    const exit = await b.next("exit_signal_with_tx");
    expect(exit).toMatchObject({ position_id, reason: "stop_loss" });
    expect(b.frames.findIndex((f) => f.type === "position_opened")).toBeLessThan(b.frames.indexOf(exit));
  });
});

describe("mirror flow", () => {
  const watchEntry = { pubkey: WATCHED, auto_buy: { wallet_pubkey: WALLET, amount_quote_units: 100_000_000 }, mirror_sell: true };

  it("a watched wallet's buy yields mirror_buy_signal; mirror_buy_result opens the mirror position; a watched sell fires mirror_sell", async () => {
    const server = await start();
    const c = await RawClient.configured(server.url, configureFrame({ watch_wallets: [watchEntry], mirror_config: { buy_slippage_bps: 2000 } }));
    const source = server.openPosition({ wallet: WATCHED });
    const signal = await c.next("mirror_buy_signal");
    expect(signal).toMatchObject({ watched_wallet: WATCHED, mint: source.mint, user_wallet: WALLET, amount_quote_units: 100_000_000, input: "SOL", slippage_bps: 2000 });
    const buy = VersionedTransaction.deserialize(Buffer.from(signal["unsigned_tx_b64"] as string, "base64"));
    expect(buy.message.staticAccountKeys[0]?.toBase58()).toBe(WALLET);
    c.send({ type: "mirror_buy_result", mint: source.mint, success: true });
    const mirror = await c.next("position_opened", (f) => f["mirror_source"] === WATCHED);
    expect(mirror).toMatchObject({ wallet_pubkey: WALLET, mint: source.mint, entry_quote_units: 100_000_000 });
    expect(mirror["watched"]).toBeUndefined();
    server.watchedSell(source.position_id);
    const exit = await c.next("exit_signal_with_tx");
    expect(exit).toMatchObject({ position_id: mirror["position_id"], reason: "mirror_sell", mirror_source: WATCHED });
    await c.next("position_closed", (f) => f["position_id"] === source.position_id && f["reason"] === "sold");
  });

  it("mirror_config checks refuse with mirror_buy_failed (cooldown, creator tokens)", async () => {
    const server = await start();
    const c = await RawClient.configured(
      server.url,
      configureFrame({ watch_wallets: [watchEntry], mirror_config: { cooldown_sec: 30, skip_creator_tokens: true } }),
    );
    server.openPosition({ wallet: WATCHED, creatorIsWatched: true });
    expect((await c.next("mirror_buy_failed"))["reason"]).toBe("creator token skipped");
    server.openPosition({ wallet: WATCHED });
    await c.next("mirror_buy_signal");
    server.openPosition({ wallet: WATCHED });
    expect((await c.next("mirror_buy_failed", (f) => f["reason"] !== "creator token skipped"))["reason"]).toMatch(/^cooldown active \(\d+s remaining\)$/);
  });

  it("max_consecutive_losses trips mirror_wallet_auto_disabled after losing mirror exits settle", async () => {
    const server = await start();
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    const entry = { pubkey: WATCHED, auto_buy: { wallet_pubkey: wallet, amount_quote_units: 100_000_000 } };
    const c = await RawClient.configured(
      server.url,
      configureFrame({ wallet_pubkeys: [wallet, WALLET_2], strategy: { target_profit_pct: 50, stop_loss_pct: 10 }, watch_wallets: [entry], mirror_config: { max_consecutive_losses: 1 } }),
    );
    const source = server.openPosition({ wallet: WATCHED });
    await c.next("mirror_buy_signal");
    c.send({ type: "mirror_buy_result", mint: source.mint, success: true });
    const mirror = await c.next("position_opened", (f) => f["mirror_source"] === WATCHED);
    server.setPrice(mirror["position_id"] as number, 0.8);
    const exit = await c.next("exit_signal_with_tx");
    const tx = VersionedTransaction.deserialize(Buffer.from(exit["unsigned_tx_b64"] as string, "base64"));
    tx.sign([keypair]);
    await fetch(server.rpcUrl, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "sendTransaction", params: [Buffer.from(tx.serialize()).toString("base64"), { encoding: "base64" }] }),
    });
    const disabled = await c.next("mirror_wallet_auto_disabled");
    expect(disabled).toEqual({ type: "mirror_wallet_auto_disabled", watched_wallet: WATCHED, reason: "consecutive_losses", loss_count: 1 });
    server.openPosition({ wallet: WATCHED });
    expect((await c.next("mirror_buy_failed"))["reason"]).toBe("watched wallet auto-disabled");
  });
});

describe("determinism and simulated buys", () => {
  it("the same seed gives the same ids, accounts and price walk", async () => {
    const run = async () => {
      const server = await start({ seed: 99, priceWalk: true, pnlFlushMs: 1_000_000 });
      const opened = server.openPosition({ wallet: WALLET });
      for (let i = 0; i < 20; i++) server.tick();
      return { opened, multiplier: server.position(opened.position_id)?.multiplier };
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a.multiplier).not.toBe(1);
  });

  it("simulateBuys opens positions for configured wallets over time, up to the cap", async () => {
    const server = await start({ simulateBuys: { everyMs: 20, maxOpenPerWallet: 2 } });
    const c = await RawClient.configured(server.url);
    const second = await c.until(() => c.of("position_opened")[1], 2_000, "two positions");
    // A buy is tried at the end of every tick (everyMs = pnlFlushMs); 3 ticks of pnl_updates for
    // the 2 positions after the second opened mean 3 more tries, all refused by the cap.
    await c.until(() => (after(c, second, "pnl_update").length >= 6 ? true : undefined), 2_000, "three more ticks");
    expect(server.positions().filter((p) => p.wallet_pubkey === WALLET)).toHaveLength(2);
    expect(c.of("position_opened")).toHaveLength(2);
  });
});

describe("dead links", () => {
  it("an exit is not spent on a stalled link: it fires on the client's next connection", async () => {
    const server = await start();
    const a = await RawClient.configured(server.url);
    const stalled = server.connections[0];
    const { position_id } = server.openPosition({ wallet: WALLET });
    await a.next("position_opened");
    // A control client on another wallet: its pnl_updates show the ticks that evaluated the position.
    const control = await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [WALLET_2] }));
    const other = server.openPosition({ wallet: WALLET_2 });
    const opened = await control.next("position_opened", (f) => f["position_id"] === other.position_id);
    server.stall(stalled);
    server.setPrice(position_id, 0.5);
    await control.until(() => (after(control, opened, "pnl_update").length >= 2 ? true : undefined), 2_000, "two ticks");
    expect(server.exits).toHaveLength(0);
    const b = await RawClient.configured(server.url); // the client reconnects; the stalled socket lingers
    const exit = await b.next("exit_signal_with_tx");
    expect(exit).toMatchObject({ position_id, reason: "stop_loss" });
    expect(a.of("exit_signal_with_tx")).toHaveLength(0);
  });
});

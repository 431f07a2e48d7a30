/**
 * examples/copy-trading.ts against MockStreamServer: a watched wallet's buy is copied (signed,
 * submitted, reported with mirror_buy_result), its sale triggers the copy's mirror_sell exit,
 * refusals are logged, and an auto-disabled wallet is unwatched.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { runCopyTrader, type CopyTraderOptions } from "../../examples/copy-trading.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { until, waitForLine } from "./wait.js";

const WATCHED = Keypair.generate().publicKey.toBase58();

const servers: MockStreamServer[] = [];
const stops: AbortController[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop.abort();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(extra: Partial<CopyTraderOptions> = {}) {
  const server = await MockStreamServer.start({ seed: 11, priceWalk: false, pnlFlushMs: 60_000, settleMs: 5 });
  servers.push(server);
  const keypair = Keypair.generate();
  const stop = new AbortController();
  stops.push(stop);
  const lines: string[] = [];
  const submitted: { signature: string; kind: string; position_id: number | undefined }[] = [];
  server.on("submitted", (info) => submitted.push(info));
  const bot = runCopyTrader({
    apiKey: "copy-example-key",
    keypair,
    watch: [WATCHED],
    endpoint: server.url,
    sendTarget: server.rpcUrl,
    signal: stop.signal,
    log: (line) => lines.push(line),
    ...extra,
  });
  await server.waitForConnection();
  const sent = (type: string) => server.received.filter((f) => f.message?.type === type).map((f) => f.message);
  return { server, wallet: keypair.publicKey.toBase58(), lines, submitted, sent, finish: async () => (stop.abort(), await bot) };
}

describe("examples/copy-trading.ts", () => {
  it("copies a watched buy (signed, submitted, reported) and sells the copy when the watched wallet sells", async () => {
    const { server, wallet, lines, submitted, sent, finish } = await setup();
    expect(server.connections[0]?.watches(WATCHED)).toMatchObject({ auto_buy: { wallet_pubkey: wallet, amount_quote_units: 100_000_000 }, mirror_sell: true });
    const source = server.openPosition({ wallet: WATCHED });
    await waitForLine(lines, `mirror buy of ${source.mint} (copying ${WATCHED}) submitted `);
    expect(submitted.map((s) => s.kind)).toEqual(["mirror_buy"]);
    await until(() => (sent("mirror_buy_result").length > 0 ? true : undefined), () => "mirror_buy_result");
    expect(sent("mirror_buy_result")).toEqual([{ type: "mirror_buy_result", mint: source.mint, success: true }]);
    const opened = await waitForLine(lines, `copy of ${WATCHED} opened: position `);
    const copy = server.positions().find((p) => p.mirror_source === WATCHED);
    expect(copy).toBeDefined();
    expect(opened).toContain(`position ${copy?.position_id},`);

    server.watchedSell(source.position_id);
    expect(await server.waitForPositionClosed(copy?.position_id ?? -1)).toBe("mirror_sell");
    await waitForLine(lines, `exit mirror_sell of position ${copy?.position_id} (copy of ${WATCHED}) submitted `);
    expect(submitted.map((s) => s.kind)).toEqual(["mirror_buy", "exit"]);
    await waitForLine(lines, `closed position ${copy?.position_id}: mirror_sell`);
    await finish();
  });

  it("logs the server's refusals (cooldown) without signing anything", async () => {
    const { server, lines, submitted, finish } = await setup();
    server.openPosition({ wallet: WATCHED });
    await waitForLine(lines, "mirror buy of ");
    const second = server.openPosition({ wallet: WATCHED });
    const line = await waitForLine(lines, `not copying ${WATCHED} on ${second.mint}: `);
    expect(line).toMatch(/cooldown active \(\d+s remaining\)$/);
    expect(submitted).toHaveLength(1);
    await finish();
  });

  it("refuses a mirror buy that spends more than configured and reports it as failed", async () => {
    const { server, wallet, lines, submitted, sent, finish } = await setup({ buyLamports: 50_000_000 });
    // The server was told 50_000_000; a signal asking for more must not be signed.
    const source = server.openPosition({ wallet: WATCHED });
    await waitForLine(lines, `mirror buy of ${source.mint} (copying ${WATCHED}) submitted `);
    server.send({
      type: "mirror_buy_signal",
      session_id: 1,
      watched_wallet: WATCHED,
      mint: "So11111111111111111111111111111111111111112",
      user_wallet: wallet,
      amount_quote_units: 900_000_000,
      input: "SOL",
      unsigned_tx_b64: "AA==",
      slippage_bps: 1500,
    });
    const line = await waitForLine(lines, "mirror buy of So11111111111111111111111111111111111111112 refused: ");
    expect(line).toContain("it spends 900000000 SOL");
    await until(() => (sent("mirror_buy_result").length === 2 ? true : undefined), () => "two mirror_buy_result");
    expect(sent("mirror_buy_result")[1]).toEqual({ type: "mirror_buy_result", mint: "So11111111111111111111111111111111111111112", success: false });
    expect(submitted).toHaveLength(1);
    await finish();
  });

  it("unwatches a wallet the server auto-disabled after losing copies", async () => {
    const { server, lines, sent, finish } = await setup({ mirrorConfig: { max_consecutive_losses: 1 } });
    server.openPosition({ wallet: WATCHED });
    const opened = await waitForLine(lines, `copy of ${WATCHED} opened: position `);
    const copyId = Number(/position (\d+),/.exec(opened)?.[1]);
    server.setPrice(copyId, 0.8); // -20 %: the copy's stop loss (15 %) sells at a loss
    await waitForLine(lines, `exit stop_loss of position ${copyId} (copy of ${WATCHED}) submitted `);
    await waitForLine(lines, `${WATCHED} auto-disabled after 1 losing copies (consecutive_losses); unwatching`);
    await until(() => (sent("update_watch_wallets").length > 0 ? true : undefined), () => "update_watch_wallets");
    expect(sent("update_watch_wallets")).toEqual([{ type: "update_watch_wallets", watch_wallets: [] }]);
    await finish();
  });
});

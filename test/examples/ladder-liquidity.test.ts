/**
 * examples/ladder-liquidity.ts against MockStreamServer: each ladder exit is signed, refreshed or
 * skipped according to the liquidity the session cached for its position. The simulator runs only
 * on `server.tick()`, so the snapshot a decision reads is the one sent just before the price move.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { runLadderBot } from "../../examples/ladder-liquidity.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { waitForLine } from "./wait.js";

const servers: MockStreamServer[] = [];
const stops: AbortController[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop.abort();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Entry price 1,000 lamports per raw token: pool depth in tokens = pool lamports / 1,000 / price multiple. */
const POSITION = { tokens: 1_000_000n, entryQuoteUnits: 1_000_000_000n } as const;

async function setup(poolLiquidityQuote: number) {
  const server = await MockStreamServer.start({ seed: 7, priceWalk: false, pnlFlushMs: 60_000, settleMs: 5, tradeTickProbability: 0 });
  servers.push(server);
  const keypair = Keypair.generate();
  const stop = new AbortController();
  stops.push(stop);
  const lines: string[] = [];
  const bot = runLadderBot({
    apiKey: "ladder-example-key",
    keypair,
    endpoint: server.url,
    sendTarget: server.rpcUrl,
    signal: stop.signal,
    log: (line) => lines.push(line),
  });
  await server.waitForConnection();
  const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58(), ...POSITION, poolLiquidityQuote });
  const waitLine = (prefix: string) => waitForLine(lines, prefix);
  const submitted: string[] = [];
  server.on("submitted", ({ signature }) => submitted.push(signature));
  return { server, position_id, lines, waitLine, submitted, finish: async () => (stop.abort(), await bot) };
}

describe("examples/ladder-liquidity.ts", () => {
  it("signs a ladder level the pool takes within the slippage budget; the partial sale settles", async () => {
    const { server, position_id, waitLine, submitted, finish } = await setup(1e12);
    server.tick(); // liquidity snapshot: 200 bps takes ~20 M tokens
    server.setPrice(position_id, 1.3); // level 0: sell 50 %
    const exit = await server.waitForExit(position_id, { reason: "chained_tp" });
    expect(exit.sell_tokens).toBe(500_000n);
    await waitLine(`sign chained_tp level 0 of position ${position_id}: 500000 tokens fit within 200 bps`);
    await server.waitFor(() => (server.position(position_id)?.tokens === 500_000n ? true : undefined), 5_000, "partial sale");
    expect(submitted).toHaveLength(1);
    expect(server.received.some((f) => f.message?.type === "request_exit_signal")).toBe(false);
    await finish();
  });

  it("asks for a refreshed exit at the first band that takes the whole position, and signs it", async () => {
    // 12 M tokens of depth: 200 bps takes ~245 k, 500 bps ~632 k, 1000 bps all of the 1 M.
    const { server, position_id, lines, waitLine, submitted, finish } = await setup(1.2e10);
    server.tick();
    server.setPrice(position_id, 1.3);
    const ladder = await server.waitForExit(position_id, { reason: "chained_tp" });
    expect(ladder.sell_tokens).toBeGreaterThan(244_898n); // capped by the server's 500 bps guard, still more than 200 bps takes
    await waitLine(`refresh chained_tp level 0 of position ${position_id}: only 244897 of ${ladder.sell_tokens} tokens fit within 200 bps; the 1000 bps band`);
    const request = await server.waitForMessage("request_exit_signal");
    expect(request).toMatchObject({ position_id, slippage_bps: 1000 });
    expect(await server.waitForPositionClosed(position_id)).toBe("sell_now");
    await waitLine(`sign sell_now of position ${position_id}: the refreshed exit asked for at 1000 bps`);
    expect(submitted).toHaveLength(1); // the refreshed exit only, never the ladder's
    expect(await waitLine("submitted ")).toBe(`submitted ${submitted[0]}`);
    expect(lines.filter((l) => l.startsWith("submitted "))).toHaveLength(1);
    await finish();
  });

  it("skips a ladder level no band up to the maximum slippage can take, and still signs the stop loss", async () => {
    const { server, position_id, waitLine, submitted, finish } = await setup(1e9); // 1 M tokens of depth: 1000 bps takes ~111 k
    server.tick();
    server.setPrice(position_id, 1.3);
    await waitLine(`skip chained_tp level 0 of position ${position_id}: only 20408 of `);
    expect(submitted).toEqual([]);
    const settled = new Promise<{ reason: string; sold: bigint }>((resolve) => server.once("settled", resolve));
    server.setPrice(position_id, 0.75); // -25 %: stop loss at 20 %
    await waitLine(`sign stop_loss of position ${position_id}: protective exit`);
    // The server's guard caps the stop loss at its 500 bps band too: the first slice settles.
    expect(await settled).toMatchObject({ reason: "stop_loss" });
    expect(submitted).toHaveLength(1);
    await finish();
  });

  it("skips a ladder level that does not fit when the pool is draining, without asking for a refresh", async () => {
    const { server, position_id, waitLine, submitted, finish } = await setup(2e10);
    server.setLiquidity(position_id, 1.5e10); // -25 % of the pool: draining
    server.tick();
    server.setPrice(position_id, 1.3);
    await waitLine(`skip chained_tp level 0 of position ${position_id}: only 306122 of 500000 tokens fit within 200 bps and the pool is draining`);
    expect(submitted).toEqual([]);
    expect(server.received.some((f) => f.message?.type === "request_exit_signal")).toBe(false);
    await finish();
  });
});

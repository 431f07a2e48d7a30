/**
 * Testing a bot with `MockStreamServer` in vitest: the auto-sell bot of examples/auto-sell.ts
 * (`runBot`) against a local mock stream, offline, on loopback. The test scripts the price path
 * with `setPrice`, and checks what the bot did: each exit was signed, submitted to the mock's RPC
 * and settled there, and the position closed with the expected reason.
 *
 * Run it: `npx vitest run examples/testing-a-bot.test.ts` (CI runs it with the test suite).
 * In an application, import `MockStreamServer` from "lasersell-stream/testing" and your own bot.
 * The same calls as README "Testing your bot": `MockStreamServer.start`, `waitForConnection`,
 * `openPosition`, `setPrice`, `waitForExit`, `waitForPositionClosed`, `close`.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { MockStreamServer } from "../src/testing/index.js";
import { runBot } from "./auto-sell.js";

let server: MockStreamServer | undefined;
let stop: AbortController | undefined;
afterEach(async () => {
  stop?.abort(); // runBot closes its session on abort
  await server?.close();
});

/** Starts the bot against `server` and collects its log lines. */
function startBot(mock: MockStreamServer, keypair: Keypair) {
  stop = new AbortController();
  const lines: string[] = [];
  const done = runBot({
    apiKey: "test",
    keypair,
    endpoint: mock.url,
    sendTarget: mock.rpcUrl, // the mock's JSON-RPC: it checks the signature and settles the sale
    rpc: mock.rpcUrl, // ... and answers the confirmation's status queries
    signal: stop.signal,
    log: (line) => lines.push(line),
  });
  return { lines, done };
}

/** Resolves with the bot's log lines matching `match` once there are `count` of them. */
async function logged(lines: readonly string[], match: (line: string) => boolean, count = 1): Promise<string[]> {
  const until = Date.now() + 5_000;
  for (;;) {
    const found = lines.filter(match);
    if (found.length >= count) return found;
    if (Date.now() > until) throw new Error(`expected ${count} matching log lines, log: ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const isSubmission = (line: string): boolean => line.startsWith("submitted ");

describe("testing a bot with MockStreamServer", () => {
  it("ladder then trailing stop: +30 % sells half, the drop to +20 % sells the rest", async () => {
    server = await MockStreamServer.start({ seed: 1, priceWalk: false, settleMs: 0 });
    const keypair = Keypair.generate();
    const bot = startBot(server, keypair);
    await server.waitForConnection(); // configure accepted, hello_ok sent

    const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58(), tokens: 1_000_000n });
    const firstSale = new Promise<{ sold: bigint; tokens_left: bigint }>((resolve) => server?.once("settled", resolve));
    server.setPrice(position_id, 1.3); // +30 %: the first ladder level (25 %) sells 50 %
    const ladder = await server.waitForExit(position_id, { reason: "chained_tp" });
    expect(ladder).toMatchObject({ sell_tokens: 500_000n, level_index: 0 });
    expect(await firstSale).toMatchObject({ sold: 500_000n, tokens_left: 500_000n }); // signed, submitted, settled
    await logged(bot.lines, isSubmission);

    server.setPrice(position_id, 1.2); // 10 points below the +30 % peak: the 8-point trailing stop fires
    expect(await server.waitForPositionClosed(position_id)).toBe("trailing_stop");
    const submitted = await logged(bot.lines, isSubmission, 2);
    expect(server.exits.map((e) => e.reason)).toEqual(["chained_tp", "trailing_stop"]);
    expect(submitted).toHaveLength(2);
    stop?.abort();
    await bot.done; // the bot ends cleanly when aborted
  });

  it("stop loss: a 20 % drop closes the position", async () => {
    server = await MockStreamServer.start({ seed: 2, priceWalk: false, settleMs: 0 });
    const keypair = Keypair.generate();
    const bot = startBot(server, keypair);
    await server.waitForConnection();

    const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58() });
    server.setPrice(position_id, 0.8);

    expect((await server.waitForExit(position_id)).reason).toBe("stop_loss");
    expect(await server.waitForPositionClosed(position_id)).toBe("stop_loss");
    await logged(bot.lines, isSubmission);
    await logged(bot.lines, (l) => l === `closed position ${position_id}: stop_loss`);
  });
});

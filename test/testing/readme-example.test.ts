import { Keypair } from "@solana/web3.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { afterEach, expect, it } from "vitest";
import { startBot } from "./readme-bot.js"; // your bot: endpoint, RPC URL, API key, keypair

let server: MockStreamServer | undefined;
afterEach(() => server?.close());

it("takes profit at +10 % and the sale settles", async () => {
  server = await MockStreamServer.start({ seed: 1, priceWalk: false, settleMs: 0 });
  const keypair = Keypair.generate();
  const bot = await startBot({ endpoint: server.url, rpcUrl: server.rpcUrl, apiKey: "test", keypair });
  await server.waitForConnection(); // configure accepted, hello_ok sent

  const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58() });
  server.setPrice(position_id, 1.1); // +10 % of the entry price

  const exit = await server.waitForExit(position_id);
  expect(exit.reason).toBe("target_profit");
  // The bot signed and submitted it to server.rpcUrl: the position closed on the sale.
  expect(await server.waitForPositionClosed(position_id)).toBe("target_profit");
  bot.stop();
});

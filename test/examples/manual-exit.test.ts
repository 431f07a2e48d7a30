/**
 * examples/manual-exit.ts against MockStreamServer: a new position is half sold by hand through
 * the Exit API (guarded, signed, submitted), and the stream reports the smaller position.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { runManualExit } from "../../examples/manual-exit.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { waitForLine } from "./wait.js";

const servers: MockStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("examples/manual-exit.ts", () => {
  it("sells half of a new position through the Exit API; the stream shows the rest", async () => {
    const server = await MockStreamServer.start({ seed: 4, priceWalk: false, pnlFlushMs: 60_000, settleMs: 5, tier: 0 });
    servers.push(server);
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    const lines: string[] = [];
    const stop = new AbortController();
    const bot = runManualExit({
      apiKey: "manual-exit-key",
      keypair,
      endpoint: server.url,
      apiBaseUrl: server.apiUrl,
      sendTarget: server.rpcUrl,
      log: (l) => lines.push(l),
      signal: stop.signal,
    });
    await server.waitForConnection();
    const settled = new Promise<{ position_id: number; sold: bigint; tokens_left: bigint; reason: string }>((resolve) => server.once("settled", resolve));
    const { position_id } = server.openPosition({ wallet, tokens: 1_000_000n });
    expect(await settled).toEqual(expect.objectContaining({ position_id, sold: 500_000n, tokens_left: 500_000n, reason: "manual" }));
    await waitForLine(lines, `sold 500000 of 1000000 tokens of position ${position_id} by hand`);
    await waitForLine(lines, `position ${position_id} now holds 500000 tokens`);
    const request = server.exitApi.requests.find((r) => r.path === "/v1/sell");
    expect(request?.body).toMatchObject({ user_pubkey: wallet, amount_tokens: 500_000, send_mode: "rpc", tip_lamports: 1_000, market_context: { market_type: "pump_fun" } });
    stop.abort();
    await bot;
  });
});

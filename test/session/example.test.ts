/** examples/auto-sell.ts, run against the mock server: a ladder sells the whole position. */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runBot } from "../../examples/auto-sell.js";
import { MockStreamServer } from "../../src/testing/index.js";

const servers: MockStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("examples/auto-sell.ts", () => {
  it("signs and submits each ladder exit until the position is closed, then stops on abort", async () => {
    const server = await MockStreamServer.start({ seed: 21, priceWalk: false, pnlFlushMs: 20, settleMs: 10 });
    servers.push(server);
    const keypair = Keypair.generate();
    const stop = new AbortController();
    const lines: string[] = [];
    const bot = runBot({
      apiKey: "example-key",
      keypair,
      endpoint: server.url,
      sendTarget: server.rpcUrl,
      rpc: server.rpcUrl,
      signal: stop.signal,
      log: (line) => lines.push(line),
    });
    await server.waitFor(() => (server.connections.some((c) => c.configured) ? true : undefined), 5_000, "configured");
    const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58(), tokens: 1_000_000n });
    server.setPrice(position_id, 1.3);
    await server.waitFor(() => (server.position(position_id)?.tokens === 500_000n ? true : undefined), 5_000, "first sale");
    server.setPrice(position_id, 1.7);
    const closedReason = await new Promise<string>((resolve) => server.once("position_closed", (_p, reason) => resolve(reason)));
    expect(closedReason).toBe("chained_tp");
    await vi.waitFor(() => expect(lines.some((l) => l.startsWith(`closed position ${position_id}`))).toBe(true), { timeout: 5_000 });
    stop.abort();
    await bot;
    expect(lines.filter((l) => l.startsWith("submitted "))).toHaveLength(2);
    expect(lines).toContain(`position ${position_id} now holds 500000`);
    expect(lines.some((l) => l.startsWith(`opened `) && l.includes("deadline"))).toBe(true);
    expect(lines.some((l) => l.startsWith(`closed position ${position_id}`))).toBe(true);
  });
});

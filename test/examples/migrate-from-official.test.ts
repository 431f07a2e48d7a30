/**
 * examples/migrate-from-official.ts against MockStreamServer: the official README loop, with only
 * its imports changed, signs and submits an exit and ends when the session closes.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { runOfficialLoop } from "../../examples/migrate-from-official.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { sendTargetRpc } from "../../src/tx/index.js";
import { until } from "./wait.js";

const servers: MockStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("examples/migrate-from-official.ts", () => {
  it("the README loop signs and submits the exit of a timeout-only position, then stops on close", async () => {
    const server = await MockStreamServer.start({ seed: 3, priceWalk: false, pnlFlushMs: 60_000, settleMs: 5, allowEmptyStrategy: true });
    servers.push(server);
    const signer = Keypair.generate();
    const wallet = signer.publicKey.toBase58();
    const signatures: string[] = [];
    const stop = new AbortController();
    const loop = runOfficialLoop({
      apiKey: "migration-example-key",
      walletPubkey: wallet,
      signer,
      endpoint: server.url,
      sendTarget: () => sendTargetRpc(server.rpcUrl),
      deadlineSec: 0.2, // the session's deadline asks for the exit
      log: (signature) => signatures.push(signature),
      signal: stop.signal,
    });
    const configure = await server.waitForMessage("configure");
    expect(configure).toMatchObject({ wallet_pubkeys: [wallet], send_mode: "helius_sender", tip_lamports: 1000 });
    const settled = new Promise<{ position_id: number; tokens_left: bigint; signature: string }>((resolve) => server.once("settled", resolve));
    const { position_id } = server.openPosition({ wallet });
    expect(await server.waitForPositionClosed(position_id)).toBe("sell_now");
    const sale = await settled;
    expect(sale).toMatchObject({ position_id, tokens_left: 0n });
    await until(() => (signatures.length > 0 ? true : undefined), () => "the loop's log line");
    expect(signatures).toEqual([sale.signature]);
    expect(server.received.filter((f) => f.message?.type === "request_exit_signal")).toHaveLength(1);
    stop.abort();
    await loop; // recv() returned null: the loop ended
  });
});

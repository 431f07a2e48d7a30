/**
 * Code written for the official SDK's `StreamSession` runs unchanged on ours: the auto-sell loop of
 * `@lasersell/lasersell-sdk`'s README (only the import paths, the endpoint, the deadline and the
 * send target are adapted to a local mock server), then the rest of the session API it documents.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StreamClient, singleWalletStreamConfigureOptional } from "../../src/client/index.js";
import { StreamSession } from "../../src/session/index.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { sendTargetRpc, sendTransaction, signUnsignedTx, type SendTarget } from "../../src/tx/index.js";

const servers: MockStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The README's loop, verbatim apart from its parameters; `log` stands for `console.log`. */
async function readmeAutoSell(
  endpoint: string,
  walletPubkey: string,
  signer: Keypair,
  sendTarget: () => SendTarget,
  deadlineSec: number,
  log: (signature: string) => void,
  started: (session: StreamSession) => void,
): Promise<void> {
  const client = new StreamClient("REPLACE_WITH_API_KEY").withEndpoint(endpoint);
  const session = await StreamSession.connect(client, {
    ...singleWalletStreamConfigureOptional(
      walletPubkey,
      {},
      deadlineSec, // timeout-only strategy is valid
    ),
    send_mode: "helius_sender",
    tip_lamports: 1000,
  });
  started(session);

  while (true) {
    const event = await session.recv();
    if (event === null) break;

    if (event.type === "exit_signal_with_tx" && event.message.type === "exit_signal_with_tx") {
      const signed = signUnsignedTx(event.message.unsigned_tx_b64, signer);
      const signature = await sendTransaction(sendTarget(), signed);
      log(signature);
    }
  }
}

describe("official SDK compatibility", () => {
  it("the README auto-sell loop sells a position when its timeout-only deadline fires", async () => {
    const server = await MockStreamServer.start({ seed: 5, priceWalk: false, pnlFlushMs: 20, settleMs: 10, allowEmptyStrategy: true });
    servers.push(server);
    const signer = Keypair.generate();
    const wallet = signer.publicKey.toBase58();
    const signatures: string[] = [];
    let session: StreamSession | undefined;
    const settled = new Promise<{ position_id: number; tokens_left: bigint }>((resolve) => server.once("settled", resolve));
    const loop = readmeAutoSell(server.url, wallet, signer, () => sendTargetRpc(server.rpcUrl), 0.3, (s) => signatures.push(s), (s) => {
      session = s;
    });
    await server.waitFor(() => (server.connections.some((c) => c.configured) ? true : undefined), 5_000, "configured");
    const { position_id } = server.openPosition({ wallet });
    const sale = await settled;
    expect(sale).toMatchObject({ position_id, tokens_left: 0n });
    // The documented session API around the loop.
    if (session === undefined) throw new Error("no session");
    const s = session;
    await vi.waitFor(() => expect(s.positions().length === 0 && signatures.length > 0).toBe(true), { timeout: 5_000 });
    expect(signatures).toHaveLength(1);
    expect(session.positions()).toEqual([]);
    expect(session.getSlippageBands(position_id)).toBeUndefined();
    expect(session.getMaxSellAtSlippage(position_id, 500)).toBeUndefined();
    expect(session.getLiquidityTrend(position_id)).toBeUndefined();
    session.updateStrategy({ target_profit_pct: 20, stop_loss_pct: 10 }, 120);
    session.sender().updateWallets([wallet]);
    await session.close();
    await loop;
  });
});

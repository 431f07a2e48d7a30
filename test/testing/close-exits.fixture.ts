/**
 * Run as a child process by handles.test.ts: drives the mock through a connection, an exit, a
 * pending settlement and a pending wait, closes it, and then must exit on its own (nothing may
 * keep the event loop alive). Prints "closed" once close() resolved.
 */
import { Keypair, VersionedTransaction } from "@solana/web3.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { RawClient, configureFrame } from "./raw-client.js";

const server = await MockStreamServer.start({ seed: 1, priceWalk: true, pnlFlushMs: 10, settleMs: 60_000 });
const keypair = Keypair.generate();
const wallet = keypair.publicKey.toBase58();
const client = await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [wallet] }));
const { position_id } = server.openPosition({ wallet });
client.send({ type: "request_exit_signal", position_id });
const exit = await client.next("exit_signal_with_tx");
const tx = VersionedTransaction.deserialize(Buffer.from(exit["unsigned_tx_b64"] as string, "base64"));
tx.sign([keypair]);
const res = await fetch(server.rpcUrl, {
  method: "POST",
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "sendTransaction", params: [Buffer.from(tx.serialize()).toString("base64")] }),
});
if (typeof ((await res.json()) as { result?: unknown }).result !== "string") throw new Error("submit failed");
const pending = server.waitForMessage("mirror_buy_result", { timeoutMs: 60_000 }).catch(() => undefined);
await server.close();
await pending;
process.stdout.write("closed\n");

/**
 * The mock's simulated chain on its JSON-RPC: slots and block height, blockhashes that expire,
 * signature statuses, and the hooks that drop, delay or fail the next submissions.
 */
import { Keypair, VersionedTransaction } from "@solana/web3.js";
import bs58 from "bs58";
import { afterEach, describe, expect, it } from "vitest";
import { MockStreamServer, RPC_ERRORS, SLIPPAGE_EXCEEDED_ERROR } from "../../src/testing/index.js";
import { RawClient, closeAllRawClients, configureFrame, type Frame } from "./raw-client.js";

const servers: MockStreamServer[] = [];
afterEach(async () => {
  closeAllRawClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function rpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number } }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return (await res.json()) as { result?: unknown; error?: { code: number } };
}

/** A server whose slots move only by hand, a configured wallet, and a way to get a signed exit. */
async function setup() {
  const server = await MockStreamServer.start({ seed: 4, priceWalk: false, pnlFlushMs: 1_000_000, settleMs: 5, blockhashValiditySlots: 3 });
  servers.push(server);
  const keypair = Keypair.generate();
  const client = await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [keypair.publicKey.toBase58()] }));
  const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58() });
  const signedExit = async (): Promise<string> => {
    client.send({ type: "request_exit_signal", position_id });
    const exit: Frame = await client.next("exit_signal_with_tx", (f) => !seen.has(f["unsigned_tx_b64"] as string));
    seen.add(exit["unsigned_tx_b64"] as string);
    const tx = VersionedTransaction.deserialize(Buffer.from(exit["unsigned_tx_b64"] as string, "base64"));
    tx.sign([keypair]);
    return Buffer.from(tx.serialize()).toString("base64");
  };
  const seen = new Set<string>();
  const status = async (signature: string): Promise<unknown> =>
    ((await rpc(server.rpcUrl, "getSignatureStatuses", [[signature]])).result as { value: unknown[] }).value[0];
  return { server, client, position_id, signedExit, status };
}

describe("mock chain", () => {
  it("answers getBlockHeight, getSlot and getLatestBlockhash (valid for blockhashValiditySlots)", async () => {
    const { server } = await setup();
    const slot = server.slot;
    expect((await rpc(server.rpcUrl, "getBlockHeight")).result).toBe(slot);
    server.advanceSlots(4);
    expect((await rpc(server.rpcUrl, "getSlot")).result).toBe(slot + 4);
    const latest = (await rpc(server.rpcUrl, "getLatestBlockhash")).result as { context: { slot: number }; value: { blockhash: string; lastValidBlockHeight: number } };
    expect(latest.context.slot).toBe(slot + 4);
    expect(latest.value.lastValidBlockHeight).toBe(slot + 4 + 3);
    expect(latest.value.blockhash).toBeTypeOf("string");
    expect((await rpc(server.rpcUrl, "getSignatureStatuses", ["nope"])).error?.code).toBe(RPC_ERRORS.invalidParams);
  });

  it("a landed sale has status err null (confirmed, then finalized after 32 slots); an unknown signature is null", async () => {
    const { server, signedExit, status, position_id } = await setup();
    const signature = (await rpc(server.rpcUrl, "sendTransaction", [await signedExit()])).result as string;
    await server.waitForPositionClosed(position_id);
    expect(await status(signature)).toMatchObject({ err: null, confirmationStatus: "confirmed", confirmations: 0, status: { Ok: null } });
    server.advanceSlots(32);
    expect(await status(signature)).toMatchObject({ err: null, confirmationStatus: "finalized", confirmations: null });
    expect(await status(bs58.encode(new Uint8Array(64).fill(7)))).toBeNull();
  });

  it("failNextSubmissions: lands with the slippage error, sells nothing, and the next submission sells", async () => {
    const { server, signedExit, status, position_id } = await setup();
    const faults: string[] = [];
    server.on("submission_fault", (f) => faults.push(f.kind));
    server.failNextSubmissions(1);
    const failed = (await rpc(server.rpcUrl, "sendTransaction", [await signedExit()])).result as string;
    await server.waitFor(() => (faults.length > 0 ? true : undefined));
    expect(faults).toEqual(["fail"]);
    expect(await status(failed)).toMatchObject({ err: SLIPPAGE_EXCEEDED_ERROR, status: { Err: SLIPPAGE_EXCEEDED_ERROR } });
    expect(server.position(position_id)?.tokens).toBeGreaterThan(0n);
    await rpc(server.rpcUrl, "sendTransaction", [await signedExit()]);
    expect(await server.waitForPositionClosed(position_id)).toBe("sell_now");
  });

  it("dropNextSubmissions: accepted, never lands, released when its blockhash expires; a late submission of an expired one never lands either", async () => {
    const { server, signedExit, status, position_id } = await setup();
    const faults: string[] = [];
    server.on("submission_fault", (f) => faults.push(f.kind));
    server.dropNextSubmissions(1);
    const droppedTx = await signedExit();
    const dropped = (await rpc(server.rpcUrl, "sendTransaction", [droppedTx])).result as string;
    expect(dropped).toBeTypeOf("string");
    expect((await rpc(server.rpcUrl, "sendTransaction", [droppedTx])).result).toBe(dropped); // still pending
    server.advanceSlots(4); // past the blockhash's life
    expect(await status(dropped)).toBeNull();
    // Released: the network no longer knows it.
    expect((await rpc(server.rpcUrl, "sendTransaction", [droppedTx])).error?.code).toBe(RPC_ERRORS.noMatchingSignal);
    const stale = await signedExit();
    server.advanceSlots(4);
    const late = (await rpc(server.rpcUrl, "sendTransaction", [stale])).result as string;
    expect(faults).toEqual(["drop", "expired"]);
    expect(await status(late)).toBeNull();
    expect(server.position(position_id)?.open).toBe(true);
  });

  it("delayNextSubmissions: lands late while the blockhash lives (expiry while delayed: test/tx/executor.test.ts)", async () => {
    const { server, signedExit, status, position_id } = await setup();
    const at: Record<string, number> = {};
    server.on("submitted", () => (at["submitted"] = performance.now()));
    server.on("settled", () => (at["settled"] = performance.now()));
    server.delayNextSubmissions(1, 80);
    const delayed = (await rpc(server.rpcUrl, "sendTransaction", [await signedExit()])).result as string;
    await server.waitForPositionClosed(position_id);
    // settleMs (5) + the delay (80); a timer never fires early.
    expect((at["settled"] as number) - (at["submitted"] as number)).toBeGreaterThanOrEqual(84);
    expect(await status(delayed)).toMatchObject({ err: null });
    expect(server.pendingSubmissionFaults).toBe(0);
  });
});

describe("bad chain options", () => {
  it("refuses an invalid blockhashValiditySlots before listening (nothing is left open)", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;
    await expect(MockStreamServer.start({ blockhashValiditySlots: 0 })).rejects.toThrow(/blockhashValiditySlots must be a positive integer/);
    await expect(MockStreamServer.start({ blockhashValiditySlots: 1.5 })).rejects.toThrow(RangeError);
    expect(process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length).toBe(before);
  });
});

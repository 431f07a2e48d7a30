/**
 * confirmTransaction against the mock server's JSON-RPC (getSignatureStatuses, getBlockHeight,
 * getLatestBlockhash): landed, failed on chain, expired, timed out, aborted; no timer left behind.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { MockStreamServer, SLIPPAGE_EXCEEDED_ERROR } from "../../src/testing/index.js";
import {
  callRpc,
  confirmTransaction,
  signExitTransaction,
  StreamValidationError,
  submitTransaction,
  TransactionConfirmationError,
} from "../../src/tx/index.js";
import { RawClient, closeAllRawClients, configureFrame } from "../testing/raw-client.js";

const servers: MockStreamServer[] = [];
afterEach(async () => {
  closeAllRawClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A mock server (slots advanced by hand), one configured wallet and a signed exit ready to submit. */
async function setup() {
  const server = await MockStreamServer.start({ seed: 9, priceWalk: false, pnlFlushMs: 1_000_000, settleMs: 5, blockhashValiditySlots: 5 });
  servers.push(server);
  const keypair = Keypair.generate();
  const wallet = keypair.publicKey.toBase58();
  await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [wallet], strategy: { target_profit_pct: 1_000, stop_loss_pct: 99 } }));
  const { position_id } = server.openPosition({ wallet });
  const exitFor = async () => {
    const before = server.exits.length;
    server.setPrice(position_id, 0.001); // far below the stop loss
    const exit = await server.waitFor(() => server.exits[before]);
    return signExitTransaction(
      { unsigned_tx_b64: exit.unsigned_tx_b64, wallet_pubkey: exit.wallet_pubkey },
      keypair,
    );
  };
  return { server, position_id, exitFor };
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

describe("confirmTransaction", () => {
  it("resolves once the transaction landed, with its slot and commitment", async () => {
    const { server, exitFor } = await setup();
    const signed = await exitFor();
    const latest = (await callRpc(server.rpcUrl, "getLatestBlockhash", [])) as { value: { lastValidBlockHeight: number } };
    expect(latest.value.lastValidBlockHeight).toBe(server.slot + 5);
    const signature = await submitTransaction(server.rpcUrl, signed.signedTxB64);
    const confirmed = await confirmTransaction(server.rpcUrl, signature, { lastValidBlockHeight: latest.value.lastValidBlockHeight, pollIntervalMs: 5 });
    expect(confirmed).toEqual({ signature, slot: server.slot, confirmationStatus: "confirmed" });
  });

  it("waits for finalized when asked", async () => {
    const { server, exitFor } = await setup();
    const signature = await submitTransaction(server.rpcUrl, (await exitFor()).signedTxB64);
    const confirming = confirmTransaction(server.rpcUrl, signature, { commitment: "finalized", pollIntervalMs: 5 });
    await server.waitFor(() => (server.closedPositions.size > 0 ? true : undefined));
    server.advanceSlots(32);
    await expect(confirming).resolves.toMatchObject({ confirmationStatus: "finalized" });
  });

  it("rejects with outcome failed and the program error when it failed on chain", async () => {
    const { server, exitFor } = await setup();
    server.failNextSubmissions(1);
    const signature = await submitTransaction(server.rpcUrl, (await exitFor()).signedTxB64);
    const error = await confirmTransaction(server.rpcUrl, signature, { pollIntervalMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionConfirmationError);
    expect(error).toMatchObject({ outcome: "failed", code: "transaction_failed", signature, programError: SLIPPAGE_EXCEEDED_ERROR });
  });

  it("rejects with outcome expired once the block height passed lastValidBlockHeight and the signature is unknown", async () => {
    const { server, exitFor } = await setup();
    server.dropNextSubmissions(1);
    const signed = await exitFor();
    const lastValid = server.slot + 5;
    const signature = await submitTransaction(server.rpcUrl, signed.signedTxB64);
    const confirming = confirmTransaction(server.rpcUrl, signature, { lastValidBlockHeight: lastValid, pollIntervalMs: 5 }).catch((e: unknown) => e);
    server.advanceSlots(6);
    const error = await confirming;
    expect(error).toMatchObject({ outcome: "expired", code: "transaction_expired", blockHeight: lastValid + 1, lastValidBlockHeight: lastValid });
  });

  it("times out (the transaction may still land) without lastValidBlockHeight, and leaves no timer behind", async () => {
    const { server, exitFor } = await setup();
    server.dropNextSubmissions(1);
    const signature = await submitTransaction(server.rpcUrl, (await exitFor()).signedTxB64);
    const before = timeouts();
    const error = await confirmTransaction(server.rpcUrl, signature, { timeoutMs: 80, pollIntervalMs: 10 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ outcome: "timeout", code: "timeout" });
    expect(timeouts()).toBeLessThanOrEqual(before);
  });

  it("stops on abort, and keeps polling through RPC failures until the time is up", async () => {
    const { server, exitFor } = await setup();
    server.dropNextSubmissions(1);
    const signature = await submitTransaction(server.rpcUrl, (await exitFor()).signedTxB64);
    const controller = new AbortController();
    const confirming = confirmTransaction(server.rpcUrl, signature, { signal: controller.signal, pollIntervalMs: 10 }).catch((e: unknown) => e);
    controller.abort();
    await expect(confirming).resolves.toMatchObject({ outcome: "aborted", code: "aborted" });

    let calls = 0;
    const failing = async (): Promise<Response> => {
      calls++;
      throw new TypeError("fetch failed");
    };
    const error = (await confirmTransaction(server.rpcUrl, signature, { timeoutMs: 100, pollIntervalMs: 10, fetch: failing }).catch((e: unknown) => e)) as TransactionConfirmationError;
    expect(error.outcome).toBe("timeout");
    expect(calls).toBeGreaterThan(1);
    expect((error.cause as Error).message).toContain("fetch failed");
  });

  it("refuses a malformed signature or option with a validation error", async () => {
    await expect(confirmTransaction("http://127.0.0.1:1/rpc", "not a signature")).rejects.toBeInstanceOf(StreamValidationError);
    await expect(confirmTransaction("http://127.0.0.1:1/rpc", "1".repeat(64), { pollIntervalMs: 0 })).rejects.toBeInstanceOf(StreamValidationError);
  });

  it("never puts the RPC URL's key in an error", async () => {
    const error = (await confirmTransaction("http://127.0.0.1:1/rpc?api-key=supersecret123", "1".repeat(64), { timeoutMs: 50, pollIntervalMs: 10 }).catch(
      (e: unknown) => e,
    )) as TransactionConfirmationError;
    expect(error.outcome).toBe("timeout");
    let text = "";
    for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${e.message} ${JSON.stringify(e)}`;
    expect(text).toContain("127.0.0.1");
    expect(text).not.toContain("supersecret123");
  });
});

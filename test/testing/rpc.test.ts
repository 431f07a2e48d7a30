import { createPrivateKey, sign as cryptoSign } from "node:crypto";
import { Keypair, VersionedTransaction } from "@solana/web3.js";
import bs58 from "bs58";
import { afterEach, describe, expect, it } from "vitest";
import { MockStreamServer, MockPrng, RPC_ERRORS, buildUnsignedTx } from "../../src/testing/index.js";
import { RawClient, closeAllRawClients, configureFrame, type Frame } from "./raw-client.js";

const servers: MockStreamServer[] = [];
afterEach(async () => {
  closeAllRawClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(strategy: Record<string, unknown> = { target_profit_pct: 10, stop_loss_pct: 5 }) {
  const server = await MockStreamServer.start({ seed: 1, priceWalk: false, pnlFlushMs: 20, settleMs: 10 });
  servers.push(server);
  const keypair = Keypair.generate();
  const wallet = keypair.publicKey.toBase58();
  const client = await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [wallet], strategy }));
  return { server, keypair, wallet, client };
}

function sign(exit: Frame, keypair: Keypair): VersionedTransaction {
  const tx = VersionedTransaction.deserialize(Buffer.from(exit["unsigned_tx_b64"] as string, "base64"));
  tx.sign([keypair]);
  return tx;
}

/** Signs with an arbitrary key (web3.js refuses keys that are not signers of the message). */
function ed25519Sign(keypair: Keypair, message: Uint8Array): Uint8Array {
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), keypair.secretKey.subarray(0, 32)]);
  return new Uint8Array(cryptoSign(null, message, createPrivateKey({ key: der, format: "der", type: "pkcs8" })));
}

async function rpc(url: string, method: string, params: unknown[]): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return (await res.json()) as Record<string, unknown>;
}

const send = (url: string, tx: Uint8Array, encoding: "base64" | "base58" = "base64") =>
  rpc(url, "sendTransaction", [encoding === "base64" ? Buffer.from(tx).toString("base64") : bs58.encode(tx), { encoding }]);

describe("mock JSON-RPC", () => {
  it("settles a correctly signed exit: signature returned, then balance_update (0) and position_closed with the exit's reason", async () => {
    const { server, keypair, client } = await setup();
    const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58() });
    server.setPrice(position_id, 1.1);
    const exit = await client.next("exit_signal_with_tx");
    expect(exit["reason"]).toBe("target_profit");
    const tx = sign(exit, keypair);
    const reply = await send(server.rpcUrl, tx.serialize());
    expect(reply["result"]).toBe(bs58.encode(tx.signatures[0] as Uint8Array));
    const closed = await client.next("position_closed");
    expect(closed).toMatchObject({ position_id, reason: "target_profit" });
    const balances = client.of("balance_update");
    expect(balances.at(-1)?.["tokens"]).toBe(0);
    expect(client.frames.indexOf(balances.at(-1) as Frame)).toBeLessThan(client.frames.indexOf(closed));
    // Once settled, the signal is spent: the same transaction again is refused and settles nothing.
    expect((await send(server.rpcUrl, tx.serialize()))["error"]).toMatchObject({ code: RPC_ERRORS.noMatchingSignal });
  });

  it("accepts base58 encoding and returns the same signature for a resubmission before settlement", async () => {
    const server = await MockStreamServer.start({ seed: 2, priceWalk: false, settleMs: 200 });
    servers.push(server);
    const keypair = Keypair.generate();
    const client = await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [keypair.publicKey.toBase58()] }));
    const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58() });
    client.send({ type: "request_exit_signal", position_id });
    const tx = sign(await client.next("exit_signal_with_tx"), keypair);
    const a = await send(server.rpcUrl, tx.serialize(), "base58");
    const b = await send(server.rpcUrl, tx.serialize());
    expect(a["result"]).toBeTypeOf("string");
    expect(b["result"]).toBe(a["result"]);
    await client.next("position_closed", (f) => f["reason"] === "sell_now");
  });

  it("a ladder level settles to a smaller position, which stays open", async () => {
    const { server, keypair, client } = await setup({
      target_profit_pct: 0,
      stop_loss_pct: 20,
      take_profit_levels: [{ profit_pct: 10, sell_pct: 25 }],
    });
    const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58(), tokens: 1_000_000 });
    server.setPrice(position_id, 1.1);
    const exit = await client.next("exit_signal_with_tx");
    expect(exit).toMatchObject({ reason: "chained_tp", sell_tokens: 250_000, level_index: 0, position_tokens: 1_000_000 });
    await send(server.rpcUrl, sign(exit, keypair).serialize());
    await client.next("balance_update", (f) => f["tokens"] === 750_000);
    expect(server.position(position_id)?.tokens).toBe(750_000n);
    expect(client.of("position_closed")).toHaveLength(0);
  });

  it("rejects a tampered, an unsigned and a wrongly signed transaction, and one matching no signal", async () => {
    const { server, keypair, client } = await setup();
    const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58() });
    server.setPrice(position_id, 0.9);
    const exit = await client.next("exit_signal_with_tx");
    const unsigned = Buffer.from(exit["unsigned_tx_b64"] as string, "base64");

    const tampered = sign(exit, keypair).serialize();
    const blockhashAt = Buffer.from(tampered).indexOf(bs58.decode(VersionedTransaction.deserialize(unsigned).message.recentBlockhash));
    expect(blockhashAt).toBeGreaterThan(0);
    tampered[blockhashAt] = (tampered[blockhashAt] as number) ^ 1; // one byte of the message: the signature no longer matches
    expect((await send(server.rpcUrl, tampered))["error"]).toMatchObject({ code: RPC_ERRORS.signatureVerification });

    expect((await send(server.rpcUrl, unsigned))["error"]).toMatchObject({ code: RPC_ERRORS.signatureVerification });

    const other = VersionedTransaction.deserialize(unsigned);
    const stranger = Keypair.generate();
    other.signatures[0] = ed25519Sign(stranger, other.message.serialize());
    expect((await send(server.rpcUrl, other.serialize()))["error"]).toMatchObject({ code: RPC_ERRORS.signatureVerification });

    const unrelated = VersionedTransaction.deserialize(
      Buffer.from(buildUnsignedTx(keypair.publicKey.toBase58(), "unrelated", new MockPrng(9)).b64, "base64"),
    );
    unrelated.sign([keypair]);
    expect((await send(server.rpcUrl, unrelated.serialize()))["error"]).toMatchObject({ code: RPC_ERRORS.noMatchingSignal });

    expect((await rpc(server.rpcUrl, "sendTransaction", ["%%%"]))["error"]).toMatchObject({ code: RPC_ERRORS.invalidParams });
    expect((await rpc(server.rpcUrl, "nope", []))["error"]).toMatchObject({ code: RPC_ERRORS.methodNotFound });
    const garbage = await fetch(server.rpcUrl, { method: "POST", body: "{" });
    expect(((await garbage.json()) as Record<string, unknown>)["error"]).toMatchObject({ code: RPC_ERRORS.parse });

    // The position is untouched by all of the above.
    expect(server.position(position_id)?.open).toBe(true);
    expect(client.of("position_closed")).toHaveLength(0);
  });
});

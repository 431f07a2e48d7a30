/**
 * Interop: the official SDK (@lasersell/lasersell-sdk 1.1.0), unchanged, against the mock.
 */
import { ExitApiClient, StreamClient, StreamSession, proveOwnership, signUnsignedTx, type StreamEvent } from "@lasersell/lasersell-sdk";
import { Keypair, VersionedTransaction } from "@solana/web3.js";
import bs58 from "bs58";
import { afterEach, describe, expect, it } from "vitest";
import { MockStreamServer } from "../../src/testing/index.js";

const servers: MockStreamServer[] = [];
const sessions: StreamSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function nextEvent(session: StreamSession, type: StreamEvent["type"], timeoutMs = 3_000): Promise<StreamEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out waiting for ${type}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), remaining);
    });
    const event = await Promise.race([session.recv(), timeout]);
    clearTimeout(timer);
    if (event === "timeout" || event === null) throw new Error(`no ${type} (${event === null ? "closed" : "timeout"})`);
    if (event.type === type) return event;
  }
}

describe("official SDK against the mock", () => {
  it("connects, receives hello_ok, position_opened and a signable exit_signal_with_tx that settles through the RPC", async () => {
    const server = await MockStreamServer.start({ seed: 5, priceWalk: false, pnlFlushMs: 20, settleMs: 10, apiKeys: ["sdk-key"] });
    servers.push(server);
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    const client = new StreamClient("sdk-key").withEndpoint(server.url);
    const session = await StreamSession.connect(client, {
      wallet_pubkeys: [wallet],
      strategy: { target_profit_pct: 10, stop_loss_pct: 5 },
    });
    sessions.push(session);

    const hello = await nextEvent(session, "message");
    expect(hello.message.type).toBe("hello_ok");

    const { position_id } = server.openPosition({ wallet });
    const opened = await nextEvent(session, "position_opened");
    expect(opened.type === "position_opened" && opened.handle.position_id).toBe(position_id);

    server.setPrice(position_id, 1.1);
    const exit = await nextEvent(session, "exit_signal_with_tx");
    if (exit.message.type !== "exit_signal_with_tx") throw new Error("not an exit");
    expect(exit.message.reason).toBe("target_profit");
    const tx = VersionedTransaction.deserialize(Buffer.from(exit.message.unsigned_tx_b64, "base64"));
    expect(tx.message.staticAccountKeys[0]?.toBase58()).toBe(wallet);

    const signed = signUnsignedTx(exit.message.unsigned_tx_b64, keypair);
    const res = await fetch(server.rpcUrl, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "sendTransaction", params: [Buffer.from(signed.serialize()).toString("base64"), { encoding: "base64" }] }),
    });
    expect(((await res.json()) as { result: string }).result).toBe(bs58.encode(signed.signatures[0] as Uint8Array));
    const closed = await nextEvent(session, "position_closed");
    expect(closed.message.type === "position_closed" && closed.message.reason).toBe("target_profit");
  });

  it("the SDK's requestExitSignal and close work, and a refused configure rejects connect()", async () => {
    const server = await MockStreamServer.start({ seed: 6, priceWalk: false, pnlFlushMs: 20 });
    servers.push(server);
    const wallet = Keypair.generate().publicKey.toBase58();
    const client = new StreamClient("k").withEndpoint(server.url);
    const session = await StreamSession.connect(client, { wallet_pubkeys: [wallet], strategy: { target_profit_pct: 50, stop_loss_pct: 50 } });
    sessions.push(session);
    server.openPosition({ wallet });
    const opened = await nextEvent(session, "position_opened");
    if (opened.type !== "position_opened") throw new Error("unreachable");
    session.requestExitSignal(opened.handle);
    const exit = await nextEvent(session, "exit_signal_with_tx");
    expect(exit.message.type === "exit_signal_with_tx" && exit.message.reason).toBe("sell_now");
    session.close(opened.handle);
    await nextEvent(session, "position_closed");

    const tooMany = Array.from({ length: 6 }, () => Keypair.generate().publicKey.toBase58());
    await expect(
      StreamSession.connect(new StreamClient("k").withEndpoint(server.url), { wallet_pubkeys: tooMany, strategy: { target_profit_pct: 5, stop_loss_pct: 5 } }),
    ).rejects.toThrow(/too_many_wallets|error/);
  });

  it("the SDK's proveOwnership + ExitApiClient.registerWallet register on the mock; requireRegistration gates its connect", async () => {
    const server = await MockStreamServer.start({ seed: 7, priceWalk: false, pnlFlushMs: 20, apiKeys: ["sdk-key"], requireRegistration: true });
    servers.push(server);
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    const strategy = { target_profit_pct: 10, stop_loss_pct: 5 };
    await expect(StreamSession.connect(new StreamClient("sdk-key").withEndpoint(server.url), { wallet_pubkeys: [wallet], strategy })).rejects.toThrow();
    expect(server.received.at(-1)?.error).toMatch(/^wallet_not_registered: wallet \w+ is not registered/);

    const api = ExitApiClient.withApiKey("sdk-key").withBaseUrl(server.apiUrl);
    await api.registerWallet(proveOwnership(keypair), "sdk");
    expect(server.registeredWallets("sdk-key")).toEqual([wallet]);
    const session = await StreamSession.connect(new StreamClient("sdk-key").withEndpoint(server.url), { wallet_pubkeys: [wallet], strategy });
    sessions.push(session);
    const hello = await nextEvent(session, "message");
    expect(hello.message.type).toBe("hello_ok");
  });
});

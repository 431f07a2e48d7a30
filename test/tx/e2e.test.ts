/**
 * End to end against the mock server: an exit_signal_with_tx off the wire is guarded, signed on
 * the fast path and submitted to the mock's JSON-RPC, which verifies the signature and settles it.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { parseServerMessage, type ExitSignalWithTx } from "../../src/protocol/index.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { SubmitError, inspectTransaction, signExitTransaction, submitTransaction } from "../../src/tx/index.js";
import { keypair } from "./helpers.js";

const servers: MockStreamServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Connects, configures `wallet`, and resolves with a function awaiting the next exit signal. */
async function subscribe(url: string, wallet: string): Promise<() => Promise<ExitSignalWithTx<"bigint">>> {
  const ws = new WebSocket(url, { headers: { "x-api-key": "test-key" } });
  sockets.push(ws);
  const exits: ExitSignalWithTx<"bigint">[] = [];
  const waiters: ((m: ExitSignalWithTx<"bigint">) => void)[] = [];
  let ready: () => void = () => undefined;
  const hello = new Promise<void>((resolve) => (ready = resolve));
  ws.on("message", (data: Buffer) => {
    const parsed = parseServerMessage(data.toString(), { ints: "bigint" });
    if (parsed.kind !== "message") return;
    if (parsed.message.type === "hello_ok") ready();
    if (parsed.message.type === "exit_signal_with_tx") {
      const w = waiters.shift();
      if (w !== undefined) w(parsed.message);
      else exits.push(parsed.message);
    }
  });
  ws.on("open", () =>
    ws.send(JSON.stringify({ type: "configure", wallet_pubkeys: [wallet], strategy: { target_profit_pct: 10, stop_loss_pct: 5 } })),
  );
  await hello;
  return () => {
    const queued = exits.shift();
    return queued !== undefined ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
  };
}

describe("exit signal -> signExitTransaction -> submitTransaction (mock server)", () => {
  it("the mock's exit passes the guard with the defaults, and its RPC accepts the fast-path signature", async () => {
    const server = await MockStreamServer.start({ seed: 7, priceWalk: false, pnlFlushMs: 20, settleMs: 10 });
    servers.push(server);
    const wallet = keypair(60);
    const nextExit = await subscribe(server.url, wallet.publicKey.toBase58());
    const { position_id } = server.openPosition({ wallet: wallet.publicKey.toBase58() });
    server.setPrice(position_id, 1.2);
    const exit = await nextExit();
    expect(exit.position_id).toBe(BigInt(position_id));
    expect(inspectTransaction(exit.unsigned_tx_b64).feePayer).toBe(wallet.publicKey.toBase58());

    const signed = signExitTransaction(exit, wallet);
    const signature = await submitTransaction(server.rpcUrl, signed.signedTxB64, { timeoutMs: 5_000 });
    expect(signature).toBe(signed.signature);
  });

  it("a transaction signed by another key is refused before it is sent, and the mock refuses a tampered one", async () => {
    const server = await MockStreamServer.start({ seed: 8, priceWalk: false, pnlFlushMs: 20, settleMs: 10 });
    servers.push(server);
    const wallet = keypair(61);
    const nextExit = await subscribe(server.url, wallet.publicKey.toBase58());
    const { position_id } = server.openPosition({ wallet: wallet.publicKey.toBase58() });
    server.setPrice(position_id, 1.2);
    const exit = await nextExit();
    expect(() => signExitTransaction(exit, keypair(62))).toThrow(/signer_mismatch/);
    // Flip one message byte after signing: the mock's signature check fails, and the JSON-RPC
    // error arrives typed.
    const bytes = Buffer.from(signExitTransaction(exit, wallet).signedTxB64, "base64");
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    const err = await submitTransaction(server.rpcUrl, bytes.toString("base64"), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as SubmitError).code).toBe("rpc");
    expect(typeof (err as SubmitError).rpcCode).toBe("number");
  });
});

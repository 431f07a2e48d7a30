/**
 * verifyBySimulation against the mock server's JSON-RPC: its own exits simulate to an exit and are
 * signed; tampered ones (a raised router amount, proceeds redirected, a token approval) are refused
 * with rule `simulation`; timeouts and aborts behave like submitTransaction's.
 */
import { createServer, type Server } from "node:http";
import { TransactionInstruction } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { parseServerMessage, type ExitSignalWithTx } from "../../src/protocol/index.js";
import { MockStreamServer, ROUTER_DISCRIMINATORS } from "../../src/testing/index.js";
import { LASERSELL_ROUTER_PROGRAM_ID, SubmitError, TransactionGuardError, submitTransaction, verifyBySimulation } from "../../src/tx/index.js";
import { compileV0, instructionsOf } from "./attacks.js";
import { keypair } from "./helpers.js";

const servers: MockStreamServer[] = [];
const sockets: WebSocket[] = [];
const plain: Server[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const s of plain.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const wallet = keypair(80);
const W = wallet.publicKey.toBase58();

async function exitFrom(server: MockStreamServer): Promise<ExitSignalWithTx<"bigint">> {
  const ws = new WebSocket(server.url, { headers: { "x-api-key": "test-key" } });
  sockets.push(ws);
  const exit = new Promise<ExitSignalWithTx<"bigint">>((resolve) =>
    ws.on("message", (data: Buffer) => {
      const parsed = parseServerMessage(data.toString(), { ints: "bigint" });
      if (parsed.kind === "message" && parsed.message.type === "exit_signal_with_tx") resolve(parsed.message);
      if (parsed.kind === "message" && parsed.message.type === "hello_ok") {
        const { position_id } = server.openPosition({ wallet: W, marketType: "pump_swap" });
        server.setPrice(position_id, 1.3);
      }
    }),
  );
  ws.on("open", () =>
    ws.send(JSON.stringify({ type: "configure", wallet_pubkeys: [W], strategy: { target_profit_pct: 10, stop_loss_pct: 5 }, send_mode: "helius_sender", tip_lamports: 1000 })),
  );
  return exit;
}

/** The exit with its router instruction rewritten by `edit`. */
function tamper(exit: ExitSignalWithTx<"bigint">, edit: (ix: TransactionInstruction) => TransactionInstruction): ExitSignalWithTx<"bigint"> {
  const ixs = instructionsOf(exit.unsigned_tx_b64).map((ix) => (ix.programId.toBase58() === LASERSELL_ROUTER_PROGRAM_ID ? edit(ix) : ix));
  return { ...exit, unsigned_tx_b64: compileV0(ixs, wallet.publicKey) };
}

describe("verifyBySimulation (mock JSON-RPC)", () => {
  it("signs the mock's exit after simulating it; refuses tampered ones with rule simulation", async () => {
    const server = await MockStreamServer.start({ seed: 11, priceWalk: false, pnlFlushMs: 20, settleMs: 10 });
    servers.push(server);
    const exit = await exitFrom(server);
    const options = { tipLamports: 1_000, timeoutMs: 5_000 };

    const signed = await verifyBySimulation(server.rpcUrl, exit, wallet, options);
    expect(signed.simulation.walletLamportsDelta).toBeGreaterThan(0n); // proceeds arrived, net of fee and tip
    expect(signed.simulation.tokenDeltas[exit.token_account as string]).toBe(-exit.position_tokens);

    // The router's amount raised: it would sell more than the signal's sell_tokens.
    const more = tamper({ ...exit, sell_tokens: exit.position_tokens / 2n }, (ix) => {
      const data = Buffer.from(ix.data);
      data.writeBigUInt64LE(exit.position_tokens, 8);
      return new TransactionInstruction({ ...ix, data });
    });
    const moreErr = await verifyBySimulation(server.rpcUrl, more, wallet, options).catch((e: unknown) => e);
    expect((moreErr as Error).message).toContain("falls by");

    // Proceeds redirected: the router's quote account is someone else's.
    const thief = keypair(81).publicKey;
    const redirected = tamper(exit, (ix) => new TransactionInstruction({ ...ix, keys: ix.keys.map((k, i) => (i === 3 ? { pubkey: thief, isSigner: false, isWritable: true } : k)) }));
    await expect(verifyBySimulation(server.rpcUrl, redirected, wallet, options)).rejects.toMatchObject({ rule: "simulation", message: expect.stringContaining("no proceeds") });

    // Not a sell at all: the router's buy spends the wallet's SOL.
    const buy = tamper(exit, (ix) => {
      const data = Buffer.from(ix.data);
      Buffer.from(ROUTER_DISCRIMINATORS.buy).copy(data, 0);
      data.writeBigUInt64LE(5_000_000_000n, 8);
      return new TransactionInstruction({ ...ix, data });
    });
    const err = await verifyBySimulation(server.rpcUrl, buy, wallet, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionGuardError);
    expect((err as TransactionGuardError).rule).toBe("simulation");

    // The verified exit is what the mock's RPC accepts and settles.
    await expect(submitTransaction(server.rpcUrl, signed.signedTxB64, { timeoutMs: 5_000 })).resolves.toBe(signed.signature);
  });

  it("times out and aborts like submitTransaction", async () => {
    const hang = createServer(() => undefined);
    plain.push(hang);
    await new Promise<void>((resolve) => hang.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hang.address() as { port: number }).port}/rpc`;
    const server = await MockStreamServer.start({ seed: 12, priceWalk: false, pnlFlushMs: 20 });
    servers.push(server);
    const exit = await exitFrom(server);
    await expect(verifyBySimulation(url, exit, wallet, { tipLamports: 1_000, timeoutMs: 50 })).rejects.toMatchObject({ code: "timeout" });
    const controller = new AbortController();
    const pending = verifyBySimulation(url, exit, wallet, { tipLamports: 1_000, signal: controller.signal });
    controller.abort();
    const aborted = await pending.catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(SubmitError);
    expect((aborted as SubmitError).code).toBe("aborted");
    hang.closeAllConnections();
  });
});

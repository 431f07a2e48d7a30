/**
 * The official SDK (@lasersell/lasersell-sdk), unchanged, consumes a replay: the recorded
 * positions and exit reach it, its reconnect after the recorded drop is answered, and the
 * recorded exit transaction, signed by the wallet, is accepted by the mock RPC.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamClient, StreamSession, signUnsignedTx, type StreamEvent } from "@lasersell/lasersell-sdk";
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MockStreamServer } from "../../src/testing/index.js";
import { recordLive } from "./live.js";

let dir: string;
const keypair = Keypair.generate();
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ls-sdk-replay-"));
  await recordLive(join(dir, "live.ndjson"), 600, keypair);
}, 20_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("official SDK on a replay", () => {
  it("receives the recorded positions and exit across the recorded reconnect; the exit submits", async () => {
    const server = await MockStreamServer.start();
    const session = { current: undefined as StreamSession | undefined };
    try {
      await server.replay(join(dir, "live.ndjson"), { speed: 4 });
      const client = new StreamClient("sdk-key").withEndpoint(server.url);
      session.current = await StreamSession.connect(client, {
        wallet_pubkeys: [keypair.publicKey.toBase58()],
        strategy: { target_profit_pct: 50, stop_loss_pct: 50 },
      });
      const opened: number[] = [];
      let exit: StreamEvent | undefined;
      while (exit === undefined) {
        const event = await session.current.recv();
        if (event === null) throw new Error("the SDK session ended");
        if (event.type === "position_opened") opened.push(Number(event.handle.position_id));
        if (event.type === "exit_signal_with_tx") exit = event;
      }
      // Both positions: the second was opened after the recorded reconnect.
      expect(new Set(opened).size).toBe(2);
      await server.waitForConnection({ count: 2 }); // the SDK reconnected after the recorded drop
      if (exit.message.type !== "exit_signal_with_tx") throw new Error("unreachable");
      const signed = signUnsignedTx(exit.message.unsigned_tx_b64, keypair);
      const res = await fetch(server.rpcUrl, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "sendTransaction", params: [Buffer.from(signed.serialize()).toString("base64"), { encoding: "base64" }] }),
      });
      expect(((await res.json()) as { result?: string }).result).toBe(bs58.encode(signed.signatures[0] as Uint8Array));
    } finally {
      session.current?.close();
      await server.close();
    }
  }, 30_000);
});

/**
 * A minimal bot for the README's "Testing your bot" example: raw `ws`, the protocol codec and
 * `lasersell-stream/tx`. It sells at the strategy's thresholds: signs every exit and submits it.
 */
import type { Keypair } from "@solana/web3.js";
import WebSocket from "ws";
import { parseServerMessage } from "../../src/protocol/index.js";
import { signExitTransaction, submitTransaction } from "../../src/tx/index.js";

export interface BotOptions {
  endpoint: string;
  rpcUrl: string;
  apiKey: string;
  keypair: Keypair;
}

export async function startBot(options: BotOptions): Promise<{ stop(): void }> {
  const ws = new WebSocket(options.endpoint, { headers: { "x-api-key": options.apiKey } });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.send(
    JSON.stringify({
      type: "configure",
      wallet_pubkeys: [options.keypair.publicKey.toBase58()],
      strategy: { target_profit_pct: 10, stop_loss_pct: 5 },
    }),
  );
  ws.on("message", (data) => {
    const r = parseServerMessage(data.toString());
    if (r.kind !== "message" || r.message.type !== "exit_signal_with_tx") return;
    const { signedTxB64 } = signExitTransaction(r.message, options.keypair);
    void submitTransaction(options.rpcUrl, signedTxB64);
  });
  return { stop: () => ws.close(1000) };
}

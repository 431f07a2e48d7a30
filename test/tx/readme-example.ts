// The README's "Signing exits" example, verbatim but for import paths (test/tx/readme.test.ts keeps them equal).
import { Keypair } from "@solana/web3.js";
import type { ExitSignalWithTx, StreamSession } from "../../src/index.js";
import { guardFor, sendTargetHeliusSender, signExitTransaction, submitTransaction } from "../../src/tx/index.js";

// A web3.js Keypair, a 64-byte secret key, or a base58 secret-key string.
const keypair = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(process.env["WALLET_JSON"] ?? "[]") as number[]));

export async function onExitSignal(session: StreamSession, message: ExitSignalWithTx): Promise<string> {
  // The tip and mirror-buy limits are the ones this session configured.
  const { signedTxB64, signature } = signExitTransaction(message, keypair, guardFor(session));
  console.log("signed exit", signature);
  return submitTransaction(sendTargetHeliusSender(), signedTxB64, { timeoutMs: 5_000, retries: 2 });
}

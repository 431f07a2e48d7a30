// The README's "Signing exits" example, verbatim but for import paths (test/tx/readme.test.ts keeps them equal).
import { Keypair } from "@solana/web3.js";
import type { ExitSignalWithTx } from "../../src/index.js";
import { sendTargetHeliusSender, signExitTransaction, submitTransaction } from "../../src/tx/index.js";

// A web3.js Keypair, a 64-byte secret key, or a base58 secret-key string.
const keypair = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(process.env["WALLET_JSON"] ?? "[]") as number[]));

export async function onExitSignal(message: ExitSignalWithTx): Promise<string> {
  const { signedTxB64, signature } = signExitTransaction(message, keypair, {
    maxSolOutflowLamports: 2_000_000n, // tip + fee; optional, see the default below
  });
  console.log("signed exit", signature);
  return submitTransaction(sendTargetHeliusSender(), signedTxB64, { timeoutMs: 5_000, retries: 2 });
}

/**
 * `proveOwnership`: the signed message the REST API wants before a wallet can be streamed
 * (protocol.md section 15). Local only; pass the result to `registerWallet`.
 */
import bs58 from "bs58";
import type { WalletOwnershipProof } from "../rest/register.js";
import { createSigner, type SignerInput } from "./signer.js";

/**
 * Signs `lasersell-register:<wallet>:<unix seconds>` with the wallet's key. The server accepts a
 * proof for 5 minutes after its timestamp. No network.
 *
 * @example
 * ```ts
 * import { registerWallet } from "lasersell-stream";
 * import { proveOwnership } from "lasersell-stream/tx";
 * await registerWallet(apiKey, proveOwnership(keypair), { label: "bot 1" });
 * ```
 */
export function proveOwnership(signer: SignerInput, options: { nowMs?: number } = {}): WalletOwnershipProof {
  const key = createSigner(signer);
  const seconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const message = `lasersell-register:${key.publicKey}:${seconds}`;
  return { walletPubkey: key.publicKey, message, signature: bs58.encode(key.sign(Buffer.from(message, "utf8"))) };
}

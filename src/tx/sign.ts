/**
 * Signing: the guarded `signExitTransaction`, the fast path (Ed25519 over the message bytes,
 * written into the signature slot) and the web3.js path (deserialize, sign, serialize). Both paths
 * produce the same bytes.
 */
import { VersionedTransaction } from "@solana/web3.js";
import bs58 from "bs58";
import { StreamValidationError, TransactionDecodeError, TransactionGuardError } from "../errors.js";
import { checkTransactionSize, decodeBase64Strict, decodeTransactionBytes, readLayout, type DecodedTransaction } from "./decode.js";
import { checkGuard } from "./guard.js";
import { guardLimits, messageWallet, type ExitMessageLike, type GuardLimits, type GuardOptions } from "./guard-limits.js";
import { summarize, type TransactionSummary } from "./inspect.js";
import { createSigner, type KeypairLike, type SignerInput, type TxSigner } from "./signer.js";

/** A signed transaction, ready to submit. */
export interface SignedTransaction {
  /** The signed transaction, base64 (what `submitTransaction` takes). */
  readonly signedTxB64: string;
  /** The wallet's signature, base58: the transaction id. */
  readonly signature: string;
  /** The signed transaction's bytes. */
  readonly bytes: Uint8Array;
  /** What the guard saw (see `inspectTransaction`). */
  readonly summary: TransactionSummary;
  /** The signed `VersionedTransaction` (deserialized on first access on the fast path). */
  readonly transaction: VersionedTransaction;
}

/** Options of {@link signExitTransaction}. */
export interface SignExitOptions extends GuardOptions {
  /**
   * `"fast"` signs the message bytes in place; `"web3"` deserializes into a web3.js
   * `VersionedTransaction`, calls `sign` and serializes. Same bytes either way.
   * @defaultValue "fast"
   */
  path?: "fast" | "web3";
}

function bytesEqual(a: Uint8Array, aOffset: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (a[aOffset + i] !== b[i]) return false;
  return true;
}

/** Finds `signer`'s signature slot: its position among the required signers. */
function signerSlot(bytes: Uint8Array, signer: TxSigner): { slot: number; signaturesOffset: number; messageOffset: number } {
  const layout = readLayout(bytes);
  for (let i = 0; i < layout.numRequiredSignatures; i++) {
    if (bytesEqual(bytes, layout.keysOffset + 32 * i, signer.publicKeyBytes)) {
      return { slot: i, signaturesOffset: layout.signaturesOffset, messageOffset: layout.messageOffset };
    }
  }
  throw new TransactionGuardError(`required_signer: ${signer.publicKey} is not a required signer of this transaction`, { rule: "required_signer" });
}

/** Fast path on decoded bytes: signs the message and writes the signature into its slot, in place. */
function signInPlace(bytes: Uint8Array, signer: TxSigner): Uint8Array {
  const { slot, signaturesOffset, messageOffset } = signerSlot(bytes, signer);
  const signature = signer.sign(bytes.subarray(messageOffset));
  bytes.set(signature, signaturesOffset + 64 * slot);
  return signature;
}

function toB64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function web3Secret(input: SignerInput): Uint8Array | undefined {
  if (input instanceof Uint8Array) return input;
  if (typeof input === "string") {
    const t = input.trim();
    return t.startsWith("[") ? Uint8Array.from(JSON.parse(t) as number[]) : bs58.decode(t);
  }
  if ("secretKey" in input && input.secretKey instanceof Uint8Array) return (input as KeypairLike).secretKey;
  return undefined;
}

/** The web3.js path: deserialize, sign (web3.js's own Ed25519), serialize. */
function signWithWeb3(bytes: Uint8Array, input: SignerInput, signer: TxSigner): { tx: VersionedTransaction; bytes: Uint8Array; signature: Uint8Array } {
  let tx: VersionedTransaction;
  try {
    tx = VersionedTransaction.deserialize(bytes);
  } catch (err) {
    throw new TransactionDecodeError(`web3.js could not deserialize the transaction: ${(err as Error).message}`, {}, { cause: err });
  }
  const slot = tx.message.staticAccountKeys.slice(0, tx.message.header.numRequiredSignatures).findIndex((k) => k.toBase58() === signer.publicKey);
  if (slot < 0) throw new TransactionGuardError(`required_signer: ${signer.publicKey} is not a required signer of this transaction`, { rule: "required_signer" });
  const publicKey = tx.message.staticAccountKeys[slot];
  if (publicKey === undefined) throw new TransactionDecodeError("web3.js: signer slot out of range");
  // createSigner already checked the key; web3.js signs with its own Ed25519 implementation.
  const secretKey = web3Secret(input);
  if (secretKey !== undefined) tx.sign([{ publicKey, secretKey }]);
  else tx.addSignature(publicKey, signer.sign(tx.message.serialize()));
  const signature = tx.signatures[slot] as Uint8Array;
  return { tx, bytes: tx.serialize(), signature };
}

function result(bytes: Uint8Array, signature: Uint8Array, summary: TransactionSummary, tx?: VersionedTransaction): SignedTransaction {
  let transaction = tx;
  let base58: string | undefined;
  return {
    signedTxB64: toB64(bytes),
    // Base58 of 64 bytes costs more than the signature itself on a cold path: made when read.
    get signature(): string {
      base58 ??= bs58.encode(signature);
      return base58;
    },
    bytes,
    summary,
    get transaction(): VersionedTransaction {
      transaction ??= VersionedTransaction.deserialize(bytes);
      return transaction;
    },
  };
}

/**
 * Decodes and checks `message`'s transaction against the guard rules without signing: what
 * {@link signExitTransaction} does before it signs. Returns the decoded transaction and its summary.
 *
 * @throws {@link TransactionGuardError} (see {@link signExitTransaction}).
 */
export function guardTransaction(
  message: ExitMessageLike,
  signerPublicKey: string,
  options: GuardOptions = {},
): { decoded: DecodedTransaction; summary: TransactionSummary; limits: GuardLimits; wallet: string } {
  if (typeof message !== "object" || message === null) {
    throw new StreamValidationError("message: expected an exit_signal_with_tx or mirror_buy_signal message", { issues: [
      { path: "", message: "expected an object" },
    ] });
  }
  const wallet = messageWallet(message);
  let decoded: DecodedTransaction;
  let summary: TransactionSummary;
  try {
    // Size first: constant time and memory whatever the server sent.
    checkTransactionSize(message.unsigned_tx_b64, "unsigned_tx_b64");
    decoded = decodeTransactionBytes(decodeBase64Strict(message.unsigned_tx_b64, "unsigned_tx_b64"));
    summary = summarize(decoded);
  } catch (err) {
    const reason = err instanceof TransactionDecodeError ? err.message : `unreadable transaction (${(err as Error).name})`;
    throw new TransactionGuardError(`decode: ${reason}`, { rule: "decode" }, { cause: err });
  }
  const limits = guardLimits(message, wallet, options);
  checkGuard(decoded, summary, wallet, signerPublicKey, limits);
  return { decoded, summary, limits, wallet };
}

/**
 * Checks an exit signal's (or mirror-buy signal's) unsigned transaction against the guard rules,
 * then signs it with the wallet's key. Nothing is signed unless every rule passes; every limit
 * comes from `options` (or the configuration they carry, see {@link guardFor}), never from the
 * message. The rules, in order (the full table is in docs/signing.md):
 *
 * 1. `decode`: at most 1232 bytes (checked before decoding), strict base64 of a well-formed
 *    legacy or v0 transaction.
 * 2. `buy_limit`: a mirror buy needs a configured cap (`maxBuyQuoteUnits`, or the `auto_buy`
 *    amount of your configuration) and may not ask for more.
 * 3. `fee_payer`, `required_signer`, `signer_mismatch`: the signal's wallet pays the fee, is the
 *    only signature missing, and is the signer's key.
 * 4. `allowed_programs`: every top-level program is known (System, Compute Budget, Associated
 *    Token, SPL Token, Token-2022, Memo, the six DEX programs, the LaserSell router) or in
 *    `allowedPrograms`.
 * 5. `system_authority`: no Assign/Allocate (WithSeed) of the wallet, no nonce withdraw or
 *    authorize with the wallet as authority, no durable nonce (`AdvanceNonceAccount`).
 * 6. `token_authority`: no SPL Token / Token-2022 instruction lets the wallet's authority move,
 *    delegate, burn, mint or hand over tokens to anyone but the wallet; closes pay the wallet.
 * 7. `sol_outflow`: SOL leaves the wallet only to known tip accounts (at most `tipLamports` in
 *    total), to its own token accounts, or to temporary accounts it initializes and closes back to
 *    itself; with the fee's
 *    upper bound, rent and funding it stays within `maxSolOutflowLamports`.
 *
 * @throws {@link TransactionGuardError} naming the broken rule (`decode` failures too; the
 * decoder's {@link TransactionDecodeError} is the `cause`), or `StreamValidationError` for a bad
 * signer or message.
 *
 * @example
 * ```ts
 * import { guardFor, signExitTransaction, submitTransaction, sendTargetHeliusSender } from "lasersell-stream/tx";
 *
 * if (event.type === "exit_signal_with_tx") {
 *   // The tip allowance and mirror-buy caps come from the session's own configure.
 *   const { signedTxB64 } = signExitTransaction(event.message, keypair, guardFor(session));
 *   await submitTransaction(sendTargetHeliusSender(), signedTxB64, { timeoutMs: 5_000 });
 * }
 * ```
 */
export function signExitTransaction(message: ExitMessageLike, signer: SignerInput, options: SignExitOptions = {}): SignedTransaction {
  const key = createSigner(signer);
  const { decoded, summary } = guardTransaction(message, key.publicKey, options);
  if (options.path === "web3") {
    const w = signWithWeb3(decoded.bytes, signer, key);
    return result(w.bytes, w.signature, summary, w.tx);
  }
  const signature = signInPlace(decoded.bytes, key);
  return result(decoded.bytes, signature, summary);
}

/**
 * Fast path without the guard (the official SDK's name): base64-decodes, signs the message bytes
 * with the signer's Ed25519 key and writes the signature into the signer's slot; no web3.js
 * deserialize/serialize. Output is byte-identical to {@link signUnsignedTx}. Prefer
 * {@link signExitTransaction}, which checks the transaction first.
 *
 * @deprecated Use {@link signExitTransaction} (it guards, then signs on this same fast path and
 * returns `signedTxB64`). Kept as the official SDK's name so migration stays a package swap.
 */
export function signUnsignedTxB64Fast(unsignedTxB64: string, signer: SignerInput): string {
  const key = createSigner(signer);
  const bytes = decodeBase64Strict(unsignedTxB64);
  signInPlace(bytes, key);
  return toB64(bytes);
}

/**
 * web3.js path without the guard (the official SDK's name): deserializes into a
 * `VersionedTransaction` and signs it.
 *
 * @deprecated Use {@link signExitTransaction} (it guards first; its result's `transaction` is
 * the web3.js object when you need one). Kept as the official SDK's name.
 */
export function signUnsignedTx(unsignedTxB64: string, signer: SignerInput): VersionedTransaction {
  const key = createSigner(signer);
  return signWithWeb3(decodeBase64Strict(unsignedTxB64), signer, key).tx;
}

/**
 * Base64 of a (signed) `VersionedTransaction` (the official SDK's name).
 *
 * @deprecated {@link signExitTransaction} returns `signedTxB64` already. Kept as the official
 * SDK's name.
 */
export function encodeSignedTx(tx: VersionedTransaction): string {
  return toB64(tx.serialize());
}

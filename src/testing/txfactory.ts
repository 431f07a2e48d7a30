/**
 * Real, unsigned `VersionedTransaction`s for the mock server's exit and mirror-buy signals.
 *
 * Each one is a v0 message whose fee payer is the position's wallet, with a compute-budget limit,
 * a compute-unit price and a memo (`lasersell-mock:<kind>:<position or mint>:<tokens>`) that
 * names the wallet as a signer; the recent blockhash comes from the server's seeded PRNG. It
 * decodes with `@solana/web3.js`, can be signed with the wallet's key, and moves no SOL beyond
 * the network fee.
 */
import {
  ComputeBudgetProgram,
  PublicKey,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from "@solana/web3.js";
import bs58 from "bs58";
import type { Prng } from "./market.js";

/** The SPL Memo program (v2). */
export const MEMO_PROGRAM_ID = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr";

/** Compute budget the mock puts in every transaction. */
export const MOCK_COMPUTE_UNIT_LIMIT = 60_000;
/** Priority fee the mock puts in every transaction, micro-lamports per compute unit. */
export const MOCK_COMPUTE_UNIT_PRICE = 10_000;

/** An unsigned exit transaction the mock built, with what it needs to recognise the signed one. */
export interface UnsignedTx {
  /** Strict base64 of the serialized transaction, signature slots zeroed. */
  b64: string;
  /** The serialized message: the bytes the fee payer signs, and the key the RPC matches on. */
  message: Uint8Array;
  blockhash: string;
}

/** Builds an unsigned transaction for `feePayer` carrying `memo`. */
export function buildUnsignedTx(feePayer: string, memo: string, prng: Prng): UnsignedTx {
  const payer = new PublicKey(feePayer);
  const blockhash = bs58.encode(prng.bytes(32));
  const instructions = [
    ComputeBudgetProgram.setComputeUnitLimit({ units: MOCK_COMPUTE_UNIT_LIMIT }),
    ComputeBudgetProgram.setComputeUnitPrice({ microLamports: MOCK_COMPUTE_UNIT_PRICE }),
    new TransactionInstruction({
      programId: new PublicKey(MEMO_PROGRAM_ID),
      keys: [{ pubkey: payer, isSigner: true, isWritable: false }],
      data: Buffer.from(memo, "utf8"),
    }),
  ];
  const message = new TransactionMessage({ payerKey: payer, recentBlockhash: blockhash, instructions }).compileToV0Message();
  const tx = new VersionedTransaction(message);
  const bytes = tx.serialize();
  return { b64: Buffer.from(bytes).toString("base64"), message: message.serialize(), blockhash };
}

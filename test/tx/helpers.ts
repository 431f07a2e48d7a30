/** Builders of real unsigned transactions (legacy and v0) with @solana/web3.js, for the tx tests. */
import {
  AddressLookupTableAccount,
  ComputeBudgetProgram,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from "@solana/web3.js";

export const MEMO_PROGRAM_ID = new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
/** A Helius-style tip account (any fixed key will do offline). */
export const TIP_ACCOUNT = new PublicKey("4ACfpUFoaSD9bfPdeu6DBt89gB6ENTeHBXCAi87NhDEE");
export const BLOCKHASH = "EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k";

/** Deterministic keypair from a one-byte seed, so failures are reproducible. */
export function keypair(seedByte: number): Keypair {
  return Keypair.fromSeed(new Uint8Array(32).fill(seedByte));
}

export function memo(signer: PublicKey, text = "lasersell exit"): TransactionInstruction {
  return new TransactionInstruction({
    programId: MEMO_PROGRAM_ID,
    keys: [{ pubkey: signer, isSigner: true, isWritable: false }],
    data: Buffer.from(text, "utf8"),
  });
}

/** A plausible exit: compute budget, a memo standing in for the swap, and a tip when `tipLamports` is given. */
export function exitInstructions(
  wallet: PublicKey,
  opts: { tipLamports?: number; cuLimit?: number; cuPriceMicroLamports?: number } = {},
): TransactionInstruction[] {
  return [
    ComputeBudgetProgram.setComputeUnitLimit({ units: opts.cuLimit ?? 200_000 }),
    ComputeBudgetProgram.setComputeUnitPrice({ microLamports: opts.cuPriceMicroLamports ?? 100_000 }),
    memo(wallet),
    ...(opts.tipLamports === undefined ? [] : [SystemProgram.transfer({ fromPubkey: wallet, toPubkey: TIP_ACCOUNT, lamports: opts.tipLamports })]),
  ];
}

/** Unsigned legacy transaction; `preSigners` (not the payer) sign it already, as a server might. */
export function legacyTxB64(payer: PublicKey, instructions: TransactionInstruction[], preSigners: Keypair[] = []): string {
  const tx = new Transaction({ feePayer: payer, recentBlockhash: BLOCKHASH });
  tx.add(...instructions);
  if (preSigners.length > 0) tx.partialSign(...preSigners);
  return tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString("base64");
}

export function v0TxB64(payer: PublicKey, instructions: TransactionInstruction[], lookupTables: AddressLookupTableAccount[] = []): string {
  const message = new TransactionMessage({ payerKey: payer, recentBlockhash: BLOCKHASH, instructions }).compileToV0Message(lookupTables);
  return Buffer.from(new VersionedTransaction(message).serialize()).toString("base64");
}

/** An offline lookup table holding `addresses`. */
export function lookupTable(key: PublicKey, addresses: PublicKey[]): AddressLookupTableAccount {
  return new AddressLookupTableAccount({
    key,
    state: { deactivationSlot: 2n ** 64n - 1n, lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, addresses },
  });
}

/** An exit_signal_with_tx-shaped message (only the fields the guard reads, plus a few). */
export function exitSignal(wallet: PublicKey, unsignedTxB64: string): {
  type: "exit_signal_with_tx";
  wallet_pubkey: string;
  unsigned_tx_b64: string;
  position_id: number;
} {
  return { type: "exit_signal_with_tx", wallet_pubkey: wallet.toBase58(), unsigned_tx_b64: unsignedTxB64, position_id: 1842 };
}

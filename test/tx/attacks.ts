/**
 * Attacks a hostile server could put in an `exit_signal_with_tx` or `mirror_buy_signal`, and the
 * realistic benign exits they are hidden in: shared by the attack-matrix test and the property test.
 */
import {
  ComputeBudgetProgram,
  NONCE_ACCOUNT_LENGTH,
  PublicKey,
  SystemProgram,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from "@solana/web3.js";
import type { KnownMarketType } from "../../src/protocol/index.js";
import { MockPrng, buildBuyTx, buildSellTx, mockAssociatedTokenAccount } from "../../src/testing/index.js";
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  DEX_PROGRAM_IDS,
  HELIUS_TIP_ACCOUNTS,
  JITO_TIP_ACCOUNTS,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  TransactionGuardError,
  WSOL_MINT,
} from "../../src/tx/index.js";
import { BLOCKHASH, keypair } from "./helpers.js";

export const wallet = keypair(1);
export const W = wallet.publicKey;
export const attacker = keypair(66).publicKey;
export const watched = keypair(67).publicKey.toBase58();
export const MINT = keypair(68).publicKey;
export const POSITION_ACCOUNT = new PublicKey(mockAssociatedTokenAccount(W.toBase58(), MINT.toBase58()));
export const TIP = 1_000;
export const BUY = 100_000_000; // 0.1 SOL
export const MARKET_TYPES = Object.keys(DEX_PROGRAM_IDS) as KnownMarketType[];
export const SEND_MODES = ["rpc", "helius_sender", "astralane"] as const;
const TOKEN = new PublicKey(TOKEN_PROGRAM_ID);
const TOKEN_2022 = new PublicKey(TOKEN_2022_PROGRAM_ID);
const U64_MAX = 2n ** 64n - 1n;

/** The user's own configuration, as `connection.state` holds it: a 1,000-lamport tip, 0.1 SOL auto-buys. */
export const CONFIGURATION = {
  send_mode: "helius_sender",
  tip_lamports: TIP,
  watch_wallets: [{ pubkey: watched, auto_buy: { wallet_pubkey: W.toBase58(), amount_quote_units: BUY } }],
};

/** The guard's refusal of `fn`: fails the test if `fn` signs, or throws anything else. */
export function refusal(fn: () => unknown): TransactionGuardError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TransactionGuardError) return err;
    throw new Error(`expected a TransactionGuardError, got ${String(err)}`);
  }
  throw new Error("expected a refusal, but the transaction was signed");
}

export function exitMessage(b64: string, extra: Record<string, unknown> = {}): { wallet_pubkey: string; unsigned_tx_b64: string } {
  return { type: "exit_signal_with_tx", wallet_pubkey: W.toBase58(), mint: MINT.toBase58(), unsigned_tx_b64: b64, ...extra } as never;
}

export function buyMessage(b64: string, extra: Record<string, unknown> = {}): { user_wallet: string; unsigned_tx_b64: string } {
  return {
    type: "mirror_buy_signal",
    user_wallet: W.toBase58(),
    watched_wallet: watched,
    mint: MINT.toBase58(),
    input: "SOL",
    amount_quote_units: BUY,
    unsigned_tx_b64: b64,
    ...extra,
  } as never;
}

/** A realistic mock exit (router sell) or mirror buy for a market type and send mode. */
export function benign(kind: "sell" | "buy", marketType: KnownMarketType, sendMode: string, seed = 1): string {
  const spec = {
    wallet: W.toBase58(),
    mint: MINT.toBase58(),
    marketType,
    marketContext: { market_type: marketType },
    amount: kind === "sell" ? 17_000_000_000n : BigInt(BUY),
    sendMode,
    tipLamports: TIP,
  };
  return (kind === "sell" ? buildSellTx : buildBuyTx)(spec, new MockPrng(seed)).b64;
}

/** The instructions of a base64 transaction (decompiled, no lookup tables). */
export function instructionsOf(b64: string): TransactionInstruction[] {
  return TransactionMessage.decompile(VersionedTransaction.deserialize(Buffer.from(b64, "base64")).message).instructions;
}

export function compileV0(instructions: TransactionInstruction[], payer = W): string {
  const message = new TransactionMessage({ payerKey: payer, recentBlockhash: BLOCKHASH, instructions }).compileToV0Message();
  return Buffer.from(new VersionedTransaction(message).serialize()).toString("base64");
}

const u64le = (v: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};

function token(program: PublicKey, data: number[] | Buffer, keys: [PublicKey, boolean, boolean][]): TransactionInstruction {
  return new TransactionInstruction({
    programId: program,
    keys: keys.map(([pubkey, isSigner, isWritable]) => ({ pubkey, isSigner, isWritable })),
    data: Buffer.from(data),
  });
}

const acct = (k: PublicKey, signer = false, writable = true): [PublicKey, boolean, boolean] => [k, signer, writable];
const walletSigner = acct(W, true, false);
const foreign = keypair(70).publicKey;

/** Instructions an attacker adds (each alone must be refused), with the rule that refuses it. */
export const ATTACK_INSTRUCTIONS: { name: string; rule: string; ix: () => TransactionInstruction[] }[] = [
  { name: "System transfer of 99 SOL to the attacker", rule: "sol_outflow", ix: () => [SystemProgram.transfer({ fromPubkey: W, toPubkey: attacker, lamports: 99e9 })] },
  { name: "100 SOL 'tip' to a Helius tip account", rule: "sol_outflow", ix: () => [SystemProgram.transfer({ fromPubkey: W, toPubkey: new PublicKey(HELIUS_TIP_ACCOUNTS[0] as string), lamports: 100e9 })] },
  { name: "tip of configured + 1 to a Jito tip account", rule: "sol_outflow", ix: () => [SystemProgram.transfer({ fromPubkey: W, toPubkey: new PublicKey(JITO_TIP_ACCOUNTS[0] as string), lamports: TIP + 1 })] },
  { name: "SPL Token Transfer of the position to a foreign account", rule: "token_authority", ix: () => [token(TOKEN, [3, ...u64le(17_000_000_000n)], [acct(POSITION_ACCOUNT), acct(foreign), walletSigner])] },
  {
    name: "Token-2022 TransferChecked to a foreign account",
    rule: "token_authority",
    ix: () => [token(TOKEN_2022, [12, ...u64le(5n), 6], [acct(POSITION_ACCOUNT), acct(MINT, false, false), acct(foreign), walletSigner])],
  },
  { name: "Approve u64::MAX to a foreign delegate", rule: "token_authority", ix: () => [token(TOKEN, [4, ...u64le(U64_MAX)], [acct(POSITION_ACCOUNT), acct(attacker, false, false), walletSigner])] },
  {
    name: "ApproveChecked (Token-2022) to a foreign delegate",
    rule: "token_authority",
    ix: () => [token(TOKEN_2022, [13, ...u64le(U64_MAX), 6], [acct(POSITION_ACCOUNT), acct(MINT, false, false), acct(attacker, false, false), walletSigner])],
  },
  { name: "SetAuthority (account owner) to the attacker", rule: "token_authority", ix: () => [token(TOKEN, [6, 2, 1, ...attacker.toBytes()], [acct(POSITION_ACCOUNT), walletSigner])] },
  { name: "SetAuthority (close authority) to none", rule: "token_authority", ix: () => [token(TOKEN, [6, 3, 0], [acct(POSITION_ACCOUNT), walletSigner])] },
  { name: "Burn the position", rule: "token_authority", ix: () => [token(TOKEN, [8, ...u64le(17_000_000_000n)], [acct(POSITION_ACCOUNT), acct(MINT), walletSigner])] },
  { name: "BurnChecked (Token-2022)", rule: "token_authority", ix: () => [token(TOKEN_2022, [15, ...u64le(1n), 6], [acct(POSITION_ACCOUNT), acct(MINT), walletSigner])] },
  { name: "CloseAccount paying the attacker", rule: "token_authority", ix: () => [token(TOKEN, [9], [acct(POSITION_ACCOUNT), acct(attacker), walletSigner])] },
  { name: "MintTo (wallet as mint authority) a foreign account", rule: "token_authority", ix: () => [token(TOKEN, [7, ...u64le(1n)], [acct(MINT), acct(foreign), walletSigner])] },
  { name: "FreezeAccount with the wallet's authority", rule: "token_authority", ix: () => [token(TOKEN, [10], [acct(foreign), acct(MINT, false, false), walletSigner])] },
  {
    name: "Token-2022 extension (WithdrawWithheldTokensFromMint) signed by the wallet",
    rule: "token_authority",
    ix: () => [token(TOKEN_2022, [26, 2], [acct(MINT), acct(foreign), walletSigner])],
  },
  {
    name: "Transfer through a multisig whose signer is the wallet",
    rule: "token_authority",
    ix: () => [token(TOKEN, [3, ...u64le(1n)], [acct(POSITION_ACCOUNT), acct(foreign), acct(keypair(71).publicKey, false, false), walletSigner])],
  },
  {
    name: "unknown program given the wallet as a writable signer",
    rule: "allowed_programs",
    ix: () => [new TransactionInstruction({ programId: keypair(72).publicKey, keys: [{ pubkey: W, isSigner: true, isWritable: true }], data: Buffer.from([0]) })],
  },
  { name: "Allocate on the wallet (locks its SOL)", rule: "system_authority", ix: () => [SystemProgram.allocate({ accountPubkey: W, space: 10_000 })] },
  { name: "Assign the wallet to another program", rule: "system_authority", ix: () => [SystemProgram.assign({ accountPubkey: W, programId: attacker })] },
  {
    name: "AllocateWithSeed with the wallet as base",
    rule: "system_authority",
    ix: () => [
      SystemProgram.allocate({ accountPubkey: foreign, basePubkey: W, seed: "x", space: 100, programId: attacker }),
    ],
  },
  { name: "AssignWithSeed with the wallet as base", rule: "system_authority", ix: () => [SystemProgram.assign({ accountPubkey: foreign, basePubkey: W, seed: "x", programId: attacker })] },
  {
    name: "nonce Withdraw with the wallet as authority",
    rule: "system_authority",
    ix: () => [SystemProgram.nonceWithdraw({ noncePubkey: foreign, authorizedPubkey: W, toPubkey: attacker, lamports: 1e9 })],
  },
  {
    name: "nonce Authorize with the wallet as authority",
    rule: "system_authority",
    ix: () => [SystemProgram.nonceAuthorize({ noncePubkey: foreign, authorizedPubkey: W, newAuthorizedPubkey: attacker })],
  },
  {
    name: "CreateAccountWithSeed funded by the wallet, never closed back",
    rule: "sol_outflow",
    ix: () => [
      SystemProgram.createAccountWithSeed({
        fromPubkey: W,
        newAccountPubkey: foreign,
        basePubkey: W,
        seed: "x",
        lamports: 50_000_000,
        space: NONCE_ACCOUNT_LENGTH,
        programId: SystemProgram.programId,
      }),
    ],
  },
  {
    name: "TransferWithSeed out of an account derived from the wallet",
    rule: "sol_outflow",
    ix: () => [SystemProgram.transfer({ fromPubkey: foreign, basePubkey: W, toPubkey: attacker, lamports: 1e9, seed: "x", programId: SystemProgram.programId })],
  },
  {
    name: "Associated Token create paid by the wallet for the attacker",
    rule: "sol_outflow",
    ix: () => [
      new TransactionInstruction({
        programId: new PublicKey(ASSOCIATED_TOKEN_PROGRAM_ID),
        keys: [
          { pubkey: W, isSigner: true, isWritable: true },
          { pubkey: foreign, isSigner: false, isWritable: true },
          { pubkey: attacker, isSigner: false, isWritable: false },
          { pubkey: MINT, isSigner: false, isWritable: false },
          { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
          { pubkey: TOKEN, isSigner: false, isWritable: false },
        ],
        data: Buffer.from([1]),
      }),
    ],
  },
  {
    name: "priority fee of 1.4 M CU x 10 M micro-lamports (14 M lamports)",
    rule: "sol_outflow",
    ix: () => [ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 10_000_000 })],
  },
  {
    name: "5 SOL moved into the wallet's own wSOL account in an exit (a disguised buy)",
    rule: "sol_outflow",
    ix: () => [SystemProgram.transfer({ fromPubkey: W, toPubkey: new PublicKey(mockAssociatedTokenAccount(W.toBase58(), WSOL_MINT)), lamports: 5e9 })],
  },
];

/** Harmless instructions a mutation may add: a memo, a Revoke, a smaller tip, SyncNative. */
export const HARMLESS_INSTRUCTIONS: (() => TransactionInstruction)[] = [
  () => new TransactionInstruction({ programId: new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"), keys: [{ pubkey: W, isSigner: true, isWritable: false }], data: Buffer.from("gm") }),
  () => token(TOKEN, [5], [acct(POSITION_ACCOUNT), walletSigner]),
  () => SystemProgram.transfer({ fromPubkey: W, toPubkey: new PublicKey(HELIUS_TIP_ACCOUNTS[3] as string), lamports: 0 }),
  () => token(TOKEN, [17], [acct(new PublicKey(mockAssociatedTokenAccount(W.toBase58(), WSOL_MINT)))]),
];

/**
 * Real, unsigned `VersionedTransaction`s for the mock server's exit and mirror-buy signals, shaped
 * like LaserSell's (`/work/shared/exit-api.md` §3.2: compute-unit limit and price, one router
 * instruction that reaches the DEX by CPI; a buy adds its token account):
 *
 * - sell: `SetComputeUnitLimit`, `SetComputeUnitPrice`, the LaserSell router's `sell` with the
 *   accounts of the position's market type (DEX program, pool or bonding curve, vaults, config,
 *   event authority), and a tip transfer to a Helius Sender or Astralane tip account when the
 *   configured `send_mode` asks for one and `tip_lamports` is set;
 * - buy: the same around the router's `buy`, after creating the wallet's token account
 *   (idempotent); wrapped-SOL markets fund the wallet's wSOL account, sync it and close it back to
 *   the wallet; Pump.fun buys pay native SOL.
 *
 * The router's data is an 8-byte Anchor-style discriminator, the amount in and the minimum out
 * (u64 LE). The mock RPC's simulator (`rpc-simulate.ts`) reads exactly that.
 */
import { createHash } from "node:crypto";
import {
  ComputeBudgetProgram,
  PublicKey,
  SystemProgram,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
  type AccountMeta,
} from "@solana/web3.js";
import bs58 from "bs58";
import type { KnownMarketType } from "../protocol/index.js";
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  ASTRALANE_TIP_ACCOUNTS,
  DEX_PROGRAM_IDS,
  HELIUS_TIP_ACCOUNTS,
  LASERSELL_ROUTER_PROGRAM_ID,
  MEMO_PROGRAM_ID,
  SYSTEM_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  WSOL_MINT,
} from "../tx/programs.js";
import type { MockPrng } from "./market.js";

export { MEMO_PROGRAM_ID } from "../tx/programs.js";

/** Compute-unit limit of the mock's exits and buys. */
export const MOCK_COMPUTE_UNIT_LIMIT = 140_000;
/** Priority fee the mock puts in every transaction, micro-lamports per compute unit. */
export const MOCK_COMPUTE_UNIT_PRICE = 50_000;

/** The router's instruction discriminators (first 8 bytes of sha256("global:<name>")). */
export const ROUTER_DISCRIMINATORS = {
  sell: createHash("sha256").update("global:sell").digest().subarray(0, 8),
  buy: createHash("sha256").update("global:buy").digest().subarray(0, 8),
} as const;

/** An unsigned exit transaction the mock built, with what it needs to recognise the signed one. */
export interface UnsignedTx {
  /** Strict base64 of the serialized transaction, signature slots zeroed. */
  b64: string;
  /** The serialized message: the bytes the fee payer signs, and the key the RPC matches on. */
  message: Uint8Array;
  blockhash: string;
}

/** What an exit or mirror buy is built from. */
export interface SwapTxSpec {
  wallet: string;
  mint: string;
  marketType: KnownMarketType;
  /** `market_context` of the position (its `pool`, `config`... are used when present). */
  marketContext: Record<string, unknown>;
  /** Sell: raw tokens; buy: quote units (lamports). */
  amount: bigint;
  /** Minimum out (slippage-adjusted); 0 when not given. */
  minOut?: bigint;
  /** The configured `send_mode`: `helius_sender` and `astralane` add a tip transfer. */
  sendMode?: string | undefined;
  /** The configured `tip_lamports`; no tip without it. */
  tipLamports?: number | bigint | undefined;
}

const pk = (s: string): PublicKey => new PublicKey(s);
const TOKEN = pk(TOKEN_PROGRAM_ID);
const ATA_PROGRAM = pk(ASSOCIATED_TOKEN_PROGRAM_ID);
const pdaCache = new Map<string, PublicKey>();

function pda(seeds: (string | PublicKey)[], program: string): PublicKey {
  const id = `${program}:${seeds.map((s) => (typeof s === "string" ? s : s.toBase58())).join(":")}`;
  let found = pdaCache.get(id);
  if (found === undefined) {
    found = PublicKey.findProgramAddressSync(
      seeds.map((s) => (typeof s === "string" ? Buffer.from(s) : s.toBuffer())),
      pk(program),
    )[0];
    if (pdaCache.size > 4096) pdaCache.clear();
    pdaCache.set(id, found);
  }
  return found;
}

/** The wallet's associated token account for `mint` (SPL Token). */
export function mockAssociatedTokenAccount(wallet: string, mint: string): string {
  return pda([pk(wallet), TOKEN, pk(mint)], ASSOCIATED_TOKEN_PROGRAM_ID).toBase58();
}

/** Markets quoted in wrapped SOL held in a token account (all but Pump.fun's bonding curve). */
const usesWrappedSol = (type: KnownMarketType): boolean => type !== "pump_fun";

function contextKey(ctx: Record<string, unknown>, type: string, field: string): PublicKey | undefined {
  const inner = ctx[type.replace("pump_fun", "pumpfun").replace("pump_swap", "pumpswap")];
  const v = inner !== null && typeof inner === "object" ? (inner as Record<string, unknown>)[field] : undefined;
  return typeof v === "string" ? pk(v) : undefined;
}

/** The DEX accounts the router passes on, per market type (PDAs derived like the real programs'). */
function marketAccounts(spec: SwapTxSpec): AccountMeta[] {
  const dex = DEX_PROGRAM_IDS[spec.marketType];
  const mint = pk(spec.mint);
  const w = (pubkey: PublicKey): AccountMeta => ({ pubkey, isSigner: false, isWritable: true });
  const r = (pubkey: PublicKey): AccountMeta => ({ pubkey, isSigner: false, isWritable: false });
  const ctx = spec.marketContext;
  const pool =
    contextKey(ctx, spec.marketType, "pool") ?? pda([spec.marketType === "pump_fun" ? "bonding-curve" : "pool", mint], dex);
  const config = contextKey(ctx, spec.marketType, "config") ?? contextKey(ctx, spec.marketType, "global_config") ?? pda(["global"], dex);
  return [
    r(pk(dex)),
    r(config),
    w(pool),
    w(pda(["pool_vault", pool, mint], dex)),
    w(pda(["pool_vault", pool, pk(WSOL_MINT)], dex)),
    r(pda(["__event_authority"], dex)),
  ];
}

function routerInstruction(spec: SwapTxSpec, side: "sell" | "buy", quoteAccount: PublicKey | undefined): TransactionInstruction {
  const wallet = pk(spec.wallet);
  const data = Buffer.alloc(24);
  ROUTER_DISCRIMINATORS[side].forEach((b, i) => data.writeUInt8(b, i));
  data.writeBigUInt64LE(spec.amount, 8);
  data.writeBigUInt64LE(spec.minOut ?? 0n, 16);
  return new TransactionInstruction({
    programId: pk(LASERSELL_ROUTER_PROGRAM_ID),
    keys: [
      { pubkey: wallet, isSigner: true, isWritable: true },
      { pubkey: pk(mockAssociatedTokenAccount(spec.wallet, spec.mint)), isSigner: false, isWritable: true },
      { pubkey: pk(spec.mint), isSigner: false, isWritable: false },
      { pubkey: quoteAccount ?? wallet, isSigner: false, isWritable: true },
      ...marketAccounts(spec),
      { pubkey: TOKEN, isSigner: false, isWritable: false },
      { pubkey: pk(SYSTEM_PROGRAM_ID), isSigner: false, isWritable: false },
    ],
    data,
  });
}

function tipInstruction(spec: SwapTxSpec, prng: MockPrng): TransactionInstruction[] {
  const tip = spec.tipLamports === undefined ? 0 : Number(spec.tipLamports);
  const accounts = spec.sendMode === "helius_sender" ? HELIUS_TIP_ACCOUNTS : spec.sendMode === "astralane" ? ASTRALANE_TIP_ACCOUNTS : [];
  const to = accounts[prng.int(0, accounts.length - 1)];
  if (tip <= 0 || to === undefined) return [];
  return [SystemProgram.transfer({ fromPubkey: pk(spec.wallet), toPubkey: pk(to), lamports: tip })];
}

function createAta(wallet: PublicKey, mint: PublicKey): TransactionInstruction {
  return new TransactionInstruction({
    programId: ATA_PROGRAM,
    keys: [
      { pubkey: wallet, isSigner: true, isWritable: true },
      { pubkey: pda([wallet, TOKEN, mint], ASSOCIATED_TOKEN_PROGRAM_ID), isSigner: false, isWritable: true },
      { pubkey: wallet, isSigner: false, isWritable: false },
      { pubkey: mint, isSigner: false, isWritable: false },
      { pubkey: pk(SYSTEM_PROGRAM_ID), isSigner: false, isWritable: false },
      { pubkey: TOKEN, isSigner: false, isWritable: false },
    ],
    data: Buffer.from([1]), // CreateIdempotent
  });
}

function tokenInstruction(tag: number, keys: [PublicKey, boolean, boolean][]): TransactionInstruction {
  return new TransactionInstruction({
    programId: TOKEN,
    keys: keys.map(([pubkey, isSigner, isWritable]) => ({ pubkey, isSigner, isWritable })),
    data: Buffer.from([tag]),
  });
}

function compile(feePayer: string, instructions: TransactionInstruction[], prng: MockPrng): UnsignedTx {
  const blockhash = bs58.encode(prng.bytes(32));
  const message = new TransactionMessage({ payerKey: pk(feePayer), recentBlockhash: blockhash, instructions }).compileToV0Message();
  const bytes = new VersionedTransaction(message).serialize();
  return { b64: Buffer.from(bytes).toString("base64"), message: message.serialize(), blockhash };
}

const budget = (): TransactionInstruction[] => [
  ComputeBudgetProgram.setComputeUnitLimit({ units: MOCK_COMPUTE_UNIT_LIMIT }),
  ComputeBudgetProgram.setComputeUnitPrice({ microLamports: MOCK_COMPUTE_UNIT_PRICE }),
];

/** An unsigned sell of `spec.amount` raw tokens, shaped like a LaserSell exit. */
export function buildSellTx(spec: SwapTxSpec, prng: MockPrng): UnsignedTx {
  return compile(spec.wallet, [...budget(), routerInstruction(spec, "sell", undefined), ...tipInstruction(spec, prng)], prng);
}

/** An unsigned buy spending `spec.amount` lamports, shaped like a LaserSell mirror buy. */
export function buildBuyTx(spec: SwapTxSpec, prng: MockPrng): UnsignedTx {
  const wallet = pk(spec.wallet);
  const instructions = [...budget(), createAta(wallet, pk(spec.mint))];
  if (usesWrappedSol(spec.marketType)) {
    const wsol = pk(mockAssociatedTokenAccount(spec.wallet, WSOL_MINT));
    instructions.push(
      createAta(wallet, pk(WSOL_MINT)),
      SystemProgram.transfer({ fromPubkey: wallet, toPubkey: wsol, lamports: spec.amount }),
      tokenInstruction(17, [[wsol, false, true]]), // SyncNative
      routerInstruction(spec, "buy", wsol),
      tokenInstruction(9, [
        [wsol, false, true],
        [wallet, false, true],
        [wallet, true, false],
      ]), // CloseAccount: the unspent wrapped SOL back to the wallet
    );
  } else {
    instructions.push(routerInstruction(spec, "buy", undefined));
  }
  return compile(spec.wallet, [...instructions, ...tipInstruction(spec, prng)], prng);
}

/** Builds a minimal unsigned transaction for `feePayer` carrying `memo` (compute budget + memo; moves no SOL beyond the fee). */
export function buildUnsignedTx(feePayer: string, memo: string, prng: MockPrng): UnsignedTx {
  const payer = pk(feePayer);
  return compile(
    feePayer,
    [
      ...budget(),
      new TransactionInstruction({
        programId: pk(MEMO_PROGRAM_ID),
        keys: [{ pubkey: payer, isSigner: true, isWritable: false }],
        data: Buffer.from(memo, "utf8"),
      }),
    ],
    prng,
  );
}

/**
 * Signing time per exit transaction: our fast path (guarded and unguarded), the web3.js path, and
 * the official SDK's two signers, on a realistic legacy and v0 exit transaction.
 *
 *   npm run bench:sign            (ITERATIONS=5000 by default)
 */
import * as official from "@lasersell/lasersell-sdk";
import {
  ComputeBudgetProgram,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
  AddressLookupTableAccount,
} from "@solana/web3.js";
import { MockPrng, buildBuyTx } from "../src/testing/index.js";
import { HELIUS_TIP_ACCOUNTS, LASERSELL_ROUTER_PROGRAM_ID, inspectTransaction, signExitTransaction, signUnsignedTxB64Fast } from "../src/tx/index.js";

const ITERATIONS = Number(process.env["ITERATIONS"] ?? 5_000);
const wallet = Keypair.fromSeed(new Uint8Array(32).fill(1));
const W = wallet.publicKey;
const key = (i: number): PublicKey => Keypair.fromSeed(new Uint8Array(32).fill(100 + i)).publicKey;
const BLOCKHASH = "EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k";

// A swap-sized instruction: 14 accounts, 24 bytes of data, like the router's sell.
const swap = new TransactionInstruction({
  programId: new PublicKey(LASERSELL_ROUTER_PROGRAM_ID),
  keys: [W, ...Array.from({ length: 13 }, (_, i) => key(i + 1))].map((pubkey, i) => ({ pubkey, isSigner: i === 0, isWritable: i < 6 })),
  data: Buffer.alloc(24, 7),
});
const instructions = [
  ComputeBudgetProgram.setComputeUnitLimit({ units: 120_000 }),
  ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 50_000 }),
  swap,
  SystemProgram.transfer({ fromPubkey: W, toPubkey: new PublicKey(HELIUS_TIP_ACCOUNTS[0] as string), lamports: 1_000 }),
];

const legacy = (() => {
  const tx = new Transaction({ feePayer: W, recentBlockhash: BLOCKHASH }).add(...instructions);
  return tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString("base64");
})();
const table = new AddressLookupTableAccount({
  key: key(50),
  state: { deactivationSlot: 2n ** 64n - 1n, lastExtendedSlot: 0, lastExtendedSlotStartIndex: 0, addresses: Array.from({ length: 8 }, (_, i) => key(i + 6)) },
});
const v0 = Buffer.from(
  new VersionedTransaction(new TransactionMessage({ payerKey: W, recentBlockhash: BLOCKHASH, instructions }).compileToV0Message([table])).serialize(),
).toString("base64");

function web3Path(b64: string): string {
  const tx = VersionedTransaction.deserialize(Buffer.from(b64, "base64"));
  tx.sign([wallet]);
  return Buffer.from(tx.serialize()).toString("base64");
}

function measure(fn: () => unknown): { mean: number; p50: number; p99: number } {
  for (let i = 0; i < Math.min(500, ITERATIONS); i++) fn();
  const samples = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1_000;
  }
  const sorted = Array.from(samples).sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { mean, p50: sorted[Math.floor(sorted.length * 0.5)] ?? 0, p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0 };
}

// A mock mirror buy on a wrapped-SOL market: ATA creates, wSOL funding, SyncNative, router, close.
const buy = buildBuyTx(
  { wallet: W.toBase58(), mint: key(60).toBase58(), marketType: "raydium_cpmm", marketContext: {}, amount: 100_000_000n, sendMode: "helius_sender", tipLamports: 1_000 },
  new MockPrng(1),
).b64;
const watched = key(61).toBase58();
// The guard's limits, as guardFor(session) reads them from the configure: tip and auto-buy amount.
const options = {
  configuration: { tip_lamports: 1_000, watch_wallets: [{ pubkey: watched, auto_buy: { wallet_pubkey: W.toBase58(), amount_quote_units: 100_000_000 } }] },
};

const rows: [string, string, ReturnType<typeof measure>][] = [];
for (const [name, b64] of [
  ["legacy sell", legacy],
  ["v0+ALT sell", v0],
  ["v0 mirror buy", buy],
] as const) {
  const signal =
    name === "v0 mirror buy"
      ? { user_wallet: W.toBase58(), watched_wallet: watched, input: "SOL", amount_quote_units: 100_000_000, unsigned_tx_b64: b64 }
      : { wallet_pubkey: W.toBase58(), unsigned_tx_b64: b64 };
  const reference = web3Path(b64);
  if (signExitTransaction(signal, wallet, options).signedTxB64 !== reference || signUnsignedTxB64Fast(b64, wallet) !== reference) {
    throw new Error(`${name}: fast path output differs from web3.js`);
  }
  rows.push([name, "ours: signExitTransaction (guard + fast path)", measure(() => signExitTransaction(signal, wallet, options))]);
  rows.push([name, "ours: signUnsignedTxB64Fast (no guard)", measure(() => signUnsignedTxB64Fast(b64, wallet))]);
  rows.push([name, "ours: inspectTransaction only", measure(() => inspectTransaction(b64))]);
  rows.push([name, "ours: signExitTransaction path web3", measure(() => signExitTransaction(signal, wallet, { ...options, path: "web3" }))]);
  rows.push([name, "web3.js: deserialize + sign + serialize", measure(() => web3Path(b64))]);
  rows.push([name, "official SDK: signUnsignedTxB64Fast", measure(() => official.signUnsignedTxB64Fast(b64, wallet))]);
  rows.push([name, "official SDK: signUnsignedTx + encode", measure(() => official.encodeSignedTx(official.signUnsignedTx(b64, wallet)))]);
}

const size = (b64: string): number => Buffer.from(b64, "base64").length;
process.stdout.write(
  `Signing one exit transaction (${ITERATIONS} iterations each; legacy ${size(legacy)} bytes, v0 ${size(v0)} bytes, buy ${size(buy)} bytes), Node ${process.version}\n\n`,
);
process.stdout.write(`| tx | path | mean µs | p50 µs | p99 µs |\n|---|---|---:|---:|---:|\n`);
for (const [tx, path, m] of rows) {
  process.stdout.write(`| ${tx} | ${path} | ${m.mean.toFixed(1)} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} |\n`);
}

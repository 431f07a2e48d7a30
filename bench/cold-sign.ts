/**
 * Signing cost hot and cold, broken down: `node --import tsx bench/cold-sign.ts [gapMs]` (default
 * 5: one call every 5 ms, caches cold as on a real stream; 0: back to back, hot). p50/p90 in µs of
 * the floor (base64 + native Ed25519 + base64), base64 alone, ours guarded, our inspection alone,
 * and ours unguarded, on one realistic sell.
 */
import { Keypair } from "@solana/web3.js";
import { performance } from "node:perf_hooks";
import { buildSellTx, MockPrng } from "../src/testing/index.js";
import { signExitTransaction, inspectTransaction, signUnsignedTxB64Fast } from "../src/tx/index.js";
const kp = Keypair.fromSeed(new Uint8Array(32).fill(7));
const MINT = "B1rADWGjAKbZYVHMYhS5ZKyMbqFB65vmNNxUXdgFpump";
const tx = buildSellTx({ wallet: kp.publicKey.toBase58(), mint: MINT, marketType: "pump_fun", marketContext: { market_type: "pump_fun", pumpfun: {} }, amount: 17_543_859_649_123n }, new MockPrng(7)).b64;
const msg = { type: "exit_signal_with_tx", session_id: 1, position_id: 1, wallet_pubkey: kp.publicKey.toBase58(), mint: MINT, position_tokens: 1, profit_units: 1, reason: "stop_loss", triggered_at_ms: 1, market_context: { market_type: "pump_fun", pumpfun: {} }, unsigned_tx_b64: tx } as never;
const guard = { configuration: () => ({}) } as never;
const sleep = (ms: number): Promise<unknown> => new Promise((r) => setTimeout(r, ms));
import { createPrivateKey, sign as cryptoSign } from "node:crypto";
const FK = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(new Uint8Array(32).fill(7))]), format: "der", type: "pkcs8" });
const cases: Record<string, () => void> = {
  floor: () => { const b = Buffer.from(tx, "base64"); const s = cryptoSign(null, b.subarray(1 + 64 * b[0]!), FK); b.set(s, 1); b.toString("base64"); },
  b64only: () => { const b = Buffer.from(tx, "base64"); b.toString("base64"); },
  guarded: () => void signExitTransaction(msg, kp, guard),
  inspect: () => void inspectTransaction(tx),
  fastNoGuard: () => void signUnsignedTxB64Fast(tx, kp),
};
const gap = Number(process.argv[2] ?? 5);
for (const [name, fn] of Object.entries(cases)) {
  const xs: number[] = [];
  for (let i = 0; i < 300; i++) {
    if (gap > 0) await sleep(gap);
    const t = performance.now(); fn(); xs.push((performance.now() - t) * 1000);
  }
  xs.sort((a, b) => a - b);
  console.log(name, "p50", xs[150]!.toFixed(1), "p90", xs[270]!.toFixed(1));
}

import { createPublicKey, verify } from "node:crypto";
import * as official from "@lasersell/lasersell-sdk";
import { ComputeBudgetProgram, PublicKey, SystemProgram, VersionedTransaction, type TransactionInstruction } from "@solana/web3.js";
import bs58 from "bs58";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createSigner,
  decodeTransaction,
  encodeSignedTx,
  proveOwnership,
  signExitTransaction,
  signUnsignedTx,
  signUnsignedTxB64Fast,
  TransactionGuardError,
} from "../../src/tx/index.js";
import { TIP_ACCOUNT, exitInstructions, exitSignal, keypair, legacyTxB64, lookupTable, memo, v0TxB64 } from "./helpers.js";

const wallet = keypair(1);
const W = wallet.publicKey;
const cosigner = keypair(5);

function ed25519Verify(message: Uint8Array, signature: Uint8Array, pubkey: Uint8Array): boolean {
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), pubkey]);
  return verify(null, message, createPublicKey({ key: spki, format: "der", type: "spki" }), signature);
}

/** web3.js's own path, as a bot would write it. */
function web3Reference(b64: string): string {
  const tx = VersionedTransaction.deserialize(Buffer.from(b64, "base64"));
  tx.sign([wallet]);
  return Buffer.from(tx.serialize()).toString("base64");
}

const table = lookupTable(keypair(30).publicKey, [keypair(31).publicKey, keypair(32).publicKey, keypair(33).publicKey]);

const shapes: [string, string][] = [
  ["legacy", legacyTxB64(W, exitInstructions(W))],
  ["v0", v0TxB64(W, exitInstructions(W))],
  ["v0 with an address lookup table", v0TxB64(W, exitInstructions(W), [table])],
  ["legacy with a second signer that already signed", legacyTxB64(W, [...exitInstructions(W), memo(cosigner.publicKey)], [cosigner])],
];

describe("fast path and web3.js path give identical bytes", () => {
  it.each(shapes)("%s", (_name, b64) => {
    const reference = web3Reference(b64);
    const fast = signExitTransaction(exitSignal(W, b64), wallet);
    const viaWeb3 = signExitTransaction(exitSignal(W, b64), wallet, { path: "web3" });
    expect(fast.signedTxB64).toBe(reference);
    expect(viaWeb3.signedTxB64).toBe(reference);
    expect(fast.signature).toBe(viaWeb3.signature);
    expect(signUnsignedTxB64Fast(b64, wallet)).toBe(reference);
    expect(encodeSignedTx(signUnsignedTx(b64, wallet))).toBe(reference);
    // And identical to the official SDK's two signers.
    expect(official.signUnsignedTxB64Fast(b64, wallet)).toBe(reference);
    expect(official.encodeSignedTx(official.signUnsignedTx(b64, wallet))).toBe(reference);
  });

  it("the unguarded fast path signs a signer that is not the fee payer, in its own slot", () => {
    const b64 = legacyTxB64(cosigner.publicKey, [memo(cosigner.publicKey), memo(W)], [cosigner]);
    const signed = Buffer.from(signUnsignedTxB64Fast(b64, wallet), "base64");
    const decoded = decodeTransaction(b64);
    const slot = decoded.staticAccountKeys.indexOf(W.toBase58());
    expect(slot).toBe(1);
    expect(ed25519Verify(signed.subarray(decoded.messageOffset), signed.subarray(1 + 64 * slot, 1 + 64 * (slot + 1)), W.toBytes())).toBe(true);
    const tx = VersionedTransaction.deserialize(Buffer.from(b64, "base64"));
    tx.sign([wallet]);
    expect(Buffer.from(tx.serialize()).equals(signed)).toBe(true);
  });

  it("the unguarded fast path refuses a key that is not a required signer", () => {
    expect(() => signUnsignedTxB64Fast(legacyTxB64(W, [memo(W)]), cosigner)).toThrow(TransactionGuardError);
  });

  it("property: random legacy and v0 exits sign identically on both paths", () => {
    const ix = fc.oneof(
      fc.string({ maxLength: 40 }).map((t) => memo(W, t)),
      fc.integer({ min: 0, max: 5_000 }).map((l) => SystemProgram.transfer({ fromPubkey: W, toPubkey: TIP_ACCOUNT, lamports: l })),
      fc.integer({ min: 1, max: 1_400_000 }).map((units) => ComputeBudgetProgram.setComputeUnitLimit({ units })),
      fc.integer({ min: 0, max: 1_000 }).map((microLamports) => ComputeBudgetProgram.setComputeUnitPrice({ microLamports })),
      fc.nat({ max: 2 }).map((i) => memo(W, `table ${i}`)),
    );
    fc.assert(
      fc.property(fc.array(ix, { minLength: 1, maxLength: 8 }), fc.constantFrom("legacy", "v0", "v0+table"), (ixs: TransactionInstruction[], kind) => {
        const b64 = kind === "legacy" ? legacyTxB64(W, ixs) : v0TxB64(W, ixs, kind === "v0+table" ? [table] : []);
        const fast = signExitTransaction(exitSignal(W, b64), wallet, { maxSolOutflowLamports: 10n ** 12n, tipLamports: 10n ** 12n });
        expect(fast.signedTxB64).toBe(web3Reference(b64));
      }),
      { numRuns: 150 },
    );
  });
});

describe("signers", () => {
  it("createSigner caches one key per Keypair and per string, and notices an array mutated in place", () => {
    expect(createSigner(wallet)).toBe(createSigner(wallet));
    const b58 = bs58.encode(wallet.secretKey);
    expect(createSigner(b58)).toBe(createSigner(b58));
    const bytes = new Uint8Array(wallet.secretKey);
    const first = createSigner(bytes);
    expect(first.publicKey).toBe(W.toBase58());
    bytes.set(cosigner.secretKey);
    expect(createSigner(bytes).publicKey).toBe(cosigner.publicKey.toBase58());
  });

  it("a signer's signature verifies and equals web3.js's (Ed25519 is deterministic)", () => {
    const msg = new TextEncoder().encode("hello");
    const sig = createSigner(wallet).sign(msg);
    expect(sig).toHaveLength(64);
    expect(ed25519Verify(msg, sig, W.toBytes())).toBe(true);
  });

  it("a custom TxSigner (e.g. a remote signer) is used as is, on both paths", () => {
    const inner = createSigner(wallet);
    let calls = 0;
    const custom = {
      publicKey: inner.publicKey,
      publicKeyBytes: inner.publicKeyBytes,
      sign: (m: Uint8Array) => {
        calls++;
        return inner.sign(m);
      },
    };
    const b64 = v0TxB64(W, exitInstructions(W));
    expect(signExitTransaction(exitSignal(W, b64), custom).signedTxB64).toBe(web3Reference(b64));
    expect(signExitTransaction(exitSignal(W, b64), custom, { path: "web3" }).signedTxB64).toBe(web3Reference(b64));
    expect(calls).toBe(2);
  });

  it("the signer's JSON form holds only the public key", () => {
    const text = JSON.stringify(createSigner(wallet));
    expect(text).toBe(JSON.stringify({ publicKey: W.toBase58() }));
  });
});

describe("proveOwnership", () => {
  it("signs lasersell-register:<wallet>:<unix seconds> with the wallet key", () => {
    const proof = proveOwnership(wallet, { nowMs: 1_773_792_000_999 });
    expect(proof.walletPubkey).toBe(W.toBase58());
    expect(proof.message).toBe(`lasersell-register:${W.toBase58()}:1773792000`);
    expect(ed25519Verify(Buffer.from(proof.message), bs58.decode(proof.signature), W.toBytes())).toBe(true);
    // Same bytes as the official SDK's proof for the same message (Ed25519 is deterministic).
    const theirs = official.proveOwnership(wallet);
    const ours = proveOwnership(wallet, { nowMs: Number(theirs.message.split(":")[2]) * 1000 });
    expect(ours.signature).toBe(theirs.signature);
    expect(new PublicKey(ours.walletPubkey).equals(W)).toBe(true);
  });
});

import { verify, createPublicKey } from "node:crypto";
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, Transaction, TransactionInstruction } from "@solana/web3.js";
import bs58 from "bs58";
import { describe, expect, it } from "vitest";
import { parseServerMessage } from "../../src/protocol/index.js";
import {
  DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS,
  StreamValidationError,
  TransactionDecodeError,
  TransactionGuardError,
  inspectTransaction,
  signExitTransaction,
  TOKEN_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  WSOL_MINT,
  associatedTokenAddress,
  type TransactionGuardRule,
} from "../../src/tx/index.js";
import { BLOCKHASH, MEMO_PROGRAM_ID, TIP_ACCOUNT, exitInstructions, exitSignal, keypair, legacyTxB64, lookupTable, memo, v0TxB64 } from "./helpers.js";

const wallet = keypair(1);
const other = keypair(2);
const W = wallet.publicKey;
const wsol = keypair(12).publicKey;

/** SPL Token CloseAccount (discriminator 9): accounts [account, destination, authority]. */
function closeAccount(account: PublicKey, destination: PublicKey, authority: PublicKey, program = TOKEN_PROGRAM_ID): TransactionInstruction {
  return new TransactionInstruction({
    programId: new PublicKey(program),
    keys: [
      { pubkey: account, isSigner: false, isWritable: true },
      { pubkey: destination, isSigner: false, isWritable: true },
      { pubkey: authority, isSigner: true, isWritable: false },
    ],
    data: Buffer.from([9]),
  });
}

/** A program the guard does not know. */
const UNKNOWN = keypair(30).publicKey;
function unknownProgram(signer: PublicKey): TransactionInstruction {
  return new TransactionInstruction({ programId: UNKNOWN, keys: [{ pubkey: signer, isSigner: true, isWritable: true }], data: Buffer.from([1]) });
}

function guardError(fn: () => unknown): TransactionGuardError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TransactionGuardError);
  return caught as TransactionGuardError;
}

/** Verifies the wallet's Ed25519 signature in slot `slot` against the message bytes. */
function verifySlot(signedTxB64: string, pubkey: PublicKey, slot = 0): boolean {
  const bytes = Buffer.from(signedTxB64, "base64");
  const n = bytes[0] as number;
  const sig = bytes.subarray(1 + 64 * slot, 1 + 64 * (slot + 1));
  const message = bytes.subarray(1 + 64 * n);
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), pubkey.toBuffer()]);
  return verify(null, message, createPublicKey({ key: spki, format: "der", type: "spki" }), sig);
}

/** Removes the only signature slot and marks the message as needing no signature. */
function withoutSigners(b64: string): string {
  const bytes = Buffer.from(b64, "base64");
  expect(bytes[0]).toBe(1);
  const message = Buffer.from(bytes.subarray(65));
  message[0] = 0; // legacy header: numRequiredSignatures
  return Buffer.concat([Buffer.from([0]), message]).toString("base64");
}

describe("signExitTransaction: valid exits sign and verify", () => {
  it.each([
    ["legacy", legacyTxB64(W, exitInstructions(W))],
    ["v0", v0TxB64(W, exitInstructions(W))],
  ])("%s exit transaction: signature verifies (ed25519) against the message bytes", (_name, b64) => {
    const signed = signExitTransaction(exitSignal(W, b64), wallet);
    expect(verifySlot(signed.signedTxB64, W)).toBe(true);
    expect(signed.signature).toBe(bs58.encode(Buffer.from(signed.signedTxB64, "base64").subarray(1, 65)));
    // The lazily built web3.js transaction is the signed one.
    expect(bs58.encode(signed.transaction.signatures[0] as Uint8Array)).toBe(signed.signature);
    expect(signed.summary.feePayer).toBe(W.toBase58());
    // Input untouched apart from the signature slot.
    const before = Buffer.from(b64, "base64");
    const after = Buffer.from(signed.signedTxB64, "base64");
    expect(after.subarray(65).equals(before.subarray(65))).toBe(true);
    expect(before.subarray(1, 65).every((b) => b === 0)).toBe(true);
  });

  it("accepts an exit_signal_with_tx decoded by the protocol layer, in both int modes", () => {
    const b64 = v0TxB64(W, exitInstructions(W));
    const frame = JSON.stringify({
      type: "exit_signal_with_tx",
      session_id: 1,
      position_id: 1842,
      wallet_pubkey: W.toBase58(),
      mint: "B1rADWGjAKbZYVHMYhS5ZKyMbqFB65vmNNxUXdgFpump",
      position_tokens: 17543859649123,
      profit_units: -5,
      reason: "stop_loss",
      triggered_at_ms: 1773792051877,
      unsigned_tx_b64: b64,
    });
    for (const ints of ["number", "bigint"] as const) {
      const parsed = parseServerMessage(frame, { ints });
      if (parsed.kind !== "message" || parsed.message.type !== "exit_signal_with_tx") throw new Error("fixture did not parse");
      expect(verifySlot(signExitTransaction(parsed.message, wallet).signedTxB64, W)).toBe(true);
    }
  });

  it("mirror_buy_signal: user_wallet signs; the configured auto_buy amount and tip raise the limit", () => {
    const amount = 100_000_000; // 0.1 SOL moved into the wallet's own wrapped-SOL account
    const wsolAccount = new PublicKey(associatedTokenAddress(W.toBase58(), WSOL_MINT, TOKEN_PROGRAM_ID));
    const watched = keypair(9).publicKey.toBase58();
    const b64 = v0TxB64(W, [
      ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1_000 }),
      SystemProgram.transfer({ fromPubkey: W, toPubkey: wsolAccount, lamports: amount }),
      SystemProgram.transfer({ fromPubkey: W, toPubkey: TIP_ACCOUNT, lamports: 1_000_000 }),
    ]);
    const signal = {
      type: "mirror_buy_signal",
      user_wallet: W.toBase58(),
      watched_wallet: watched,
      unsigned_tx_b64: b64,
      input: "SOL",
      amount_quote_units: BigInt(amount),
      tip_lamports: 1_000_000n,
    };
    const configuration = { tip_lamports: 1_000_000, watch_wallets: [{ pubkey: watched, auto_buy: { wallet_pubkey: W.toBase58(), amount_quote_units: amount } }] };
    expect(verifySlot(signExitTransaction(signal, wallet, { configuration }).signedTxB64, W)).toBe(true);
    // The signal's own tip_lamports and amount widen nothing: bare, the buy has no cap.
    expect(guardError(() => signExitTransaction(signal, wallet)).rule).toBe("buy_limit");
    // No USD1 amount configured for this wallet: refused.
    expect(guardError(() => signExitTransaction({ ...signal, input: "USD1" }, wallet, { configuration })).rule).toBe("buy_limit");
  });

  it("accepts a 64-byte secret, a base58 secret and a JSON byte array as the signer", () => {
    const b64 = legacyTxB64(W, exitInstructions(W));
    const expected = signExitTransaction(exitSignal(W, b64), wallet).signedTxB64;
    for (const signer of [wallet.secretKey, bs58.encode(wallet.secretKey), JSON.stringify(Array.from(wallet.secretKey))]) {
      expect(signExitTransaction(exitSignal(W, b64), signer).signedTxB64).toBe(expected);
    }
  });
});

describe("signExitTransaction: each guard rule refuses", () => {
  const cases: [TransactionGuardRule, string, () => unknown][] = [
    ["decode", "not base64", () => signExitTransaction(exitSignal(W, "not base64!"), wallet)],
    ["decode", "truncated", () => signExitTransaction(exitSignal(W, legacyTxB64(W, exitInstructions(W)).slice(0, 200)), wallet)],
    [
      "fee_payer",
      "another wallet pays the fee",
      () => signExitTransaction(exitSignal(W, v0TxB64(other.publicKey, [memo(W), memo(other.publicKey)])), wallet),
    ],
    ["required_signer", "the wallet is not a signer", () => signExitTransaction(exitSignal(W, withoutSigners(legacyTxB64(W, [memo(W)]))), wallet)],
    [
      "required_signer",
      "a second signature is missing",
      () => signExitTransaction(exitSignal(W, legacyTxB64(W, [memo(W), memo(other.publicKey)])), wallet),
    ],
    ["signer_mismatch", "a signer for another wallet", () => signExitTransaction(exitSignal(W, legacyTxB64(W, exitInstructions(W))), other)],
    [
      "sol_outflow",
      "a transfer draining the wallet",
      () =>
        signExitTransaction(
          exitSignal(W, v0TxB64(W, [...exitInstructions(W), SystemProgram.transfer({ fromPubkey: W, toPubkey: other.publicKey, lamports: 5_000_000_000 })])),
          wallet,
        ),
    ],
    [
      "sol_outflow",
      "a priority fee draining the wallet",
      () => signExitTransaction(exitSignal(W, legacyTxB64(W, exitInstructions(W, { cuLimit: 1_400_000, cuPriceMicroLamports: 1_000_000_000 }))), wallet),
    ],
    [
      "sol_outflow",
      "account funding beyond the limit",
      () =>
        signExitTransaction(
          exitSignal(
            W,
            legacyTxB64(W, [
              SystemProgram.createAccount({ fromPubkey: W, newAccountPubkey: other.publicKey, lamports: 50_000_000, space: 0, programId: MEMO_PROGRAM_ID }),
            ], [other]),
          ),
          wallet,
        ),
    ],
    [
      "system_authority",
      "reassigning the wallet to another program",
      () => signExitTransaction(exitSignal(W, legacyTxB64(W, [SystemProgram.assign({ accountPubkey: W, programId: MEMO_PROGRAM_ID })])), wallet),
    ],
    [
      "token_authority",
      "closing the wallet's wrapped-SOL account to someone else",
      () => signExitTransaction(exitSignal(W, v0TxB64(W, [...exitInstructions(W), closeAccount(wsol, other.publicKey, W)])), wallet),
    ],
    [
      "token_authority",
      "closing a Token-2022 account of the wallet into a lookup-table account",
      () =>
        signExitTransaction(
          exitSignal(W, v0TxB64(W, [closeAccount(wsol, TIP_ACCOUNT, W, TOKEN_2022_PROGRAM_ID)], [lookupTable(keypair(13).publicKey, [TIP_ACCOUNT])])),
          wallet,
        ),
    ],
    [
      "allowed_programs",
      "a program outside the known set and allowedPrograms",
      () => signExitTransaction(exitSignal(W, legacyTxB64(W, [...exitInstructions(W), unknownProgram(W)])), wallet, { allowedPrograms: [MEMO_PROGRAM_ID] }),
    ],
  ];

  it.each(cases)("%s: %s", (rule, _what, run) => {
    const err = guardError(run);
    expect(err.rule).toBe(rule);
    expect(err.code).toBe("transaction_guard");
    expect(err.message.startsWith(`${rule}: `)).toBe(true);
  });

  it("decode refusals carry the decoder's error as cause", () => {
    const err = guardError(() => signExitTransaction(exitSignal(W, "AAAA"), wallet));
    expect(err.cause).toBeInstanceOf(TransactionDecodeError);
  });

  it("names the offending account, program and amounts", () => {
    const fee = guardError(() => signExitTransaction(exitSignal(W, v0TxB64(other.publicKey, [memo(W)])), wallet));
    expect(fee.message).toContain(other.publicKey.toBase58());
    const drain = guardError(() =>
      signExitTransaction(exitSignal(W, legacyTxB64(W, [SystemProgram.transfer({ fromPubkey: W, toPubkey: other.publicKey, lamports: 20_000_000 })])), wallet),
    );
    expect(drain.message).toContain("20000000 lamports");
    expect(drain.message).toContain(other.publicKey.toBase58());
    const unknown = guardError(() => signExitTransaction(exitSignal(W, legacyTxB64(W, [unknownProgram(W)])), wallet));
    expect(unknown.message).toContain(UNKNOWN.toBase58());
    expect(unknown.message).toContain("allowedPrograms");
    const total = guardError(() => signExitTransaction(exitSignal(W, legacyTxB64(W, exitInstructions(W, { cuLimit: 1_400_000, cuPriceMicroLamports: 10_000_000 }))), wallet));
    expect(total.message).toContain(`allowance is ${DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS} lamports`);
  });

  it("the secret key never appears in a guard or signer error", () => {
    const secret = bs58.encode(other.secretKey);
    const err = guardError(() => signExitTransaction(exitSignal(W, legacyTxB64(W, exitInstructions(W))), secret));
    const broken = new Uint8Array(other.secretKey);
    broken[40] = (broken[40] as number) ^ 1;
    let bad: unknown;
    try {
      signExitTransaction(exitSignal(W, legacyTxB64(W, exitInstructions(W))), bs58.encode(broken));
    } catch (e) {
      bad = e;
    }
    expect(bad).toBeInstanceOf(StreamValidationError);
    for (const e of [err, bad as Error]) {
      const text = `${e.message} ${String(e.stack)} ${JSON.stringify(e)}`;
      expect(text).not.toContain(secret);
      expect(text).not.toContain(bs58.encode(broken));
    }
  });

  it("nothing is signed when a rule fails: the message's base64 is left as it was", () => {
    const msg = exitSignal(W, legacyTxB64(W, exitInstructions(W)));
    const copy = msg.unsigned_tx_b64;
    guardError(() => signExitTransaction(msg, other));
    expect(msg.unsigned_tx_b64).toBe(copy);
  });
});

describe("sol_outflow limit", () => {
  const drain = (lamports: number): string =>
    legacyTxB64(W, [SystemProgram.transfer({ fromPubkey: W, toPubkey: TIP_ACCOUNT, lamports })]);
  // One signature, no compute budget: the fee bound is exactly 5,000 lamports.
  const fee = 5_000;

  it("default: tips up to the configured tip, 0 without one; the signal's tip_lamports widens nothing", () => {
    const tip = 3_000_000;
    expect(() => signExitTransaction(exitSignal(W, drain(tip)), wallet, { tipLamports: tip })).not.toThrow();
    expect(() => signExitTransaction(exitSignal(W, drain(tip)), wallet, { configuration: { tip_lamports: tip } })).not.toThrow();
    expect(guardError(() => signExitTransaction(exitSignal(W, drain(tip + 1)), wallet, { tipLamports: tip })).rule).toBe("sol_outflow");
    const bare = guardError(() => signExitTransaction({ ...exitSignal(W, drain(1_000)), tip_lamports: 1_000 } as never, wallet));
    expect(bare.rule).toBe("sol_outflow");
    expect(bare.message).toContain("tipLamports");
    expect(bare.message).toContain("guardFor(session)");
  });

  it("the total is 0.01 SOL + the tip, fee included, boundary exact", () => {
    const limit = Number(DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS);
    const big = 10 ** 12;
    // The tip allowance is huge, so only the total bounds it: fee 5,000 + tip <= 0.01 SOL + tip allowance.
    expect(() => signExitTransaction(exitSignal(W, drain(limit - fee)), wallet, { tipLamports: 0, maxSolOutflowLamports: limit, configuration: { tip_lamports: big } })).toThrow();
    expect(() => signExitTransaction(exitSignal(W, drain(limit - fee)), wallet, { tipLamports: limit - fee, maxSolOutflowLamports: limit })).not.toThrow();
    expect(guardError(() => signExitTransaction(exitSignal(W, drain(limit - fee + 1)), wallet, { tipLamports: limit, maxSolOutflowLamports: limit })).rule).toBe("sol_outflow");
  });

  it.each<[string, number | bigint]>([
    ["number", 6_000],
    ["bigint", 6_000n],
  ])("maxSolOutflowLamports as a %s replaces the default", (_t, max) => {
    expect(() => signExitTransaction(exitSignal(W, drain(1_000)), wallet, { maxSolOutflowLamports: max, tipLamports: 10_000 })).not.toThrow();
    expect(guardError(() => signExitTransaction(exitSignal(W, drain(1_001)), wallet, { maxSolOutflowLamports: max, tipLamports: 10_000 })).rule).toBe("sol_outflow");
  });

  it("rejects a negative or fractional limit as a validation error", () => {
    for (const max of [-1, 1.5, -1n]) {
      expect(() => signExitTransaction(exitSignal(W, drain(1)), wallet, { maxSolOutflowLamports: max })).toThrow(StreamValidationError);
    }
  });

  it("transfers into the wallet and out of other accounts do not count", () => {
    const payer = keypair(3);
    const tx = new Transaction({ feePayer: W, recentBlockhash: BLOCKHASH });
    tx.add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: W, lamports: 9_000_000_000 }));
    tx.partialSign(payer); // the other signer already signed; only the wallet's slot is empty
    const b64 = tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString("base64");
    const signed = signExitTransaction(exitSignal(W, b64), wallet, { maxSolOutflowLamports: 10_000 });
    expect(verifySlot(signed.signedTxB64, W, 0)).toBe(true);
    expect(verifySlot(signed.signedTxB64, payer.publicKey, 1)).toBe(true);
  });

  it("v0 with lookup tables: a transfer from the wallet into a table's account is refused, naming the table", () => {
    const table = keypair(20).publicKey;
    const inTable = [keypair(21).publicKey, keypair(22).publicKey];
    const b64 = v0TxB64(
      W,
      [...exitInstructions(W), SystemProgram.transfer({ fromPubkey: W, toPubkey: inTable[0] as PublicKey, lamports: 2_000 })],
      [lookupTable(table, inTable)],
    );
    const s = inspectTransaction(b64);
    expect(s.addressTableLookups).toEqual([{ table: table.toBase58(), writableIndexes: [0], readonlyIndexes: [] }]);
    const transfer = s.solMovements.find((m) => m.lamports === 2_000n);
    expect(transfer?.to).toEqual({ source: "lookup", index: expect.any(Number), table: table.toBase58(), tableIndex: 0, writable: true });
    expect(s.solOutflowByAccount[W.toBase58()]).toBe(2_000n);
    const err = guardError(() => signExitTransaction(exitSignal(W, b64), wallet));
    expect(err.rule).toBe("sol_outflow");
    expect(err.message).toContain(table.toBase58());
  });

  it("allowedPrograms adds to the known set; dangerouslyAllowAnyProgram allows any", () => {
    const b64 = legacyTxB64(W, [...exitInstructions(W), unknownProgram(W)]);
    expect(guardError(() => signExitTransaction(exitSignal(W, b64), wallet)).rule).toBe("allowed_programs");
    expect(() => signExitTransaction(exitSignal(W, b64), wallet, { allowedPrograms: [UNKNOWN] })).not.toThrow();
    expect(() => signExitTransaction(exitSignal(W, b64), wallet, { allowedPrograms: [UNKNOWN.toBase58()] })).not.toThrow();
    expect(() => signExitTransaction(exitSignal(W, b64), wallet, { dangerouslyAllowAnyProgram: true })).not.toThrow();
  });
});

describe("token account closes", () => {
  it("closing the wallet's wrapped-SOL account back into the wallet is fine, and is reported", () => {
    const b64 = legacyTxB64(W, [...exitInstructions(W), closeAccount(wsol, W, W)]);
    const signed = signExitTransaction(exitSignal(W, b64), wallet);
    expect(verifySlot(signed.signedTxB64, W)).toBe(true);
    expect(signed.summary.tokenAccountCloses).toEqual([
      {
        instruction: 3,
        account: expect.objectContaining({ pubkey: wsol.toBase58() }),
        destination: expect.objectContaining({ pubkey: W.toBase58() }),
        authority: expect.objectContaining({ pubkey: W.toBase58() }),
      },
    ]);
  });

  it("the refusal names the destination", () => {
    const err = guardError(() => signExitTransaction(exitSignal(W, legacyTxB64(W, [closeAccount(wsol, other.publicKey, W)])), wallet));
    expect(err.message).toContain(other.publicKey.toBase58());
  });
});

describe("bad input", () => {
  it("a message without a wallet is a validation error", () => {
    const b64 = legacyTxB64(W, [memo(W)]);
    expect(() => signExitTransaction({ unsigned_tx_b64: b64 } as never, wallet)).toThrow(StreamValidationError);
    expect(() => signExitTransaction({ unsigned_tx_b64: b64, wallet_pubkey: W.toBase58(), user_wallet: other.publicKey.toBase58() } as never, wallet)).toThrow(
      /disagree/,
    );
  });

  it.each([
    ["32 bytes", new Uint8Array(32)],
    ["bad base58", "0OIl"],
    ["wrong JSON", "[1,2,999]"],
    ["not a key at all", { foo: 1 }],
  ])("a signer that is %s is a validation error on field signer", (_what, signer) => {
    let caught: unknown;
    try {
      signExitTransaction(exitSignal(W, legacyTxB64(W, [memo(W)])), signer as never);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(StreamValidationError);
    expect((caught as StreamValidationError).field).toBe("signer");
  });

  it("a Keypair-like object whose publicKey does not match its secret is refused", () => {
    const liar = { secretKey: wallet.secretKey, publicKey: other.publicKey };
    expect(() => signExitTransaction(exitSignal(W, legacyTxB64(W, [memo(W)])), liar)).toThrow(/does not match/);
    expect(Keypair.fromSecretKey(wallet.secretKey).publicKey.equals(W)).toBe(true);
  });
});

import { ComputeBudgetProgram, PublicKey, SystemProgram, VersionedTransaction } from "@solana/web3.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COMPUTE_BUDGET_PROGRAM_ID,
  SYSTEM_PROGRAM_ID,
  TransactionDecodeError,
  decodeTransaction,
  inspectTransaction,
} from "../../src/tx/index.js";
import { BLOCKHASH, MEMO_PROGRAM_ID, TIP_ACCOUNT, exitInstructions, keypair, legacyTxB64, lookupTable, memo, v0TxB64 } from "./helpers.js";

const wallet = keypair(1);
const W = wallet.publicKey;
const Wb = W.toBase58();

function decodeError(input: string): TransactionDecodeError {
  let caught: unknown;
  try {
    decodeTransaction(input);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TransactionDecodeError);
  expect((caught as TransactionDecodeError).code).toBe("transaction_decode");
  return caught as TransactionDecodeError;
}

function patch(b64: string, edit: (bytes: Buffer) => Buffer): string {
  return edit(Buffer.from(b64, "base64")).toString("base64");
}

describe("inspectTransaction", () => {
  it("summarises a legacy exit: version, payer, signers, blockhash, programs, compute budget, fee, SOL out", () => {
    const s = inspectTransaction(legacyTxB64(W, exitInstructions(W, { tipLamports: 1_234, cuLimit: 300_000, cuPriceMicroLamports: 250_000 })));
    expect(s).toMatchObject({
      version: "legacy",
      feePayer: Wb,
      requiredSigners: [Wb],
      signaturesPresent: [false],
      recentBlockhash: BLOCKHASH,
      programIds: [COMPUTE_BUDGET_PROGRAM_ID, MEMO_PROGRAM_ID.toBase58(), SYSTEM_PROGRAM_ID],
      computeUnitLimit: 300_000,
      computeUnitPriceMicroLamports: 250_000n,
      // 5,000 per signature + 300,000 CU x 0.25 lamports
      maxFeeLamports: 80_000n,
      solOutflowByAccount: { [Wb]: 1_234n },
      addressTableLookups: [],
      instructionCount: 4,
    });
    expect(s.solMovements).toEqual([
      {
        instruction: 3,
        kind: "transfer",
        from: { source: "static", index: 0, pubkey: Wb },
        to: { source: "static", index: expect.any(Number), pubkey: TIP_ACCOUNT.toBase58() },
        lamports: 1_234n,
      },
    ]);
  });

  it("without SetComputeUnitLimit the fee bound assumes 200,000 CU per instruction (capped at 1.4M)", () => {
    const price = ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1_000_000 });
    expect(inspectTransaction(v0TxB64(W, [price, memo(W), memo(W)])).maxFeeLamports).toBe(5_000n + 400_000n);
    const many = Array.from({ length: 9 }, () => memo(W));
    expect(inspectTransaction(v0TxB64(W, [price, ...many])).maxFeeLamports).toBe(5_000n + 1_400_000n);
    expect(inspectTransaction(v0TxB64(W, [memo(W)])).computeUnitPriceMicroLamports).toBeUndefined();
  });

  it("reads CreateAccount, CreateAccountWithSeed, TransferWithSeed and Assign", () => {
    const newAcct = keypair(7).publicKey;
    const seeded = PublicKey.findProgramAddressSync([Buffer.from("x")], MEMO_PROGRAM_ID)[0];
    const s = inspectTransaction(
      v0TxB64(W, [
        SystemProgram.createAccount({ fromPubkey: W, newAccountPubkey: newAcct, lamports: 2_039_280, space: 165, programId: MEMO_PROGRAM_ID }),
        SystemProgram.createAccountWithSeed({
          fromPubkey: W,
          newAccountPubkey: seeded,
          basePubkey: W,
          seed: "lasersell-wsol",
          lamports: 3_000_000,
          space: 165,
          programId: MEMO_PROGRAM_ID,
        }),
        SystemProgram.transfer({ fromPubkey: seeded, basePubkey: W, toPubkey: TIP_ACCOUNT, lamports: 77, seed: "s", programId: MEMO_PROGRAM_ID }),
        SystemProgram.assign({ accountPubkey: newAcct, programId: MEMO_PROGRAM_ID }),
      ]),
    );
    expect(s.solMovements.map((m) => [m.kind, m.lamports, m.owner])).toEqual([
      ["create_account", 2_039_280n, MEMO_PROGRAM_ID.toBase58()],
      ["create_account_with_seed", 3_000_000n, MEMO_PROGRAM_ID.toBase58()],
      ["transfer_with_seed", 77n, undefined],
      ["assign", 0n, MEMO_PROGRAM_ID.toBase58()],
    ]);
    expect(s.solOutflowByAccount[Wb]).toBe(5_039_280n);
    expect(s.solOutflowByAccount[seeded.toBase58()]).toBe(77n);
  });

  it("reports v0 lookups, and accounts from tables as lookup references", () => {
    const t = keypair(40).publicKey;
    const s = inspectTransaction(v0TxB64(W, exitInstructions(W, { tipLamports: 1_000 }), [lookupTable(t, [TIP_ACCOUNT])]));
    expect(s.version).toBe(0);
    expect(s.addressTableLookups).toEqual([{ table: t.toBase58(), writableIndexes: [0], readonlyIndexes: [] }]);
    expect(s.solMovements[0]?.to).toMatchObject({ source: "lookup", table: t.toBase58(), tableIndex: 0, writable: true });
  });

  it("accepts bytes as well as base64", () => {
    const b64 = v0TxB64(W, [memo(W)]);
    expect(inspectTransaction(Buffer.from(b64, "base64"))).toEqual(inspectTransaction(b64));
  });

  it("property: agrees with web3.js's deserializer on keys, header, blockhash and instructions", () => {
    const t = lookupTable(keypair(41).publicKey, [TIP_ACCOUNT, keypair(42).publicKey]);
    const ix = fc.oneof(
      fc.string({ maxLength: 30 }).map((m) => memo(W, m)),
      fc.nat({ max: 1e9 }).map((l) => SystemProgram.transfer({ fromPubkey: W, toPubkey: TIP_ACCOUNT, lamports: l })),
      fc.nat({ max: 1e6 }).map((u) => ComputeBudgetProgram.setComputeUnitPrice({ microLamports: u })),
    );
    fc.assert(
      fc.property(fc.array(ix, { minLength: 1, maxLength: 6 }), fc.constantFrom("legacy", "v0", "v0+table"), (ixs, kind) => {
        const b64 = kind === "legacy" ? legacyTxB64(W, ixs) : v0TxB64(W, ixs, kind === "v0+table" ? [t] : []);
        const ours = decodeTransaction(b64);
        const theirs = VersionedTransaction.deserialize(Buffer.from(b64, "base64")).message;
        expect(ours.version).toBe(theirs.version);
        expect(ours.header).toEqual(theirs.header);
        expect(ours.staticAccountKeys).toEqual(theirs.staticAccountKeys.map((k) => k.toBase58()));
        expect(ours.recentBlockhash).toBe(theirs.recentBlockhash);
        expect(ours.instructions.map((i) => [i.programId, i.accounts.map((a) => a.index), Buffer.from(i.data).toString("hex")])).toEqual(
          theirs.compiledInstructions.map((i) => [
            theirs.staticAccountKeys[i.programIdIndex]?.toBase58(),
            i.accountKeyIndexes,
            Buffer.from(i.data).toString("hex"),
          ]),
        );
        expect(ours.addressTableLookups.map((l) => l.table)).toEqual(theirs.addressTableLookups.map((l) => l.accountKey.toBase58()));
      }),
      { numRuns: 150 },
    );
  });

  it("property: any byte string either decodes or throws TransactionDecodeError, nothing else", () => {
    const valid = Buffer.from(v0TxB64(W, exitInstructions(W, { tipLamports: 1_000 }), [lookupTable(keypair(43).publicKey, [TIP_ACCOUNT])]), "base64");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }),
          // Valid transactions with a few bytes changed or cut off.
          fc.tuple(fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 255 })), { maxLength: 4 }), fc.nat({ max: valid.length })).map(
            ([edits, cut]) => {
              const b = Buffer.from(valid);
              for (const [at, v] of edits) b[at] = v;
              return b.subarray(0, cut === 0 ? b.length : cut);
            },
          ),
        ),
        (bytes) => {
          try {
            inspectTransaction(new Uint8Array(bytes));
          } catch (e) {
            expect(e).toBeInstanceOf(TransactionDecodeError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("decode errors", () => {
  const legacy = legacyTxB64(W, [memo(W)]);
  const v0 = v0TxB64(W, [memo(W)]);

  it.each<[string, string, RegExp]>([
    ["empty string", "", /empty base64/],
    ["not base64", "AQAB$%", /not strict standard base64/],
    ["base64 without padding", legacy.replace(/=+$/, "") + (legacy.endsWith("=") ? "" : "A"), /not strict standard base64/],
    ["truncated", Buffer.from(legacy, "base64").subarray(0, 100).toString("base64"), /truncated or malformed: missing account keys/],
    ["trailing bytes", patch(legacy, (b) => Buffer.concat([b, Buffer.from([1, 2, 3])])), /3 unexpected trailing byte/],
    [
      "message version 1",
      patch(v0, (b) => {
        b[65] = 0x81;
        return b;
      }),
      /unsupported transaction message version 1/,
    ],
    [
      "signature count differs from the header",
      patch(legacy, (b) => Buffer.concat([Buffer.from([2]), b.subarray(1, 65), Buffer.alloc(64), b.subarray(65)])),
      /2 signature slot\(s\) but its message requires 1/,
    ],
    [
      "program index out of range",
      patch(legacy, (b) => {
        // The only instruction starts right after: header(3) + shortvec(1) + keys + blockhash + ix count(1).
        const keys = b[65 + 3] as number;
        b[65 + 4 + 32 * keys + 32 + 1] = 200;
        return b;
      }),
      /program id index 200 is out of range/,
    ],
    [
      "a shortvec longer than 3 bytes",
      Buffer.from([0x80, 0x80, 0x80, 0x01]).toString("base64"),
      /longer than 3 bytes/,
    ],
  ])("%s", (_name, input, message) => {
    const err = decodeError(input);
    expect(err.message).toMatch(message);
  });

  it("a program id loaded from a lookup table is refused (the runtime rejects it)", () => {
    const t = keypair(44).publicKey;
    const b64 = v0TxB64(W, [memo(W)], [lookupTable(t, [TIP_ACCOUNT])]);
    // Point the memo instruction's program index at a lookup entry: append a lookup for index 0
    // by rewriting the existing v0 message with web3.js and changing its programIdIndex.
    const tx = VersionedTransaction.deserialize(Buffer.from(b64, "base64"));
    const msg = tx.message;
    const withLookup = new VersionedTransaction(
      new (msg.constructor as new (args: unknown) => typeof msg)({
        header: msg.header,
        staticAccountKeys: msg.staticAccountKeys,
        recentBlockhash: msg.recentBlockhash,
        compiledInstructions: [{ programIdIndex: msg.staticAccountKeys.length, accountKeyIndexes: [0], data: new Uint8Array([1]) }],
        addressTableLookups: [{ accountKey: t, writableIndexes: [], readonlyIndexes: [0] }],
      }),
    );
    const err = decodeError(Buffer.from(withLookup.serialize()).toString("base64"));
    expect(err.message).toMatch(/program id is loaded from a lookup table/);
  });

  it("reports the byte offset where decoding stopped", () => {
    const err = decodeError(Buffer.from(legacy, "base64").subarray(0, 70).toString("base64"));
    expect(err.offset).toBeGreaterThan(65);
  });
});

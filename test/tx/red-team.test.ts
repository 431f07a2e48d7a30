/**
 * Red team of issue 11: walk-arounds of the guard found after the attack matrix, each refused under
 * the user's own configuration. A pre-signed co-signer stands for an attacker who controls the
 * message and signs his own slot before handing it over (the guard lets other signatures be present).
 */
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, TransactionInstruction, TransactionMessage, VersionedTransaction } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { StreamValidationError } from "../../src/errors.js";
import {
  HELIUS_TIP_ACCOUNTS,
  JITO_TIP_ACCOUNTS,
  LASERSELL_ROUTER_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  TransactionGuardError,
  signExitApiTransaction,
  signExitTransaction,
  verifyBySimulation,
  type GuardOptions,
} from "../../src/tx/index.js";
import { mockAssociatedTokenAccount } from "../../src/testing/index.js";
import { BUY, CONFIGURATION, MINT, POSITION_ACCOUNT, W, benign, buyMessage, exitMessage, instructionsOf, refusal, wallet } from "./attacks.js";
import { BLOCKHASH, keypair, lookupTable } from "./helpers.js";

const withConfig: GuardOptions = { configuration: CONFIGURATION };
const TOKEN = new PublicKey(TOKEN_PROGRAM_ID);
const cosigner: Keypair = keypair(90); // the attacker's own key
const X = keypair(91).publicKey; // an account the attacker controls
const attackerAta = keypair(92).publicKey;


/** v0 transaction paid by the wallet, with `preSigners` (the attacker) already signed. */
function v0(instructions: TransactionInstruction[], preSigners: Keypair[] = []): string {
  const message = new TransactionMessage({ payerKey: W, recentBlockhash: BLOCKHASH, instructions }).compileToV0Message();
  const tx = new VersionedTransaction(message);
  if (preSigners.length > 0) tx.sign(preSigners);
  return Buffer.from(tx.serialize()).toString("base64");
}

const u64le = (v: bigint): number[] => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return [...b];
};
const tokenIx = (data: number[], keys: [PublicKey, boolean, boolean][]): TransactionInstruction =>
  new TransactionInstruction({ programId: TOKEN, keys: keys.map(([pubkey, isSigner, isWritable]) => ({ pubkey, isSigner, isWritable })), data: Buffer.from(data) });

const sell = (): TransactionInstruction[] => instructionsOf(benign("sell", "pump_swap", "helius_sender"));

describe("red team: durable nonce (a signed exit that never expires)", () => {
  it("AdvanceNonceAccount with the wallet as nonce authority is refused", () => {
    const advance = SystemProgram.nonceAdvance({ noncePubkey: X, authorizedPubkey: W });
    const err = refusal(() => signExitTransaction(exitMessage(v0([advance, ...sell()])), wallet, withConfig));
    expect(err.rule).toBe("system_authority");
    expect(err.message).toContain("nonce");
  });

  it("AdvanceNonceAccount with a pre-signed attacker as nonce authority is refused too", () => {
    const advance = SystemProgram.nonceAdvance({ noncePubkey: X, authorizedPubkey: cosigner.publicKey });
    const err = refusal(() => signExitTransaction(exitMessage(v0([advance, ...sell()], [cosigner])), wallet, withConfig));
    expect(err.rule).toBe("system_authority");
  });
});

describe("red team: 'temporary' accounts closed back to the wallet by someone else's authority", () => {
  it("the position's tokens moved to an attacker account that a pre-signed co-signer empties and closes to the wallet", () => {
    const steal = [
      tokenIx([3, ...u64le(17_000_000_000n)], [[POSITION_ACCOUNT, false, true], [X, false, true], [W, true, false]]),
      tokenIx([3, ...u64le(17_000_000_000n)], [[X, false, true], [attackerAta, false, true], [cosigner.publicKey, true, false]]),
      // CloseAccount [account, destination, authority = the attacker, then the wallet listed as an extra "signer"]
      tokenIx([9], [[X, false, true], [W, true, true], [cosigner.publicKey, true, false], [W, true, true]]),
    ];
    const err = refusal(() => signExitTransaction(exitMessage(v0([...sell(), ...steal], [cosigner])), wallet, withConfig));
    expect(err.rule).toBe("token_authority");
    expect(err.message).toContain(X.toBase58());
  });

  it("the same theft when the attacker made the wallet the close authority of his account beforehand", () => {
    const steal = [
      tokenIx([3, ...u64le(17_000_000_000n)], [[POSITION_ACCOUNT, false, true], [X, false, true], [W, true, false]]),
      tokenIx([3, ...u64le(17_000_000_000n)], [[X, false, true], [attackerAta, false, true], [cosigner.publicKey, true, false]]),
      tokenIx([9], [[X, false, true], [W, true, true], [W, true, true]]),
    ];
    expect(refusal(() => signExitTransaction(exitMessage(v0([...sell(), ...steal], [cosigner])), wallet, withConfig)).rule).toBe("token_authority");
  });

  it("SOL funding of an account closed by the attacker's authority (the wallet only listed) is refused", () => {
    const fund = [
      SystemProgram.createAccount({ fromPubkey: W, newAccountPubkey: X, lamports: 5_000_000, space: 165, programId: TOKEN }),
      tokenIx([9], [[X, false, true], [W, true, true], [cosigner.publicKey, true, false], [W, true, true]]),
    ];
    const keys = keypair(91); // X signs its own creation
    expect(refusal(() => signExitTransaction(exitMessage(v0([...sell(), ...fund], [cosigner, keys])), wallet, withConfig)).rule).toBe("sol_outflow");
  });

  it("SOL sent to a 'temporary' account after the close that would have returned it is refused", () => {
    const temp = keypair(94);
    const wsolMint = new PublicKey("So11111111111111111111111111111111111111112");
    const ixs = [
      SystemProgram.createAccount({ fromPubkey: W, newAccountPubkey: temp.publicKey, lamports: 2_100_000, space: 165, programId: TOKEN }),
      tokenIx([18, ...W.toBytes()], [[temp.publicKey, false, true], [wsolMint, false, false]]),
      tokenIx([9], [[temp.publicKey, false, true], [W, true, true], [W, true, true]]),
      // After the close: nothing returns these lamports to the wallet; the account's key holder takes them.
      SystemProgram.transfer({ fromPubkey: W, toPubkey: temp.publicKey, lamports: 5_000_000 }),
    ];
    const err = refusal(() => signExitTransaction(exitMessage(v0([...sell(), ...ixs], [temp])), wallet, withConfig));
    expect(err.rule).toBe("sol_outflow");
  });

  it("an account also initialized for someone else is not temporary", () => {
    const temp = keypair(95);
    const wsolMint = new PublicKey("So11111111111111111111111111111111111111112");
    const ixs = [
      SystemProgram.createAccount({ fromPubkey: W, newAccountPubkey: temp.publicKey, lamports: 2_100_000, space: 165, programId: TOKEN }),
      tokenIx([18, ...cosigner.publicKey.toBytes()], [[temp.publicKey, false, true], [wsolMint, false, false]]),
      tokenIx([18, ...W.toBytes()], [[temp.publicKey, false, true], [wsolMint, false, false]]),
      tokenIx([9], [[temp.publicKey, false, true], [W, true, true], [W, true, true]]),
    ];
    expect(refusal(() => signExitTransaction(exitMessage(v0([...sell(), ...ixs], [temp])), wallet, withConfig)).rule).toBe("sol_outflow");
  });

  it("a temporary wSOL account the wallet creates, funds and closes to itself still signs (bounded by the allowance)", () => {
    const temp = keypair(93);
    const wsolMint = new PublicKey("So11111111111111111111111111111111111111112");
    const ixs = [
      SystemProgram.createAccount({ fromPubkey: W, newAccountPubkey: temp.publicKey, lamports: 3_000_000, space: 165, programId: TOKEN }),
      tokenIx([18, ...W.toBytes()], [[temp.publicKey, false, true], [wsolMint, false, false]]), // InitializeAccount3 owner = wallet
      tokenIx([9], [[temp.publicKey, false, true], [W, true, true], [W, true, true]]),
    ];
    expect(() => signExitTransaction(exitMessage(v0([...sell(), ...ixs], [temp])), wallet, withConfig)).not.toThrow();
  });
});

describe("red team: Associated Token create", () => {
  const ata = (tokenProgram: PublicKey, payer = W): TransactionInstruction =>
    new TransactionInstruction({
      programId: new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"),
      keys: [
        { pubkey: payer, isSigner: true, isWritable: true },
        { pubkey: X, isSigner: false, isWritable: true },
        { pubkey: W, isSigner: false, isWritable: false },
        { pubkey: MINT, isSigner: false, isWritable: false },
        { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
        { pubkey: tokenProgram, isSigner: false, isWritable: false },
      ],
      data: Buffer.from([1]),
    });

  it("the wallet paying rent for an 'associated' account of a program that is not a token program is refused", () => {
    // The ATA program would make the account owned by that program, which can then take the rent.
    const err = refusal(() => signExitTransaction(exitMessage(v0([...sell(), ata(cosigner.publicKey)])), wallet, withConfig));
    expect(err.rule).toBe("sol_outflow");
    expect(err.message).toContain(cosigner.publicKey.toBase58());
  });

  it("an account 'created' that way is not the wallet's: a transfer of its tokens there is refused", () => {
    const move = tokenIx([3, ...u64le(1n)], [[POSITION_ACCOUNT, false, true], [X, false, true], [W, true, false]]);
    const err = refusal(() => signExitTransaction(exitMessage(v0([...sell(), ata(cosigner.publicKey, cosigner.publicKey), move], [cosigner])), wallet, withConfig));
    expect(err.rule).toBe("token_authority");
  });
});

describe("red team: signExitApiTransaction takes its limits from the request, and checks them", () => {
  it("a buy request whose amount is not a finite positive number is a typed error, not a RangeError", () => {
    const b64 = benign("buy", "pump_fun", "rpc");
    for (const amount of [Number.NaN, Number.POSITIVE_INFINITY, -0.1]) {
      expect(() => signExitApiTransaction({ tx: b64 }, { user_pubkey: W.toBase58(), amount, input: "SOL" }, wallet)).toThrow(StreamValidationError);
    }
  });

  it("the response cannot raise the buy cap: a wrapped-SOL buy of the request's amount signs, one wrapping more is refused", () => {
    const b64 = benign("buy", "raydium_cpmm", "rpc");
    expect(() => signExitApiTransaction({ tx: b64 }, { user_pubkey: W.toBase58(), amount_in_total: BUY, input: "SOL" }, wallet)).not.toThrow();
    const err = refusal(() => signExitApiTransaction({ tx: b64 }, { user_pubkey: W.toBase58(), amount_in_total: BUY / 100, input: "SOL" }, wallet));
    expect(err.rule).toBe("sol_outflow");
  });
});

describe("red team: what kind of message it is", () => {
  it("a mirror_buy_signal that also carries wallet_pubkey is still a mirror buy: no configured cap, refused", () => {
    for (const market of ["pump_fun", "raydium_cpmm"] as const) {
      const message = buyMessage(benign("buy", market, "rpc"), { wallet_pubkey: W.toBase58() });
      expect(refusal(() => signExitTransaction(message, wallet)).rule).toBe("buy_limit");
      expect(() => signExitTransaction(message, wallet, withConfig)).not.toThrow();
    }
  });

  it("an exit_signal_with_tx that also carries user_wallet and watched_wallet gets no buy cap", () => {
    const ixs = [...sell(), SystemProgram.transfer({ fromPubkey: W, toPubkey: new PublicKey(mockAssociatedTokenAccount(W.toBase58(), "So11111111111111111111111111111111111111112")), lamports: BUY })];
    const message = exitMessage(v0(ixs), { user_wallet: W.toBase58(), watched_wallet: CONFIGURATION.watch_wallets[0]!.pubkey, input: "SOL" });
    expect(refusal(() => signExitTransaction(message, wallet, withConfig)).rule).toBe("sol_outflow");
  });
});

describe("red team: hand-made bytes", () => {
  const bytesOf = (b64: string): Buffer => Buffer.from(b64, "base64");
  const header = 1 + 64 + 1; // one signature slot, then the v0 prefix byte

  it("a header with more read-only unsigned accounts than unsigned keys is a decode refusal", () => {
    const bytes = bytesOf(benign("sell", "pump_swap", "rpc"));
    bytes[header + 2] = 255; // numReadonlyUnsignedAccounts
    expect(refusal(() => signExitTransaction(exitMessage(bytes.toString("base64")), wallet, withConfig)).rule).toBe("decode");
  });

  it("the wallet listed twice among the static keys is a decode refusal (the runtime rejects an account loaded twice)", () => {
    const bytes = bytesOf(benign("sell", "pump_swap", "rpc"));
    const keys = header + 3 + 1; // after the header and the one-byte key count
    bytes.set(W.toBytes(), keys + 32 * 3); // a later non-signer key becomes the wallet
    const err = refusal(() => signExitTransaction(exitMessage(bytes.toString("base64")), wallet, withConfig));
    expect(err.rule).toBe("decode");
    expect(err.message).toContain(W.toBase58());
  });
});

describe("red team: held before this review (kept as regressions)", () => {
  it("a mirror buy naming another watched wallet's entry gets no cap from an entry for a different user wallet", () => {
    const message = buyMessage(benign("buy", "raydium_cpmm", "rpc"), { watched_wallet: keypair(99).publicKey.toBase58() });
    expect(refusal(() => signExitTransaction(message, wallet, withConfig)).rule).toBe("buy_limit");
  });

  it("a transfer of the position's tokens to the wallet's ATA of another mint under a lookup-free v0 still needs to be the wallet's", () => {
    const other = new PublicKey(mockAssociatedTokenAccount(keypair(98).publicKey.toBase58(), MINT.toBase58()));
    const ix = tokenIx([3, ...u64le(1n)], [[POSITION_ACCOUNT, false, true], [other, false, true], [W, true, false]]);
    expect(refusal(() => signExitTransaction(exitMessage(v0([...sell(), ix])), wallet, withConfig)).rule).toBe("token_authority");
  });

  it("a nonce account created with the wallet's SOL and never closed is refused", () => {
    const create = SystemProgram.createNonceAccount({ fromPubkey: W, noncePubkey: X, authorizedPubkey: W, lamports: 1_500_000 });
    const keys = keypair(91); // X signs its own creation
    expect(refusal(() => signExitTransaction(exitMessage(v0([...sell(), ...create.instructions], [keys])), wallet, withConfig)).rule).toBe("sol_outflow");
  });
});

describe("red team: simulation cannot see accounts loaded from lookup tables", () => {
  it("verifyBySimulation refuses a transaction with writable lookup-table accounts before calling the RPC", async () => {
    // A writable table entry may be another token account of the wallet: the simulation would not
    // report its change, so a drained account would pass unseen.
    const table = keypair(96).publicKey;
    const hidden = new PublicKey(mockAssociatedTokenAccount(W.toBase58(), keypair(97).publicKey.toBase58()));
    const ixs = sell().map((ix) =>
      ix.programId.toBase58() === LASERSELL_ROUTER_PROGRAM_ID ? new TransactionInstruction({ ...ix, keys: [...ix.keys, { pubkey: hidden, isSigner: false, isWritable: true }] }) : ix,
    );
    const message = new TransactionMessage({ payerKey: W, recentBlockhash: BLOCKHASH, instructions: ixs }).compileToV0Message([lookupTable(table, [hidden])]);
    const b64 = Buffer.from(new VersionedTransaction(message).serialize()).toString("base64");
    expect(() => signExitTransaction(exitMessage(b64), wallet, withConfig)).not.toThrow(); // offline, a pool account looks the same
    const err = await verifyBySimulation("http://127.0.0.1:9", exitMessage(b64), wallet, { ...withConfig, timeoutMs: 2_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransactionGuardError);
    expect((err as TransactionGuardError).rule).toBe("simulation");
    expect((err as TransactionGuardError).message).toContain(table.toBase58());
  });
});

describe("red team: variants tried that the rules already held (regressions)", () => {
  const T22 = new PublicKey(TOKEN_2022_PROGRAM_ID);
  const t22 = (data: number[], keys: [PublicKey, boolean, boolean][]): TransactionInstruction =>
    new TransactionInstruction({ programId: T22, keys: keys.map(([pubkey, isSigner, isWritable]) => ({ pubkey, isSigner, isWritable })), data: Buffer.from(data) });
  const refused: [string, string, () => TransactionInstruction[]][] = [
    ["Token-2022 TransferCheckedWithFee to a foreign account", "token_authority", () => [t22([26, 1, ...u64le(5n), 6, ...u64le(0n)], [[POSITION_ACCOUNT, false, true], [MINT, false, false], [X, false, true], [W, true, false]])]],
    ["Token-2022 Reallocate paid by the wallet", "token_authority", () => [t22([29, 1, 0], [[POSITION_ACCOUNT, false, true], [W, true, true], [SystemProgram.programId, false, false], [W, true, false]])]],
    ["Token-2022 CPI guard disable", "token_authority", () => [t22([34, 1], [[POSITION_ACCOUNT, false, true], [W, true, false]])]],
    ["Token-2022 confidential transfer (any sub-instruction) signed by the wallet", "token_authority", () => [t22([27, 7], [[POSITION_ACCOUNT, false, true], [MINT, false, false], [W, true, false]])]],
    ["Token-2022 WithdrawExcessLamports to the attacker", "token_authority", () => [t22([38], [[POSITION_ACCOUNT, false, true], [X, false, true], [W, true, false]])]],
    ["ThawAccount with the wallet's authority", "token_authority", () => [tokenIx([11], [[X, false, true], [MINT, false, false], [W, true, false]])]],
    ["a System instruction the decoder does not know, involving the wallet", "system_authority", () => [new TransactionInstruction({ programId: SystemProgram.programId, keys: [{ pubkey: W, isSigner: true, isWritable: true }], data: Buffer.from([13, 0, 0, 0]) })]],
    ["a System transfer with truncated data", "system_authority", () => [new TransactionInstruction({ programId: SystemProgram.programId, keys: [{ pubkey: W, isSigner: true, isWritable: true }, { pubkey: X, isSigner: false, isWritable: true }], data: Buffer.from([2, 0, 0, 0, 1]) })]],
    ["tips split over two accounts, above the configured tip in total", "sol_outflow", () => [
      SystemProgram.transfer({ fromPubkey: W, toPubkey: new PublicKey(HELIUS_TIP_ACCOUNTS[1] as string), lamports: 600 }),
      SystemProgram.transfer({ fromPubkey: W, toPubkey: new PublicKey(JITO_TIP_ACCOUNTS[1] as string), lamports: 600 }),
    ]],
    ["a second SetComputeUnitPrice of u64::MAX", "sol_outflow", () => [ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 2n ** 64n - 1n })]],
    ["CreateAccount funding the attacker's new account", "sol_outflow", () => [SystemProgram.createAccount({ fromPubkey: W, newAccountPubkey: cosigner.publicKey, lamports: 1_000_000, space: 0, programId: SystemProgram.programId })]],
  ];
  for (const [name, rule, make] of refused) {
    it(`${name} -> ${rule}`, () => {
      const extra = make();
      const pre = extra.some((ix) => ix.keys.some((k) => k.isSigner && k.pubkey.equals(cosigner.publicKey))) ? [cosigner] : [];
      expect(refusal(() => signExitTransaction(exitMessage(v0([...sell(), ...extra], pre)), wallet, withConfig)).rule).toBe(rule);
    });
  }

  const harmless: [string, () => TransactionInstruction[]][] = [
    ["InitializeAccount3 of some account for a foreign owner (no authority, no SOL of the wallet)", () => [tokenIx([18, ...cosigner.publicKey.toBytes()], [[X, false, true], [MINT, false, false]])]],
    ["SyncNative and AmountToUiAmount", () => [tokenIx([17], [[X, false, true]]), tokenIx([23, ...u64le(1n)], [[MINT, false, false]])]],
    ["UpgradeNonceAccount of some nonce account", () => [new TransactionInstruction({ programId: SystemProgram.programId, keys: [{ pubkey: X, isSigner: false, isWritable: true }], data: Buffer.from([12, 0, 0, 0]) })]],
    ["RequestHeapFrame and SetLoadedAccountsDataSizeLimit", () => [
      ComputeBudgetProgram.requestHeapFrame({ bytes: 256 * 1024 }),
      new TransactionInstruction({ programId: ComputeBudgetProgram.programId, keys: [], data: Buffer.from([4, 0, 0, 1, 0]) }),
    ]],
    ["Revoke of the wallet's delegate", () => [tokenIx([5], [[POSITION_ACCOUNT, false, true], [W, true, false]])]],
  ];
  for (const [name, make] of harmless) {
    it(`${name} still signs`, () => {
      expect(() => signExitTransaction(exitMessage(v0([...sell(), ...make()])), wallet, withConfig)).not.toThrow();
    });
  }

  it("limits that are not non-negative integers are typed errors, never a wider limit", () => {
    const b64 = benign("sell", "pump_swap", "helius_sender");
    for (const tipLamports of [-1, Number.NaN, 1.5, 2 ** 60, "1000", -1n] as unknown[]) {
      expect(() => signExitTransaction(exitMessage(b64), wallet, { tipLamports } as GuardOptions)).toThrow(StreamValidationError);
    }
  });
});

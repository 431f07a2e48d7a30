/**
 * The attack matrix of issue 11: a hostile server controls every byte of the signal. Each attack is
 * refused under default options (bare, or with the user's own configuration), with its rule; every
 * realistic exit and mirror buy of the mock signs and verifies, on both signing paths.
 */
import { createPublicKey, verify } from "node:crypto";
import { PublicKey, TransactionInstruction } from "@solana/web3.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEX_PROGRAM_IDS,
  LASERSELL_ROUTER_PROGRAM_ID,
  PRECOMPILE_PROGRAM_IDS,
  TOKEN_PROGRAM_ID,
  TransactionGuardError,
  guardFor,
  inspectTransaction,
  signExitTransaction,
  type GuardOptions,
} from "../../src/tx/index.js";
import {
  ATTACK_INSTRUCTIONS,
  BUY,
  CONFIGURATION,
  HARMLESS_INSTRUCTIONS,
  MARKET_TYPES,
  SEND_MODES,
  TIP,
  W,
  attacker,
  benign,
  buyMessage,
  compileV0,
  exitMessage,
  instructionsOf,
  refusal,
  wallet,
} from "./attacks.js";

const withConfig: GuardOptions = { configuration: CONFIGURATION };


function verifies(signedTxB64: string): boolean {
  const bytes = Buffer.from(signedTxB64, "base64");
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), W.toBuffer()]);
  return verify(null, bytes.subarray(1 + 64 * (bytes[0] as number)), createPublicKey({ key: spki, format: "der", type: "spki" }), bytes.subarray(1, 65));
}

describe("benign: every realistic mock exit and mirror buy signs (ed25519) on both paths", () => {
  for (const marketType of MARKET_TYPES) {
    for (const sendMode of SEND_MODES) {
      it(`${marketType}, ${sendMode}: sell and buy`, () => {
        const sell = exitMessage(benign("sell", marketType, sendMode));
        const buy = buyMessage(benign("buy", marketType, sendMode));
        const session = { connection: { state: CONFIGURATION } };
        for (const [message, options] of [
          [sell, guardFor(session)],
          [buy, guardFor(session)],
          [sell, { tipLamports: TIP }],
          [buy, { tipLamports: TIP, maxBuyQuoteUnits: BUY }],
        ] as const) {
          const fast = signExitTransaction(message, wallet, options);
          const web3 = signExitTransaction(message, wallet, { ...options, path: "web3" });
          expect(verifies(fast.signedTxB64)).toBe(true);
          expect(web3.signedTxB64).toBe(fast.signedTxB64);
        }
        const programs = inspectTransaction(sell.unsigned_tx_b64).programs;
        expect(programs.map((p) => p.name)).toContain("LaserSell router");
        if (sendMode === "rpc") expect(() => signExitTransaction(sell, wallet)).not.toThrow(); // no tip: bare signing works
      });
    }
  }

  it("a DEX called at top level (no router) signs too", () => {
    const ixs = instructionsOf(benign("sell", "pump_fun", "rpc")).map((ix) =>
      ix.programId.toBase58() === LASERSELL_ROUTER_PROGRAM_ID ? new TransactionInstruction({ ...ix, programId: new PublicKey(DEX_PROGRAM_IDS.pump_fun) }) : ix,
    );
    expect(verifies(signExitTransaction(exitMessage(compileV0(ixs)), wallet).signedTxB64)).toBe(true);
  });
});

describe("attack matrix: refused under default options, with the rule", () => {
  const sell = instructionsOf(benign("sell", "raydium_cpmm", "helius_sender"));

  it("the signal's own tip_lamports (99 SOL) does not let a 99 SOL transfer through (bare call)", () => {
    const b64 = compileV0([...sell.slice(0, 3), ATTACK_INSTRUCTIONS[0]!.ix()[0]!]);
    const err = refusal(() => signExitTransaction(exitMessage(b64, { tip_lamports: 99e9 }), wallet));
    expect(err.rule).toBe("sol_outflow");
    expect(err.message).toContain(attacker.toBase58());
  });

  it("a mirror buy of 0.1 SOL with tip_lamports 100 SOL and a 100 SOL tip: refused bare (no cap) and with the configuration (tip)", () => {
    const ixs = instructionsOf(benign("buy", "raydium_cpmm", "helius_sender")).map((ix, i, all) => (i === all.length - 1 ? ATTACK_INSTRUCTIONS[1]!.ix()[0]! : ix));
    const message = buyMessage(compileV0(ixs), { tip_lamports: 100e9 });
    expect(refusal(() => signExitTransaction(message, wallet)).rule).toBe("buy_limit");
    const configured = refusal(() => signExitTransaction(message, wallet, withConfig));
    expect(configured.rule).toBe("sol_outflow");
    expect(configured.message).toContain("tipLamports");
  });

  it("a mirror buy asking more than the configured auto_buy amount: buy_limit", () => {
    const message = buyMessage(benign("buy", "pump_swap", "rpc"), { amount_quote_units: BUY + 1 });
    expect(refusal(() => signExitTransaction(message, wallet, withConfig)).rule).toBe("buy_limit");
  });

  for (const attack of ATTACK_INSTRUCTIONS) {
    it(`${attack.name} -> ${attack.rule}`, () => {
      const b64 = compileV0([...sell, ...attack.ix()]);
      expect(refusal(() => signExitTransaction(exitMessage(b64), wallet, withConfig)).rule).toBe(attack.rule);
      expect(refusal(() => signExitTransaction(exitMessage(b64), wallet)).rule).toBe(attack.rule === "sol_outflow" ? "sol_outflow" : attack.rule);
    });
  }

  it("token attacks are refused even with allowedPrograms naming the Token program and the DEX", () => {
    for (const attack of ATTACK_INSTRUCTIONS.filter((a) => a.rule === "token_authority")) {
      const b64 = compileV0([...sell, ...attack.ix()]);
      const options = { ...withConfig, allowedPrograms: [TOKEN_PROGRAM_ID, DEX_PROGRAM_IDS.raydium_cpmm] };
      expect(refusal(() => signExitTransaction(exitMessage(b64), wallet, options)).rule).toBe("token_authority");
    }
  });

  it("precompile signatures count in the fee bound", () => {
    const precompile = (n: number): TransactionInstruction =>
      new TransactionInstruction({ programId: new PublicKey(PRECOMPILE_PROGRAM_IDS[0] as string), keys: [], data: Buffer.from([n, 0]) });
    const b64 = compileV0([...sell, ...Array.from({ length: 8 }, () => precompile(255))]);
    expect(inspectTransaction(b64).precompileSignatures).toBe(8 * 255);
    const options = { ...withConfig, allowedPrograms: PRECOMPILE_PROGRAM_IDS };
    expect(refusal(() => signExitTransaction(exitMessage(b64), wallet, options)).rule).toBe("sol_outflow");
    expect(refusal(() => signExitTransaction(exitMessage(b64), wallet, withConfig)).rule).toBe("allowed_programs");
  });

  it("a tip to a lookup-table account is refused (it cannot be checked offline)", () => {
    // Covered in guard.test.ts (v0 with lookup tables); here the size and decode cases.
    const huge = "A".repeat(4_400_004); // 3.3 MB of base64: above the size where a backtracking regex throws RangeError
    const started = performance.now();
    const err = refusal(() => signExitTransaction(exitMessage(huge), wallet));
    expect(err.rule).toBe("decode");
    expect(err.message).toContain("1232 bytes");
    expect(performance.now() - started).toBeLessThan(1_000); // generous: the check is a length comparison
    expect(refusal(() => signExitTransaction(exitMessage("%".repeat(1_000)), wallet)).rule).toBe("decode");
    expect(refusal(() => signExitTransaction(exitMessage(Buffer.alloc(1_233).toString("base64")), wallet)).rule).toBe("decode");
    expect(refusal(() => signExitTransaction(exitMessage(Buffer.alloc(1_000, 0xff).toString("base64")), wallet)).rule).toBe("decode");
  });

  it("fee payer, missing signer and signer mismatch are still refused", () => {
    expect(refusal(() => signExitTransaction(exitMessage(compileV0(sell, attacker)), wallet, withConfig)).rule).toBe("fee_payer");
  });
});

describe("property: random mutations of benign exits are refused, or harmless", () => {
  it("any mix with an attack instruction is refused; harmless additions still sign", () => {
    const base = fc.record({
      kind: fc.constantFrom("sell" as const, "buy" as const),
      marketType: fc.constantFrom(...MARKET_TYPES),
      sendMode: fc.constantFrom(...SEND_MODES),
    });
    const mutation = fc.oneof(
      fc.record({ harmful: fc.constant(true), make: fc.constantFrom(...ATTACK_INSTRUCTIONS.map((a) => a.ix)) }),
      fc.record({ harmful: fc.constant(false), make: fc.constantFrom(...HARMLESS_INSTRUCTIONS.map((h) => () => [h()])) }),
      // Raised amounts: a tip above the configured one, or a transfer to a random key.
      fc.record({
        harmful: fc.constant(true),
        make: fc.bigInt({ min: BigInt(TIP) + 1n, max: 10n ** 12n }).map((l) => () => instructionsOf(compileV0([ATTACK_INSTRUCTIONS[2]!.ix()[0]!])).map((ix) => {
          ix.data.writeBigUInt64LE(l, 4);
          return ix;
        })),
      }),
    );
    fc.assert(
      fc.property(base, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.nat(), (b, mutations, at) => {
        const ixs = instructionsOf(b.kind === "sell" ? benign("sell", b.marketType, b.sendMode) : benign("buy", b.marketType, b.sendMode));
        for (const m of mutations) ixs.splice(at % (ixs.length + 1), 0, ...m.make());
        let b64: string;
        try {
          b64 = compileV0(ixs);
        } catch {
          return; // too large for a transaction: nothing to sign
        }
        const message = b.kind === "sell" ? exitMessage(b64) : buyMessage(b64);
        const harmful = mutations.some((m) => m.harmful);
        let signed: string | undefined;
        try {
          signed = signExitTransaction(message, wallet, withConfig).signedTxB64;
        } catch (err) {
          expect(err).toBeInstanceOf(TransactionGuardError);
          return;
        }
        expect(harmful).toBe(false);
        expect(verifies(signed)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

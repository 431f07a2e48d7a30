/**
 * The guard: what an exit (or mirror-buy) transaction must satisfy before the wallet signs it.
 */
import { StreamValidationError, TransactionGuardError, type TransactionGuardRule } from "../errors.js";
import type { AccountRef, Base58, DecodedTransaction } from "./decode.js";
import { COMPUTE_BUDGET_PROGRAM_ID, SYSTEM_PROGRAM_ID, type TransactionSummary } from "./inspect.js";

/**
 * Lamports allowed to leave the wallet on top of the signal's `tip_lamports` (and, for a SOL
 * mirror buy, its `amount_quote_units`) when `maxSolOutflowLamports` is not given: 0.01 SOL. It
 * covers the fee (5,000 lamports per signature plus a priority fee of up to 0.0098 SOL) or rent for
 * a temporary account (about 0.002 SOL), yet caps what a tampered transaction could take.
 */
export const DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS = 10_000_000n;

/**
 * An exit signal or mirror-buy signal, structurally: anything with `unsigned_tx_b64` and the wallet
 * that must sign (`wallet_pubkey` on `exit_signal_with_tx`, `user_wallet` on `mirror_buy_signal`).
 * Fits messages decoded in either int mode.
 */
export type ExitMessageLike = {
  readonly unsigned_tx_b64: string;
  readonly tip_lamports?: number | bigint | null | undefined;
  /** `mirror_buy_signal.input`: `"SOL"` adds `amount_quote_units` to the default outflow limit. */
  readonly input?: string | undefined;
  readonly amount_quote_units?: number | bigint | undefined;
} & ({ readonly wallet_pubkey: string } | { readonly user_wallet: string });

/** What the guard allows beyond the fixed rules. */
export interface GuardOptions {
  /**
   * Most lamports that may leave the wallet: top-level System Program transfers (tips included),
   * account funding (`CreateAccount`, `CreateAccountWithSeed`), plus the fee's upper bound.
   * @defaultValue the signal's `tip_lamports` (if any) + its `amount_quote_units` when
   * `input` is `"SOL"` + {@link DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS} (0.01 SOL)
   */
  maxSolOutflowLamports?: number | bigint;
  /**
   * Programs the transaction may invoke (top-level). The System and Compute Budget programs are
   * always allowed: what they can take is bounded by the `sol_outflow` rule.
   * @defaultValue any program
   */
  allowedPrograms?: Iterable<Base58 | { toBase58(): string }>;
}

function lamports(value: number | bigint | null | undefined, field: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === "bigint") {
    if (value < 0n) invalid(field, "must not be negative");
    return value;
  }
  if (!Number.isSafeInteger(value) || value < 0) invalid(field, "must be a non-negative safe integer (or a bigint)");
  return BigInt(value);
}

function invalid(field: string, message: string): never {
  throw new StreamValidationError(`${field}: ${message}`, [{ path: field, message }]);
}

/** The wallet that must sign: `wallet_pubkey` (exit signal) or `user_wallet` (mirror buy). */
export function messageWallet(message: ExitMessageLike): Base58 {
  const m = message as { wallet_pubkey?: unknown; user_wallet?: unknown };
  const a = m.wallet_pubkey;
  const b = m.user_wallet;
  if (typeof a === "string" && typeof b === "string" && a !== b) {
    invalid("wallet_pubkey", `wallet_pubkey ${a} and user_wallet ${b} disagree`);
  }
  const wallet = typeof a === "string" ? a : b;
  if (typeof wallet !== "string" || wallet === "") invalid("wallet_pubkey", "the message has no wallet_pubkey or user_wallet");
  return wallet;
}

/** The outflow limit in force for `message` under `options`. */
export function solOutflowLimit(message: ExitMessageLike, options: GuardOptions = {}): bigint {
  if (options.maxSolOutflowLamports !== undefined) return lamports(options.maxSolOutflowLamports, "maxSolOutflowLamports");
  const tip = lamports(message.tip_lamports, "tip_lamports");
  const buy = message.input === "SOL" ? lamports(message.amount_quote_units, "amount_quote_units") : 0n;
  return tip + buy + DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS;
}

function refuse(rule: TransactionGuardRule, message: string): never {
  throw new TransactionGuardError(rule, `${rule}: ${message}`);
}

const sol = (l: bigint): string => `${l} lamports (${(Number(l) / 1e9).toFixed(9).replace(/\.?0+$/, "")} SOL)`;

/**
 * Checks every rule after `decode` (the caller decoded `tx` into `summary`). Throws
 * {@link TransactionGuardError} naming the first rule broken, in this order: `fee_payer`,
 * `required_signer`, `signer_mismatch`, `sol_outflow`, `allowed_programs`.
 *
 * Accounts loaded from address lookup tables cannot be resolved offline. They can never be the
 * wallet: the wallet is the fee payer, so it is a static key, and the runtime refuses a message
 * that loads the same account twice. A transfer out of a lookup account therefore needs no
 * signature from the wallet and is not counted against it.
 */
export function checkGuard(
  tx: DecodedTransaction,
  summary: TransactionSummary,
  wallet: Base58,
  signerPublicKey: Base58,
  limit: bigint,
  allowedPrograms?: GuardOptions["allowedPrograms"],
): void {
  if (summary.feePayer !== wallet) refuse("fee_payer", `the fee payer is ${summary.feePayer || "(none)"}, not the signal's wallet ${wallet}`);
  const slot = summary.requiredSigners.indexOf(wallet);
  if (slot < 0) refuse("required_signer", `the wallet ${wallet} is not among the required signers (the message requires ${summary.requiredSigners.length})`);
  if (tx.header.numReadonlySignedAccounts >= tx.header.numRequiredSignatures) {
    refuse("fee_payer", `the fee payer ${wallet} is marked read-only, so the runtime would reject the transaction`);
  }
  for (let i = 0; i < summary.requiredSigners.length; i++) {
    if (i !== slot && summary.signaturesPresent[i] !== true) {
      refuse(
        "required_signer",
        `the transaction also needs a signature from ${summary.requiredSigners[i] ?? "?"}, which this signer cannot provide`,
      );
    }
  }
  if (signerPublicKey !== wallet) {
    refuse("signer_mismatch", `the signer's public key is ${signerPublicKey}, but the signal is for wallet ${wallet}`);
  }

  for (const m of summary.solMovements) {
    if (m.kind === "assign" && m.from.source === "static" && m.from.pubkey === wallet && m.owner !== SYSTEM_PROGRAM_ID) {
      refuse("sol_outflow", `instruction #${m.instruction} assigns the wallet ${wallet} to program ${m.owner ?? "?"}, which could then take all of its SOL`);
    }
  }
  const isWallet = (a: AccountRef): boolean => a.source === "static" && a.pubkey === wallet;
  for (const c of summary.tokenAccountCloses) {
    if (isWallet(c.authority) && !isWallet(c.destination)) {
      const to = c.destination.source === "static" ? c.destination.pubkey : `an account from lookup table ${c.destination.table}`;
      refuse("sol_outflow", `instruction #${c.instruction} closes a token account of the wallet ${wallet} and sends its lamports (e.g. unwrapped sale proceeds) to ${to}`);
    }
  }
  for (const i of summary.unreadableSystemInstructions) {
    const ix = tx.instructions[i];
    if (ix?.accounts.some((a) => a.source === "static" && a.pubkey === wallet) === true) {
      refuse("sol_outflow", `instruction #${i} is a System Program instruction involving the wallet that cannot be read`);
    }
  }
  const transfers = summary.solOutflowByAccount[wallet] ?? 0n;
  const outflow = transfers + summary.maxFeeLamports;
  if (outflow > limit) {
    refuse(
      "sol_outflow",
      `up to ${sol(outflow)} would leave the wallet ${wallet} (transfers and account funding ${transfers}, fee up to ${summary.maxFeeLamports}); the limit is ${sol(limit)}`,
    );
  }

  if (allowedPrograms !== undefined) {
    const allowed = new Set<string>([SYSTEM_PROGRAM_ID, COMPUTE_BUDGET_PROGRAM_ID]);
    for (const p of allowedPrograms) allowed.add(typeof p === "string" ? p : p.toBase58());
    for (const p of summary.programIds) {
      if (!allowed.has(p)) refuse("allowed_programs", `the transaction invokes program ${p}, which is not in allowedPrograms`);
    }
  }
}

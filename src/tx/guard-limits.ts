/**
 * The guard's limits: what the user allows a signature to authorize, resolved for one message
 * from the options and the configuration the client itself sent (`guardFor`), never from the
 * message being guarded. The rules that enforce them are in `guard.ts`.
 */
import type { StreamConfigure } from "../client/types.js";
import { StreamValidationError, TransactionGuardError, type TransactionGuardRule } from "../errors.js";
import type { Base58 } from "./decode.js";
import { KNOWN_PROGRAMS } from "./programs.js";

/**
 * Lamports allowed to leave the wallet on top of the configured tip (and, for a SOL mirror buy,
 * the configured buy amount) when `maxSolOutflowLamports` is not given: 0.01 SOL. It covers the
 * fee (5,000 lamports per signature plus a priority fee of up to about 0.0098 SOL) and rent for
 * the wallet's own token accounts (about 0.002 SOL each), yet caps what a tampered transaction
 * could spend through them.
 */
export const DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS = 10_000_000n;


/**
 * An exit signal or mirror-buy signal, structurally: anything with `unsigned_tx_b64` and the wallet
 * that must sign (`wallet_pubkey` on `exit_signal_with_tx`, `user_wallet` on `mirror_buy_signal`).
 * Fits messages decoded in either int mode. The guard reads no limit from it: `watched_wallet` and
 * `input` only pick which of the user's configured caps applies to a mirror buy.
 */
export type ExitMessageLike = {
  readonly unsigned_tx_b64: string;
  /** `"exit_signal_with_tx"` or `"mirror_buy_signal"`; without it, a message with `user_wallet` and no `wallet_pubkey` is a mirror buy. */
  readonly type?: string | undefined;
  /** `mirror_buy_signal.watched_wallet`: selects the `watch_wallets` entry whose `auto_buy` caps the buy. */
  readonly watched_wallet?: string | undefined;
  /** `mirror_buy_signal.input`: `"SOL"` or `"USD1"`, which of the entry's amounts caps the buy. */
  readonly input?: string | undefined;
  /** `mirror_buy_signal.amount_quote_units`: refused when above the configured cap. */
  readonly amount_quote_units?: number | bigint | undefined;
} & ({ readonly wallet_pubkey: string } | { readonly user_wallet: string });

/**
 * The part of the client's own configuration the guard reads, in the `configure` message's own
 * casing: your configure object fits as is, and so does `connection.state` (the latest
 * `configure`, `update_watch_wallets`... the client sent).
 */
export type GuardConfiguration = Partial<Pick<StreamConfigure, "tip_lamports" | "send_mode" | "watch_wallets" | "mirror_config">>;

/** What the guard allows beyond the fixed rules. Every limit is the user's. */
export interface GuardOptions {
  /**
   * The client's own configuration (or a function returning the live one): `tip_lamports` and the
   * `watch_wallets[].auto_buy` amounts become the tip allowance and the mirror-buy cap unless the
   * options below set them. {@link guardFor} fills it from a session or connection.
   */
  configuration?: GuardConfiguration | (() => GuardConfiguration | undefined) | undefined;
  /**
   * Most lamports the transaction may pay, in total, to known tip accounts (Helius Sender,
   * Astralane, Jito): the `tip_lamports` you configured.
   * @defaultValue `configuration.tip_lamports`, else 0 (any tip transfer is refused)
   */
  tipLamports?: number | bigint | undefined;
  /**
   * Mirror buys only: the most the buy may spend, in its input's units (lamports for SOL, base
   * units for USD1); the signal's `amount_quote_units` must not exceed it, and for SOL it is
   * what may be moved into the wallet's own (wrapped SOL) accounts.
   * @defaultValue the configured `watch_wallets[].auto_buy` amount of the signal's watched wallet
   * (`amount_quote_units`, or `amount_usd1_units` for USD1); none configured: the buy is refused
   */
  maxBuyQuoteUnits?: number | bigint | undefined;
  /**
   * Most lamports that may leave the wallet in total: tips, funding of its own token accounts,
   * rent, plus the fee's upper bound.
   * @defaultValue {@link DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS} (0.01 SOL) + the tip allowance +
   * the SOL mirror-buy cap
   */
  maxSolOutflowLamports?: number | bigint | undefined;
  /**
   * Programs allowed on top of the known set (`KNOWN_PROGRAMS`: System, Compute Budget,
   * Associated Token, SPL Token, Token-2022, Memo, the six DEX programs, the LaserSell router).
   */
  allowedPrograms?: Iterable<Base58 | { toBase58(): string }> | undefined;
  /**
   * `true` lets the transaction invoke any program. A program you do not know, given the
   * wallet's signature, can move anything the wallet owns. Prefer `allowedPrograms`.
   * @defaultValue false
   */
  dangerouslyAllowAnyProgram?: boolean | undefined;
}

/**
 * A session or connection whose live configuration {@link guardFor} reads: a `StreamConnection`
 * (its `state`) or a `StreamSession` (its `connection.state`).
 */
export type GuardConfigurationSource = { readonly state: GuardConfiguration } | { readonly connection: { readonly state?: GuardConfiguration | undefined } };

function configurationOf(source: GuardConfigurationSource): GuardConfiguration {
  if ("state" in source) return source.state;
  const state = source.connection.state;
  if (state === undefined) {
    throw new StreamValidationError("guardFor: the session's connection does not expose its configuration (state)", { issues: [
      { path: "connection.state", message: "missing" },
    ] });
  }
  return state;
}

/**
 * Guard options holding the limits of `source`'s live configuration: the `tip_lamports` and the
 * `watch_wallets[].auto_buy` amounts the client sent (read when each transaction is signed, so
 * `updateWatchWallets` takes effect at once). `options` add to them (`allowedPrograms`, `path`...)
 * or override them.
 *
 * @example
 * ```ts
 * import { guardFor, signExitTransaction } from "lasersell-stream/tx";
 * for await (const event of session) {
 *   if (event.type === "exit_signal_with_tx") {
 *     const { signedTxB64 } = signExitTransaction(event.message, keypair, guardFor(session));
 *   }
 * }
 * ```
 */
export function guardFor<O extends GuardOptions = GuardOptions>(source: GuardConfigurationSource, options?: O): O & GuardOptions {
  return { ...(options ?? ({} as O)), configuration: () => configurationOf(source) };
}

function lamports(value: number | bigint | null | undefined, field: string): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "bigint") {
    if (value < 0n) invalid(field, "must not be negative");
    return value;
  }
  if (!Number.isSafeInteger(value) || value < 0) invalid(field, "must be a non-negative safe integer (or a bigint)");
  return BigInt(value);
}

function invalid(field: string, message: string): never {
  throw new StreamValidationError(`${field}: ${message}`, { issues: [{ path: field, message }] });
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

/** Throws the {@link TransactionGuardError} of a broken rule (internal). */
export function refuse(rule: TransactionGuardRule, message: string): never {
  throw new TransactionGuardError(`${rule}: ${message}`, { rule });
}



/** The limits in force for one message: all from the user. */
export interface GuardLimits {
  readonly kind: "exit" | "mirror_buy";
  /** Total tip allowance (lamports). */
  readonly tip: bigint;
  /** Lamports that may be moved into the wallet's own accounts (a SOL mirror buy's cap), else 0. */
  readonly solBuy: bigint;
  /** Total SOL outflow allowed, fee included. */
  readonly total: bigint;
  /**
   * What fee, rent and funding beyond the buy cap may take together (the 0.01 SOL allowance),
   * so a mirror buy's cap cannot be spent on fees; `undefined` when `maxSolOutflowLamports` was given.
   */
  readonly overhead: bigint | undefined;
  readonly allowAnyProgram: boolean;
  readonly allowedPrograms: ReadonlySet<Base58>;
}

const KNOWN_IDS: ReadonlySet<Base58> = new Set(KNOWN_PROGRAMS.map((p) => p.id));
/** How to give the guard the limits it lacks, for refusal messages (internal). */
export const HOW_TO_CONFIGURE = "sign with guardFor(session), which reads the configuration your client sent";

function configuredBuyCap(config: GuardConfiguration | undefined, message: ExitMessageLike, wallet: Base58, input: string): bigint | undefined {
  for (const entry of config?.watch_wallets ?? []) {
    const auto = entry.auto_buy;
    if (auto === undefined || auto.wallet_pubkey !== wallet || entry.pubkey !== message.watched_wallet) continue;
    if (input === "SOL") return lamports(auto.amount_quote_units, "auto_buy.amount_quote_units");
    if (input === "USD1") return lamports(auto.amount_usd1_units, "auto_buy.amount_usd1_units");
  }
  return undefined;
}

/**
 * A mirror buy when its `type` says so (whatever other fields it carries: an extra `wallet_pubkey`
 * must not turn a buy into an "exit" that needs no cap), an exit when its `type` is anything else;
 * untyped (an Exit API build), a mirror buy when it names `user_wallet` and no `wallet_pubkey`.
 */
function messageKind(message: ExitMessageLike): "exit" | "mirror_buy" {
  const type = (message as { type?: unknown }).type;
  if (type !== undefined) return type === "mirror_buy_signal" ? "mirror_buy" : "exit";
  return "user_wallet" in message && typeof message.user_wallet === "string" && !("wallet_pubkey" in message) ? "mirror_buy" : "exit";
}

/** Resolves the limits for `message` from `options` and the configuration they carry (never from the message). */
export function guardLimits(message: ExitMessageLike, wallet: Base58, options: GuardOptions = {}): GuardLimits {
  const config = typeof options.configuration === "function" ? options.configuration() : options.configuration;
  const tip = lamports(options.tipLamports, "tipLamports") ?? lamports(config?.tip_lamports, "configuration.tip_lamports") ?? 0n;
  const kind = messageKind(message);
  let solBuy = 0n;
  if (kind === "mirror_buy") {
    const input = typeof message.input === "string" ? message.input : "";
    if (input !== "SOL" && input !== "USD1") refuse("buy_limit", `mirror buy with input ${JSON.stringify(message.input)}: only SOL and USD1 buys can be capped`);
    const cap = lamports(options.maxBuyQuoteUnits, "maxBuyQuoteUnits") ?? configuredBuyCap(config, message, wallet, input);
    if (cap === undefined) {
      refuse(
        "buy_limit",
        `mirror buy of ${wallet} copying ${message.watched_wallet ?? "?"}: no ${input} buy amount is configured for it; pass maxBuyQuoteUnits, or ${HOW_TO_CONFIGURE} (watch_wallets[].auto_buy)`,
      );
    }
    const asked = lamports(message.amount_quote_units, "amount_quote_units") ?? 0n;
    if (asked > cap) refuse("buy_limit", `the mirror buy asks to spend ${asked} ${input} units, more than the ${cap} you configured`);
    if (input === "SOL") solBuy = cap;
  }
  const explicit = lamports(options.maxSolOutflowLamports, "maxSolOutflowLamports");
  const total = explicit ?? DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS + tip + solBuy;
  const overhead = explicit === undefined ? DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS : undefined;
  const allowedPrograms = new Set(KNOWN_IDS);
  for (const p of options.allowedPrograms ?? []) allowedPrograms.add(typeof p === "string" ? p : p.toBase58());
  return { kind, tip, solBuy, total, overhead, allowAnyProgram: options.dangerouslyAllowAnyProgram === true, allowedPrograms };
}

// ---------------------------------------------------------------------------------------------
// The wallet's own accounts
// ---------------------------------------------------------------------------------------------


/**
 * The options of `executeExits` and their validation: what to sign with, where to send, how to
 * confirm, the slippage ladder and the attempts per exit.
 */
import { StreamValidationError } from "../errors.js";
import type { ExitSignalWithTx } from "../protocol/index.js";
import type { Commitment, RpcEndpoint } from "./confirm.js";
import type { FetchLike } from "./rpc.js";
import type { SignExitOptions } from "./sign.js";
import type { SignerInput } from "./signer.js";
import type { SubmitOptions } from "./submit.js";
import type { SendTarget } from "./targets.js";
import { TX_DEFAULTS } from "./defaults.js";

/** An exit signal in either int mode. */
export type ExitSignalMessage = ExitSignalWithTx<"number"> | ExitSignalWithTx<"bigint">;

/**
 * The guard in force before signing: options passed through to `signExitTransaction`, or a
 * function called with each signal first, which throws to refuse it and may return the options
 * to sign with (e.g. a session-aware guard).
 */
export type ExitGuard = SignExitOptions | ((message: ExitSignalMessage) => SignExitOptions | void | Promise<SignExitOptions | void>);

/** Options of {@link executeExits}. */
export interface ExecuteExitsOptions {
  /** The wallet's key (anything `createSigner` accepts: a `Keypair`, secret key bytes, base58...). */
  signer: SignerInput;
  /** Where signed transactions go. */
  sendTarget: SendTarget | string;
  /** A JSON-RPC endpoint for `getLatestBlockhash`, `getBlockHeight` and `getSignatureStatuses`. */
  rpc: RpcEndpoint;
  /**
   * Slippage (bps) of each fresh transaction requested after a failed attempt, in order; the last
   * one repeats.
   * @defaultValue [500, 1000, 2000]
   */
  slippageStepsBps?: readonly number[];
  /**
   * Attempts (signed transactions) per exit, the first included.
   * @defaultValue 4
   */
  maxAttempts?: number;
  /**
   * Extra guard options (`allowedPrograms`, a lower `maxSolOutflowLamports`...) or a function
   * that vets each signal. The limits always start from the session's own configuration
   * (`guardFor(session)`: the tip it configured, its watch wallets' buy caps); these add to or
   * override them.
   * @defaultValue `guardFor(session)` alone
   */
  guard?: ExitGuard;
  /** @defaultValue "confirmed" */
  commitment?: Commitment;
  /** Delay between status polls. @defaultValue 400 */
  pollIntervalMs?: number;
  /**
   * Bound on confirming one attempt. When it passes before the blockhash expired, the exit is
   * given up (`gave_up`, why `unconfirmed`) and NOT re-requested: the transaction may still land.
   * @defaultValue 120000
   */
  confirmTimeoutMs?: number;
  /** How long to wait for the fresh transaction after `requestExitSignal`. @defaultValue 10000 */
  signalTimeoutMs?: number;
  /** Passed to `submitTransaction` (its `signal` is the executor's). */
  submit?: Omit<SubmitOptions, "signal">;
  /**
   * A failed ladder step (`level_index` set) is retried with `requestExitSignal` too, which asks
   * for a FULL exit (the protocol has no amount). Off: a failed partial is given up (why `partial`).
   * @defaultValue false
   */
  retryPartialExits?: boolean;
  /**
   * Path of the crash-safety journal (an append-only file). Exits submitted and not settled are
   * confirmed first on the next start, before any new transaction for their position.
   */
  journal?: string;
  /** Flush every journal record to disk (`fdatasync`). @defaultValue true */
  journalFsync?: boolean;
  /** Allow `http://` to a non-loopback RPC. @defaultValue false */
  allowInsecure?: boolean;
  /** @defaultValue `globalThis.fetch` */
  fetch?: FetchLike;
}

/** The slippage ladder of failed attempts (`TX_DEFAULTS.executor.slippageStepsBps`). */
export const DEFAULT_SLIPPAGE_STEPS_BPS: readonly number[] = TX_DEFAULTS.executor.slippageStepsBps;

/** Throws `StreamValidationError` for options `executeExits` cannot run with. */
export function checkOptions(o: ExecuteExitsOptions): void {
  const bad = (path: string, message: string): never => {
    throw new StreamValidationError(`executeExits: ${path}: ${message}`, { issues: [{ path, message }] });
  };
  if (o === null || typeof o !== "object") bad("", "options are required");
  if (o.signer === undefined) bad("signer", "required");
  if (o.sendTarget === undefined) bad("sendTarget", "required");
  if (o.rpc === undefined) bad("rpc", "required");
  const steps = o.slippageStepsBps ?? DEFAULT_SLIPPAGE_STEPS_BPS;
  if (steps.length === 0 || steps.some((s) => !Number.isInteger(s) || s < 0 || s > 65_535)) bad("slippageStepsBps", "expected integers 0..65535, at least one");
  if (o.maxAttempts !== undefined && !(Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1)) bad("maxAttempts", "expected an integer >= 1");
  for (const name of ["pollIntervalMs", "confirmTimeoutMs", "signalTimeoutMs"] as const) {
    const v = o[name];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) bad(name, "expected a positive number");
  }
}

/**
 * `executeExits`: hand a session's exits to the library. On every `exit_signal_with_tx` it guards,
 * signs, submits and confirms; when an attempt cannot land any more (rejected, failed on chain,
 * expired) it asks the stream for a fresh transaction with the next slippage step, until the exit
 * landed, the position is gone or the attempts are spent. One exit is in flight per position, and
 * nothing is sold twice. See docs/exits-that-land.md for the state diagram.
 */
import { EventEmitter } from "eventemitter3";
import { StreamError, StreamValidationError, SubmitError, TransactionConfirmationError } from "../errors.js";
import type { ExitSignalWithTx, IntMode } from "../protocol/index.js";
import type { StreamSession } from "../session/index.js";
import { callRpc, confirmTransaction, type Commitment, type RpcEndpoint } from "./confirm.js";
import type { FetchLike } from "./rpc.js";
import { submitTransaction, type SubmitOptions } from "./submit.js";
import type { SendTarget } from "./targets.js";
import { ExitJournal, type JournalEntry, type JournalOutcome } from "./journal.js";
import { guardFor } from "./guard.js";
import { signExitTransaction, type SignExitOptions } from "./sign.js";
import type { SignerInput } from "./signer.js";

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

/** What every executor event says about the exit. */
export interface ExitStepEvent {
  /** `position_id`, as a decimal string. */
  positionId: string;
  /** The attempt (1-based) this step belongs to. */
  attempt: number;
  /** The ladder level, for a partial exit. */
  levelIndex: number | undefined;
  /** The signal's `reason` (of the attempt's signal). */
  reason: string;
  /** Milliseconds since the exit's first signal arrived (or since recovery started). */
  latencyMs: number;
}

/** Why an attempt did not land. */
export type ExitFailure = "refused" | "journal" | "rejected" | "failed_on_chain" | "expired" | "no_signal";

/** Events of an {@link ExitExecutor} (eventemitter3). */
export interface ExitExecutorEvents {
  /** Guarded and signed; the journal record (if any) is on disk. */
  signed: [event: ExitStepEvent & { signature: string }];
  /** The send target accepted it. */
  submitted: [event: ExitStepEvent & { signature: string }];
  /** It landed: by RPC status (`via: "rpc"`), or the stream's `balance_update` showed the sale (`"stream"`). */
  confirmed: [event: ExitStepEvent & { signature: string; via: "rpc" | "stream"; slot: number | undefined; recovered: boolean }];
  /** An attempt did not land; `error` says why. */
  failed: [event: ExitStepEvent & { outcome: ExitFailure; signature: string | undefined; error: unknown }];
  /** A fresh transaction was asked for (`requestExitSignal` with `slippageBps`). */
  re_requested: [event: ExitStepEvent & { slippageBps: number }];
  /** The exit was given up; the position stays open. */
  gave_up: [event: ExitStepEvent & { why: "attempts_spent" | "refused" | "journal" | "unconfirmed" | "partial" | "request_failed" }];
  /** The position closed (or is unknown) before the exit landed: nothing more to do. */
  stopped: [event: ExitStepEvent & { why: "position_closed" | "position_unknown" }];
  /** A signal was not executed: a full exit of its position already landed. */
  skipped: [event: { positionId: string; reason: string }];
}

/** Counters of an {@link ExitExecutor}. */
export interface ExitExecutorStats {
  /** Exit signals received. */
  signals: number;
  /** Exits started (a signal, or a journal entry, with nothing in flight for its exit). */
  exits: number;
  /** Exits that landed. */
  confirmed: number;
  /** Exits that landed after at least one failed attempt. */
  confirmedAfterRetry: number;
  /** Attempts that did not land. */
  failedAttempts: number;
  reRequests: number;
  gaveUp: number;
  stopped: number;
  skipped: number;
  /** Journal entries confirmed or settled after a restart. */
  recovered: number;
  /** Attempts signed and not settled yet. */
  inFlight: number;
  /** Signal-to-confirmed latency of landed exits (the last 10,000), in ms. */
  latencyMs: { count: number; p50: number | undefined; p90: number | undefined; max: number | undefined };
}

/** The running executor returned by {@link executeExits}. */
export interface ExitExecutor extends EventEmitter<ExitExecutorEvents> {
  /** Counters and the signal-to-confirmed latency so far. */
  stats(): ExitExecutorStats;
  /** Resolves once the exits of the journal (if any) are settled. */
  readonly recovered: Promise<void>;
  /**
   * Stops: no new signal is taken, waits and polls end, the journal is closed. Exits in flight
   * stay in the journal for the next start.
   */
  stop(): Promise<void>;
}

interface Queued {
  msg: ExitSignalMessage;
  at: number;
}

interface InFlight {
  signature: string;
  tokensBefore: bigint | undefined;
  /** Settles the attempt from the stream: the sale landed, or the position closed. */
  ground: (what: "landed" | "closed") => void;
}

interface Lane {
  key: string;
  positionId: number | bigint;
  /** Newest waiting signal per exit identity (`level_index`, or "full"), in arrival order. */
  queue: Map<string, Queued>;
  running: Promise<void> | undefined;
  gone: boolean;
  /** A full exit landed: later signals are stale. */
  soldOut: boolean;
  waiter: ((q: Queued | undefined) => void) | undefined;
  /** The waiter also ends when the position is announced (after a restart). */
  waitingForAnnounce: boolean;
  inFlight: InFlight | undefined;
  recovering: JournalEntry[];
}

type AttemptOutcome =
  | { kind: "landed"; signature: string; via: "rpc" | "stream"; slot: number | undefined }
  | { kind: "retry" }
  | { kind: "refused" | "journal" | "unconfirmed" | "closed" | "stopped" };

const DEFAULT_STEPS = [500, 1_000, 2_000] as const;
const LATENCY_WINDOW = 10_000;

function identityOf(levelIndex: number | undefined): string {
  return levelIndex === undefined ? "full" : `level:${levelIndex}`;
}

function toBig(v: number | bigint | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  return typeof v === "bigint" ? v : Number.isSafeInteger(v) ? BigInt(v) : undefined;
}

function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function checkOptions(o: ExecuteExitsOptions): void {
  const bad = (path: string, message: string): never => {
    throw new StreamValidationError(`executeExits: ${path}: ${message}`, { issues: [{ path, message }] });
  };
  if (o === null || typeof o !== "object") bad("", "options are required");
  if (o.signer === undefined) bad("signer", "required");
  if (o.sendTarget === undefined) bad("sendTarget", "required");
  if (o.rpc === undefined) bad("rpc", "required");
  const steps = o.slippageStepsBps ?? DEFAULT_STEPS;
  if (steps.length === 0 || steps.some((s) => !Number.isInteger(s) || s < 0 || s > 65_535)) bad("slippageStepsBps", "expected integers 0..65535, at least one");
  if (o.maxAttempts !== undefined && !(Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1)) bad("maxAttempts", "expected an integer >= 1");
  for (const name of ["pollIntervalMs", "confirmTimeoutMs", "signalTimeoutMs"] as const) {
    const v = o[name];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) bad(name, "expected a positive number");
  }
}

/**
 * Executes every exit of `session`: see the module description and docs/exits-that-land.md.
 * Attach it right after `StreamSession.connect` (signals that arrived before are not seen).
 * With `journal`, the exits a previous run left in flight are confirmed first.
 *
 * @throws `StreamValidationError` for bad options, {@link ExitJournalError} when the journal
 * cannot be read or written.
 *
 * @example
 * ```ts
 * import { Keypair } from "@solana/web3.js";
 * import { StreamClient, StreamSession } from "lasersell-stream";
 * import { executeExits, sendTargetHeliusSender } from "lasersell-stream/tx";
 *
 * export async function run(apiKey: string, keypair: Keypair, rpcUrl: string, log: (line: string) => void): Promise<void> {
 *   const session = await StreamSession.connect(new StreamClient(apiKey), {
 *     wallet_pubkeys: [keypair.publicKey.toBase58()],
 *     strategy: { target_profit_pct: 20, stop_loss_pct: 10 },
 *   }, { buffer: false });
 *   const exits = executeExits(session, {
 *     signer: keypair,
 *     sendTarget: sendTargetHeliusSender(),
 *     rpc: rpcUrl,
 *     journal: "./exits.journal",
 *   });
 *   exits.on("confirmed", (e) => log(`sold ${e.positionId} in ${e.latencyMs} ms`));
 *   exits.on("gave_up", (e) => log(`could not sell ${e.positionId}: ${e.why}`));
 * }
 * ```
 */
export function executeExits<M extends IntMode>(session: StreamSession<M>, options: ExecuteExitsOptions): ExitExecutor {
  checkOptions(options);
  const steps = options.slippageStepsBps ?? DEFAULT_STEPS;
  const maxAttempts = options.maxAttempts ?? 4;
  const signalTimeoutMs = options.signalTimeoutMs ?? 10_000;
  const journal = options.journal === undefined ? undefined : ExitJournal.open(options.journal, { fsync: options.journalFsync ?? true });
  const emitter = new EventEmitter<ExitExecutorEvents>() as ExitExecutor;
  const lanes = new Map<string, Lane>();
  const stopController = new AbortController();
  const stopSignal = stopController.signal;
  /** Controllers of the calls in progress, aborted by stop() (one listener each would pile up on stopSignal). */
  const active = new Set<AbortController>();
  const scoped = (): AbortController => {
    const c = new AbortController();
    if (stopSignal.aborted) c.abort();
    else active.add(c);
    return c;
  };
  const timers = new Set<NodeJS.Timeout>();
  const latencies: number[] = [];
  const counts = { signals: 0, exits: 0, confirmed: 0, confirmedAfterRetry: 0, failedAttempts: 0, reRequests: 0, gaveUp: 0, stopped: 0, skipped: 0, recovered: 0 };
  const now = (): number => performance.now();

  const rpcOptions = (signal: AbortSignal): { signal: AbortSignal; allowInsecure?: boolean; fetch?: FetchLike } => {
    const o: { signal: AbortSignal; allowInsecure?: boolean; fetch?: FetchLike } = { signal };
    if (options.allowInsecure !== undefined) o.allowInsecure = options.allowInsecure;
    if (options.fetch !== undefined) o.fetch = options.fetch;
    return o;
  };
  /** The newest blockhash's `lastValidBlockHeight`; `undefined` when the RPC did not answer. */
  const latestValidity = async (): Promise<number | undefined> => {
    const call = scoped();
    try {
      const r = (await callRpc(options.rpc, "getLatestBlockhash", [{ commitment: options.commitment ?? "confirmed" }], rpcOptions(call.signal))) as {
        value?: { lastValidBlockHeight?: unknown };
      };
      const v = r?.value?.lastValidBlockHeight;
      return typeof v === "number" && Number.isFinite(v) ? v : undefined;
    } catch {
      return undefined;
    } finally {
      active.delete(call);
    }
  };

  const laneOf = (positionId: number | bigint): Lane => {
    const key = String(positionId);
    let lane = lanes.get(key);
    if (lane === undefined) {
      lane = { key, positionId, queue: new Map(), running: undefined, gone: false, soldOut: false, waiter: undefined, waitingForAnnounce: false, inFlight: undefined, recovering: [] };
      lanes.set(key, lane);
    }
    return lane;
  };

  const step = (lane: Lane, attempt: number, levelIndex: number | undefined, reason: string, startedAt: number): ExitStepEvent => ({
    positionId: lane.key,
    attempt,
    levelIndex,
    reason,
    latencyMs: Math.round((now() - startedAt) * 10) / 10,
  });

  // ---- stream events ------------------------------------------------------------------------

  const onSignal = (event: { message: ExitSignalMessage }): void => {
    if (stopSignal.aborted) return;
    const msg = event.message;
    counts.signals++;
    const lane = laneOf(msg.position_id);
    if (lane.soldOut) {
      counts.skipped++;
      emitter.emit("skipped", { positionId: lane.key, reason: msg.reason });
      return;
    }
    const q: Queued = { msg, at: now() };
    const waiter = lane.waiter;
    if (waiter !== undefined) {
      lane.waiter = undefined;
      waiter(q);
      return;
    }
    const id = identityOf(msg.level_index);
    lane.queue.delete(id);
    lane.queue.set(id, q);
    start(lane);
  };

  const onBalance = (event: { message: { position_id?: number | bigint | undefined }; handle?: { position_id: number | bigint; tokens: number | bigint } | undefined }): void => {
    const id = event.handle?.position_id ?? event.message.position_id;
    if (id === undefined) return;
    const lane = lanes.get(String(id));
    const flight = lane?.inFlight;
    if (lane === undefined || flight === undefined || flight.tokensBefore === undefined || event.handle === undefined) return;
    const tokens = toBig(event.handle.tokens);
    if (tokens !== undefined && tokens < flight.tokensBefore) flight.ground("landed");
    // A full exit that landed and left tokens (a partial fill) is not "sold out" any more.
    if (lane.soldOut && tokens !== undefined && tokens > 0n && lane.inFlight === undefined) lane.soldOut = false;
  };

  const onClosed = (event: { message: { position_id: number | bigint } }): void => {
    const lane = lanes.get(String(event.message.position_id));
    if (lane === undefined) return;
    lane.gone = true;
    lane.queue.clear();
    lane.inFlight?.ground("closed");
    const waiter = lane.waiter;
    lane.waiter = undefined;
    waiter?.(undefined);
    if (lane.running === undefined) lanes.delete(lane.key);
  };

  const onOpened = (event: { handle: { position_id: number | bigint } }): void => {
    const lane = lanes.get(String(event.handle.position_id));
    if (lane === undefined || !lane.waitingForAnnounce) return;
    const waiter = lane.waiter;
    lane.waiter = undefined;
    waiter?.(undefined);
  };

  const s = session as unknown as StreamSession<"number">;
  const listeners = {
    exit_signal_with_tx: onSignal as (e: unknown) => void,
    balance_update: onBalance as (e: unknown) => void,
    position_closed: onClosed as (e: unknown) => void,
    position_opened: onOpened as (e: unknown) => void,
  };
  for (const [name, fn] of Object.entries(listeners)) (s.on as (n: string, f: (e: unknown) => void) => void)(name, fn);

  // ---- one position's exits ------------------------------------------------------------------

  const start = (lane: Lane): void => {
    if (lane.running !== undefined || stopSignal.aborted) return;
    lane.running = runLane(lane).finally(() => {
      lane.running = undefined;
      if (stopSignal.aborted) return;
      if (lane.queue.size > 0 && !lane.gone) start(lane);
      else if (lane.gone || (!lane.soldOut && lane.queue.size === 0)) lanes.delete(lane.key);
    });
  };

  const runLane = async (lane: Lane): Promise<void> => {
    while (lane.recovering.length > 0 && !stopSignal.aborted) {
      const entry = lane.recovering.shift() as JournalEntry;
      const needsExit = await recover(lane, entry);
      if (needsExit) await runExit(lane, undefined, { levelIndex: entry.levelIndex, reason: entry.reason, startedAt: now(), attempts: 1 });
    }
    while (!lane.gone && !stopSignal.aborted) {
      const first = lane.queue.entries().next();
      if (first.done === true) return;
      const [id, q] = first.value;
      lane.queue.delete(id);
      await runExit(lane, q, { levelIndex: q.msg.level_index, reason: q.msg.reason, startedAt: q.at, attempts: 0 });
    }
  };

  const waitFor = (lane: Lane, ms: number, orAnnounce = false): Promise<Queued | undefined> =>
    new Promise((resolve) => {
      lane.waitingForAnnounce = orAnnounce;
      // stop() ends it through lane.waiter.
      const timer = setTimeout(() => finish(undefined), ms);
      timers.add(timer);
      function finish(q: Queued | undefined): void {
        clearTimeout(timer);
        timers.delete(timer);
        if (lane.waiter === finish) lane.waiter = undefined;
        lane.waitingForAnnounce = false;
        resolve(q);
      }
      lane.waiter = finish;
    });

  /** Runs one exit (one identity of a position) until it landed, stopped or was given up. */
  const runExit = async (
    lane: Lane,
    first: Queued | undefined,
    exit: { levelIndex: number | undefined; reason: string; startedAt: number; attempts: number },
  ): Promise<void> => {
    counts.exits++;
    const id = identityOf(exit.levelIndex);
    let reRequests = 0;
    let q = first;
    let failures = exit.attempts;
    const giveUp = (why: ExitExecutorEvents["gave_up"][0]["why"]): void => {
      counts.gaveUp++;
      emitter.emit("gave_up", { ...step(lane, exit.attempts, exit.levelIndex, exit.reason, exit.startedAt), why });
    };
    const stopped = (why: "position_closed" | "position_unknown"): void => {
      counts.stopped++;
      emitter.emit("stopped", { ...step(lane, exit.attempts, exit.levelIndex, exit.reason, exit.startedAt), why });
    };
    for (;;) {
      if (stopSignal.aborted) return;
      if (q === undefined) {
        // A fresh transaction is needed: the previous attempt cannot land any more.
        if (lane.gone) return stopped("position_closed");
        if (exit.attempts >= maxAttempts) return giveUp("attempts_spent");
        if (exit.levelIndex !== undefined && options.retryPartialExits !== true) return giveUp("partial");
        const newer = lane.queue.get(id);
        if (newer !== undefined) {
          lane.queue.delete(id);
          q = newer;
        } else {
          if (session.position(lane.positionId) === undefined) {
            // After a restart the position may not be announced yet: wait for its signal or announcement.
            const announced = await waitFor(lane, signalTimeoutMs, true);
            if (announced !== undefined) q = announced;
            else if (lane.gone) return stopped("position_closed");
            else if (session.position(lane.positionId) === undefined) return stopped("position_unknown");
          }
          if (q === undefined) {
            const slippageBps = steps[Math.min(reRequests, steps.length - 1)] as number;
            reRequests++;
            try {
              session.requestExitSignal(lane.positionId, slippageBps);
            } catch {
              return lane.gone || session.position(lane.positionId) === undefined ? stopped("position_closed") : giveUp("request_failed");
            }
            counts.reRequests++;
            emitter.emit("re_requested", { ...step(lane, exit.attempts + 1, exit.levelIndex, exit.reason, exit.startedAt), slippageBps });
            q = await waitFor(lane, signalTimeoutMs);
            if (stopSignal.aborted) return;
            if (q === undefined) {
              if (lane.gone) return stopped("position_closed");
              exit.attempts++;
              failures++;
              counts.failedAttempts++;
              emitter.emit("failed", {
                ...step(lane, exit.attempts, exit.levelIndex, exit.reason, exit.startedAt),
                outcome: "no_signal",
                signature: undefined,
                error: new StreamError("timeout", `no exit signal for position ${lane.key} within ${signalTimeoutMs} ms of requestExitSignal`),
              });
              continue;
            }
          }
        }
      }
      exit.attempts++;
      exit.reason = q.msg.reason;
      const outcome = await attempt(lane, exit, q);
      q = undefined;
      switch (outcome.kind) {
        case "landed":
          counts.confirmed++;
          if (failures > 0) counts.confirmedAfterRetry++;
          {
            const e = step(lane, exit.attempts, exit.levelIndex, exit.reason, exit.startedAt);
            latencies.push(e.latencyMs);
            if (latencies.length > LATENCY_WINDOW) latencies.shift();
            emitter.emit("confirmed", { ...e, signature: outcome.signature, via: outcome.via, slot: outcome.slot, recovered: false });
          }
          afterLanding(lane, exit.levelIndex);
          return;
        case "retry":
          failures++;
          continue;
        case "refused":
          return giveUp("refused");
        case "journal":
          return giveUp("journal");
        case "unconfirmed":
          return giveUp("unconfirmed");
        case "closed":
          return stopped("position_closed");
        case "stopped":
          return;
      }
    }
  };

  const afterLanding = (lane: Lane, levelIndex: number | undefined): void => {
    if (levelIndex === undefined) {
      // The position is sold: whatever else was waiting was computed against the old balance.
      lane.soldOut = true;
      lane.queue.clear();
    } else {
      lane.queue.delete(identityOf(levelIndex));
    }
  };

  const fail = (lane: Lane, exit: { attempts: number; levelIndex: number | undefined; reason: string; startedAt: number }, outcome: ExitFailure, signature: string | undefined, error: unknown): void => {
    counts.failedAttempts++;
    emitter.emit("failed", { ...step(lane, exit.attempts, exit.levelIndex, exit.reason, exit.startedAt), outcome, signature, error });
  };

  /** One attempt: guard, sign, journal, submit, confirm. */
  const attempt = async (lane: Lane, exit: { attempts: number; levelIndex: number | undefined; reason: string; startedAt: number }, q: Queued): Promise<AttemptOutcome> => {
    const msg = q.msg;
    let signed: { signature: string; signedTxB64: string };
    try {
      // The session's own configuration (its tip, its watch wallets) is the base of every limit;
      // what the caller's guard returns adds to it or overrides it.
      const extra = typeof options.guard === "function" ? ((await options.guard(msg)) ?? undefined) : options.guard;
      signed = signExitTransaction(msg, options.signer, guardFor(session, extra));
    } catch (error) {
      fail(lane, exit, "refused", undefined, error);
      return { kind: "refused" };
    }
    const tokensBefore = toBig(session.position(lane.positionId)?.tokens ?? msg.position_tokens);
    try {
      journal?.submitting({
        signature: signed.signature,
        positionId: lane.key,
        levelIndex: msg.level_index,
        reason: msg.reason,
        tokensBefore: tokensBefore?.toString(),
        submittedAtMs: Date.now(),
        lastValidBlockHeight: undefined,
      });
    } catch (error) {
      fail(lane, exit, "journal", signed.signature, error);
      return { kind: "journal" };
    }
    emitter.emit("signed", { ...step(lane, exit.attempts, exit.levelIndex, exit.reason, exit.startedAt), signature: signed.signature });
    // The newest blockhash's lastValidBlockHeight, read after the signal's blockhash was made,
    // bounds the transaction's from above (later is safe: expiry is never declared early).
    const validity = latestValidity();
    const settle = await track(lane, signed.signature, tokensBefore, async (confirmSignal) => {
      try {
        await submitTransaction(options.sendTarget, signed.signedTxB64, { ...options.submit, signal: confirmSignal });
        emitter.emit("submitted", { ...step(lane, exit.attempts, exit.levelIndex, exit.reason, exit.startedAt), signature: signed.signature });
      } catch (error) {
        if (stopSignal.aborted) return { kind: "stopped" };
        if (error instanceof SubmitError && error.code === "rpc") {
          // The endpoint refused it: this transaction was not accepted and will not land.
          journalDone(signed.signature, "rejected");
          fail(lane, exit, "rejected", signed.signature, error);
          return { kind: "retry" };
        }
        // Timeout or transport failure: it may have been received, so it is confirmed like any other.
      }
      return undefined;
    }, validity);
    return outcomeOf(lane, exit, signed.signature, settle);
  };

  type Settled =
    | { kind: "landed"; via: "rpc" | "stream"; slot: number | undefined }
    | { kind: "error"; error: unknown }
    | AttemptOutcome;

  /**
   * Marks `signature` in flight on the lane, runs `before` (the submission), then confirms it by
   * RPC, racing the stream's ground truth (`balance_update` / `position_closed`).
   */
  const track = async (
    lane: Lane,
    signature: string,
    tokensBefore: bigint | undefined,
    before: ((signal: AbortSignal) => Promise<AttemptOutcome | undefined>) | undefined,
    validity: Promise<number | undefined>,
  ): Promise<Settled> => {
    const poll = scoped();
    const send = scoped();
    let groundTruth: "landed" | "closed" | undefined;
    let wake: (() => void) | undefined;
    const ground = new Promise<Settled>((resolve) => {
      wake = () => resolve(groundTruth === "landed" ? { kind: "landed", via: "stream", slot: undefined } : { kind: "closed" });
    });
    lane.inFlight = {
      signature,
      tokensBefore,
      ground: (what) => {
        if (groundTruth !== undefined) return;
        groundTruth = what;
        poll.abort();
        wake?.();
      },
    };
    try {
      if (before !== undefined) {
        // Not raced with the stream: a sale seen on the stream while the send target has not
        // answered yet still gets its `submitted` before its `confirmed`.
        const early = await before(send.signal);
        if (early !== undefined && groundTruth === undefined) return early;
        if (groundTruth !== undefined) return ground;
      }
      const lastValid = await Promise.race([validity, ground.then(() => undefined)]);
      if (groundTruth !== undefined) return ground;
      if (lastValid !== undefined) journalValid(signature, lastValid);
      const confirmOptions: Parameters<typeof confirmTransaction>[2] = {
        commitment: options.commitment ?? "confirmed",
        timeoutMs: options.confirmTimeoutMs ?? 120_000,
        pollIntervalMs: options.pollIntervalMs ?? 400,
        signal: poll.signal,
      };
      if (lastValid !== undefined) confirmOptions.lastValidBlockHeight = lastValid;
      if (options.allowInsecure !== undefined) confirmOptions.allowInsecure = options.allowInsecure;
      if (options.fetch !== undefined) confirmOptions.fetch = options.fetch;
      const byRpc = confirmTransaction(options.rpc, signature, confirmOptions).then(
        (c): Settled => ({ kind: "landed", via: "rpc", slot: c.slot }),
        (error: unknown): Settled => ({ kind: "error", error }),
      );
      const settled = await Promise.race([byRpc, ground]);
      // The stream said it first; the aborted poll is discarded.
      return groundTruth !== undefined ? ground : settled;
    } finally {
      if (lane.inFlight?.signature === signature) lane.inFlight = undefined;
      poll.abort();
      active.delete(poll);
      active.delete(send);
    }
  };

  const journalDone = (signature: string, outcome: JournalOutcome): void => {
    try {
      journal?.done(signature, outcome);
    } catch {
      // The entry stays open: the next start confirms it again, which is safe.
    }
  };
  const journalValid = (signature: string, lastValid: number): void => {
    try {
      journal?.validUntil(signature, lastValid);
    } catch {
      // Without it the next start uses the newest blockhash's bound, which is later: safe.
    }
  };

  const outcomeOf = (lane: Lane, exit: { attempts: number; levelIndex: number | undefined; reason: string; startedAt: number }, signature: string, s: Settled): AttemptOutcome => {
    switch (s.kind) {
      case "landed":
        journalDone(signature, "landed");
        return { kind: "landed", signature, via: s.via, slot: s.slot };
      case "closed":
        journalDone(signature, "closed");
        return s;
      case "error": {
        const e = s.error;
        if (e instanceof TransactionConfirmationError && (e.outcome === "failed" || e.outcome === "expired")) {
          journalDone(signature, e.outcome);
          fail(lane, exit, e.outcome === "failed" ? "failed_on_chain" : "expired", signature, e);
          return { kind: "retry" };
        }
        if (stopSignal.aborted) return { kind: "stopped" };
        // Timed out while the blockhash may still be valid: it may land, so it is not re-requested.
        return { kind: "unconfirmed" };
      }
      default:
        return s;
    }
  };

  /** Confirms a journal entry of a previous run; true when its exit still needs a transaction. */
  const recover = async (lane: Lane, entry: JournalEntry): Promise<boolean> => {
    const startedAt = now();
    const exit = { attempts: 1, levelIndex: entry.levelIndex, reason: entry.reason, startedAt };
    const validity = entry.lastValidBlockHeight !== undefined ? Promise.resolve(entry.lastValidBlockHeight) : latestValidity();
    const settled = await track(lane, entry.signature, toBig(entry.tokensBefore === undefined ? undefined : BigInt(entry.tokensBefore)), undefined, validity);
    const outcome = outcomeOf(lane, exit, entry.signature, settled);
    if (outcome.kind === "landed") {
      counts.recovered++;
      counts.confirmed++;
      emitter.emit("confirmed", { ...step(lane, 1, entry.levelIndex, entry.reason, startedAt), signature: entry.signature, via: outcome.via, slot: outcome.slot, recovered: true });
      afterLanding(lane, entry.levelIndex);
      return false;
    }
    if (outcome.kind === "retry") {
      counts.recovered++;
      return true;
    }
    if (outcome.kind === "closed") {
      counts.recovered++;
      counts.stopped++;
      emitter.emit("stopped", { ...step(lane, 1, entry.levelIndex, entry.reason, startedAt), why: "position_closed" });
    } else if (outcome.kind === "unconfirmed") {
      counts.gaveUp++;
      emitter.emit("gave_up", { ...step(lane, 1, entry.levelIndex, entry.reason, startedAt), why: "unconfirmed" });
    }
    return false;
  };

  // ---- the executor --------------------------------------------------------------------------

  const recoveredLanes: Promise<void>[] = [];
  for (const entry of journal?.unfinished ?? []) {
    const lane = laneOf(/^\d+$/.test(entry.positionId) ? BigInt(entry.positionId) : entry.positionId as unknown as number);
    lane.recovering.push(entry);
  }
  for (const lane of lanes.values()) {
    start(lane);
    if (lane.running !== undefined) recoveredLanes.push(lane.running);
  }
  const recovered = Promise.all(recoveredLanes).then(() => undefined);

  let stopping: Promise<void> | undefined;
  Object.defineProperty(emitter, "recovered", { value: recovered, enumerable: true });
  emitter.stats = (): ExitExecutorStats => {
    const sorted = [...latencies].sort((a, b) => a - b);
    let inFlight = 0;
    for (const lane of lanes.values()) if (lane.inFlight !== undefined) inFlight++;
    return {
      ...counts,
      inFlight,
      latencyMs: { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), max: sorted[sorted.length - 1] },
    };
  };
  emitter.stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopController.abort();
      for (const c of active) c.abort();
      active.clear();
      for (const lane of lanes.values()) lane.waiter?.(undefined);
      for (const [name, fn] of Object.entries(listeners)) (s.off as (n: string, f: (e: unknown) => void) => void)(name, fn);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...lanes.values()].map((l) => l.running));
      journal?.close();
    })();
    return stopping;
  };
  return emitter;
}

/**
 * One attempt of the exit executor, from a signal to its settlement: guard and sign, journal,
 * submit, then confirm by RPC while racing the stream's ground truth (`balance_update`,
 * `position_closed`); and the recovery of a journal entry a previous run left in flight. Also the
 * per-position `Lane` these attempts run on.
 */
import { SubmitError, TransactionConfirmationError } from "../errors.js";
import type { StreamSession } from "../session/index.js";
import { callRpc, confirmTransaction } from "./confirm.js";
import type { ExitFailure, ExitProgress, ExitTally } from "./executor-events.js";
import type { ExecuteExitsOptions, ExitSignalMessage } from "./executor-options.js";
import { guardFor } from "./guard-limits.js";
import type { ExitJournal, JournalEntry, JournalOutcome } from "./journal.js";
import type { FetchLike } from "./rpc.js";
import { signExitTransaction } from "./sign.js";
import { submitTransaction } from "./submit.js";
import { TX_DEFAULTS } from "./defaults.js";

/** A signal waiting for its turn, with its arrival time (`performance.now()`). */
export interface Queued {
  msg: ExitSignalMessage;
  at: number;
}

/** The attempt whose transaction is out, awaiting settlement. */
interface InFlight {
  signature: string;
  tokensBefore: bigint | undefined;
  /** Settles the attempt from the stream: the sale landed, or the position closed. */
  ground: (what: "landed" | "closed") => void;
}

/** One position's exits: at most one in flight, the newest signal per exit identity waiting. */
export interface Lane {
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

/** How an attempt ended. */
export type AttemptOutcome =
  | { kind: "landed"; signature: string; via: "rpc" | "stream"; slot: number | undefined }
  | { kind: "retry" }
  | { kind: "refused" | "journal" | "unconfirmed" | "closed" | "stopped" };

type Settled =
  | { kind: "landed"; via: "rpc" | "stream"; slot: number | undefined }
  | { kind: "error"; error: unknown }
  | AttemptOutcome;

/** The identity of an exit within its position: a ladder level, or the full exit. */
export function identityOf(levelIndex: number | undefined): string {
  return levelIndex === undefined ? "full" : `level:${levelIndex}`;
}

/** A token amount as a bigint (`undefined` for a number past 2^53: not comparable). */
export function toBig(v: number | bigint | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  return typeof v === "bigint" ? v : Number.isSafeInteger(v) ? BigInt(v) : undefined;
}

/** After an exit landed: a full exit makes the position sold out, a ladder step clears its level. */
export function afterLanding(lane: Lane, levelIndex: number | undefined): void {
  if (levelIndex === undefined) {
    // The position is sold: whatever else was waiting was computed against the old balance.
    lane.soldOut = true;
    lane.queue.clear();
  } else {
    lane.queue.delete(identityOf(levelIndex));
  }
}

/**
 * The abort controllers of the calls in progress, all aborted by `stop()` (one listener each on
 * the stop signal would pile up).
 */
export class CallScope {
  readonly #stop = new AbortController();
  readonly #active = new Set<AbortController>();

  /** Aborted by {@link CallScope.stop}. */
  get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  /** A controller for one call; already aborted after `stop()`. */
  open(): AbortController {
    const c = new AbortController();
    if (this.#stop.signal.aborted) c.abort();
    else this.#active.add(c);
    return c;
  }

  /** The call is over. */
  close(c: AbortController): void {
    this.#active.delete(c);
  }

  stop(): void {
    this.#stop.abort();
    for (const c of this.#active) c.abort();
    this.#active.clear();
  }
}

/** What an attempt needs from the executor. */
export interface AttemptContext {
  readonly options: ExecuteExitsOptions;
  readonly session: StreamSession<"number">;
  readonly journal: ExitJournal | undefined;
  readonly tally: ExitTally;
  readonly scope: CallScope;
}

/** Runs attempts and recoveries for the executor. */
export class AttemptPipeline {
  readonly #c: AttemptContext;

  constructor(context: AttemptContext) {
    this.#c = context;
  }

  /** One attempt: guard, sign, journal, submit, confirm. */
  async attempt(lane: Lane, exit: ExitProgress, q: Queued): Promise<AttemptOutcome> {
    const { options, session, journal, tally, scope } = this.#c;
    const msg = q.msg;
    let signed: { signature: string; signedTxB64: string };
    try {
      // The session's own configuration (its tip, its watch wallets) is the base of every limit;
      // what the caller's guard returns adds to it or overrides it.
      const extra = typeof options.guard === "function" ? ((await options.guard(msg)) ?? undefined) : options.guard;
      signed = signExitTransaction(msg, options.signer, guardFor(session, extra));
    } catch (error) {
      tally.failed(lane.key, exit, "refused", undefined, error);
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
      tally.failed(lane.key, exit, "journal", signed.signature, error);
      return { kind: "journal" };
    }
    tally.signed(lane.key, exit, signed.signature);
    // The newest blockhash's lastValidBlockHeight, read after the signal's blockhash was made,
    // bounds the transaction's from above (later is safe: expiry is never declared early).
    const validity = this.latestValidity();
    const settle = await this.#track(lane, signed.signature, tokensBefore, async (confirmSignal) => {
      try {
        await submitTransaction(options.sendTarget, signed.signedTxB64, { ...options.submit, signal: confirmSignal });
        tally.submitted(lane.key, exit, signed.signature);
      } catch (error) {
        if (scope.stopSignal.aborted) return { kind: "stopped" };
        if (error instanceof SubmitError && error.code === "rpc") {
          // The endpoint refused it: this transaction was not accepted and will not land.
          this.#journalDone(signed.signature, "rejected");
          tally.failed(lane.key, exit, "rejected", signed.signature, error);
          return { kind: "retry" };
        }
        // Timeout or transport failure: it may have been received, so it is confirmed like any other.
      }
      return undefined;
    }, validity);
    return this.#outcomeOf(lane, exit, signed.signature, settle);
  }

  /** Confirms a journal entry of a previous run; true when its exit still needs a transaction. */
  async recover(lane: Lane, entry: JournalEntry): Promise<boolean> {
    const { tally } = this.#c;
    const exit: ExitProgress = { attempts: 1, levelIndex: entry.levelIndex, reason: entry.reason, startedAt: performance.now() };
    const validity = entry.lastValidBlockHeight !== undefined ? Promise.resolve(entry.lastValidBlockHeight) : this.latestValidity();
    const settled = await this.#track(lane, entry.signature, toBig(entry.tokensBefore === undefined ? undefined : BigInt(entry.tokensBefore)), undefined, validity);
    const outcome = this.#outcomeOf(lane, exit, entry.signature, settled);
    if (outcome.kind === "landed") {
      tally.confirmed(lane.key, exit, outcome, { recovered: true, afterRetry: false });
      afterLanding(lane, entry.levelIndex);
      return false;
    }
    if (outcome.kind === "retry") {
      tally.counts.recovered++;
      return true;
    }
    if (outcome.kind === "closed") {
      tally.counts.recovered++;
      tally.stopped(lane.key, exit, "position_closed");
    } else if (outcome.kind === "unconfirmed") {
      tally.gaveUp(lane.key, exit, "unconfirmed");
    }
    return false;
  }

  /** The newest blockhash's `lastValidBlockHeight`; `undefined` when the RPC did not answer. */
  async latestValidity(): Promise<number | undefined> {
    const { options, scope } = this.#c;
    const call = scope.open();
    try {
      const r = (await callRpc(options.rpc, "getLatestBlockhash", [{ commitment: options.commitment ?? TX_DEFAULTS.executor.commitment }], this.#rpcOptions(call.signal))) as {
        value?: { lastValidBlockHeight?: unknown };
      };
      const v = r?.value?.lastValidBlockHeight;
      return typeof v === "number" && Number.isFinite(v) ? v : undefined;
    } catch {
      return undefined;
    } finally {
      scope.close(call);
    }
  }

  #rpcOptions(signal: AbortSignal): { signal: AbortSignal; allowInsecure?: boolean; fetch?: FetchLike } {
    const { options } = this.#c;
    const o: { signal: AbortSignal; allowInsecure?: boolean; fetch?: FetchLike } = { signal };
    if (options.allowInsecure !== undefined) o.allowInsecure = options.allowInsecure;
    if (options.fetch !== undefined) o.fetch = options.fetch;
    return o;
  }

  /**
   * Marks `signature` in flight on the lane, runs `before` (the submission), then confirms it by
   * RPC, racing the stream's ground truth (`balance_update` / `position_closed`).
   */
  async #track(
    lane: Lane,
    signature: string,
    tokensBefore: bigint | undefined,
    before: ((signal: AbortSignal) => Promise<AttemptOutcome | undefined>) | undefined,
    validity: Promise<number | undefined>,
  ): Promise<Settled> {
    const { options, scope } = this.#c;
    const poll = scope.open();
    const send = scope.open();
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
      if (lastValid !== undefined) this.#journalValid(signature, lastValid);
      const confirmOptions: Parameters<typeof confirmTransaction>[2] = {
        commitment: options.commitment ?? TX_DEFAULTS.executor.commitment,
        timeoutMs: options.confirmTimeoutMs ?? TX_DEFAULTS.executor.confirmTimeoutMs,
        pollIntervalMs: options.pollIntervalMs ?? TX_DEFAULTS.executor.pollIntervalMs,
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
      scope.close(poll);
      scope.close(send);
    }
  }

  #outcomeOf(lane: Lane, exit: ExitProgress, signature: string, s: Settled): AttemptOutcome {
    switch (s.kind) {
      case "landed":
        this.#journalDone(signature, "landed");
        return { kind: "landed", signature, via: s.via, slot: s.slot };
      case "closed":
        this.#journalDone(signature, "closed");
        return s;
      case "error": {
        const e = s.error;
        if (e instanceof TransactionConfirmationError && (e.outcome === "failed" || e.outcome === "expired")) {
          this.#journalDone(signature, e.outcome);
          const outcome: ExitFailure = e.outcome === "failed" ? "failed_on_chain" : "expired";
          this.#c.tally.failed(lane.key, exit, outcome, signature, e);
          return { kind: "retry" };
        }
        if (this.#c.scope.stopSignal.aborted) return { kind: "stopped" };
        // Timed out while the blockhash may still be valid: it may land, so it is not re-requested.
        return { kind: "unconfirmed" };
      }
      default:
        return s;
    }
  }

  #journalDone(signature: string, outcome: JournalOutcome): void {
    try {
      this.#c.journal?.done(signature, outcome);
    } catch {
      // The entry stays open: the next start confirms it again, which is safe.
    }
  }

  #journalValid(signature: string, lastValid: number): void {
    try {
      this.#c.journal?.validUntil(signature, lastValid);
    } catch {
      // Without it the next start uses the newest blockhash's bound, which is later: safe.
    }
  }
}

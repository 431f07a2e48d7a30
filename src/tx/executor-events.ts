/**
 * What the exit executor tells its caller: the events, the counters and latency of
 * `ExitExecutor.stats()`, and `ExitTally`, which counts and emits them in one place.
 */
import { EventEmitter } from "eventemitter3";

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

/** Where one exit stands: the attempt count and what each event repeats about it (internal). */
export interface ExitProgress {
  attempts: number;
  levelIndex: number | undefined;
  reason: string;
  /** `performance.now()` when its first signal arrived (or its recovery started). */
  startedAt: number;
}

/** How many latencies `stats()` keeps. */
const LATENCY_WINDOW = 10_000;

function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The executor's emitter, counters and latency window: every event is counted and emitted here (internal). */
export class ExitTally {
  readonly emitter = new EventEmitter<ExitExecutorEvents>() as ExitExecutor;
  readonly counts = { signals: 0, exits: 0, confirmed: 0, confirmedAfterRetry: 0, failedAttempts: 0, reRequests: 0, gaveUp: 0, stopped: 0, skipped: 0, recovered: 0 };
  readonly #latencies: number[] = [];

  /** What every event says about `exit` of the position `positionKey`; `attempt` defaults to the exit's. */
  event(positionKey: string, exit: ExitProgress, attempt = exit.attempts): ExitStepEvent {
    return {
      positionId: positionKey,
      attempt,
      levelIndex: exit.levelIndex,
      reason: exit.reason,
      latencyMs: Math.round((performance.now() - exit.startedAt) * 10) / 10,
    };
  }

  signed(positionKey: string, exit: ExitProgress, signature: string): void {
    this.emitter.emit("signed", { ...this.event(positionKey, exit), signature });
  }

  submitted(positionKey: string, exit: ExitProgress, signature: string): void {
    this.emitter.emit("submitted", { ...this.event(positionKey, exit), signature });
  }

  /**
   * The exit landed. A recovered one (a journal entry of a previous run) counts as recovered and
   * adds no latency; another adds its latency, and counts as landed after a retry when `afterRetry`.
   */
  confirmed(positionKey: string, exit: ExitProgress, landed: { signature: string; via: "rpc" | "stream"; slot: number | undefined }, how: { recovered: boolean; afterRetry: boolean }): void {
    if (how.recovered) this.counts.recovered++;
    this.counts.confirmed++;
    if (how.afterRetry) this.counts.confirmedAfterRetry++;
    const e = this.event(positionKey, exit);
    if (!how.recovered) {
      this.#latencies.push(e.latencyMs);
      if (this.#latencies.length > LATENCY_WINDOW) this.#latencies.shift();
    }
    this.emitter.emit("confirmed", { ...e, signature: landed.signature, via: landed.via, slot: landed.slot, recovered: how.recovered });
  }

  failed(positionKey: string, exit: ExitProgress, outcome: ExitFailure, signature: string | undefined, error: unknown): void {
    this.counts.failedAttempts++;
    this.emitter.emit("failed", { ...this.event(positionKey, exit), outcome, signature, error });
  }

  reRequested(positionKey: string, exit: ExitProgress, slippageBps: number): void {
    this.counts.reRequests++;
    this.emitter.emit("re_requested", { ...this.event(positionKey, exit, exit.attempts + 1), slippageBps });
  }

  gaveUp(positionKey: string, exit: ExitProgress, why: ExitExecutorEvents["gave_up"][0]["why"]): void {
    this.counts.gaveUp++;
    this.emitter.emit("gave_up", { ...this.event(positionKey, exit), why });
  }

  stopped(positionKey: string, exit: ExitProgress, why: ExitExecutorEvents["stopped"][0]["why"]): void {
    this.counts.stopped++;
    this.emitter.emit("stopped", { ...this.event(positionKey, exit), why });
  }

  skipped(positionKey: string, reason: string): void {
    this.counts.skipped++;
    this.emitter.emit("skipped", { positionId: positionKey, reason });
  }

  /** The counters, with `inFlight` counted by the caller. */
  stats(inFlight: number): ExitExecutorStats {
    const sorted = [...this.#latencies].sort((a, b) => a - b);
    return {
      ...this.counts,
      inFlight,
      latencyMs: { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), max: sorted[sorted.length - 1] },
    };
  }
}

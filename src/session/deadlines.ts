/**
 * Client-side deadlines (protocol.md section 8.3, with the official SDKs' defects fixed): one
 * timer per position, counted on a monotonic clock from the position's own start, never
 * restarted by a re-announcement, retried a bounded number of times until an exit signal comes.
 */
import type { PositionKey } from "../client/inbound.js";

/** Clock and timers, injectable for tests. Timers it creates must not keep Node alive. */
export interface SessionTimers {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** `performance.now()` and `setTimeout`, with every timer `unref`'d. */
export const systemTimers: SessionTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** What happened when a retry was due. */
export type RetryOutcome = "sent" | "wait" | "stop";

export interface DeadlineCallbacks {
  /** The deadline of `key` is reached. Return `true` when an exit was requested. */
  onDeadline(key: PositionKey): boolean;
  /**
   * No exit signal came within the retry window after the deadline. `"sent"`: asked again;
   * `"wait"`: could not ask now (offline), try after another window without counting it;
   * `"stop"`: give up.
   */
  onRetry(key: PositionKey, attempt: number): RetryOutcome;
}

export interface DeadlineSettings {
  /** 0 disables deadlines. */
  deadlineMs: number;
  retryMs: number;
  maxRetries: number;
}

type Phase = "armed" | "retrying" | "done";

interface Entry {
  readonly start: number;
  phase: Phase;
  attempts: number;
  timer: unknown;
}

export class DeadlineScheduler {
  readonly #entries = new Map<PositionKey, Entry>();
  readonly #host: SessionTimers;
  readonly #callbacks: DeadlineCallbacks;
  #settings: DeadlineSettings;

  constructor(settings: DeadlineSettings, callbacks: DeadlineCallbacks, host: SessionTimers = systemTimers) {
    this.#settings = { ...settings };
    this.#callbacks = callbacks;
    this.#host = host;
  }

  get deadlineMs(): number {
    return this.#settings.deadlineMs;
  }

  /** Starts counting for `key` from the monotonic time `start`; a key already tracked keeps its start. */
  track(key: PositionKey, start: number): void {
    if (this.#entries.has(key)) return;
    const entry: Entry = { start, phase: "armed", attempts: 0, timer: undefined };
    this.#entries.set(key, entry);
    this.#arm(key, entry);
  }

  has(key: PositionKey): boolean {
    return this.#entries.has(key);
  }

  /** Monotonic time the deadline of `key` falls due; `undefined` when none applies. */
  dueAt(key: PositionKey): number | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.#settings.deadlineMs <= 0) return undefined;
    return entry.start + this.#settings.deadlineMs;
  }

  /** An exit signal arrived for `key`: stop asking. A signal before the deadline changes nothing. */
  answered(key: PositionKey): void {
    const entry = this.#entries.get(key);
    if (entry?.phase !== "retrying") return;
    this.#cancel(entry);
    entry.phase = "done";
  }

  /** Forgets `key` and cancels its timer. */
  untrack(key: PositionKey): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#cancel(entry);
    this.#entries.delete(key);
  }

  /**
   * Applies a new deadline to every position, each from its own start. A deadline already past
   * fires at once, unless it already fired; one still ahead re-arms even after an earlier fire.
   */
  setDeadline(deadlineMs: number): void {
    this.#settings = { ...this.#settings, deadlineMs };
    const now = this.#host.now();
    for (const [key, entry] of this.#entries) {
      if (entry.phase !== "armed" && !(deadlineMs > 0 && entry.start + deadlineMs > now)) continue;
      this.#cancel(entry);
      entry.phase = "armed";
      entry.attempts = 0;
      this.#arm(key, entry);
    }
  }

  /** Cancels every timer and forgets every position. */
  clear(): void {
    for (const entry of this.#entries.values()) this.#cancel(entry);
    this.#entries.clear();
  }

  /** Timers currently scheduled (for tests and stats). */
  get pendingTimers(): number {
    let n = 0;
    for (const entry of this.#entries.values()) if (entry.timer !== undefined) n += 1;
    return n;
  }

  #arm(key: PositionKey, entry: Entry): void {
    const { deadlineMs } = this.#settings;
    if (deadlineMs <= 0) return;
    const delay = Math.max(0, entry.start + deadlineMs - this.#host.now());
    entry.timer = this.#host.setTimeout(() => {
      entry.timer = undefined;
      this.#fire(key, entry);
    }, delay);
  }

  #fire(key: PositionKey, entry: Entry): void {
    if (this.#entries.get(key) !== entry) return;
    entry.phase = "retrying";
    entry.attempts = 0;
    if (!this.#callbacks.onDeadline(key)) {
      entry.phase = "done";
      return;
    }
    this.#scheduleRetry(key, entry);
  }

  #scheduleRetry(key: PositionKey, entry: Entry): void {
    if (entry.attempts >= this.#settings.maxRetries) {
      entry.phase = "done";
      return;
    }
    entry.timer = this.#host.setTimeout(() => {
      entry.timer = undefined;
      if (this.#entries.get(key) !== entry || entry.phase !== "retrying") return;
      const outcome = this.#callbacks.onRetry(key, entry.attempts + 1);
      if (outcome === "stop") {
        entry.phase = "done";
        return;
      }
      if (outcome === "sent") entry.attempts += 1;
      this.#scheduleRetry(key, entry);
    }, this.#settings.retryMs);
  }

  #cancel(entry: Entry): void {
    if (entry.timer === undefined) return;
    this.#host.clearTimeout(entry.timer);
    entry.timer = undefined;
  }
}

/**
 * Dead-link detection with one timer per connection. Inbound frames only stamp a time (`touch`);
 * the timer wakes when the link may have gone quiet, pings after `intervalMs` of silence, and
 * declares the link dead when nothing arrived `timeoutMs` after the ping.
 */
export class Heartbeat {
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #onPing: () => void;
  readonly #onDead: (silentMs: number) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #verdict: ReturnType<typeof setImmediate> | undefined;
  #last = 0;
  /** When the outstanding ping was sent; -1 when none is. */
  #pingAt = -1;

  constructor(intervalMs: number, timeoutMs: number, onPing: () => void, onDead: (silentMs: number) => void) {
    this.#intervalMs = Math.max(1, intervalMs);
    this.#timeoutMs = Math.max(1, timeoutMs);
    this.#onPing = onPing;
    this.#onDead = onDead;
  }

  /** An inbound frame (text, binary, ping or pong) arrived. The hot path: one clock read. */
  touch(): void {
    this.#last = Date.now();
  }

  start(): void {
    this.stop();
    this.#last = Date.now();
    this.#pingAt = -1;
    this.#arm(this.#intervalMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#verdict !== undefined) clearImmediate(this.#verdict);
    this.#timer = undefined;
    this.#verdict = undefined;
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(1, delayMs));
    // The socket keeps the process alive while it is open; this timer must not.
    this.#timer.unref();
  }

  #fire = (): void => {
    this.#timer = undefined;
    const now = Date.now();
    if (this.#pingAt >= 0) {
      // Timers run before socket reads in Node's loop: after the loop was blocked (CPU-heavy
      // signing, a GC pause), an answer may already be waiting unread. Read it before judging.
      // Not unref'd: an unref'd immediate lets the loop sleep in poll past it. It runs at once.
      this.#verdict = setImmediate(this.#judge);
      return;
    }
    const silent = now - this.#last;
    if (silent < this.#intervalMs) {
      this.#arm(this.#intervalMs - silent);
      return;
    }
    this.#pingAt = now;
    this.#arm(this.#timeoutMs);
    this.#onPing();
  };

  #judge = (): void => {
    this.#verdict = undefined;
    const now = Date.now();
    // A ping is only sent after intervalMs of silence, so any frame stamped at or after it
    // arrived after the ping.
    if (this.#last >= this.#pingAt) {
      this.#pingAt = -1;
      this.#arm(this.#intervalMs - (now - this.#last));
    } else {
      this.#onDead(now - this.#last);
    }
  };
}

/**
 * Condition waits for the mock server's test helpers: a probe re-checked after every server
 * event, a timeout (unref'd, cleared on success), and one place that rejects them all on close.
 */
interface Waiter {
  check(): void;
  fail(error: Error): void;
}

/** @internal The pending waits of one server. */
export class Waiters {
  readonly #pending = new Set<Waiter>();
  #closedReason: string | undefined;

  /** Resolves with `probe()`'s first non-undefined result; rejects after `timeoutMs` or on {@link close}. */
  wait<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = probe();
      if (first !== undefined) {
        resolve(first);
        return;
      }
      if (this.#closedReason !== undefined) {
        reject(new Error(`${this.#closedReason} while waiting for ${what}`));
        return;
      }
      const waiter: Waiter = {
        check: () => {
          const value = probe();
          if (value === undefined) return;
          done();
          resolve(value);
        },
        fail: (error) => {
          done();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        this.#pending.delete(waiter);
      };
      this.#pending.add(waiter);
    });
  }

  /** Re-checks every pending wait. */
  notify(): void {
    for (const w of [...this.#pending]) w.check();
  }

  /** Rejects every pending wait, and every later one at once. */
  close(reason: string): void {
    this.#closedReason = reason;
    for (const w of [...this.#pending]) w.fail(new Error(reason));
  }
}

/**
 * Estimates the server clock's offset from the local wall clock, from the `server_time_ms` of
 * `hello_ok` and `pong`, so server timestamps (`opened_at_ms`) can be placed on the local clock.
 */

/** How many recent samples are kept. */
const WINDOW = 8;

export class ServerClock {
  readonly #samples: number[] = [];

  /**
   * Records that the server's clock read `serverTimeMs` when the message arrived at local wall
   * time `localMs`.
   */
  sample(serverTimeMs: number | bigint, localMs: number): void {
    const server = Number(serverTimeMs);
    if (!Number.isFinite(server) || !Number.isFinite(localMs)) return;
    this.#samples.push(server - localMs);
    if (this.#samples.length > WINDOW) this.#samples.shift();
  }

  /**
   * `server - local`, in ms; `undefined` before the first sample.
   *
   * Every sample underestimates the offset by the message's one-way delay, so the largest recent
   * sample (the fastest delivery) is the best estimate.
   */
  get offsetMs(): number | undefined {
    if (this.#samples.length === 0) return undefined;
    return Math.max(...this.#samples);
  }

  /** A server timestamp on the local wall clock (the offset taken as 0 before any sample). */
  toLocal(serverMs: number | bigint): number {
    return Number(serverMs) - (this.offsetMs ?? 0);
  }
}

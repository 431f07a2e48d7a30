/**
 * The session's event inbox. The session applies every message as it arrives (so deadlines and
 * caches never lag behind a slow consumer) and keeps the resulting events here until `recv()`:
 * high-priority events in arrival order, never dropped, always served first; low-priority events
 * bounded: the latest `pnl_update` and `liquidity_snapshot` per position (latest wins, in the
 * slot of the first), `trade_tick` in a ring of `tickCapacity` (oldest dropped).
 */
import type { LowPriorityType } from "../protocol/index.js";

interface LowEntry<E> {
  position: string;
  event: E;
}

/** Low-priority events superseded or evicted before delivery. */
export type SessionDropCounts = Record<LowPriorityType, number>;

export class EventInbox<E> {
  #high: E[] = [];
  #head = 0;
  readonly #low = new Map<string, LowEntry<E>>();
  readonly #tickKeys: string[] = [];
  #tickHead = 0;
  #ticks = 0;
  #tickSeq = 0;
  readonly #tickCapacity: number;
  readonly dropped: SessionDropCounts = { pnl_update: 0, liquidity_snapshot: 0, trade_tick: 0 };

  constructor(tickCapacity: number) {
    this.#tickCapacity = Math.max(1, tickCapacity);
  }

  get size(): number {
    return this.#high.length - this.#head + this.#low.size;
  }

  pushHigh(event: E): void {
    this.#high.push(event);
  }

  pushLow(kind: LowPriorityType, position: string, event: E): void {
    if (kind !== "trade_tick") {
      const key = `${kind}:${position}`;
      const existing = this.#low.get(key);
      if (existing !== undefined) {
        existing.event = event;
        this.dropped[kind] += 1;
      } else {
        this.#low.set(key, { position, event });
      }
      return;
    }
    const key = `tick:${this.#tickSeq++}`;
    this.#low.set(key, { position, event });
    this.#tickKeys.push(key);
    this.#ticks += 1;
    while (this.#ticks > this.#tickCapacity) this.#evictTick();
  }

  shift(): E | undefined {
    if (this.#head < this.#high.length) {
      const event = this.#high[this.#head] as E;
      this.#head += 1;
      if (this.#head === this.#high.length) {
        this.#high = [];
        this.#head = 0;
      } else if (this.#head > 1024 && this.#head * 2 > this.#high.length) {
        this.#high = this.#high.slice(this.#head);
        this.#head = 0;
      }
      return event;
    }
    const first = this.#low.entries().next();
    if (first.done === true) return undefined;
    const [key, entry] = first.value;
    this.#low.delete(key);
    if (key.startsWith("tick:")) {
      this.#ticks -= 1;
      this.#trimTickKeys();
    }
    return entry.event;
  }

  /** Drops the pending low-priority events of one position; returns how many. */
  discard(position: string): number {
    let n = 0;
    for (const [key, entry] of this.#low) {
      if (entry.position !== position) continue;
      this.#low.delete(key);
      if (key.startsWith("tick:")) this.#ticks -= 1;
      n += 1;
    }
    this.#trimTickKeys();
    return n;
  }

  clear(): void {
    this.#high = [];
    this.#head = 0;
    this.#low.clear();
    this.#tickKeys.length = 0;
    this.#tickHead = 0;
    this.#ticks = 0;
  }

  #evictTick(): void {
    this.#trimTickKeys();
    const key = this.#tickKeys[this.#tickHead];
    if (key === undefined) return;
    this.#tickHead += 1;
    this.#low.delete(key);
    this.#ticks -= 1;
    this.dropped.trade_tick += 1;
  }

  /** Skips keys of ticks already delivered or discarded, and compacts the key list. */
  #trimTickKeys(): void {
    while (this.#tickHead < this.#tickKeys.length && !this.#low.has(this.#tickKeys[this.#tickHead] as string)) {
      this.#tickHead += 1;
    }
    if (this.#tickHead === this.#tickKeys.length) {
      this.#tickKeys.length = 0;
      this.#tickHead = 0;
    } else if (this.#tickHead > 1024 && this.#tickHead * 2 > this.#tickKeys.length) {
      this.#tickKeys.splice(0, this.#tickHead);
      this.#tickHead = 0;
    }
  }
}

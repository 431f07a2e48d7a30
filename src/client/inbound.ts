/**
 * The priority inbox between the socket and `recv()`. O(1) per message.
 *
 * - High priority (everything but `pnl_update`, `liquidity_snapshot`, `trade_tick`): one FIFO,
 *   never dropped, always served first.
 * - Low priority: one arrival-ordered list. Per position only the latest `pnl_update` and the
 *   latest `liquidity_snapshot` wait: a newer one replaces the older and moves to the back (so
 *   arrival order within a position holds), and the replaced one counts as dropped. `trade_tick`s
 *   are bounded by a ring of `tickCapacity` across all positions: the oldest is dropped.
 */
import type { LowPriorityType } from "../protocol/index.js";

/** A position id as a map key: a number, or a bigint beyond 2^53. */
export type PositionKey = number | bigint;

/** Normalises an id so `5`, `5n` find the same position in either integer mode. */
export function positionKey(id: number | bigint): PositionKey {
  if (typeof id === "bigint" && id <= 9_007_199_254_740_991n && id >= -9_007_199_254_740_991n) return Number(id);
  return id;
}

interface LowNode<T, K> {
  message: T;
  key: K;
  type: LowPriorityType;
  prev: LowNode<T, K> | undefined;
  next: LowNode<T, K> | undefined;
  /** Neighbours in the trade-tick ring (ticks only). */
  tprev: LowNode<T, K> | undefined;
  tnext: LowNode<T, K> | undefined;
}

/** Low-priority messages superseded or evicted before delivery, by type. */
export interface DropCounts {
  pnl_update: number;
  liquidity_snapshot: number;
  trade_tick: number;
}

/**
 * The inbox of messages `T`, keyed per position by `K` (the connection uses {@link PositionKey};
 * the session, which keys positions by their decimal string, uses `string`).
 */
export class Inbox<T, K = PositionKey> {
  #high: (T | undefined)[] = [];
  #highHead = 0;

  #head: LowNode<T, K> | undefined;
  #tail: LowNode<T, K> | undefined;
  #lowSize = 0;
  readonly #pnl = new Map<K, LowNode<T, K>>();
  readonly #liquidity = new Map<K, LowNode<T, K>>();
  #tickHead: LowNode<T, K> | undefined;
  #tickTail: LowNode<T, K> | undefined;
  #ticks = 0;
  readonly #tickCapacity: number;

  readonly dropped: DropCounts = { pnl_update: 0, liquidity_snapshot: 0, trade_tick: 0 };

  constructor(tickCapacity: number) {
    this.#tickCapacity = Math.max(1, Math.floor(tickCapacity));
  }

  get highSize(): number {
    return this.#high.length - this.#highHead;
  }

  get lowSize(): number {
    return this.#lowSize;
  }

  get size(): number {
    return this.#high.length - this.#highHead + this.#lowSize;
  }

  pushHigh(message: T): void {
    this.#high.push(message);
  }

  pushLow(type: LowPriorityType, key: K, message: T): void {
    if (type === "trade_tick") {
      const node = this.#node(message, key, type);
      this.#append(node);
      node.tprev = this.#tickTail;
      if (this.#tickTail === undefined) this.#tickHead = node;
      else this.#tickTail.tnext = node;
      this.#tickTail = node;
      if (++this.#ticks > this.#tickCapacity) {
        this.#remove(this.#tickHead as LowNode<T, K>);
        this.dropped.trade_tick++;
      }
      return;
    }
    const slots = type === "pnl_update" ? this.#pnl : this.#liquidity;
    const existing = slots.get(key);
    if (existing === undefined) {
      const node = this.#node(message, key, type);
      slots.set(key, node);
      this.#append(node);
      return;
    }
    this.dropped[type]++;
    existing.message = message;
    if (existing !== this.#tail) {
      this.#unlink(existing);
      this.#append(existing);
    }
  }

  /** The next message: high before low. */
  shift(): T | undefined {
    return this.#highHead < this.#high.length ? this.shiftHigh() : this.shiftLow();
  }

  shiftHigh(): T | undefined {
    if (this.#highHead >= this.#high.length) return undefined;
    const message = this.#high[this.#highHead];
    this.#high[this.#highHead++] = undefined;
    if (this.#highHead === this.#high.length) {
      this.#high.length = 0;
      this.#highHead = 0;
    } else if (this.#highHead >= 1024 && this.#highHead * 2 >= this.#high.length) {
      this.#high = this.#high.slice(this.#highHead);
      this.#highHead = 0;
    }
    return message;
  }

  shiftLow(): T | undefined {
    const node = this.#head;
    if (node === undefined) return undefined;
    this.#remove(node);
    return node.message;
  }

  /** Drops the pending low-priority messages of one position; returns how many. */
  discard(key: K): number {
    let count = 0;
    let node = this.#head;
    while (node !== undefined) {
      const next = node.next;
      if (node.key === key) {
        this.#remove(node);
        count++;
      }
      node = next;
    }
    return count;
  }

  clear(): void {
    this.#high = [];
    this.#highHead = 0;
    this.#head = this.#tail = this.#tickHead = this.#tickTail = undefined;
    this.#lowSize = this.#ticks = 0;
    this.#pnl.clear();
    this.#liquidity.clear();
  }

  #node(message: T, key: K, type: LowPriorityType): LowNode<T, K> {
    return { message, key, type, prev: undefined, next: undefined, tprev: undefined, tnext: undefined };
  }

  #append(node: LowNode<T, K>): void {
    node.prev = this.#tail;
    node.next = undefined;
    if (this.#tail === undefined) this.#head = node;
    else this.#tail.next = node;
    this.#tail = node;
    this.#lowSize++;
  }

  #unlink(node: LowNode<T, K>): void {
    if (node.prev === undefined) this.#head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.#tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = undefined;
    this.#lowSize--;
  }

  /** Unlinks a node and forgets it everywhere it is indexed. */
  #remove(node: LowNode<T, K>): void {
    this.#unlink(node);
    if (node.type === "trade_tick") {
      if (node.tprev === undefined) this.#tickHead = node.tnext;
      else node.tprev.tnext = node.tnext;
      if (node.tnext === undefined) this.#tickTail = node.tprev;
      else node.tnext.tprev = node.tprev;
      node.tprev = node.tnext = undefined;
      this.#ticks--;
    } else {
      (node.type === "pnl_update" ? this.#pnl : this.#liquidity).delete(node.key);
    }
  }
}

/** The bounds of a {@link Mailbox}. */
export interface MailboxBounds {
  /** Above this many unread high-priority messages the producer is asked to stop reading. */
  maxPendingHigh: number;
  /** Unread unknown-type messages kept; beyond it they are dropped and counted. */
  maxPendingUnknown: number;
  /** Size of the `trade_tick` ring. */
  tickCapacity: number;
}

type Take<T> = (message: T | null) => void;

/**
 * An {@link Inbox} plus the `recv()` waiters: the one place where a message waits between the
 * socket and the consumer. `StreamConnection` and `StreamSession` both read through one.
 *
 * High-priority messages are never dropped. When more than `maxPendingHigh` of them are unread,
 * `onPressure(true)` asks the producer to stop reading its socket (TCP backpressure); once the
 * consumer brought the backlog down to half the bound, `onPressure(false)` resumes it. Unknown-type
 * messages ride the high lane but have their own bound (`maxPendingUnknown`): beyond it they are
 * dropped and counted, so a flood of them cannot hold the socket paused forever either.
 */
export class Mailbox<T, K = PositionKey> {
  readonly #inbox: Inbox<T, K>;
  readonly #bounds: MailboxBounds;
  readonly #waiters: Take<T>[] = [];
  readonly #highWaiters: Take<T>[] = [];
  readonly #lowWaiters: Take<T>[] = [];
  /** Unknown-type messages still unread (a subset of the high lane). */
  readonly #unknown = new WeakSet<object>();
  #unknownPending = 0;
  #unknownDropped = 0;
  #paused = false;
  /** No message will arrive any more: `recv()` drains what is left, then yields `null`. */
  #ended = false;
  /** Closed by the consumer: `recv()` yields `null` at once. */
  #closed = false;
  /** Called with `true` when the high backlog passed its bound, `false` when it came back down. */
  onPressure: ((paused: boolean) => void) | undefined;

  constructor(bounds: MailboxBounds) {
    this.#bounds = bounds;
    this.#inbox = new Inbox<T, K>(bounds.tickCapacity);
  }

  /** Superseded or evicted low-priority messages, and unknown-type messages over their bound. */
  get dropped(): DropCounts & { unknown: number } {
    return { ...this.#inbox.dropped, unknown: this.#unknownDropped };
  }

  get highSize(): number {
    return this.#inbox.highSize;
  }

  get lowSize(): number {
    return this.#inbox.lowSize;
  }

  get size(): number {
    return this.#inbox.size;
  }

  /** The producer was asked to stop reading and has not been released yet. */
  get paused(): boolean {
    return this.#paused;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** A high-priority message: to a waiting reader, else queued (never dropped). */
  high(message: T): void {
    if (this.#closed) return;
    const take = this.#waiters.length > 0 ? this.#waiters.shift() : this.#highWaiters.shift();
    if (take !== undefined) {
      take(message);
      return;
    }
    this.#inbox.pushHigh(message);
    if (!this.#paused && this.#inbox.highSize > this.#bounds.maxPendingHigh) this.#setPaused(true);
  }

  /** An unknown-type message: high priority, but bounded on its own; returns false when dropped. */
  unknown(message: T & object): boolean {
    if (this.#closed) return false;
    if (this.#waiters.length === 0 && this.#highWaiters.length === 0) {
      if (this.#unknownPending >= this.#bounds.maxPendingUnknown) {
        this.#unknownDropped++;
        return false;
      }
      this.#unknown.add(message);
      this.#unknownPending++;
    }
    this.high(message);
    return true;
  }

  /** A low-priority message: to a waiting reader, else coalesced per position. */
  low(type: LowPriorityType, key: K, message: T): void {
    if (this.#closed) return;
    const take = this.#waiters.length > 0 ? this.#waiters.shift() : this.#lowWaiters.shift();
    if (take !== undefined) take(message);
    else this.#inbox.pushLow(type, key, message);
  }

  /** A message already waiting, high before low, without a promise. */
  poll(): T | undefined {
    if (this.#closed) return undefined;
    return this.#inbox.highSize > 0 ? this.#afterHigh(this.#inbox.shiftHigh()) : this.#inbox.shiftLow();
  }

  /** The next message; `null` once closed, or once ended and drained. */
  recv(): Promise<T | null> {
    const message = this.poll();
    if (message !== undefined) return Promise.resolve(message);
    if (this.#ended || this.#closed) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next message of one lane (`connectLanes`). */
  recvLane(lane: "high" | "low"): Promise<T | null> {
    if (this.#closed) return Promise.resolve(null);
    const message = lane === "high" ? this.#afterHigh(this.#inbox.shiftHigh()) : this.#inbox.shiftLow();
    if (message !== undefined) return Promise.resolve(message);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => (lane === "high" ? this.#highWaiters : this.#lowWaiters).push(resolve));
  }

  /** Drops the pending low-priority messages of one position; returns how many. */
  discard(key: K): number {
    return this.#inbox.discard(key);
  }

  /** Moves every pending message to `into`, in `recv()` order (a session taking over). */
  drainTo(into: (message: T) => void): void {
    for (let message = this.poll(); message !== undefined; message = this.poll()) into(message);
  }

  /** No more input: readers drain what is pending, then get `null`. */
  end(): void {
    this.#ended = true;
    this.#release();
  }

  /** Closed by the consumer: pending messages are discarded, readers get `null` at once. */
  close(): void {
    this.#closed = this.#ended = true;
    this.#inbox.clear();
    this.#unknownPending = 0;
    this.#release();
    if (this.#paused) this.#setPaused(false);
  }

  #afterHigh(message: T | undefined): T | undefined {
    if (message === undefined) return undefined;
    if (this.#unknownPending > 0 && this.#unknown.delete(message as T & object)) this.#unknownPending--;
    if (this.#paused && this.#inbox.highSize <= this.#bounds.maxPendingHigh >>> 1) this.#setPaused(false);
    return message;
  }

  #setPaused(paused: boolean): void {
    this.#paused = paused;
    this.onPressure?.(paused);
  }

  #release(): void {
    // A waiter can only exist while nothing is pending, so every one of them gets `null`.
    for (const list of [this.#waiters, this.#highWaiters, this.#lowWaiters]) {
      for (const take of list.splice(0)) take(null);
    }
  }
}

/**
 * An async iterator over a `recv()` that ends at `null`. `poll` takes a message that is already
 * waiting without going through `recv()`'s promise: one promise per message instead of two.
 */
export function iterate<T>(recv: () => Promise<T | null>, poll?: () => T | undefined): AsyncIterableIterator<T> {
  const iterator: AsyncIterableIterator<T> = {
    next: () => {
      const ready = poll?.();
      if (ready !== undefined) return Promise.resolve({ done: false, value: ready });
      return recv().then((value): IteratorResult<T> => (value === null ? { done: true, value: undefined } : { done: false, value }));
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

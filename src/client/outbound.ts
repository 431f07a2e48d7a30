/**
 * The outbound queue: messages wait here until the link is open; a message leaves the queue for
 * the in-flight list when it is written and is forgotten only when the write succeeded. When the
 * link drops, whatever was still in flight goes back to the head of the queue, in order.
 */
import type { ClientMessageType } from "../protocol/index.js";

export interface Outgoing {
  /** The validated, serialised frame. */
  text: string;
  type: ClientMessageType;
  /** For state messages: the replay-state version they produced (see `ReplayStore`). */
  version: number;
}

export class OutboundQueue {
  #queue: Outgoing[] = [];
  #inflight: Outgoing[] = [];

  /** Messages not yet known to be written: queued plus in flight. */
  get size(): number {
    return this.#queue.length + this.#inflight.length;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get idle(): boolean {
    return this.#queue.length === 0 && this.#inflight.length === 0;
  }

  push(message: Outgoing): void {
    this.#queue.push(message);
  }

  /** Puts messages at the head of the queue, before everything waiting. */
  unshift(messages: readonly Outgoing[]): void {
    if (messages.length > 0) this.#queue = [...messages, ...this.#queue];
  }

  /** Takes the next message to write and marks it in flight. */
  take(): Outgoing | undefined {
    const message = this.#queue.shift();
    if (message !== undefined) this.#inflight.push(message);
    return message;
  }

  /** The oldest in-flight write succeeded (writes complete in order). */
  ack(): void {
    this.#inflight.shift();
  }

  /** The link is gone: in-flight messages go back to the head of the queue, in order. */
  requeueInflight(): number {
    const count = this.#inflight.length;
    if (count > 0) {
      this.#queue = [...this.#inflight, ...this.#queue];
      this.#inflight = [];
    }
    return count;
  }

  /** Removes queued (not in-flight) messages matching `predicate`; returns how many. */
  removeQueued(predicate: (message: Outgoing) => boolean): number {
    const before = this.#queue.length;
    this.#queue = this.#queue.filter((m) => !predicate(m));
    return before - this.#queue.length;
  }

  /** Empties the queue; returns how many messages were discarded. */
  clear(): number {
    const count = this.size;
    this.#queue = [];
    this.#inflight = [];
    return count;
  }
}

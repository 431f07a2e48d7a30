/**
 * An in-memory connection implementing `SessionConnection`, for session logic tests (the real
 * socket path is covered in session-socket.test.ts). Frames go through the real protocol codec, and
 * outgoing messages through the real sender: the same validation (strategy rules against the
 * deadline in force, strict schema) a `StreamConnection` applies, so a test cannot pass here with a
 * message the real connection would refuse.
 */
import { EventEmitter } from "eventemitter3";
import { createSender } from "../../src/client/sender.js";
import type {
  ConnectOptions,
  InboundMessage,
  StreamConfigure,
  StreamConnectionEvents,
  StreamSender,
} from "../../src/client/types.js";
import { StreamClosedError } from "../../src/errors.js";
import {
  parseClientMessage,
  parseServerMessage,
  writeJson,
  type ClientMessage,
  type HelloOk,
  type IntMode,
} from "../../src/protocol/index.js";
import type { SessionClient, SessionConnection } from "../../src/session/index.js";

export class FakeConnection<M extends IntMode = "number">
  extends EventEmitter<StreamConnectionEvents<M>>
  implements SessionConnection<M>
{
  /** Client messages sent, as the server would read them. */
  readonly sent: ClientMessage[] = [];
  readonly discarded: (number | bigint)[] = [];
  closed = false;
  closeCalls = 0;
  /** The deadline in force, as the real connection keeps it (a new one comes with `updateStrategy`). */
  deadlineTimeoutSec: number | undefined;
  readonly #ints: M | undefined;
  readonly #sender: StreamSender;
  readonly #queue: InboundMessage<M>[] = [];
  readonly #waiters: ((m: InboundMessage<M> | null) => void)[] = [];
  readonly #drainedWaiters: (() => void)[] = [];
  #failure: Error | undefined;

  constructor(options: { ints?: M; deadlineTimeoutSec?: number } = {}) {
    super();
    this.#ints = options.ints;
    this.deadlineTimeoutSec = options.deadlineTimeoutSec;
    const self = this;
    this.#sender = createSender({
      get deadlineTimeoutSec() {
        return self.deadlineTimeoutSec;
      },
      submit: (_message, text, deadline) => {
        if (this.closed) throw new StreamClosedError("the connection is closed; nothing can be sent");
        const parsed = parseClientMessage(text);
        if (parsed.kind !== "message") throw new Error(`fake: unreadable client frame ${text}`);
        this.sent.push(parsed.message);
        if (deadline !== undefined) this.deadlineTimeoutSec = deadline;
      },
    });
  }

  /** Delivers a server frame (an object is written as JSON first, bigints as bare integers). */
  push(frame: object | string): void {
    const raw = typeof frame === "string" ? frame : writeJson(frame);
    const parsed = parseServerMessage<M>(raw, this.#ints === undefined ? {} : { ints: this.#ints });
    if (parsed.kind === "invalid") throw parsed.error;
    const message: InboundMessage<M> =
      parsed.kind === "message"
        ? parsed.message
        : { type: "unknown", messageType: parsed.type, value: parsed.value, raw: parsed.raw };
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(message);
    else this.#queue.push(message);
  }

  /** Delivers a message object as is, bypassing the codec (for malformed-state tests). */
  inject(message: InboundMessage<M>): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(message);
    else this.#queue.push(message);
  }

  /** Makes the next `recv()` reject (a connection failure). */
  fail(error: Error): void {
    this.#failure = error;
    for (const waiter of this.#waiters.splice(0)) waiter(null);
  }

  /** Ends the stream as a connection whose reconnects are exhausted would. */
  end(): void {
    this.closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter(null);
  }

  recv(): Promise<InboundMessage<M> | null> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const next = this.#queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.closed) return Promise.resolve(null);
    const later = new Promise<InboundMessage<M> | null>((resolve, reject) =>
      this.#waiters.push((m) => (this.#failure !== undefined ? reject(this.#failure) : resolve(m))),
    );
    for (const drained of this.#drainedWaiters.splice(0)) drained();
    return later;
  }

  /**
   * Resolves once the reader has taken everything pushed so far and asks for more (a `recv()` on
   * an empty queue). The session reads one message, applies it synchronously, then calls `recv()`
   * again: so by then every pushed message has been applied.
   */
  drained(): Promise<void> {
    if ((this.#queue.length === 0 && this.#waiters.length > 0) || this.closed || this.#failure !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.#drainedWaiters.push(resolve));
  }

  pending(): number {
    return this.#queue.length;
  }

  sentOf<T extends ClientMessage["type"]>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.sent.filter((m): m is Extract<ClientMessage, { type: T }> => m.type === type);
  }

  sender(): StreamSender {
    return this.#sender;
  }

  discardPending(positionId: number | bigint): number {
    this.discarded.push(positionId);
    return 0;
  }

  close(): Promise<void> {
    this.closeCalls += 1;
    this.end();
    return Promise.resolve();
  }

  /** Simulates a drop (and, with `hello`, the reconnect that follows). */
  drop(code = 1006, reason = "", willReconnect = true): void {
    this.emit("disconnected", { code, reason, willReconnect });
  }

  reconnect(hello: HelloOk<M>, attempt = 1): void {
    this.emit("reconnected", { attempt, hello });
  }
}

/** A client whose `connect` yields a {@link FakeConnection}. */
export class FakeClient<M extends IntMode = "number"> implements SessionClient<M> {
  readonly connections: FakeConnection<M>[] = [];
  readonly configures: StreamConfigure[] = [];
  constructor(readonly options: { ints?: M } = {}) {}
  connect(configure: StreamConfigure, _options?: ConnectOptions): Promise<FakeConnection<M>> {
    this.configures.push(configure);
    const connection = new FakeConnection<M>(this.options);
    this.connections.push(connection);
    return Promise.resolve(connection);
  }
}

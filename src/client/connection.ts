/**
 * `StreamConnection`: owns the socket. Each part of its job lives in its own module: the
 * lifecycle table (`lifecycle.ts`), dialing and the handshake answer (`dial.ts`), reconnect
 * verdicts (`reconnect.ts`), the close sequence (`close.ts`), decoding (`decode.ts`), the frame
 * tap (`tap.ts`), the mailbox (`inbound.ts`), the outbound queue (`outbound.ts`), state replay
 * (`replay.ts`) and the heartbeat (`heartbeat.ts`).
 *
 * Why this file is still ~700 lines (a quarter of them TSDoc of the public surface): what is left
 * is the wiring that has to see all of those at once (which socket is current, its generation,
 * the dial in progress, the status) so that a callback of a dead socket can never act on the
 * live one. Split further, that state would be shared across files instead of owned by one.
 */
import { nextTurn } from "../util/turn.js";
import { EventEmitter } from "eventemitter3";
import type { ClientRequest, IncomingMessage } from "node:http";
import type WebSocket from "ws";
import { loadWebSocket } from "./ws-loader.js";
import { StreamClosedError, StreamError, StreamPayloadTooLargeError, StreamTimeoutError } from "../errors.js";
import { stringifyClientMessage, type ClientMessage, type HelloOk, type IntMode } from "../protocol/index.js";
import { createRedactor, type Redactor } from "../util/secrets.js";
import { computeBackoffDelay } from "./backoff.js";
import { closeOpenSocket, Waker } from "./close.js";
import { FrameDecoder } from "./decode.js";
import { abortError, discardSocket, handshakeAnswer, openSocket, upgradeRefusal, type SocketHandlers } from "./dial.js";
import { Heartbeat } from "./heartbeat.js";
import { canTransition, transition, type LifecycleEvent } from "./lifecycle.js";
import { judgeFailedAttempt, judgeLinkLost, oversizeError, type ReconnectPolicy } from "./reconnect.js";
import { iterate, Mailbox, positionKey } from "./inbound.js";
import { FrameTap, type RawFrame } from "./tap.js";
import { OutboundQueue, type Outgoing } from "./outbound.js";
import { CONFIGURE_KINDS, ReplayStore } from "./replay.js";
import { createSender } from "./sender.js";
import type {
  CloseOptions,
  ConnectionStats,
  ConnectionStatus,
  InboundMessage,
  InboundSubscriber,
  InboundSubscription,
  LaneReceiver,
  ReplayState,
  StreamConfigure,
  StreamConnectionEvents,
  StreamSender,
  UnknownServerMessage,
} from "./types.js";

/** Resolved options of one connection (every default filled in). @internal */
export interface ConnectionParams<M extends IntMode> {
  url: string;
  apiKey: string;
  ints: M;
  handshakeTimeoutMs: number;
  heartbeat: { intervalMs: number; timeoutMs: number };
  reconnect: ReconnectPolicy;
  lowPriorityCapacity: number;
  /** Unread high-priority messages above which the socket is no longer read (backpressure). */
  maxPendingHigh: number;
  /** Unread unknown-type messages kept; more are dropped and counted. */
  maxPendingUnknown: number;
  maxPayload: number;
  /** Random source of the backoff jitter (tests inject one). */
  random: () => number;
}

interface Dial<M extends IntMode> {
  resolve: (hello: HelloOk<M>) => void;
  reject: (error: StreamError) => void;
  timer: ReturnType<typeof setTimeout>;
  configureText: string;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A live, self-healing connection to the stream, returned by `StreamClient.connect()`.
 *
 * Read with `recv()` or `for await`; write with `sender()`; watch with typed events. After a drop
 * it reconnects on its own, replays the latest state (wallets, strategy, watch wallets, mirror
 * config, per-position overrides), then flushes what was queued. `close()` ends it.
 *
 * @example
 * ```ts
 * const connection = await client.connect(configure);
 * connection.on("reconnected", ({ attempt }) => log(`back after ${attempt} attempt(s)`));
 * for await (const message of connection) {
 *   if (message.type === "exit_signal_with_tx") await handleExit(message);
 * }
 * ```
 */
export class StreamConnection<M extends IntMode = "number"> extends EventEmitter<StreamConnectionEvents<M>> {
  readonly #p: ConnectionParams<M>;
  readonly #decoder: FrameDecoder<M>;
  /** Where decoded messages wait for `recv()` (until a session subscribes: then it holds none). */
  readonly #mail: Mailbox<InboundMessage<M>>;
  /** A session reading directly: every decoded message goes to it synchronously. */
  #subscriber: InboundSubscriber<M> | undefined;
  /** Reading the socket is paused because the consumer's high-priority backlog is over its bound. */
  #held = false;
  readonly #outbound = new OutboundQueue();
  readonly #replay: ReplayStore;
  readonly #heartbeat: Heartbeat;
  readonly #sender: StreamSender;
  /** Every text this connection emits (errors, events, debug lines, messages) passes through it. */
  readonly #redactor: Redactor;
  /** The `frame` event (`tap.ts`); keeps the first handshake's frames until the caller's turn. */
  readonly #tap: FrameTap;

  /**
   * The lifecycle (`lifecycle.ts`): changed only by `#to(event)`. `closed` means no message will
   * arrive any more. The socket's own phase follows from two fields: `#dial` is set while its
   * handshake runs, and `#ws` without `#dial` is an open link.
   */
  #status: ConnectionStatus = "connecting";
  #ws: WebSocket | undefined;
  /** Bumps with every socket, so callbacks of a previous socket are recognised and ignored. */
  #gen = 0;
  #dial: Dial<M> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #openedAt = 0;
  #everOpen = false;
  /** State version carried by the `configure` of the current socket. */
  #configuredVersion = 0;
  /** `close()` was called: `recv()` yields `null` from now on. */
  #userClosed = false;
  #closePromise: Promise<void> | undefined;
  /** Wakes `close()` when the queue drained or the socket closed. */
  readonly #closing = new Waker();
  #received = 0;
  #invalid = 0;
  #unknown = 0;
  #reconnects = 0;
  /** Frames above `maxPayload` received over the connection's life (see `classifyDisconnect`). */
  #oversize = 0;
  /** `ws` reported a frame above `maxPayload` on the current socket. */
  #socketOversize = false;

  /** @internal Use `StreamClient.connect()`. */
  constructor(params: ConnectionParams<M>, configure: StreamConfigure) {
    super();
    this.#p = params;
    // The key as it is, and as JSON writes it (a server echoing it inside a JSON string).
    this.#redactor = createRedactor([params.apiKey, JSON.stringify(params.apiKey).slice(1, -1)]);
    this.#decoder = new FrameDecoder<M>(this.#redactor, { ints: params.ints });
    this.#tap = new FrameTap(
      () => this.listenerCount("frame") > 0,
      (frame) => this.emit("frame", frame),
      (text) => this.#decoder.redactedText(text),
    );
    this.#mail = new Mailbox({
      maxPendingHigh: params.maxPendingHigh,
      maxPendingUnknown: params.maxPendingUnknown,
      tickCapacity: params.lowPriorityCapacity,
    });
    this.#mail.onPressure = (paused) => this.#hold(paused);
    this.#replay = new ReplayStore(configure);
    this.#heartbeat = new Heartbeat(
      params.heartbeat.intervalMs,
      params.heartbeat.timeoutMs,
      this.#sendPing,
      this.#onSilence,
    );
    const replay = this.#replay;
    this.#sender = createSender({
      get deadlineTimeoutSec() {
        return replay.deadlineTimeoutSec;
      },
      submit: (message, text, deadline) => this.#submit(message, text, deadline),
    });
  }

  // ---- public surface -------------------------------------------------------------------------

  /** Current status; changes are announced by the `status` event. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The `deadline_timeout_sec` in force (kept locally for `StreamSession`, never sent). */
  get deadlineTimeoutSec(): number | undefined {
    return this.#replay.deadlineTimeoutSec;
  }

  /** A read-only copy of the state replayed on reconnect. */
  get state(): ReplayState {
    return this.#replay.snapshot();
  }

  /** Counters: frames received, drops by type, invalid and unknown frames, reconnects, queues. */
  stats(): ConnectionStats {
    return {
      received: this.#received,
      dropped: this.#mail.dropped,
      invalid: this.#invalid,
      unknown: this.#unknown,
      reconnects: this.#reconnects,
      outboundQueued: this.#outbound.size,
      pendingHigh: this.#mail.highSize,
      pendingLow: this.#mail.lowSize,
      paused: this.#held,
    };
  }

  /**
   * The next message: any pending high-priority message before any low-priority one. Includes
   * the `hello_ok` of the first connect and of every reconnect. Resolves `null` once the
   * connection is closed (after `close()` at once; after it gave up, once the pending messages
   * were read).
   */
  recv(): Promise<InboundMessage<M> | null> {
    return this.#mail.recv();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<InboundMessage<M>> {
    return iterate(
      () => this.#mail.recv(),
      () => this.#mail.poll(),
    );
  }

  /** The sender: one method per client message. Throws a `closed` error after `close()`. */
  sender(): StreamSender {
    return this.#sender;
  }

  /** `[sender, receiver]`, like the official SDK. */
  split(): [StreamSender, LaneReceiver<M>] {
    const recv = (): Promise<InboundMessage<M> | null> => this.#mail.recv();
    const poll = (): InboundMessage<M> | undefined => this.#mail.poll();
    return [this.#sender, { recv, [Symbol.asyncIterator]: () => iterate(recv, poll) }];
  }

  /**
   * Drops the pending low-priority messages (`pnl_update`, `liquidity_snapshot`, `trade_tick`)
   * of one position, e.g. once it closed; returns how many were dropped.
   */
  discardPending(positionId: number | bigint): number {
    return this.#mail.discard(positionKey(positionId));
  }

  /**
   * Closes the connection: flushes queued messages (for at most `flushTimeoutMs`), closes the
   * socket with code 1000 and resolves once it is closed. Every timer is cleared; nothing keeps
   * Node alive afterwards. Messages still queued while disconnected are discarded (a `debug`
   * event says how many). Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closePromise === undefined) {
      // Set before the close starts, so a listener that calls close() again while it runs (from a
      // `status` or `disconnected` event it raises) gets this same promise.
      let settle!: { resolve: () => void; reject: (error: unknown) => void };
      this.#closePromise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      this.#close(options.flushTimeoutMs ?? 2000).then(settle.resolve, settle.reject);
    }
    return this.#closePromise;
  }

  /** Same as `close()`: `await using connection = await client.connect(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal One lane of `connectLanes()`: high = everything but low priority. */
  _recvLane(lane: "high" | "low"): Promise<InboundMessage<M> | null> {
    return this.#mail.recvLane(lane);
  }

  /**
   * @internal One mailbox: `StreamSession` takes every decoded message synchronously, as it is
   * decoded, instead of reading `recv()` through a second queue. `start()` hands over what is
   * already pending first, in `recv()` order. The session's own backlog then drives `hold()`.
   */
  _subscribe(subscriber: InboundSubscriber<M>): InboundSubscription {
    if (this.#subscriber !== undefined) throw new StreamError("validation", "the connection already has a session reading it");
    return {
      bounds: {
        maxPendingHigh: this.#p.maxPendingHigh,
        maxPendingUnknown: this.#p.maxPendingUnknown,
        tickCapacity: this.#p.lowPriorityCapacity,
      },
      hold: (paused) => this.#hold(paused),
      dropped: () => this.#mail.dropped,
      start: () => {
        this.#mail.drainTo((message) => subscriber.message(message));
        this.#subscriber = subscriber;
        if (this.#status === "closed") subscriber.end();
      },
    };
  }

  /** @internal Opens the first socket; rejects (leaving nothing open) if the handshake fails. */
  async _open(signal?: AbortSignal): Promise<void> {
    try {
      if (signal?.aborted === true) throw abortError(signal);
      await loadWebSocket();
      // The load is asynchronous (once per process): the signal may have fired meanwhile.
      if ((signal as AbortSignal | undefined)?.aborted === true) throw abortError(signal);
      await this.#connect(signal);
    } catch (error) {
      this.#end(undefined);
      throw error;
    }
  }

  // ---- socket lifecycle -----------------------------------------------------------------------

  #connect(signal?: AbortSignal): Promise<HelloOk<M>> {
    return new Promise<HelloOk<M>>((resolve, reject) => {
      let configureText: string;
      let ws: WebSocket;
      try {
        configureText = stringifyClientMessage(this.#replay.configure());
        ws = openSocket(this.#p.url, this.#p.apiKey, this.#p.maxPayload, this.#handlers, (e) => this.#redactor.text(String(e)));
      } catch (error) {
        reject(error);
        return;
      }
      this.#configuredVersion = this.#replay.version;
      this.#gen++;
      this.#ws = ws;
      this.#socketOversize = false;
      const timer = setTimeout(() => {
        this.#failHandshake(
          new StreamTimeoutError(`no hello_ok within ${this.#p.handshakeTimeoutMs} ms`, { timeoutMs: this.#p.handshakeTimeoutMs }),
        );
      }, this.#p.handshakeTimeoutMs);
      // The socket keeps the process alive while the handshake runs; the timer must not.
      timer.unref();
      const onAbort = (): void => this.#failHandshake(abortError(signal));
      this.#dial = { resolve, reject, timer, configureText, signal, onAbort };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#debug(`connecting to ${this.#p.url}`);
    });
  }

  /** A socket whose handshake is done: the link is open (`#dial` is set only while one runs). */
  get #linkOpen(): boolean {
    return this.#ws !== undefined && this.#dial === undefined;
  }

  /** The handlers of every socket (`dial.ts` attaches and detaches them). */
  readonly #handlers: SocketHandlers = {
    open: () => this.#onOpen(),
    message: (data, isBinary) => this.#onMessage(data, isBinary),
    close: (code, reason) => this.#onClose(code, reason),
    error: (error) => this.#onError(error),
    unexpectedResponse: (request, response) => this.#onUnexpectedResponse(request, response),
    control: () => this.#heartbeat.touch(),
  };

  #onOpen(): void {
    const dial = this.#dial;
    if (dial === undefined || this.#ws === undefined) return;
    this.#ws.send(dial.configureText);
    this.#tap.tap("out", dial.configureText);
    this.#debug("socket open; configure sent");
  }

  #onUnexpectedResponse(_request: ClientRequest, response: IncomingMessage): void {
    response.resume();
    this.#failHandshake(upgradeRefusal(response.statusCode ?? 0));
  }

  #onError(error: Error): void {
    const text = this.#redactor.text(error.message);
    this.#debug(`socket error: ${text}`);
    if ((error as { code?: unknown }).code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      // ws cut the socket itself: its `close` reports 1006, but this is the local 1009.
      this.#socketOversize = true;
      if (this.#dial !== undefined) this.#failHandshake(this.#oversizeError());
      return;
    }
    if (this.#dial !== undefined) {
      this.#failHandshake(new StreamError("connection", `connection to ${this.#p.url} failed: ${text}`));
    }
  }

  #onClose(code: number, reasonBuffer: Buffer): void {
    const reason = this.#redactor.text(reasonBuffer.toString());
    if (this.#dial !== undefined) {
      this.#failHandshake(
        new StreamError("connection", `connection closed before hello_ok (code ${code}${reason ? `, ${reason}` : ""})`),
      );
    } else if (this.#linkOpen) {
      this.#debug(`socket closed (code ${code}${reason ? `, ${reason}` : ""})`);
      if (this.#socketOversize) this.#linkLost(1009, `a frame exceeded maxPayload (${this.#p.maxPayload} bytes)`, true);
      else this.#linkLost(code, reason);
    }
  }

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    this.#received++;
    this.#heartbeat.touch();
    if (isBinary) {
      this.#debug("binary frame ignored");
      return;
    }
    const text = Buffer.isBuffer(data)
      ? data.toString()
      : Array.isArray(data)
        ? Buffer.concat(data).toString()
        : Buffer.from(data).toString();
    this.#tap.tap("in", text);
    if (this.#dial === undefined) this.#dispatch(text);
    else this.#handshakeFrame(text);
  }

  #handshakeFrame(text: string): void {
    const answer = handshakeAnswer(this.#decoder.decode(text));
    if (answer instanceof StreamError) this.#failHandshake(answer);
    else this.#handshakeOk(answer);
  }

  #handshakeOk(hello: HelloOk<M>): void {
    const dial = this.#dial;
    if (dial === undefined) return;
    this.#dial = undefined;
    clearTimeout(dial.timer);
    dial.signal?.removeEventListener("abort", dial.onAbort);
    this.#openedAt = Date.now();
    this.#heartbeat.start();

    // Queued state messages already folded into this socket's configure, and overrides (replayed
    // from the latest state right below), would only repeat themselves.
    const configured = this.#configuredVersion;
    const folded = this.#outbound.removeQueued(
      (m) => (CONFIGURE_KINDS.has(m.type) && m.version <= configured) || m.type === "update_position_strategy",
    );
    if (folded > 0) this.#debug(`${folded} queued state message(s) folded into the replayed state`);
    const version = this.#replay.version;
    const replay: Outgoing[] = this.#replay
      .afterHello()
      .map((message) => ({ text: stringifyClientMessage(message), type: message.type, version }));
    this.#outbound.unshift(replay);

    const reconnect = this.#everOpen;
    this.#everOpen = true;
    // A listener above (`debug`) or of the `status` change below may have closed the connection.
    if (!this.#to("hello") || this.#status !== "open") {
      dial.resolve(hello);
      return;
    }
    this.#deliverHigh(hello);
    if (reconnect) {
      this.#reconnects++;
      this.emit("reconnected", { attempt: this.#attempt, hello });
    }
    if (this.#held) this.#applyHold();
    this.#pump();
    dial.resolve(hello);
    if (this.#tap.keeping && !reconnect) nextTurn(() => this.#tap.settle());
  }

  #failHandshake(error: StreamError): void {
    const dial = this.#dial;
    if (dial === undefined) return;
    this.#dial = undefined;
    clearTimeout(dial.timer);
    dial.signal?.removeEventListener("abort", dial.onAbort);
    this.#debug(`handshake failed: ${error.message}`);
    this.#teardownSocket();
    this.#outbound.requeueInflight();
    dial.reject(error);
  }

  /** Detaches every handler, then cuts the socket: nothing of it can reach us afterwards. */
  #teardownSocket(): void {
    this.#gen++;
    this.#heartbeat.stop();
    const ws = this.#ws;
    if (ws === undefined) return;
    this.#ws = undefined;
    discardSocket(ws, this.#handlers);
  }

  #sendPing = (): void => {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== ws.OPEN) return;
    ws.ping();
    this.#debug("link quiet; WebSocket ping sent");
  };

  #onSilence = (silentMs: number): void => {
    if (!this.#linkOpen) return;
    this.#debug(`no frame for ${silentMs} ms after a ping: link dead`);
    this.#linkLost(1006, "heartbeat timeout");
  };

  /** Counts one frame above `maxPayload` and names the limit in the error it makes. */
  #oversizeError(): StreamPayloadTooLargeError {
    this.#oversize++;
    return oversizeError(this.#oversize, this.#p.maxPayload);
  }

  /**
   * A link that was open is gone: `judgeLinkLost` says whether it is re-dialed. `oversize`: ws cut
   * it for a frame above `maxPayload` (reported as 1006; the verdict counts it as such).
   */
  #linkLost(code: number, reason: string, oversize = false): void {
    const uptimeMs = Date.now() - this.#openedAt;
    this.#teardownSocket();
    const requeued = this.#outbound.requeueInflight();
    if (requeued > 0) this.#debug(`${requeued} unconfirmed message(s) back at the head of the queue`);
    if (this.#status === "closing") {
      this.emit("disconnected", { code, reason, willReconnect: false });
      this.#closing.wake();
      return;
    }
    if (this.#status === "closed") return;
    const verdict = judgeLinkLost(
      oversize ? { code, reason, oversize: { error: this.#oversizeError(), count: this.#oversize } } : { code, reason },
      this.#p.reconnect,
      { attempt: this.#attempt, uptimeMs },
    );
    if (verdict.resetAttempts) this.#attempt = 0;
    if (verdict.report !== undefined) this.emit("stream_error", verdict.report);
    this.emit("disconnected", { code, reason, willReconnect: verdict.willReconnect });
    // A listener may have called close() from those events: it ended the connection already.
    if (this.#status !== "open") return;
    if (verdict.willReconnect) {
      this.#to("lost");
      this.#scheduleReconnect();
    } else {
      this.#end(verdict.end);
    }
  }

  #scheduleReconnect(): void {
    const policy = this.#p.reconnect;
    if (policy === false) return;
    const delayMs = computeBackoffDelay(this.#attempt, policy, this.#p.random);
    this.#attempt++;
    this.emit("reconnecting", { attempt: this.#attempt, delayMs });
    if (this.#status !== "reconnecting") return; // a `reconnecting` listener closed it
    // Deliberately not unref'd: while no socket is open, this timer is what keeps a bot alive
    // until it is reconnected. `close()` clears it.
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#status !== "reconnecting") return;
      this.#connect().catch((error: unknown) => this.#reconnectFailed(error));
    }, delayMs);
  }

  #reconnectFailed(error: unknown): void {
    if (this.#status === "closed" || this.#status === "closing") return;
    const streamError =
      error instanceof StreamError
        ? error
        : new StreamError("connection", this.#redactor.text(String(error)), { cause: this.#redactor.error(error) });
    const verdict = judgeFailedAttempt(streamError, this.#p.reconnect, this.#attempt, this.#oversize);
    if (verdict.report !== undefined) this.emit("stream_error", verdict.report);
    if (this.#status !== "reconnecting") return; // a `stream_error` listener closed it
    if (verdict.retry) {
      this.#to("retry");
      this.#scheduleReconnect();
    } else {
      this.#end(verdict.end);
    }
  }

  /** The one terminal path: no socket, no timer, no waiter left. */
  #end(error: StreamError | undefined): void {
    if (this.#status === "closed") return;
    // Closed at once (a listener re-entering sees it and returns); announced once torn down.
    const previous = this.#status;
    this.#status = transition(previous, "end");
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    if (this.#dial !== undefined) this.#failHandshake(new StreamClosedError("closed before the handshake completed"));
    this.#teardownSocket();
    const discarded = this.#outbound.clear();
    if (discarded > 0) this.#debug(`${discarded} queued message(s) discarded: the connection is closed`);
    this.emit("status", { previous, current: "closed" });
    if (error !== undefined) this.emit("stream_error", error);
    this.#mail.end();
    this.#subscriber?.end();
  }

  async #close(flushTimeoutMs: number): Promise<void> {
    this.#userClosed = true;
    this.#mail.close();
    if (this.#status === "closed") return;
    this.#to("close");
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    if (this.#dial !== undefined) this.#failHandshake(new StreamClosedError("closed before the handshake completed"));
    const ws = this.#ws;
    if (ws !== undefined) {
      const stillOpen = await closeOpenSocket(ws, flushTimeoutMs, {
        waker: this.#closing,
        idle: () => this.#outbound.idle,
        current: () => this.#ws,
        quiet: () => this.#heartbeat.stop(),
      });
      // ws emits `close` asynchronously after terminate(); make sure our path ran.
      if (stillOpen) this.#linkLost(1006, "closed without a close frame");
    }
    this.#end(undefined);
  }

  // ---- outbound -------------------------------------------------------------------------------

  /** Records and queues a message the sender validated (as `text`). */
  #submit(message: ClientMessage, text: string, deadlineTimeoutSec?: number): void {
    if (this.#userClosed || this.#status === "closed") throw new StreamClosedError("the connection is closed; nothing can be sent");
    if (deadlineTimeoutSec !== undefined) this.#replay.deadlineTimeoutSec = deadlineTimeoutSec;
    const version = this.#replay.record(message);
    // A position's override is forgotten only when the server says it closed (position_closed):
    // a close_position the server refuses leaves the position, and its override, in force.
    this.#outbound.push({ text, type: message.type, version });
    this.#pump();
  }

  #pump(): void {
    const ws = this.#ws;
    if (ws === undefined || !this.#linkOpen || ws.readyState !== ws.OPEN) return;
    const gen = this.#gen;
    for (let message = this.#outbound.take(); message !== undefined; message = this.#outbound.take()) {
      ws.send(message.text, (error) => this.#written(gen, error));
      this.#tap.tap("out", message.text);
    }
  }

  #written(gen: number, error: Error | undefined | null): void {
    if (gen !== this.#gen) return; // that socket is gone; its unconfirmed messages were re-queued
    if (error) {
      this.#debug(`write failed: ${this.#redactor.text(error.message)}`);
      this.#linkLost(1006, "write failed");
      return;
    }
    this.#outbound.ack();
    if (this.#outbound.idle && this.#status === "closing") this.#closing.wake();
  }

  // ---- inbound (the hot path) -----------------------------------------------------------------

  #dispatch(text: string): void {
    if (this.#userClosed) return;
    const result = this.#decoder.decode(text);
    if (result.kind === "message") {
      const message = result.message;
      if (result.precisionLoss !== undefined) {
        this.emit("precision_warning", { type: message.type, paths: result.precisionLoss });
      }
      const type = message.type;
      if (type === "pnl_update" || type === "liquidity_snapshot" || type === "trade_tick") {
        this.#deliverLow(type, message.position_id, message);
      } else {
        if (type === "position_closed") this.#replay.forgetPosition(message.position_id);
        this.#deliverHigh(message);
      }
    } else if (result.kind === "unknown") {
      this.#unknown++;
      const unknown: UnknownServerMessage = {
        type: "unknown",
        messageType: result.type,
        value: result.value,
        raw: result.raw,
      };
      this.emit("unknown_message", unknown);
      if (this.#subscriber !== undefined) this.#subscriber.message(unknown);
      else this.#mail.unknown(unknown);
    } else {
      this.#invalid++;
      this.emit("invalid_message", result.error);
    }
  }

  #deliverHigh(message: InboundMessage<M>): void {
    if (this.#subscriber !== undefined) this.#subscriber.message(message);
    else this.#mail.high(message);
  }

  #deliverLow(
    type: "pnl_update" | "liquidity_snapshot" | "trade_tick",
    positionId: number | bigint,
    message: InboundMessage<M>,
  ): void {
    if (this.#subscriber !== undefined) this.#subscriber.message(message);
    else this.#mail.low(type, positionKey(positionId), message);
  }

  /**
   * Backpressure: stop reading the socket while the consumer's high-priority backlog is over its
   * bound, so the server's kernel buffer (then the server) holds the rest instead of our heap.
   * The heartbeat is suspended meanwhile: silence we chose is not a dead link.
   */
  #hold(paused: boolean): void {
    if (this.#held === paused) return;
    this.#held = paused;
    this.#debug(paused ? "consumer backlog over its bound: socket reads paused" : "consumer caught up: socket reads resumed");
    if (this.#linkOpen) this.#applyHold();
  }

  #applyHold(): void {
    const ws = this.#ws;
    if (ws === undefined) return;
    if (this.#held) {
      this.#heartbeat.stop();
      ws.pause();
    } else {
      ws.resume();
      this.#heartbeat.start();
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Moves the lifecycle (`lifecycle.ts` has the table) and announces a changed status. */
  #to(event: LifecycleEvent): boolean {
    const previous = this.#status;
    // Never throw from a socket or timer callback: a move the table lacks (a listener closed the
    // connection in the middle of a step) is reported and ignored.
    if (!canTransition(previous, event)) {
      this.#debug(`lifecycle: "${event}" ignored in status ${previous}`);
      return false;
    }
    const current = transition(previous, event);
    if (previous !== current) {
      this.#status = current;
      this.emit("status", { previous, current });
    }
    return true;
  }

  /**
   * @internal The frames of the first handshake (configure, `hello_ok` and whatever came in the
   * same read), kept until the turn after the first `connect()` resolved: `recordSession` writes
   * them first.
   */
  _earlyFrames(): readonly RawFrame[] {
    return this.#tap.early();
  }

  #debug(message: string): void {
    if (this.listenerCount("debug") > 0) this.emit("debug", this.#redactor.text(message));
  }
}

/**
 * `StreamConnection`: owns the socket. Handshake, heartbeat, reconnect with state replay, the
 * outbound queue and the priority inbox all meet here; each of them lives in its own file.
 */
import { nextTurn } from "../util/turn.js";
import { EventEmitter } from "eventemitter3";
import type { ClientRequest, IncomingMessage } from "node:http";
import type WebSocket from "ws";
import { loadWebSocket, webSocketConstructor } from "./ws-loader.js";
import {
  StreamAuthError,
  StreamClosedError,
  StreamError,
  StreamHandshakeError,
  StreamPayloadTooLargeError,
  StreamTimeoutError,
} from "../errors.js";
import {
  parseServerMessage,
  stringifyClientMessage,
  type ClientMessage,
  type HelloOk,
  type IntMode,
  type ParseOptions,
} from "../protocol/index.js";
import { createRedactor, type Redactor } from "../util/secrets.js";
import { computeBackoffDelay } from "./backoff.js";
import { classifyDisconnect, classifyRefusal, type DisconnectCause } from "./policy.js";
import { Heartbeat } from "./heartbeat.js";
import { Mailbox, positionKey } from "./inbound.js";
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
  reconnect: { initialDelayMs: number; maxDelayMs: number; maxAttempts: number; minUptimeMs: number } | false;
  lowPriorityCapacity: number;
  /** Unread high-priority messages above which the socket is no longer read (backpressure). */
  maxPendingHigh: number;
  /** Unread unknown-type messages kept; more are dropped and counted. */
  maxPendingUnknown: number;
  maxPayload: number;
  /** Random source of the backoff jitter (tests inject one). */
  random: () => number;
}

const IDLE = 0;
const HANDSHAKE = 1;
const OPEN = 2;
/** How long `close()` waits for the server's close frame before cutting the socket. */
const CLOSE_GRACE_MS = 1000;
const noop = (): void => {};
/** Handshake frames kept for a recorder attached right after `connect()` (see `#tap`). */
const EARLY_FRAMES_MAX = 64;

/** One frame as the `frame` event reports it. */
interface RawFrame {
  direction: "in" | "out";
  text: string;
  atMs: number;
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
  readonly #parse: ParseOptions<M>;
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
  /** See `#tap`: frames of the first handshake, until the caller's turn after `connect()`. */
  #early: RawFrame[] | undefined = [];

  #status: ConnectionStatus = "connecting";
  #ws: WebSocket | undefined;
  #phase = IDLE;
  /** Bumps with every socket, so callbacks of a previous socket are recognised and ignored. */
  #gen = 0;
  #dial: Dial<M> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #openedAt = 0;
  #everOpen = false;
  /** State version carried by the `configure` of the current socket. */
  #configuredVersion = 0;
  /** No message will arrive any more (closed, or gave up). */
  #ended = false;
  /** `close()` was called: `recv()` yields `null` from now on. */
  #userClosed = false;
  #closePromise: Promise<void> | undefined;
  /** Wakes `close()` when the queue drained or the socket closed. */
  #closingWake: (() => void) | undefined;
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
    this.#parse = { ints: params.ints };
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
    this.#closePromise ??= this.#close(options.flushTimeoutMs ?? 2000);
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
        if (this.#ended) subscriber.end();
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
      try {
        configureText = stringifyClientMessage(this.#replay.configure());
      } catch (error) {
        reject(error);
        return;
      }
      this.#configuredVersion = this.#replay.version;
      let ws: WebSocket;
      try {
        const WebSocketCtor = webSocketConstructor();
        ws = new WebSocketCtor(this.#p.url, {
          headers: { "x-api-key": this.#p.apiKey },
          maxPayload: this.#p.maxPayload,
          perMessageDeflate: false,
        });
      } catch (error) {
        reject(new StreamError("connection", `cannot open ${this.#p.url}: ${this.#redactor.text(String(error))}`));
        return;
      }
      this.#gen++;
      this.#ws = ws;
      this.#socketOversize = false;
      this.#phase = HANDSHAKE;
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
      ws.on("open", this.#onOpen);
      ws.on("message", this.#onMessage);
      ws.on("close", this.#onClose);
      ws.on("error", this.#onError);
      ws.on("unexpected-response", this.#onUnexpectedResponse);
      ws.on("ping", this.#onControl);
      ws.on("pong", this.#onControl);
      this.#debug(`connecting to ${this.#p.url}`);
    });
  }

  #onOpen = (): void => {
    const dial = this.#dial;
    if (dial === undefined || this.#ws === undefined) return;
    this.#ws.send(dial.configureText);
    this.#tap("out", dial.configureText);
    this.#debug("socket open; configure sent");
  };

  #onUnexpectedResponse = (_request: ClientRequest, response: IncomingMessage): void => {
    const status = response.statusCode ?? 0;
    response.resume();
    const error =
      status === 401 || status === 403
        ? new StreamAuthError(`the server refused the API key (HTTP ${status}); not retried`, { status })
        : new StreamError("connection", `the server refused the WebSocket upgrade with HTTP ${status}`);
    this.#failHandshake(error);
  };

  #onError = (error: Error): void => {
    const text = this.#redactor.text(error.message);
    this.#debug(`socket error: ${text}`);
    if ((error as { code?: unknown }).code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      // ws cut the socket itself: its `close` reports 1006, but this is the local 1009.
      this.#socketOversize = true;
      if (this.#phase === HANDSHAKE) this.#failHandshake(this.#oversizeError());
      return;
    }
    if (this.#phase === HANDSHAKE) {
      this.#failHandshake(new StreamError("connection", `connection to ${this.#p.url} failed: ${text}`));
    }
  };

  #onClose = (code: number, reasonBuffer: Buffer): void => {
    const reason = this.#redactor.text(reasonBuffer.toString());
    if (this.#phase === HANDSHAKE) {
      this.#failHandshake(
        new StreamError("connection", `connection closed before hello_ok (code ${code}${reason ? `, ${reason}` : ""})`),
      );
    } else if (this.#phase === OPEN) {
      this.#debug(`socket closed (code ${code}${reason ? `, ${reason}` : ""})`);
      if (this.#socketOversize) this.#linkLost(1009, `a frame exceeded maxPayload (${this.#p.maxPayload} bytes)`, "oversize");
      else this.#linkLost(code, reason);
    }
  };

  #onControl = (): void => {
    this.#heartbeat.touch();
  };

  #onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
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
    this.#tap("in", text);
    if (this.#phase === OPEN) this.#dispatch(text);
    else if (this.#phase === HANDSHAKE) this.#handshakeFrame(text);
  };

  #handshakeFrame(text: string): void {
    const result = this.#decode(text);
    if (result.kind === "message") {
      const message = result.message;
      if (message.type === "hello_ok") {
        this.#handshakeOk(message as HelloOk<M>);
      } else if (message.type === "error") {
        const code = message.code;
        const retryable = classifyRefusal(code) === "retry";
        this.#failHandshake(
          new StreamHandshakeError(
            `the server refused configure: [${code}] ${message.message}${retryable ? "" : " (retrying cannot fix this; not retried)"}`,
            { serverCode: code, serverMessage: message.message, retryable },
          ),
        );
      } else {
        this.#failHandshake(new StreamHandshakeError(`expected hello_ok as the first message, got ${message.type}`));
      }
    } else if (result.kind === "unknown") {
      this.#failHandshake(new StreamHandshakeError(`expected hello_ok as the first message, got ${result.type}`));
    } else {
      this.#failHandshake(
        new StreamHandshakeError(`invalid first message: ${result.error.message}`, {}, { cause: result.error }),
      );
    }
  }

  #handshakeOk(hello: HelloOk<M>): void {
    const dial = this.#dial;
    if (dial === undefined) return;
    this.#dial = undefined;
    clearTimeout(dial.timer);
    dial.signal?.removeEventListener("abort", dial.onAbort);
    this.#phase = OPEN;
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
    this.#setStatus("open");
    this.#deliverHigh(hello);
    if (reconnect) {
      this.#reconnects++;
      this.emit("reconnected", { attempt: this.#attempt, hello });
    }
    if (this.#held) this.#applyHold();
    this.#pump();
    dial.resolve(hello);
    if (this.#early !== undefined && !reconnect) nextTurn(() => (this.#early = undefined));
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
    this.#phase = IDLE;
    const ws = this.#ws;
    if (ws === undefined) return;
    this.#ws = undefined;
    ws.off("open", this.#onOpen);
    ws.off("message", this.#onMessage);
    ws.off("close", this.#onClose);
    ws.off("error", this.#onError);
    ws.off("unexpected-response", this.#onUnexpectedResponse);
    ws.off("ping", this.#onControl);
    ws.off("pong", this.#onControl);
    ws.on("error", noop);
    if (ws.readyState !== ws.CLOSED) ws.terminate();
  }

  #sendPing = (): void => {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== ws.OPEN) return;
    ws.ping();
    this.#debug("link quiet; WebSocket ping sent");
  };

  #onSilence = (silentMs: number): void => {
    if (this.#phase !== OPEN) return;
    this.#debug(`no frame for ${silentMs} ms after a ping: link dead`);
    this.#linkLost(1006, "heartbeat timeout");
  };

  /** Counts one frame above `maxPayload` and names the limit in the error it makes. */
  #oversizeError(): StreamPayloadTooLargeError {
    this.#oversize++;
    const limit = this.#p.maxPayload;
    const fatal = classifyDisconnect({ kind: "oversize", count: this.#oversize }) === "fatal";
    return new StreamPayloadTooLargeError(
      fatal
        ? `frame ${this.#oversize} above maxPayload (${limit} bytes): the connection is closed; raise the maxPayload option if the server's frames are legitimately this large`
        : `a frame above maxPayload (${limit} bytes) arrived and was dropped with its socket; reconnecting (a second one closes the connection)`, { limit }
    );
  }

  /**
   * A link that was open is gone. `kind` says why, for the verdict (`classifyDisconnect`): the
   * close code, or a frame above `maxPayload` (which ws reports as 1006).
   */
  #linkLost(code: number, reason: string, kind: "close" | "oversize" = "close"): void {
    const uptime = Date.now() - this.#openedAt;
    this.#teardownSocket();
    const requeued = this.#outbound.requeueInflight();
    if (requeued > 0) this.#debug(`${requeued} unconfirmed message(s) back at the head of the queue`);
    if (this.#status === "closing") {
      this.emit("disconnected", { code, reason, willReconnect: false });
      this.#closingWake?.();
      return;
    }
    if (this.#ended) return;
    const policy = this.#p.reconnect;
    let end: StreamError | undefined;
    let report: StreamError | undefined;
    if (kind === "oversize") {
      const error = this.#oversizeError();
      if (policy === false || classifyDisconnect({ kind: "oversize", count: this.#oversize }) === "fatal") end = error;
      else report = error;
    }
    if (policy !== false && end === undefined) {
      if (uptime >= policy.minUptimeMs) this.#attempt = 0;
      if (kind === "close" && classifyDisconnect({ kind: "close", code }) === "fatal") {
        end = new StreamError("connection", `the server closed the connection with code ${code} (${reason}); not retried`);
      } else if (this.#attempt >= policy.maxAttempts) {
        end = this.#exhausted();
      }
    }
    const willReconnect = policy !== false && end === undefined;
    if (report !== undefined) this.emit("stream_error", report);
    this.emit("disconnected", { code, reason, willReconnect });
    if (willReconnect) {
      this.#setStatus("reconnecting");
      this.#scheduleReconnect();
    } else {
      this.#end(end);
    }
  }

  #scheduleReconnect(): void {
    const policy = this.#p.reconnect;
    if (policy === false) return;
    const delayMs = computeBackoffDelay(this.#attempt, policy, this.#p.random);
    this.#attempt++;
    this.emit("reconnecting", { attempt: this.#attempt, delayMs });
    // Deliberately not unref'd: while no socket is open, this timer is what keeps a bot alive
    // until it is reconnected. `close()` clears it.
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#connect().catch((error: unknown) => this.#reconnectFailed(error));
    }, delayMs);
  }

  #reconnectFailed(error: unknown): void {
    if (this.#ended || this.#status === "closing") return;
    const streamError =
      error instanceof StreamError
        ? error
        : new StreamError("connection", this.#redactor.text(String(error)), { cause: this.#redactor.error(error) });
    const policy = this.#p.reconnect;
    // A refusal means on a reconnect what it means on the first connect: the same table decides.
    if (classifyDisconnect(this.#causeOf(streamError)) === "fatal") {
      this.#end(streamError);
      return;
    }
    this.emit("stream_error", streamError);
    if (policy === false) this.#end(undefined);
    else if (this.#attempt >= policy.maxAttempts) this.#end(this.#exhausted());
    else this.#scheduleReconnect();
  }

  /** What a failed (re)connect attempt was, as the policy table sees it. */
  #causeOf(error: StreamError): DisconnectCause {
    if (error instanceof StreamAuthError) return { kind: "http", status: error.status };
    if (error instanceof StreamHandshakeError && error.serverCode !== undefined) {
      return { kind: "refusal", serverCode: error.serverCode };
    }
    if (error instanceof StreamPayloadTooLargeError) return { kind: "oversize", count: this.#oversize };
    return { kind: "network" };
  }

  #exhausted(): StreamError {
    const max = this.#p.reconnect === false ? 0 : this.#p.reconnect.maxAttempts;
    return new StreamError("reconnect_exhausted", `gave up after ${max} reconnect attempt(s)`);
  }

  /** The one terminal path: no socket, no timer, no waiter left. */
  #end(error: StreamError | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    if (this.#dial !== undefined) this.#failHandshake(new StreamClosedError("closed before the handshake completed"));
    this.#teardownSocket();
    const discarded = this.#outbound.clear();
    if (discarded > 0) this.#debug(`${discarded} queued message(s) discarded: the connection is closed`);
    this.#setStatus("closed");
    if (error !== undefined) this.emit("stream_error", error);
    this.#mail.end();
    this.#subscriber?.end();
  }

  async #close(flushTimeoutMs: number): Promise<void> {
    this.#userClosed = true;
    this.#mail.close();
    if (this.#ended) return;
    this.#setStatus("closing");
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    if (this.#dial !== undefined) this.#failHandshake(new StreamClosedError("closed before the handshake completed"));
    const ws = this.#ws;
    if (ws !== undefined && this.#phase === OPEN) {
      if (!this.#outbound.idle && flushTimeoutMs > 0) await this.#wake(flushTimeoutMs, noop);
      if (this.#ws === ws) {
        this.#heartbeat.stop();
        await this.#wake(CLOSE_GRACE_MS, () => ws.close(1000, "client closed"), () => ws.terminate());
        // ws emits `close` asynchronously after terminate(); make sure our path ran.
        if (this.#ws === ws) this.#linkLost(1006, "closed without a close frame");
      }
    }
    this.#end(undefined);
  }

  /** Runs `start`, then waits for `#closingWake` or `ms`; on timeout runs `onTimeout`. */
  #wake(ms: number, start: () => void, onTimeout: () => void = noop): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#closingWake = undefined;
        onTimeout();
        resolve();
      }, ms);
      timer.unref();
      this.#closingWake = () => {
        this.#closingWake = undefined;
        clearTimeout(timer);
        resolve();
      };
      start();
    });
  }

  // ---- outbound -------------------------------------------------------------------------------

  /** Records and queues a message the sender validated (as `text`). */
  #submit(message: ClientMessage, text: string, deadlineTimeoutSec?: number): void {
    if (this.#userClosed || this.#ended) throw new StreamClosedError("the connection is closed; nothing can be sent");
    if (deadlineTimeoutSec !== undefined) this.#replay.deadlineTimeoutSec = deadlineTimeoutSec;
    const version = this.#replay.record(message);
    // A position's override is forgotten only when the server says it closed (position_closed):
    // a close_position the server refuses leaves the position, and its override, in force.
    this.#outbound.push({ text, type: message.type, version });
    this.#pump();
  }

  #pump(): void {
    const ws = this.#ws;
    if (ws === undefined || this.#phase !== OPEN || ws.readyState !== ws.OPEN) return;
    const gen = this.#gen;
    for (let message = this.#outbound.take(); message !== undefined; message = this.#outbound.take()) {
      ws.send(message.text, (error) => this.#written(gen, error));
      this.#tap("out", message.text);
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
    if (this.#outbound.idle && this.#status === "closing") this.#closingWake?.();
  }

  // ---- inbound (the hot path) -----------------------------------------------------------------

  /**
   * Parses a frame with the key redacted from it first, so nothing built from the frame (message,
   * unknown value, `raw`, error texts and causes) can carry the key. A key written with JSON
   * escapes (`\u0041...`) is not in the text but appears once parsed: frames with a backslash
   * (rare) are checked again after parsing.
   */
  #decode(frame: string): ReturnType<typeof parseServerMessage<M>> {
    const redactor = this.#redactor;
    const text = redactor.leaks(frame) ? redactor.text(frame) : frame;
    const result = parseServerMessage<M>(text, this.#parse);
    if (!text.includes("\\") || result.kind === "invalid") return result;
    if (result.kind === "unknown") {
      const value = redactor.value(result.value);
      return value === result.value ? result : { ...result, value, type: redactor.text(result.type) };
    }
    const message = redactor.value(result.message);
    if (message === result.message) return result;
    const redacted: typeof result = { kind: "message", message };
    if (result.precisionLoss !== undefined) redacted.precisionLoss = result.precisionLoss.map(redactor.text);
    return redacted;
  }

  #dispatch(text: string): void {
    if (this.#userClosed) return;
    const result = this.#decode(text);
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
    if (this.#phase === OPEN) this.#applyHold();
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

  #setStatus(current: ConnectionStatus): void {
    const previous = this.#status;
    if (previous === current) return;
    this.#status = current;
    this.emit("status", { previous, current });
  }

  /**
   * The raw-frame tap (`frame` event, the key redacted); costs one branch when nobody listens.
   * Until the caller had its turn after the first `connect()` resolved, frames are also kept (at
   * most {@link EARLY_FRAMES_MAX}) so a recorder attached then still sees the handshake.
   */
  #tap(direction: "in" | "out", text: string): void {
    const early = this.#early;
    if (early === undefined && this.listenerCount("frame") === 0) return;
    const frame: RawFrame = { direction, text: this.#redactedFrame(text), atMs: Date.now() };
    if (early !== undefined && early.length < EARLY_FRAMES_MAX) early.push(frame);
    this.emit("frame", frame);
  }

  /**
   * A frame's text without the key. A key written with JSON escapes (`\u0041...`) only shows once
   * parsed: such a frame (rare: a server echoing the key) is re-serialized with the key redacted,
   * which may round integers beyond 2^53 in it.
   */
  #redactedFrame(text: string): string {
    const redactor = this.#redactor;
    const plain = redactor.leaks(text) ? redactor.text(text) : text;
    if (!plain.includes("\\")) return plain;
    try {
      const decoded = JSON.stringify(JSON.parse(plain));
      return redactor.leaks(decoded) ? redactor.text(decoded) : plain;
    } catch {
      return plain;
    }
  }

  /**
   * @internal The frames of the first handshake (configure, `hello_ok` and whatever came in the
   * same read), kept until the turn after the first `connect()` resolved: `recordSession` writes
   * them first.
   */
  _earlyFrames(): readonly RawFrame[] {
    return this.#early ?? [];
  }

  #debug(message: string): void {
    if (this.listenerCount("debug") > 0) this.emit("debug", this.#redactor.text(message));
  }
}

function abortError(signal: AbortSignal | undefined): StreamError {
  return new StreamError("aborted", "connect() was aborted", { cause: signal?.reason });
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

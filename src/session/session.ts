/**
 * `StreamSession`: live positions, client-side deadlines, liquidity queries and typed events on
 * top of a connection.
 *
 * Why this file is ~700 lines (a quarter of them TSDoc): it is the public face of the layer, about
 * thirty short methods a bot calls, plus `#apply`, the one switch over inbound message types. The
 * state lives in its own modules (positions in `positions.ts`, deadlines in `deadlines.ts`, the
 * liquidity cache in `liquidity.ts`, the server clock in `clock.ts`, registration in `wallets.ts`),
 * and the mailbox is the connection layer's (`inbound.ts`).
 */
import { nextTurn } from "../util/turn.js";
import { EventEmitter } from "eventemitter3";
import { strategyConfigFromOptional, type OptionalStrategyConfig } from "../client/compat.js";
import type { CloseOptions, InboundMessage, StreamConfigure, StreamConnectionEvents, StreamSender } from "../client/types.js";
import { StreamError, StreamValidationError } from "../errors.js";
import {
  validateStrategy,
  type Int,
  type IntMode,
  type LiquidityTrend,
  type LowPriorityType,
  type MirrorBuySignal,
  type SlippageBand,
  type StrategyConfig,
  type WatchWalletEntry,
} from "../protocol/index.js";
import { iterate, Mailbox, type DropCounts, type MailboxBounds, type PositionKey } from "../client/inbound.js";
import { STREAM_CLIENT_DEFAULTS } from "../client/client.js";
import type { WalletOwnershipProof } from "../rest/register.js";
import { ServerClock } from "./clock.js";
import type { SessionClient, SessionConnection, SessionConnectionEventName } from "./connection.js";
import { DeadlineScheduler, systemTimers, type RetryOutcome, type SessionTimers } from "./deadlines.js";
import type { StreamEvent, StreamSessionEvents } from "./events.js";
import type { PositionHandle } from "./handle.js";
import { LiquidityCache } from "./liquidity.js";
import { PositionBook, positionKey } from "./positions.js";
import { configureFromProofs, registerProofs, type ConfigureWithProofs, type RegisteringClient, type RegistrationOptions } from "./wallets.js";

/** Events superseded or evicted before `recv()` delivered them, by type (`unknown`: over its bound). */
export type SessionDropCounts = DropCounts & { unknown: number };

/** Options of a session; all optional. */
export interface StreamSessionOptions {
  /**
   * After a deadline fired and its `request_exit_signal` was sent, how long to wait for an
   * `exit_signal_with_tx` of that position before asking again.
   * @defaultValue 3000
   */
  deadlineRetryMs?: number;
  /**
   * How many times a deadline's exit request is repeated when no exit signal comes.
   * @defaultValue 3
   */
  deadlineMaxRetries?: number;
  /**
   * Pending `trade_tick` events kept for `recv()` (oldest dropped beyond it): overrides the
   * client's option of the same name.
   * @defaultValue the connection's `lowPriorityCapacity` (1024)
   */
  lowPriorityCapacity?: number;
  /**
   * Keep events for `recv()` / `for await`. Set `false` when you consume only through `.on(...)`
   * listeners, so undelivered events do not pile up; `recv()` then throws.
   * @defaultValue true
   */
  buffer?: boolean;
  /** Clock and timers (tests inject fakes). @defaultValue `performance.now()` and unref'd `setTimeout` */
  timers?: SessionTimers;
}

/** Options of {@link StreamSession.connect}. */
export interface SessionConnectOptions extends StreamSessionOptions {
  /** Aborts the connection attempt. */
  signal?: AbortSignal;
}

/** A position given by id, by handle, or (where noted) by token account. */
export type PositionRef<M extends IntMode = "number"> = number | bigint | PositionHandle<M>;

/** Counters of a session. */
export interface SessionStats {
  /** Events waiting for `recv()`. */
  pending: number;
  /** Low-priority events superseded or evicted before `recv()` delivered them. */
  dropped: SessionDropCounts;
  positions: number;
  /** Deadline and retry timers currently scheduled. */
  timers: number;
}

/** The int mode of a connection type. */
export type ConnectionIntMode<C> = C extends SessionConnection<"bigint"> ? "bigint" : "number";
/** The int mode of a client type. */
export type ClientIntMode<C> = C extends SessionClient<"bigint"> ? "bigint" : "number";

/**
 * The session's defaults, as documented on {@link StreamSessionOptions}: read-only (frozen). The
 * connection's own are {@link STREAM_CLIENT_DEFAULTS}.
 */
export const STREAM_SESSION_DEFAULTS = Object.freeze({ deadlineRetryMs: 3_000, deadlineMaxRetries: 3 } as const);
/** The bounds of a session over a connection that does not share its own (`_subscribe`). */
const SESSION_BOUNDS: MailboxBounds = {
  maxPendingHigh: STREAM_CLIENT_DEFAULTS.maxPendingHigh,
  maxPendingUnknown: STREAM_CLIENT_DEFAULTS.maxPendingUnknown,
  tickCapacity: STREAM_CLIENT_DEFAULTS.lowPriorityCapacity,
};

/** The official SDK's `fromConnection(connection, strategy, ...)` form: a strategy, not a configure. */
function isStrategy(value: unknown): value is StrategyConfig {
  return typeof value === "object" && value !== null && !("deadline_timeout_sec" in value);
}

function deadlineSecOf(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * The high-level stream API: a connection plus the state a bot needs.
 *
 * Every inbound message is applied the moment it arrives (positions, handles, liquidity cache,
 * deadlines), emitted to `.on(type, ...)` listeners, and kept for `recv()` / `for await`, which
 * serve high-priority events (exit signals, opens, closes, deadlines, connection changes) before
 * pending PnL, liquidity and trade ticks. Low-priority events are bounded: the latest `pnl_update`
 * and `liquidity_snapshot` per position, a ring of `trade_tick`s.
 *
 * @example
 * ```ts
 * const session = await StreamSession.connect(client, {
 *   wallet_pubkeys: [wallet],
 *   strategy: { target_profit_pct: 20, stop_loss_pct: 10 },
 *   deadline_timeout_sec: 120,
 * });
 * for await (const event of session) {
 *   if (event.type === "exit_signal_with_tx") await signAndSend(event.message, event.handle);
 * }
 * ```
 */
export class StreamSession<M extends IntMode = "number"> extends EventEmitter<StreamSessionEvents<M>> {
  readonly #connection: SessionConnection<M>;
  readonly #book = new PositionBook<M>();
  readonly #liquidity = new LiquidityCache<M>();
  readonly #clock = new ServerClock();
  readonly #timers: SessionTimers;
  readonly #deadlines: DeadlineScheduler;
  /** The one place events wait for `recv()`: the connection hands messages straight to `#apply`. */
  readonly #mail: Mailbox<StreamEvent<M>>;
  readonly #buffer: boolean;
  #deadlineSec: number;
  /** Wall-clock start estimate per tracked position, for `deadline_at_ms` (scheduling is monotonic). */
  readonly #startWall = new Map<PositionKey, number>();
  /** Drops the connection made before the session took over (frames that came with `hello_ok`). */
  #droppedBefore: (() => SessionDropCounts) | undefined;
  /** A `hello_ok` was delivered: a reconnect's arrives as the `reconnected` event only. */
  #helloSeen = false;
  #online = true;
  #closing: Promise<void> | undefined;
  /**
   * Events raised while the session is being built (messages that arrived with `hello_ok`, in
   * the same socket read), and any after them until they are out: held until the caller's code
   * after `await StreamSession.connect()` had its turn, so listeners attached right then
   * (`session.on`, `executeExits`) see every event. `undefined` once nothing is held.
   */
  #held: Array<[name: string, arg: unknown]> | undefined = [];
  readonly #listeners: { [K in SessionConnectionEventName]: (...args: StreamConnectionEvents<M>[K]) => void };

  private constructor(connection: SessionConnection<M>, deadlineSec: number, options: StreamSessionOptions) {
    super();
    this.#connection = connection;
    this.#deadlineSec = deadlineSecOf(deadlineSec);
    this.#timers = options.timers ?? systemTimers;
    this.#buffer = options.buffer ?? true;
    this.#deadlines = new DeadlineScheduler(
      {
        deadlineMs: this.#deadlineSec * 1_000,
        retryMs: Math.max(0, options.deadlineRetryMs ?? STREAM_SESSION_DEFAULTS.deadlineRetryMs),
        maxRetries: Math.max(0, options.deadlineMaxRetries ?? STREAM_SESSION_DEFAULTS.deadlineMaxRetries),
      },
      { onDeadline: (key) => this.#onDeadline(key), onRetry: (key, attempt) => this.#onRetry(key, attempt) },
      this.#timers,
    );
    this.#listeners = {
      disconnected: (info) => {
        this.#online = false;
        this.#deliver({ type: "disconnected", code: info.code, reason: info.reason, willReconnect: info.willReconnect });
      },
      reconnected: (info) => {
        this.#online = true;
        this.#clock.sample(info.hello.server_time_ms, Date.now());
        this.#deliver({ type: "reconnected", attempt: info.attempt, hello: info.hello });
      },
      stream_error: (error) => this.#emitSafe("stream_error", error),
    };
    connection.on("disconnected", this.#listeners.disconnected);
    connection.on("reconnected", this.#listeners.reconnected);
    connection.on("stream_error", this.#listeners.stream_error);
    const capacity = (bounds: MailboxBounds): MailboxBounds =>
      options.lowPriorityCapacity === undefined ? bounds : { ...bounds, tickCapacity: Math.max(1, options.lowPriorityCapacity) };
    if (connection._subscribe !== undefined) {
      // One mailbox: every message is applied as the connection decodes it; the session's own
      // backlog is what pauses the socket.
      const subscription = connection._subscribe({ message: (m) => this.#applySafe(m), end: () => this.#finish() });
      this.#mail = new Mailbox(capacity(subscription.bounds));
      this.#mail.onPressure = subscription.hold;
      this.#droppedBefore = subscription.dropped;
      subscription.start();
    } else {
      this.#mail = new Mailbox(capacity(SESSION_BOUNDS));
      void this.#pump();
    }
    if (this.#held?.length === 0) this.#held = undefined;
    else {
      nextTurn(() => {
        const held = this.#held ?? [];
        this.#held = undefined;
        for (const [name, arg] of held) this.#emitSafe(name, arg);
      });
    }
  }

  /**
   * Connects `client` with `configure` and wraps the connection in a session. The strategy and
   * `deadline_timeout_sec` are validated before any I/O (`StreamValidationError`).
   *
   * @example
   * ```ts
   * const session = await StreamSession.connect(new StreamClient(apiKey), configure, { signal: AbortSignal.timeout(15_000) });
   * ```
   */
  static async connect<C extends SessionClient<IntMode>>(
    client: C,
    configure: StreamConfigure,
    options: SessionConnectOptions = {},
  ): Promise<StreamSession<ClientIntMode<C>>> {
    validateStrategy(configure.strategy, configure.deadline_timeout_sec);
    const { signal, ...sessionOptions } = options;
    const connection = (await client.connect(configure, signal === undefined ? {} : { signal })) as SessionConnection<
      ClientIntMode<C>
    >;
    return new StreamSession(connection, configure.deadline_timeout_sec ?? connection.deadlineTimeoutSec ?? 0, sessionOptions);
  }

  /**
   * Registers every wallet proof with the client's API key (in parallel, each with its own error),
   * then connects a full session with the complete `configure` (send mode, tip, watch wallets and
   * mirror config included). `configure.wallet_pubkeys` may be left out: the proven wallets that are
   * not watch wallets are streamed. The strategy is validated before any request.
   *
   * Rejects with a `StreamRegistrationError` naming the wallet(s) that failed (nothing is
   * connected then), or with what `connect` rejects with.
   *
   * @example
   * ```ts
   * import { proveOwnership } from "lasersell-stream/tx";
   * const session = await StreamSession.connectWithWallets(client, [proveOwnership(keypair)], {
   *   strategy: { target_profit_pct: 20, stop_loss_pct: 10 },
   *   deadline_timeout_sec: 120,
   * });
   * ```
   */
  static async connectWithWallets<C extends SessionClient<IntMode> & RegisteringClient>(
    client: C,
    proofs: readonly WalletOwnershipProof[],
    configure: ConfigureWithProofs,
    options: SessionConnectOptions & { registration?: RegistrationOptions } = {},
  ): Promise<StreamSession<ClientIntMode<C>>> {
    const full = configureFromProofs(configure, proofs);
    validateStrategy(full.strategy, full.deadline_timeout_sec);
    const { registration, ...connectOptions } = options;
    await registerProofs(client, proofs, { ...registration, signal: options.signal });
    return StreamSession.connect(client, full, connectOptions);
  }

  /**
   * Wraps a connection that is already open. The deadline comes from `configure`, else from the
   * connection. Create the session right after connecting: positions announced before it are
   * unknown to it until the server announces them again.
   *
   * The official SDK's form `fromConnection(connection, strategy, deadlineTimeoutSec)` is accepted
   * too (the strategy is already in force on the connection and is not re-sent).
   */
  static fromConnection<C extends SessionConnection<IntMode>>(
    conn: C,
    configure?: Pick<StreamConfigure, "deadline_timeout_sec"> | StrategyConfig,
    options?: StreamSessionOptions | number,
  ): StreamSession<ConnectionIntMode<C>> {
    const connection = conn as SessionConnection<ConnectionIntMode<C>>;
    if (isStrategy(configure)) {
      const deadline = typeof options === "number" ? options : connection.deadlineTimeoutSec;
      return new StreamSession(connection, deadline ?? 0, typeof options === "object" ? options : {});
    }
    const deadline = configure?.deadline_timeout_sec ?? connection.deadlineTimeoutSec ?? 0;
    return new StreamSession(connection, deadline, typeof options === "object" ? options : {});
  }

  /** The underlying connection (for its own events and stats). */
  get connection(): SessionConnection<M> {
    return this.#connection;
  }

  /** The client-side deadline in seconds (0: none). */
  get deadlineTimeoutSec(): number {
    return this.#deadlineSec;
  }

  /** Estimated `server - local` wall-clock offset in ms, once a `hello_ok` or `pong` was seen. */
  get serverClockOffsetMs(): number | undefined {
    return this.#clock.offsetMs;
  }

  stats(): SessionStats {
    return {
      pending: this.#mail.size,
      dropped: this.#dropped(),
      positions: this.#book.size,
      timers: this.#deadlines.pendingTimers,
    };
  }

  #dropped(): SessionDropCounts {
    const own = this.#mail.dropped;
    const before = this.#droppedBefore?.();
    if (before === undefined) return own;
    return {
      pnl_update: own.pnl_update + before.pnl_update,
      liquidity_snapshot: own.liquidity_snapshot + before.liquidity_snapshot,
      trade_tick: own.trade_tick + before.trade_tick,
      unknown: own.unknown + before.unknown,
    };
  }

  // ---- Reading ------------------------------------------------------------------------------

  /**
   * The next event: high-priority events first, then pending PnL, liquidity and trade ticks.
   * Resolves `null` once the session is closed, or once the connection ended for good and every
   * event received before was delivered.
   */
  recv(): Promise<StreamEvent<M> | null> {
    if (!this.#buffer) {
      return Promise.reject(
        new StreamValidationError("recv() is unavailable: the session was created with buffer: false", { issues: [
          { path: "buffer", message: "recv() needs buffer: true (the default)" },
        ] }),
      );
    }
    return this.#mail.recv();
  }

  /** `for await (const event of session)`; ends when `recv()` yields `null`. Breaking out does not close the session. */
  [Symbol.asyncIterator](): AsyncIterableIterator<StreamEvent<M>> {
    // A waiting event is taken as is; only an empty mailbox costs a `recv()` promise.
    return iterate(
      () => this.recv(),
      () => (this.#buffer ? this.#mail.poll() : undefined),
    );
  }

  // ---- Positions and liquidity ----------------------------------------------------------------

  /** Every open position, as snapshots. */
  positions(): PositionHandle<M>[] {
    return this.#book.all();
  }

  /** One open position by id or token account. */
  position(idOrTokenAccount: number | bigint | string): PositionHandle<M> | undefined {
    const key =
      typeof idOrTokenAccount === "string" ? this.#book.keyOfTokenAccount(idOrTokenAccount) : positionKey(idOrTokenAccount);
    return key === undefined ? undefined : this.#book.get(key);
  }

  /** Open positions of one wallet in one mint. */
  positionsForWalletMint(wallet: string, mint: string): PositionHandle<M>[] {
    return this.#book.all().filter((p) => p.wallet_pubkey === wallet && p.mint === mint);
  }

  /** Bands of the position's last `liquidity_snapshot`; `undefined` when none. */
  getSlippageBands(position: PositionRef<M>): readonly SlippageBand<M>[] | undefined {
    return this.#liquidity.bands(this.#keyOf(position));
  }

  /**
   * The largest amount (raw tokens) sellable within `slippageBps`, from the last snapshot: the
   * band of exactly `slippageBps` when there is one, otherwise the largest band below it (never
   * an interpolation); `undefined` without a snapshot or a band at or below `slippageBps`.
   *
   * @example
   * ```ts
   * // bands 100/200/500/1000 bps: 300 bps answers with the 200 bps band
   * const max = session.getMaxSellAtSlippage(event.handle, 300);
   * ```
   */
  getMaxSellAtSlippage(position: PositionRef<M>, slippageBps: number): Int<M> | undefined {
    return this.#liquidity.maxSell(this.#keyOf(position), slippageBps);
  }

  /** Trend of the position's last `liquidity_snapshot` (`"growing"`, `"stable"`, `"draining"`, ...). */
  getLiquidityTrend(position: PositionRef<M>): LiquidityTrend | undefined {
    return this.#liquidity.trend(this.#keyOf(position));
  }

  // ---- Commands ------------------------------------------------------------------------------

  /** The connection's sender (every client message, validated, queued offline, replayed). */
  sender(): StreamSender {
    return this.#connection.sender();
  }

  /**
   * Replaces the session strategy and, optionally, the client-side deadline (seconds; 0 = none).
   * Validated before anything is sent. Every deadline is rescheduled from its position's own
   * start: one already past fires at once.
   */
  updateStrategy(strategy: StrategyConfig, deadlineTimeoutSec: number = this.#deadlineSec): void {
    validateStrategy(strategy, deadlineTimeoutSec);
    this.sender().updateStrategy(strategy, deadlineTimeoutSec);
    this.#deadlineSec = deadlineSecOf(deadlineTimeoutSec);
    this.#deadlines.setDeadline(this.#deadlineSec * 1_000);
    for (const handle of this.#book.all()) this.#refreshDeadline(positionKey(handle.position_id));
  }

  /** The official SDK's form: a strategy whose thresholds may be left out (left out = disabled). */
  updateStrategyOptional(strategy: OptionalStrategyConfig = {}, deadlineTimeoutSec: number = this.#deadlineSec): void {
    this.updateStrategy(strategyConfigFromOptional(strategy), deadlineTimeoutSec);
  }

  /** Replaces the monitored wallets. */
  updateWallets(walletPubkeys: string[]): void {
    this.sender().updateWallets(walletPubkeys);
  }

  /** Replaces the watched (copy-traded) wallets. */
  updateWatchWallets(entries: WatchWalletEntry[]): void {
    this.sender().updateWatchWallets(entries);
  }

  /** Overrides the strategy of one open position (validated; replayed after a reconnect). */
  updatePositionStrategy(position: PositionRef<M>, strategy: StrategyConfig): void {
    const handle = this.#openPosition(position);
    validateStrategy(strategy, this.#deadlineSec);
    this.sender().updatePositionStrategy(handle.position_id, strategy);
  }

  /** Asks the server for an exit transaction for an open position now, optionally with a slippage override. */
  requestExitSignal(position: PositionRef<M>, slippageBps?: number): void {
    const handle = this.#openPosition(position);
    this.sender().requestExitSignalById(handle.position_id, slippageBps);
  }

  /**
   * Stops tracking an open position on the server (it does not sell). Its deadline is cancelled
   * now; the position leaves `positions()` when the server's `position_closed` arrives.
   */
  closePosition(position: PositionRef<M>): void {
    const handle = this.#openPosition(position);
    this.sender().closeById(handle.position_id);
    const key = positionKey(handle.position_id);
    this.#deadlines.untrack(key);
    this.#refreshDeadline(key);
  }

  /** Reports whether a `mirror_buy_signal`'s transaction was submitted (`mirror_buy_result`). */
  reportMirrorBuy(signal: Pick<MirrorBuySignal<M>, "mint"> | { message: Pick<MirrorBuySignal<M>, "mint"> }, success: boolean): void {
    const mint = "message" in signal ? signal.message.mint : signal.mint;
    this.sender().mirrorBuyResult(mint, success);
  }

  /**
   * The official SDK's `close(handle)`: asks the server to stop tracking one position.
   *
   * @deprecated Use {@link StreamSession.closePosition}: `close()` is the session's own close.
   */
  close(handle: PositionHandle<M>): Promise<void>;
  /**
   * Closes the session: cancels every deadline, resolves pending `recv()` calls with `null` and
   * closes the connection (flushing queued messages). Idempotent.
   */
  close(options?: CloseOptions): Promise<void>;
  close(arg?: PositionHandle<M> | CloseOptions): Promise<void> {
    if (arg !== undefined && "position_id" in arg) {
      this.closePosition(arg);
      return Promise.resolve();
    }
    if (this.#closing !== undefined) return this.#closing;
    this.#deadlines.clear();
    this.#mail.close();
    this.#connection.off("disconnected", this.#listeners.disconnected);
    this.#connection.off("reconnected", this.#listeners.reconnected);
    this.#connection.off("stream_error", this.#listeners.stream_error);
    this.#closing = this.#connection.close(arg);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- Inbound ---------------------------------------------------------------------------------

  /** For a connection that cannot be subscribed to (a custom `SessionConnection`): read `recv()`. */
  async #pump(): Promise<void> {
    try {
      for (;;) {
        const message = await this.#connection.recv();
        if (message === null || this.#closing !== undefined) break;
        this.#applySafe(message);
      }
    } catch (err) {
      if (this.#closing === undefined) {
        const error = err instanceof StreamError ? err : new StreamError("connection", "the connection failed", { cause: err });
        this.#emitSafe("stream_error", error);
      }
    }
    this.#finish();
  }

  #applySafe(message: InboundMessage<M>): void {
    if (this.#closing !== undefined) return;
    try {
      this.#apply(message);
    } catch (err) {
      // One message the session cannot apply must not stop the stream.
      this.#emitSafe("stream_error", new StreamError("protocol", `could not apply a ${message.type} message`, { cause: err }));
    }
  }

  /** The connection ended for good: readers drain what is pending, then get `null`. */
  #finish(): void {
    this.#deadlines.clear();
    this.#mail.end();
  }

  #apply(message: InboundMessage<M>): void {
    switch (message.type) {
      case "unknown": {
        const event: StreamEvent<M> = { type: "unknown", messageType: message.messageType, value: message.value, raw: message.raw, message };
        if (this.#buffer) this.#mail.unknown(event);
        this.#emitEvent(event);
        return;
      }
      case "hello_ok":
        this.#clock.sample(message.server_time_ms, Date.now());
        // A reconnect's hello reaches the consumer once: as the `reconnected` event that follows.
        if (this.#helloSeen) return;
        this.#helloSeen = true;
        this.#deliver({ type: "hello_ok", message });
        return;
      case "pong":
        this.#clock.sample(message.server_time_ms, Date.now());
        this.#deliver({ type: "pong", message });
        return;
      case "position_opened": {
        // Read the clock only where a message needs it: the hot types (exits, PnL) do not.
        const now = Date.now();
        this.#book.open(message, now);
        const key = positionKey(message.position_id);
        if (!message.watched && !this.#deadlines.has(key)) {
          const start = this.#startOf(message.opened_at_ms, now);
          this.#deadlines.track(key, start);
          this.#startWall.set(key, Math.round(now - (this.#timers.now() - start)));
        }
        const handle = this.#refreshDeadline(key) as PositionHandle<M>;
        this.#deliver({ type: "position_opened", message, handle });
        return;
      }
      case "position_closed": {
        const closed = this.#book.close(message);
        const key = positionKey(message.position_id);
        for (const k of closed === undefined || closed.key === key ? [key] : [key, closed.key]) {
          this.#deadlines.untrack(k);
          this.#startWall.delete(k);
          this.#liquidity.delete(k);
          this.#mail.discard(k);
        }
        if (this.#connection._subscribe === undefined) this.#connection.discardPending?.(message.position_id);
        this.#deliver(closed === undefined ? { type: "position_closed", message } : { type: "position_closed", message, handle: closed.handle });
        return;
      }
      case "pnl_update": {
        const handle = this.#book.pnl(message);
        this.#deliverLow("pnl_update", positionKey(message.position_id), handle === undefined ? { type: "pnl_update", message } : { type: "pnl_update", message, handle });
        return;
      }
      case "liquidity_snapshot": {
        const handle = this.#book.liquidity(message);
        // Only open positions are cached: a late snapshot of a closed position must not outlive it.
        if (handle !== undefined) this.#liquidity.set(message);
        this.#deliverLow(
          "liquidity_snapshot",
          positionKey(message.position_id),
          handle === undefined ? { type: "liquidity_snapshot", message } : { type: "liquidity_snapshot", message, handle },
        );
        return;
      }
      case "trade_tick": {
        const key = positionKey(message.position_id);
        const handle = this.#book.get(key);
        this.#deliverLow("trade_tick", key, handle === undefined ? { type: "trade_tick", message } : { type: "trade_tick", message, handle });
        return;
      }
      case "exit_signal_with_tx": {
        const handle = this.#book.exit(message);
        if (handle !== undefined) this.#deadlines.answered(positionKey(handle.position_id));
        this.#deliver(handle === undefined ? { type: "exit_signal_with_tx", message } : { type: "exit_signal_with_tx", message, handle });
        return;
      }
      case "balance_update": {
        const handle = this.#book.balance(message)[0];
        this.#deliver(handle === undefined ? { type: "balance_update", message } : { type: "balance_update", message, handle });
        return;
      }
      case "error":
        this.#deliver({ type: "error", message });
        return;
      case "mirror_buy_signal":
        this.#deliver({ type: "mirror_buy_signal", message });
        return;
      case "mirror_buy_failed":
        this.#deliver({ type: "mirror_buy_failed", message });
        return;
      case "mirror_wallet_auto_disabled":
        this.#deliver({ type: "mirror_wallet_auto_disabled", message });
        return;
      default: {
        const never: never = message;
        this.#emitSafe("debug", `unhandled message ${String((never as { type?: unknown }).type)}`);
      }
    }
  }

  /** High priority: kept in order, never dropped. */
  #deliver(event: StreamEvent<M>): void {
    if (this.#closing !== undefined) return;
    if (this.#buffer) this.#mail.high(event);
    this.#emitEvent(event);
  }

  #deliverLow(kind: LowPriorityType, key: PositionKey, event: StreamEvent<M>): void {
    if (this.#closing !== undefined) return;
    if (this.#buffer) this.#mail.low(kind, key, event);
    this.#emitEvent(event);
  }

  #emitEvent(event: StreamEvent<M>): void {
    this.#emitSafe(event.type, event);
  }

  /** A listener that throws is rethrown outside the session, like a throwing Node listener, after the session's state is updated. */
  #emitSafe(name: string, arg: unknown): void {
    if (this.#held !== undefined) {
      this.#held.push([name, arg]);
      return;
    }
    try {
      (EventEmitter.prototype.emit as (this: unknown, event: string, arg: unknown) => boolean).call(this, name, arg);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  // ---- Deadlines -------------------------------------------------------------------------------

  /** The monotonic start of a position: the server's `opened_at_ms` placed on the local clock, else now. */
  #startOf(openedAtMs: Int<M> | undefined, nowWall: number): number {
    const nowMono = this.#timers.now();
    if (openedAtMs === undefined) return nowMono;
    const age = nowWall - this.#clock.toLocal(openedAtMs);
    return Number.isFinite(age) && age > 0 ? nowMono - age : nowMono;
  }

  /** Brings a position's `deadline_at_ms` in line with the scheduler; returns its current handle. */
  #refreshDeadline(key: PositionKey): PositionHandle<M> | undefined {
    const start = this.#startWall.get(key);
    const wall = this.#deadlines.dueAt(key) === undefined || start === undefined ? undefined : start + this.#deadlines.deadlineMs;
    return this.#book.setDeadline(key, wall);
  }

  #onDeadline(key: PositionKey): boolean {
    const handle = this.#book.get(key);
    if (handle === undefined || handle.watched || this.#closing !== undefined) return false;
    if (!this.#askExit(handle)) return false;
    this.#deliver({ type: "deadline", handle });
    return true;
  }

  #onRetry(key: PositionKey, attempt: number): RetryOutcome {
    const handle = this.#book.get(key);
    if (handle === undefined || this.#closing !== undefined) return "stop";
    if (!this.#online) return "wait";
    this.#emitSafe("debug", `deadline: no exit signal for position ${key}, asking again (retry ${attempt})`);
    return this.#askExit(handle) ? "sent" : "stop";
  }

  #askExit(handle: PositionHandle<M>): boolean {
    try {
      this.#connection.sender().requestExitSignalById(handle.position_id);
      return true;
    } catch (err) {
      const error = err instanceof StreamError ? err : new StreamError("connection", "deadline exit request failed", { cause: err });
      this.#emitSafe("stream_error", error);
      return false;
    }
  }

  // ---- Helpers ---------------------------------------------------------------------------------

  #keyOf(position: PositionRef<M>): PositionKey {
    return typeof position === "object" ? positionKey(position.position_id) : positionKey(position);
  }

  #openPosition(position: PositionRef<M>): PositionHandle<M> {
    const key = this.#keyOf(position);
    const handle = this.#book.get(key);
    if (handle === undefined) {
      throw new StreamValidationError(`position ${key} is not open in this session`, { issues: [
        { path: "position_id", message: `no open position ${key}` },
      ] });
    }
    return handle;
  }
}

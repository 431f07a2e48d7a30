/**
 * Public types of the client layer: options, the configure shape, connection status, the typed
 * event map and the sender. The implementation lives beside this file.
 */
import type { StreamError, StreamProtocolError } from "../errors.js";
import type {
  ClientMessage,
  HelloOk,
  IntMode,
  MirrorConfig,
  SendMode,
  ServerMessage,
  StrategyConfig,
  WatchWalletEntry,
} from "../protocol/index.js";

/** Production endpoint. */
export const STREAM_ENDPOINT = "wss://stream.lasersell.io/v1/ws";
/** The official SDKs' local development endpoint (also where `lasersell-stream mock` listens). */
export const LOCAL_STREAM_ENDPOINT = "ws://localhost:8082/v1/ws";

/** Reconnect policy. Delay before attempt n (0-based) = `min(maxDelayMs, initialDelayMs * 2^n)` times a random factor in [0.5, 1]. */
export interface ReconnectOptions {
  /** @defaultValue 50 */
  initialDelayMs?: number;
  /** @defaultValue 5000 */
  maxDelayMs?: number;
  /** Attempts after a drop before giving up; the counter resets after `minUptimeMs` of uptime. @defaultValue Infinity */
  maxAttempts?: number;
  /** How long a link must stay up before the attempt counter resets. @defaultValue 2000 */
  minUptimeMs?: number;
}

/** Dead-link detection. */
export interface HeartbeatOptions {
  /** Send a WebSocket ping after this long without an inbound frame. @defaultValue 5000 */
  intervalMs?: number;
  /** Declare the link dead when nothing arrives this long after the ping. @defaultValue 5000 */
  timeoutMs?: number;
}

/** Options of {@link StreamClient}; all optional. */
export interface StreamClientOptions<M extends IntMode = "number"> {
  /** @defaultValue `wss://stream.lasersell.io/v1/ws` */
  endpoint?: string;
  /** Use `ws://localhost:8082/v1/ws` (an explicit `endpoint` wins). @defaultValue false */
  local?: boolean;
  /** How u64/i64 fields are delivered. @defaultValue `"number"` */
  ints?: M;
  /** Open + `configure` -> `hello_ok`. @defaultValue 10000 */
  handshakeTimeoutMs?: number;
  heartbeat?: HeartbeatOptions;
  /** `false` disables reconnection. */
  reconnect?: ReconnectOptions | false;
  /** Size of the `trade_tick` ring (oldest dropped). @defaultValue 1024 */
  lowPriorityCapacity?: number;
  /**
   * Unread high-priority messages (exit signals, opens, closes, balances, errors...) above which
   * the connection stops reading the socket until the consumer has read half of them: TCP
   * backpressure instead of memory. They are never dropped. @defaultValue 4096
   */
  maxPendingHigh?: number;
  /** Unread unknown-type messages kept; beyond it they are dropped and counted. @defaultValue 256 */
  maxPendingUnknown?: number;
  /** Allow `ws://` to a host that is not loopback. @defaultValue false */
  allowInsecure?: boolean;
  /**
   * Largest inbound frame accepted, in bytes (at least 1024). The protocol's largest real frame
   * is 2650 bytes (an exit signal with a full-size transaction, every field at its widest). A larger frame drops the socket
   * (it is lost); the first one is reported as a `StreamPayloadTooLargeError` `stream_error` event and
   * reconnected, the second ends the connection with that error.
   * @defaultValue 65536 (64 KiB)
   */
  maxPayload?: number;
}

/**
 * What the session is configured with: the official SDK's `StreamConfigure` shape.
 * `deadline_timeout_sec` is enforced by `StreamSession` timers and never sent.
 */
export interface StreamConfigure {
  wallet_pubkeys: string[];
  strategy: StrategyConfig;
  deadline_timeout_sec?: number;
  send_mode?: SendMode;
  tip_lamports?: number | bigint;
  watch_wallets?: WatchWalletEntry[];
  mirror_config?: MirrorConfig;
}

/** Connection status. */
export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "closing" | "closed";

/** A message whose `type` this version does not know, as delivered by `recv()`. */
export interface UnknownServerMessage {
  type: "unknown";
  /** The frame's own `type` value. */
  messageType: string;
  /** The parsed frame. */
  value: Record<string, unknown>;
  raw: string;
}

/** What `StreamConnection.recv()` yields. */
export type InboundMessage<M extends IntMode = "number"> = ServerMessage<M> | UnknownServerMessage;

/** Counters of a connection. */
export interface ConnectionStats {
  /** Frames received, all kinds. */
  received: number;
  /**
   * Low-priority messages superseded or evicted before delivery (by type), and unknown-type
   * messages dropped over `maxPendingUnknown`.
   */
  dropped: { pnl_update: number; liquidity_snapshot: number; trade_tick: number; unknown: number };
  invalid: number;
  unknown: number;
  reconnects: number;
  /** Messages waiting to be sent (queued, or written but not yet confirmed by the socket). */
  outboundQueued: number;
  /** High-priority messages waiting for `recv()`. */
  pendingHigh: number;
  /** Low-priority messages waiting for `recv()` (bounded: see `lowPriorityCapacity`). */
  pendingLow: number;
  /** Socket reads are paused: the consumer's high-priority backlog is over `maxPendingHigh`. */
  paused: boolean;
}

/**
 * @internal A reader that takes every decoded message synchronously (`StreamSession`), instead of
 * a second queue over `recv()`.
 */
export interface InboundSubscriber<M extends IntMode = "number"> {
  /** One decoded message, in arrival order, as the connection decodes it. */
  message(message: InboundMessage<M>): void;
  /** The connection ended for good: no message will follow. */
  end(): void;
}

/** @internal What a subscriber gets back: the connection's bounds and its backpressure switch. */
export interface InboundSubscription {
  readonly bounds: { maxPendingHigh: number; maxPendingUnknown: number; tickCapacity: number };
  /** `true`: stop reading the socket (the subscriber's backlog is over its bound); `false`: resume. */
  hold(paused: boolean): void;
  /** Hands over the pending messages, then every new one. */
  start(): void;
  /** What the connection dropped before `start()` (messages that arrived with `hello_ok` are coalesced there). */
  dropped(): ConnectionStats["dropped"];
}

/**
 * The connection's replay state: the `configure` it would send now (wire casing, the same object
 * shape you passed to `connect()`, as updated since by the sender), plus the per-position overrides
 * replayed after `hello_ok` and a version that bumps on every change. `deadline_timeout_sec` is kept
 * locally for `StreamSession`'s timers and never sent.
 */
export interface ReplayState extends StreamConfigure {
  /** Per-position strategy overrides, keyed by position id (a number, or a bigint beyond 2^53). */
  positionStrategies: ReadonlyMap<number | bigint, StrategyConfig>;
  /** Bumps on every change of the configure-relevant state. */
  version: number;
}

/** A receiver of one lane of {@link StreamConnection} (see `connectLanes`). */
export interface LaneReceiver<M extends IntMode = "number"> {
  /** The next message of this lane; `null` once the connection is closed and the lane drained. */
  recv(): Promise<InboundMessage<M> | null>;
  [Symbol.asyncIterator](): AsyncIterator<InboundMessage<M>>;
}

/** Options of `connectLanes()`. */
export interface LanesOptions extends ConnectOptions {
  /** Size of the `trade_tick` ring of the low lane; overrides the client option. @defaultValue 1024 */
  lowPriorityCapacity?: number;
}

/** The typed event map of a `StreamConnection` (eventemitter3). */
export interface StreamConnectionEvents<M extends IntMode = "number"> {
  status: [change: { previous: ConnectionStatus; current: ConnectionStatus }];
  disconnected: [info: { code: number; reason: string; willReconnect: boolean }];
  reconnecting: [info: { attempt: number; delayMs: number }];
  reconnected: [info: { attempt: number; hello: HelloOk<M> }];
  /** A failure of the connection (a dropped link, a refused reconnect, a frame that could not be read): the stream goes on unless `status` says closed. Named as on the session. */
  stream_error: [error: StreamError];
  unknown_message: [message: UnknownServerMessage];
  invalid_message: [error: StreamProtocolError];
  precision_warning: [info: { type: string; paths: string[] }];
  debug: [message: string];
  /**
   * A raw frame as it crossed the socket (inbound text before parsing, or outbound text as
   * written), with the local time. Emitted only while someone listens; for recorders and taps,
   * never a stage of the inbound path.
   */
  frame: [frame: { direction: "in" | "out"; text: string; atMs: number }];
}

/** Selects a position: a token-account string, a numeric or bigint id, or an object form. */
export type PositionSelector =
  | string
  | number
  | bigint
  | { position_id: number | bigint }
  | { token_account: string }
  | { positionId: number | bigint }
  | { tokenAccount: string };

/**
 * Sends client messages. Every method validates its message (via `stringifyClientMessage`) and
 * throws synchronously when invalid; nothing is sent then. Messages sent while disconnected are
 * queued and flushed in order after the next `hello_ok`. State-changing messages update the
 * connection's replay state.
 */
export interface StreamSender {
  send(message: ClientMessage): void;
  ping(clientTimeMs?: number): void;
  /**
   * Replaces the strategy of every position. Validated with `validateStrategy` against
   * `deadlineTimeoutSec` (when given, it also becomes the connection's deadline) or else the
   * connection's current deadline.
   */
  updateStrategy(strategy: StrategyConfig, deadlineTimeoutSec?: number): void;
  closePosition(selector: PositionSelector): void;
  closeById(positionId: number | bigint): void;
  requestExitSignal(selector: PositionSelector, slippageBps?: number): void;
  requestExitSignalById(positionId: number | bigint, slippageBps?: number): void;
  updateWallets(walletPubkeys: string[]): void;
  updateWatchWallets(watchWallets: WatchWalletEntry[]): void;
  updatePositionStrategy(positionId: number | bigint, strategy: StrategyConfig): void;
  mirrorBuyResult(mint: string, success: boolean): void;
}

/** Options of `connect()`. */
export interface ConnectOptions {
  signal?: AbortSignal;
}

/** Options of `close()`. */
export interface CloseOptions {
  /** How long to wait for queued messages to flush before closing. @defaultValue 2000 */
  flushTimeoutMs?: number;
}

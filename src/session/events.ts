/**
 * `StreamEvent`: what `StreamSession.recv()` yields and what its event emitter emits.
 */
import type { UnknownServerMessage } from "../client/types.js";
import type { StreamError } from "../errors.js";
import type { HelloOk, IntMode, ServerMessageOf, ServerMessageType } from "../protocol/index.js";
import type { PositionHandle } from "./handle.js";

/** Message types whose events carry the position they concern (when the session knows it). */
export type PositionScopedType =
  | "position_opened"
  | "position_closed"
  | "pnl_update"
  | "liquidity_snapshot"
  | "trade_tick"
  | "exit_signal_with_tx"
  | "balance_update";

/**
 * The event of one server message type: `message` is that message, narrowed. Position-scoped
 * types carry `handle`, the position as it stands after the message was applied (for
 * `position_closed`: as it stood when it closed). `position_opened` always has one.
 */
export type ServerMessageEvent<T extends ServerMessageType, M extends IntMode = "number"> = T extends "position_opened"
  ? { type: T; message: ServerMessageOf<T, M>; handle: PositionHandle<M> }
  : T extends PositionScopedType
    ? { type: T; message: ServerMessageOf<T, M>; handle?: PositionHandle<M> }
    : { type: T; message: ServerMessageOf<T, M> };

/** A message whose `type` this version does not know. `message` is the same information. */
export interface UnknownEvent {
  type: "unknown";
  /** The frame's own `type`. */
  messageType: string;
  /** The parsed frame. */
  value: Record<string, unknown>;
  raw: string;
  message: UnknownServerMessage;
}

/** The link dropped. `willReconnect: false` means the stream is over. */
export interface DisconnectedEvent {
  type: "disconnected";
  code: number;
  reason: string;
  willReconnect: boolean;
}

/** The link is back; the latest strategy, wallets and overrides were replayed. */
export interface ReconnectedEvent<M extends IntMode = "number"> {
  type: "reconnected";
  attempt: number;
  hello: HelloOk<M>;
}

/** The client-side deadline of a position fired; an exit signal was requested for it. */
export interface DeadlineEvent<M extends IntMode = "number"> {
  type: "deadline";
  handle: PositionHandle<M>;
}

/** Every event of a session, discriminated by `type`. */
export type StreamEvent<M extends IntMode = "number"> =
  | { [T in ServerMessageType]: ServerMessageEvent<T, M> }[ServerMessageType]
  | UnknownEvent
  | DisconnectedEvent
  | ReconnectedEvent<M>
  | DeadlineEvent<M>;

/** All event `type` values. */
export type StreamEventType = StreamEvent["type"];

/** The event of one `type`. */
export type StreamEventOf<T extends StreamEventType, M extends IntMode = "number"> = Extract<
  StreamEvent<M>,
  { type: T }
>;

/**
 * The session's event map (eventemitter3): one event per {@link StreamEvent} type, named after it
 * (so `"error"` is the server's `error` message), plus `stream_error` (a failure of the
 * connection, of a deadline's exit request, or a message that could not be applied, as a
 * {@link StreamError}) and `debug`.
 */
export type StreamSessionEvents<M extends IntMode = "number"> = {
  [E in StreamEvent<M> as E["type"]]: [event: E];
} & {
  stream_error: [error: StreamError];
  debug: [message: string];
};

/**
 * The session layer: `StreamSession`, `PositionHandle`s, client-side deadlines, the liquidity
 * cache and typed `StreamEvent`s, on top of a connection.
 */
export {
  StreamSession,
  STREAM_SESSION_DEFAULTS,
  type ClientIntMode,
  type ConnectionIntMode,
  type PositionRef,
  type SessionConnectOptions,
  type SessionDropCounts,
  type SessionStats,
  type StreamSessionOptions,
} from "./session.js";
export type { SessionClient, SessionConnection, SessionConnectionEventName } from "./connection.js";
export type {
  DeadlineEvent,
  DisconnectedEvent,
  ServerMessageEvent,
  PositionScopedType,
  ReconnectedEvent,
  StreamEvent,
  StreamEventOf,
  StreamEventType,
  StreamSessionEvents,
  UnknownEvent,
} from "./events.js";
export type { LastExitSignal, PositionHandle } from "./handle.js";
export type { SessionTimers } from "./deadlines.js";
export { maxSellAtSlippage } from "./liquidity.js";
export type { ConfigureWithProofs, RegisteringClient, RegistrationOptions } from "./wallets.js";

/**
 * lasersell-stream: a TypeScript client for the LaserSell Exit Intelligence Stream.
 *
 * The main entry is what a bot needs: the client, connection and session, their events and
 * position handles, the error classes, the strategy helpers, the message codec and the message
 * types, the Exit API client and the retry helpers the official SDK exports at its root. Every
 * name is listed here on purpose; `api/index.api.md` is the reviewed report of this surface.
 *
 * The zod schemas (and the constant lists behind the message unions) are on the
 * `lasersell-stream/protocol` subpath, for those who validate messages themselves; signing and
 * submitting are on `lasersell-stream/tx`; the mock server on `lasersell-stream/testing`;
 * recording and backtesting on `lasersell-stream/record`.
 */

// ---- the client, the connection and its options ----
export { StreamClient, STREAM_CLIENT_DEFAULTS } from "./client/client.js";
export { StreamConnection } from "./client/connection.js";
export { StreamConnectionLanes } from "./client/lanes.js";
export {
  STREAM_ENDPOINT,
  LOCAL_STREAM_ENDPOINT,
  type CloseOptions,
  type ConnectOptions,
  type ConnectionStats,
  type ConnectionStatus,
  type HeartbeatOptions,
  type InboundMessage,
  type LaneReceiver,
  type LanesOptions,
  type PositionSelector,
  type ReconnectOptions,
  type ReplayState,
  type StreamClientOptions,
  type StreamConfigure,
  type StreamConnectionEvents,
  type StreamSender,
  type UnknownServerMessage,
} from "./client/types.js";
export {
  classifyClose,
  classifyDisconnect,
  classifyRefusal,
  type DisconnectCause,
  type DisconnectVerdict,
} from "./client/policy.js";

// ---- strategy helpers (the official SDK's names) ----
export { validateStrategy } from "./protocol/strategy.js";
export {
  StrategyConfigBuilder,
  singleWalletStreamConfigure,
  singleWalletStreamConfigureOptional,
  strategyConfigFromOptional,
  type OptionalStrategyConfig,
} from "./client/compat.js";

// ---- the session, its events and position handles ----
export {
  StreamSession,
  STREAM_SESSION_DEFAULTS,
  maxSellAtSlippage,
  type ClientIntMode,
  type ConfigureWithProofs,
  type ConnectionIntMode,
  type DeadlineEvent,
  type DisconnectedEvent,
  type LastExitSignal,
  type PositionHandle,
  type PositionRef,
  type PositionScopedType,
  type ReconnectedEvent,
  type RegisteringClient,
  type RegistrationOptions,
  type ServerMessageEvent,
  type SessionClient,
  type SessionConnectOptions,
  type SessionConnection,
  type SessionConnectionEventName,
  type SessionDropCounts,
  type SessionStats,
  type SessionTimers,
  type StreamEvent,
  type StreamEventOf,
  type StreamEventType,
  type StreamSessionEvents,
  type StreamSessionOptions,
  type UnknownEvent,
} from "./session/index.js";

// ---- errors ----
export {
  StreamError,
  StreamProtocolError,
  StreamValidationError,
  StreamAuthError,
  StreamHandshakeError,
  StreamPayloadTooLargeError,
  StreamTimeoutError,
  StreamClosedError,
  TimeoutError,
  TransactionDecodeError,
  TransactionGuardError,
  SubmitError,
  TxSubmitError,
  TransactionConfirmationError,
  ExitJournalError,
  ExitApiError,
  StreamRegistrationError,
  type ConfirmationFailure,
  type ExitApiErrorDetails,
  type ExitApiErrorKind,
  type FieldIssue,
  type StreamErrorCode,
  type StreamErrorOptions,
  type TransactionGuardRule,
  type TxSubmitErrorKind,
} from "./errors.js";

// ---- the message codec and the message types ----
export {
  parseServerMessage,
  stringifyClientMessage,
  type InvalidMessage,
  type ParseOptions,
  type ParseResult,
  type ParsedMessage,
  type UnknownMessage,
} from "./protocol/codec.js";
export { U64_MAX, type Int, type IntMode } from "./protocol/ints.js";
export type {
  // server -> client
  ServerMessage,
  ServerMessageOf,
  ServerMessageType,
  HelloOk,
  Pong,
  ErrorMessage,
  PnlUpdate,
  LiquiditySnapshot,
  SlippageBand,
  Limits,
  TradeTick,
  BalanceUpdate,
  PositionOpened,
  PositionClosed,
  ExitSignalWithTx,
  MirrorBuySignal,
  MirrorBuyFailed,
  MirrorWalletAutoDisabled,
  LowPriorityType,
  // client -> server
  ClientMessage,
  ClientMessageOf,
  ClientMessageType,
  Ping,
  Configure,
  UpdateStrategy,
  ClosePosition,
  RequestExitSignal,
  UpdateWallets,
  UpdateWatchWallets,
  UpdatePositionStrategy,
  MirrorBuyResult,
  // nested shapes and open enumerations
  StrategyConfig,
  TakeProfitLevel,
  AutoBuyConfig,
  WatchWalletEntry,
  MirrorConfig,
  MarketContext,
  MarketType,
  KnownMarketType,
  ExitReason,
  LiquidityTrend,
  TradeSide,
  SendMode,
  MirrorInput,
} from "./protocol/schemas.js";

// ---- REST: wallet registration and the Exit API client (the official SDK's root names) ----
export {
  registerWallet,
  API_BASE_URL,
  LOCAL_API_BASE_URL,
  type RegisterWalletOptions,
  type WalletOwnershipProof,
} from "./rest/register.js";
export {
  ExitApiClient,
  EXIT_API_BASE_URL,
  LOCAL_EXIT_API_BASE_URL,
  EXIT_API_DEFAULTS,
  DEFAULT_RETRY_POLICY,
  type ExitApiCallOptions,
  type ExitApiClientConfig,
  type ExitApiClientOptions,
  type PartialSellOptions,
  type PartialSellPosition,
} from "./rest/exit-api.js";
export {
  parseBuildTxResponse,
  type BuildBuyTxRequest,
  type BuildSellTxRequest,
  type BuildTxResponse,
  type BuyInput,
  type ExitApiAccount,
  type MarketContextLike,
  type SellOutput,
  type TradeHistory,
  type TradeHistoryItem,
  type TradeHistoryQuery,
  type U64Input,
} from "./rest/exit-api-messages.js";
export type { RestFetch } from "./rest/http.js";

// ---- retry helpers (the official SDK's root names) ----
export {
  retryAsync,
  delayForAttempt,
  withTimeout,
  lowLatencyRetryPolicy,
  LOW_LATENCY_RETRY_POLICY,
  type RetryPolicy,
  type RetryOptions,
} from "./util/retry.js";

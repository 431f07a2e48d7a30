/**
 * The client layer: `StreamClient` and `StreamConnection` (socket, handshake, heartbeat,
 * reconnect with state replay, outbound queue, priority inbox).
 */
export * from "./types.js";
export { StreamClient, STREAM_CLIENT_DEFAULTS } from "./client.js";
export { StreamConnection } from "./connection.js";
export { StreamConnectionLanes } from "./lanes.js";
export { computeBackoffDelay, reconnectRetryPolicy, type BackoffPolicy } from "./backoff.js";
export {
  classifyClose,
  classifyDisconnect,
  classifyRefusal,
  FATAL_CLOSE_CODES,
  FATAL_REFUSALS,
  TRANSIENT_REFUSALS,
  type DisconnectCause,
  type DisconnectVerdict,
} from "./policy.js";
export { isLoopbackHost } from "./endpoint.js";
export {
  StrategyConfigBuilder,
  singleWalletStreamConfigure,
  singleWalletStreamConfigureOptional,
  strategyConfigFromOptional,
  type OptionalStrategyConfig,
} from "./compat.js";

/**
 * The client layer: `StreamClient` and `StreamConnection` (socket, handshake, heartbeat,
 * reconnect with state replay, outbound queue, priority inbox).
 */
// The layer's public names only (the main entry's client section); internals such as the
// backoff function, the close-code table or the loopback rule are imported from their modules.
export { StreamClient, STREAM_CLIENT_DEFAULTS } from "./client.js";
export { StreamConnection } from "./connection.js";
export { StreamConnectionLanes } from "./lanes.js";
export type * from "./types.js";
export { STREAM_ENDPOINT, LOCAL_STREAM_ENDPOINT } from "./types.js";
export {
  StrategyConfigBuilder,
  singleWalletStreamConfigure,
  singleWalletStreamConfigureOptional,
  strategyConfigFromOptional,
  type OptionalStrategyConfig,
} from "./compat.js";

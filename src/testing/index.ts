/**
 * `lasersell-stream/testing`: a protocol-faithful local LaserSell stream server for tests and
 * demos. See {@link MockStreamServer}.
 */
export {
  MockStreamServer,
  type MockExitSignal,
  type MockStreamServerEvents,
  type MockStreamServerOptions,
} from "./server.js";
export {
  MockConnection,
  tierLimits,
  type MockErrorCode,
  type MockLimits,
  type MockRefusal,
  type MockTier,
  type ReceivedFrame,
} from "./session.js";
export type { ReplayHandle, ReplayOptions } from "./replay.js";
export type { MockPositionInfo, OpenPositionOptions, OpenedPosition } from "./positions.js";
export {
  ExitApiDesk,
  DEFAULT_EXIT_API_RATE_LIMIT,
  type ExitApiFault,
  type ExitApiRateLimit,
  type ExitApiRequestRecord,
  type MockTradeRecord,
} from "./exit-api.js";
// The strategy engine's readings (the mock's and the backtest's knobs); the engine itself
// (`step`, `runPath`, ...) and the market model are the mock's internals.
export { DEFAULT_READINGS, READING_CHOICES, type EngineReadings } from "./strategy-engine.js";
export { MockPrng } from "./market.js";
export {
  buildBuyTx,
  buildSellTx,
  buildUnsignedTx,
  mockAssociatedTokenAccount,
  ROUTER_DISCRIMINATORS,
  type SwapTxSpec,
  type UnsignedTx,
} from "./txfactory.js";
export {
  PROOF_MAX_AGE_SEC,
  PROOF_MAX_SKEW_SEC,
  type MockRegistration,
  type MockRegistrationErrorCode,
} from "./registry.js";
export { SLIPPAGE_EXCEEDED_ERROR, type SubmissionFault } from "./chain.js";
export { RPC_ERRORS, verifyEd25519, verifySignedTransaction } from "./rpc.js";

/**
 * lasersell-stream: a TypeScript client for the LaserSell Exit Intelligence Stream.
 */
export * from "./protocol/index.js";
export * from "./errors.js";
export * from "./client/index.js";
export * from "./rest/register.js";
export * from "./rest/exit-api.js";
export type { RestFetch } from "./rest/http.js";
export {
  retryAsync,
  delayForAttempt,
  withTimeout,
  lowLatencyRetryPolicy,
  LOW_LATENCY_RETRY_POLICY,
  type RetryPolicy,
  type RetryOptions,
} from "./util/retry.js";
export * from "./session/index.js";

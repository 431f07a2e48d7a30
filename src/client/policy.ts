/**
 * What each way a connection can end means: the one place that decides whether the client
 * reconnects or gives up. Pure functions over data; `docs/connection.md` shows the same table.
 */

/** Why a socket (or a connection attempt) ended. */
export type DisconnectCause =
  /** A WebSocket close code: the server's close frame, or 1006 when the link just dropped. */
  | { kind: "close"; code: number }
  /** The HTTP upgrade was refused with this status. */
  | { kind: "http"; status: number }
  /** The server answered `configure` with an `error` frame carrying this `code`. */
  | { kind: "refusal"; serverCode: string }
  /**
   * A frame above `maxPayload` arrived (`ws` cuts the socket: locally a 1006, not a 1009);
   * `count` is how many this connection has received so far, this one included.
   */
  | { kind: "oversize"; count: number }
  /** No answer in time: handshake timeout, heartbeat silence, DNS/TCP/TLS failure, failed write. */
  | { kind: "network" };

/** `"retry"`: reconnect with backoff. `"fatal"`: end the connection with a typed error. */
export type DisconnectVerdict = "retry" | "fatal";

/**
 * Close codes that say the client itself is at fault in a way a reconnect would repeat:
 * 1002 protocol error, 1003 unsupported data, 1007 invalid payload, 1009 message too big,
 * 1010 missing extension, 1015 TLS failure.
 */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([1002, 1003, 1007, 1009, 1010, 1015]);

/**
 * `error.code`s of a refused `configure` that retrying the same configure cannot fix. LaserSell
 * publishes no code list (protocol.md section 9.4): these are the codes its SDKs, docs and the
 * mock server use.
 */
export const FATAL_REFUSALS: ReadonlySet<string> = new Set([
  "unauthorized",
  "invalid_api_key",
  "forbidden",
  "wallet_not_registered",
  "invalid_strategy",
  "invalid_message",
  "too_many_wallets",
  "too_many_watch_wallets",
  "tier_required",
  "not_configured",
  "already_configured",
]);

/**
 * Refusals that a later attempt can clear: the server still counts the previous session
 * (`too_many_sessions`, 1 session per key on every tier), is overloaded, restarting or failing.
 */
export const TRANSIENT_REFUSALS: ReadonlySet<string> = new Set([
  "too_many_sessions",
  "rate_limited",
  "internal",
  "unavailable",
  "overloaded",
  "shutting_down",
]);

/** Oversize frames a connection forgives: the first costs a reconnect, the second ends it. */
export const OVERSIZE_FORGIVEN = 1;

/**
 * The verdict on one disconnect. The table:
 *
 * | cause | verdict |
 * |---|---|
 * | HTTP 401 / 403 on the upgrade | fatal (`StreamAuthError`) |
 * | any other HTTP status | retry |
 * | close 1002, 1003, 1007, 1009, 1010, 1015 | fatal |
 * | any other close code (1000, 1001, 1005, 1006, 1008, 1011-1014, 4000-4999) | retry |
 * | a fatal refusal (`unauthorized`, `wallet_not_registered`, ...: docs/connection.md lists them) | fatal (`StreamHandshakeError`, `retryable: false`) |
 * | a transient refusal (`too_many_sessions`, `rate_limited`, ...), or an unknown code | retry |
 * | first oversize frame | retry (a `stream_error` event names the limit) |
 * | second oversize frame | fatal (`StreamPayloadTooLargeError`) |
 * | timeout, silence, network failure | retry |
 *
 * Retries follow the backoff and `reconnect.maxAttempts`; the attempt counter resets only after a
 * link stayed up `minUptimeMs`, so a server that refuses or cuts every attempt is retried at the
 * backoff's ceiling, never in a tight loop. The first `connect()` is never retried: there every
 * failure rejects, and the verdict is only carried on the error (`retryable`).
 *
 * @example
 * ```ts
 * classifyDisconnect({ kind: "refusal", serverCode: "wallet_not_registered" }); // "fatal"
 * classifyDisconnect({ kind: "close", code: 1011 }); // "retry"
 * ```
 */
export function classifyDisconnect(cause: DisconnectCause): DisconnectVerdict {
  switch (cause.kind) {
    case "close":
      return FATAL_CLOSE_CODES.has(cause.code) ? "fatal" : "retry";
    case "http":
      return cause.status === 401 || cause.status === 403 ? "fatal" : "retry";
    case "refusal":
      return FATAL_REFUSALS.has(cause.serverCode) ? "fatal" : "retry";
    case "oversize":
      return cause.count > OVERSIZE_FORGIVEN ? "fatal" : "retry";
    case "network":
      return "retry";
  }
}

/**
 * Whether a WebSocket close code is worth a reconnect (the close rows of
 * {@link classifyDisconnect}). 1008 (policy violation) retries: LaserSell documents no close
 * codes, and a session limit can be transient while the server still counts the old session.
 */
export function classifyClose(code: number): DisconnectVerdict {
  return classifyDisconnect({ kind: "close", code });
}

/** Whether a refused `configure` (the server's `error.code`) is worth another attempt. */
export function classifyRefusal(serverCode: string): DisconnectVerdict {
  return classifyDisconnect({ kind: "refusal", serverCode });
}

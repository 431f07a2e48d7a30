/**
 * Reconnecting: what a lost link or a failed attempt leads to (re-dial, report, or end), as pure
 * verdicts over the policy table of `policy.ts`, and the errors that carry them. The connection
 * applies the verdicts; the backoff delay comes from `backoff.ts`.
 */
import { StreamAuthError, StreamError, StreamHandshakeError, StreamPayloadTooLargeError } from "../errors.js";
import { classifyDisconnect, type DisconnectCause } from "./policy.js";

/** The resolved reconnect options (`false`: never reconnect). */
export type ReconnectPolicy = { initialDelayMs: number; maxDelayMs: number; maxAttempts: number; minUptimeMs: number } | false;

/** What the connection does after an open link dropped. */
export interface LinkLostVerdict {
  /** Re-dial (after the backoff delay). */
  willReconnect: boolean;
  /** The link stayed up at least `minUptimeMs`: the attempt count starts over. */
  resetAttempts: boolean;
  /** Reported as a `stream_error` while the connection goes on reconnecting. */
  report: StreamError | undefined;
  /** When not reconnecting: the error that ends the connection, if the end is a failure. */
  end: StreamError | undefined;
}

/**
 * The verdict on a link that was open and dropped. `oversize` is the error of a frame above
 * `maxPayload` when that is why (`count` of them so far), else the close `code` decides.
 */
export function judgeLinkLost(
  lost: { code: number; reason: string; oversize?: { error: StreamPayloadTooLargeError; count: number } },
  policy: ReconnectPolicy,
  state: { attempt: number; uptimeMs: number },
): LinkLostVerdict {
  let end: StreamError | undefined;
  let report: StreamError | undefined;
  if (lost.oversize !== undefined) {
    const fatal = classifyDisconnect({ kind: "oversize", count: lost.oversize.count }) === "fatal";
    if (policy === false || fatal) end = lost.oversize.error;
    else report = lost.oversize.error;
  }
  const resetAttempts = policy !== false && state.uptimeMs >= policy.minUptimeMs;
  if (policy !== false && end === undefined) {
    const attempt = resetAttempts ? 0 : state.attempt;
    if (lost.oversize === undefined && classifyDisconnect({ kind: "close", code: lost.code }) === "fatal") {
      end = new StreamError("connection", `the server closed the connection with code ${lost.code} (${lost.reason}); not retried`);
    } else if (attempt >= policy.maxAttempts) {
      end = exhaustedError(policy.maxAttempts);
    }
  }
  return { willReconnect: policy !== false && end === undefined, resetAttempts, report, end };
}

/** What the connection does after a reconnect attempt failed. */
export interface FailedAttemptVerdict {
  /** Dial again (after the backoff delay). */
  retry: boolean;
  /** Reported as a `stream_error` (the attempt's own error, unless it ends the connection). */
  report: StreamError | undefined;
  /** When not retrying: the error that ends the connection, if the end is a failure. */
  end: StreamError | undefined;
}

/**
 * The verdict on a failed reconnect attempt. A refusal means on a reconnect what it means on the
 * first connect: the same table decides (`oversizeCount`: frames above `maxPayload` so far).
 */
export function judgeFailedAttempt(
  error: StreamError,
  policy: ReconnectPolicy,
  attempt: number,
  oversizeCount: number,
): FailedAttemptVerdict {
  if (classifyDisconnect(causeOf(error, oversizeCount)) === "fatal") return { retry: false, report: undefined, end: error };
  if (policy === false) return { retry: false, report: error, end: undefined };
  if (attempt >= policy.maxAttempts) return { retry: false, report: error, end: exhaustedError(policy.maxAttempts) };
  return { retry: true, report: error, end: undefined };
}

/** What a failed (re)connect attempt was, as the policy table sees it. */
export function causeOf(error: StreamError, oversizeCount: number): DisconnectCause {
  if (error instanceof StreamAuthError) return { kind: "http", status: error.status };
  if (error instanceof StreamHandshakeError && error.serverCode !== undefined) {
    return { kind: "refusal", serverCode: error.serverCode };
  }
  if (error instanceof StreamPayloadTooLargeError) return { kind: "oversize", count: oversizeCount };
  return { kind: "network" };
}

/** The error of a frame above `maxPayload`, the `count`-th of the connection; names the limit. */
export function oversizeError(count: number, limit: number): StreamPayloadTooLargeError {
  const fatal = classifyDisconnect({ kind: "oversize", count }) === "fatal";
  return new StreamPayloadTooLargeError(
    fatal
      ? `frame ${count} above maxPayload (${limit} bytes): the connection is closed; raise the maxPayload option if the server's frames are legitimately this large`
      : `a frame above maxPayload (${limit} bytes) arrived and was dropped with its socket; reconnecting (a second one closes the connection)`,
    { limit },
  );
}

/** The error of a connection that gave up after `maxAttempts` reconnect attempts. */
export function exhaustedError(maxAttempts: number): StreamError {
  return new StreamError("reconnect_exhausted", `gave up after ${maxAttempts} reconnect attempt(s)`);
}

/**
 * The error family of lasersell-stream. Every error the library throws or emits is a
 * {@link StreamError} with a stable {@link StreamError.code}; subclasses exist only where callers
 * branch on them.
 *
 * One constructor shape: `new StreamError(code, message, { cause })` for the base, and
 * `new XError(message, details, { cause })` for every subclass, whose `details` object holds the
 * fields the class adds (its discriminator too: `rule`, `kind`, `outcome`, `status`, ...) and
 * becomes its read-only properties. Classes without details take `(message, { cause })`. The one
 * exception is the official SDK's public `new TimeoutError(timeoutMs, message?)`, kept for
 * compatibility.
 *
 * No error message, property or cause ever contains the API key.
 *
 * One file, above ~400 lines, on purpose: every error class of every layer lives here (DESIGN.md),
 * so the family, its codes and its one constructor shape are reviewed on one page, and no layer
 * has to import another to throw or to catch.
 */

/** Stable, machine-readable error codes. New codes may be added in minor versions. */
export type StreamErrorCode =
  | "protocol"
  | "validation"
  | "auth"
  | "handshake"
  | "timeout"
  | "aborted"
  | "closed"
  | "connection"
  | "reconnect_exhausted"
  | "payload_too_large"
  | "transaction_guard"
  | "transaction_decode"
  | "rpc"
  | "registration"
  | "exit_api"
  | "transaction_failed"
  | "transaction_expired"
  | "journal"
  | "recording";

/** Options of every `StreamError` constructor: the underlying `cause`, if any. */
export interface StreamErrorOptions {
  cause?: unknown;
}

/** Base class of every error raised by lasersell-stream. */
export class StreamError extends Error {
  /** Stable machine-readable code; branch on this, not on the message text. */
  readonly code: StreamErrorCode;

  constructor(code: StreamErrorCode, message: string, options?: StreamErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** One failing field of a message, as reported by validation. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. `strategy.take_profit_levels.0.sell_pct`; `""` for the root. */
  path: string;
  message: string;
}

/**
 * A frame that is not valid protocol: bad JSON, no `type`, or a known message type whose fields
 * fail their schema. Carries every failing field and the raw frame text.
 */
export class StreamProtocolError extends StreamError {
  /** Every failing field (empty for a frame that is not JSON at all). */
  readonly issues: readonly FieldIssue[];
  /** The frame text as received (or written), for logging and diagnosis. */
  readonly raw: string;
  /** The message `type`, when the frame had one. */
  readonly messageType: string | undefined;

  constructor(
    message: string,
    details: { issues?: readonly FieldIssue[]; raw: string; messageType?: string | undefined },
    options?: StreamErrorOptions,
  ) {
    super("protocol", message, options);
    this.issues = details.issues ?? [];
    this.raw = details.raw;
    this.messageType = details.messageType;
  }
}

/**
 * Input refused before anything was sent: an invalid strategy, an outgoing message that fails its
 * schema, a bad option. `field` names the first offending field; `issues` lists them all.
 */
export class StreamValidationError extends StreamError {
  readonly field: string;
  readonly issues: readonly FieldIssue[];

  constructor(message: string, details: { issues: readonly FieldIssue[] }, options?: StreamErrorOptions) {
    super("validation", message, options);
    const issues = details.issues;
    this.issues = issues;
    this.field = issues[0]?.path ?? "";
  }
}

/** Formats issues as `path: message; path: message` for error messages. */
export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`)).join("; ");
}

// ---- Exit transactions (`lasersell-stream/tx`) ----

/**
 * An unsigned transaction that does not decode: not strict base64, truncated, trailing bytes, an
 * unsupported message version, or indexes that point outside the account list. `offset` is the byte
 * where decoding stopped, when known.
 */
export class TransactionDecodeError extends StreamError {
  /** Byte offset (in the decoded transaction) where decoding failed, when known. */
  readonly offset: number | undefined;

  constructor(message: string, details: { offset?: number } = {}, options?: StreamErrorOptions) {
    super("transaction_decode", message, options);
    this.offset = details.offset;
  }
}

/**
 * The rules `signExitTransaction` checks before signing, in the order it checks them
 * (`simulation` is `verifyBySimulation`'s): see docs/signing.md for the table.
 */
export type TransactionGuardRule =
  | "decode"
  | "buy_limit"
  | "fee_payer"
  | "required_signer"
  | "signer_mismatch"
  | "allowed_programs"
  | "system_authority"
  | "token_authority"
  | "sol_outflow"
  | "simulation";

/**
 * `signExitTransaction` refused to sign: the transaction broke the guard rule named by `rule`.
 * Nothing was signed. The message names the offending account, program or amount; secret keys
 * never appear in it.
 */
export class TransactionGuardError extends StreamError {
  /** The guard rule that failed. */
  readonly rule: TransactionGuardRule;

  constructor(message: string, details: { rule: TransactionGuardRule }, options?: StreamErrorOptions) {
    super("transaction_guard", message, options);
    this.rule = details.rule;
  }
}

/**
 * Submitting a signed transaction failed. `code` says how: `"rpc"` (the endpoint answered with a
 * JSON-RPC error, a non-2xx HTTP status or an unreadable body), `"connection"` (transport failure
 * after every retry), `"timeout"` or `"aborted"`. Carries the JSON-RPC `rpcCode` / `rpcMessage` and
 * the HTTP `status` when there were any. `endpoint` is the URL's origin only: paths, query strings
 * and credentials (API keys) never appear in the error.
 */
export class SubmitError extends StreamError {
  /** Target label: `"rpc"`, `"helius_sender"` or `"astralane"`. */
  readonly target: string;
  /** Origin of the endpoint (scheme, host, port), without path, query or credentials. */
  readonly endpoint: string;
  /** HTTP status, when the endpoint answered. */
  readonly status: number | undefined;
  /** JSON-RPC `error.code`, when the endpoint returned one. */
  readonly rpcCode: number | undefined;
  /** JSON-RPC `error.message`, when the endpoint returned one. */
  readonly rpcMessage: string | undefined;
  /** JSON-RPC `error.data` (e.g. simulation logs), when the endpoint returned one. */
  readonly rpcData: unknown;
  /** Attempts made (1 + retries used). */
  readonly attempts: number;

  constructor(
    message: string,
    details: {
      code: "rpc" | "connection" | "timeout" | "aborted";
      target: string;
      endpoint: string;
      attempts: number;
      status?: number;
      rpcCode?: number;
      rpcMessage?: string;
      rpcData?: unknown;
    },
    options?: StreamErrorOptions,
  ) {
    super(details.code, message, options);
    this.target = details.target;
    this.endpoint = details.endpoint;
    this.attempts = details.attempts;
    this.status = details.status;
    this.rpcCode = details.rpcCode;
    this.rpcMessage = details.rpcMessage;
    this.rpcData = details.rpcData;
  }

  /**
   * The official SDK's `TxSubmitError.kind` for this failure: `rpc_error` (a JSON-RPC error),
   * `http_status` (a non-2xx answer), `decode_response` (a body that is not JSON),
   * `missing_result` (no signature in the answer) or `request_send` (no answer: connection,
   * timeout, abort). Signing failures are `TransactionGuardError`/`TransactionDecodeError` here.
   */
  get kind(): TxSubmitErrorKind {
    if (this.rpcCode !== undefined || this.rpcMessage !== undefined) return "rpc_error";
    if (this.code !== "rpc") return "request_send";
    if (this.status !== undefined && (this.status < 200 || this.status >= 300)) return "http_status";
    return this.cause !== undefined ? "decode_response" : "missing_result";
  }
}

/** The official SDK's kinds of a sign/submit failure (see {@link SubmitError.kind}). */
export type TxSubmitErrorKind =
  | "decode_unsigned_tx"
  | "deserialize_unsigned_tx"
  | "sign_tx"
  | "serialize_tx"
  | "request_send"
  | "response_read"
  | "http_status"
  | "decode_response"
  | "rpc_error"
  | "missing_result";

/** How a confirmation ended without the transaction landing (see {@link TransactionConfirmationError}). */
export type ConfirmationFailure = "failed" | "expired" | "timeout" | "aborted";

/**
 * `confirmTransaction` ended without the transaction landing. `outcome` says how:
 * - `"failed"` (code `transaction_failed`): it landed and failed on chain; nothing it did stands.
 *   `programError` is the status' `err` (e.g. `{ InstructionError: [2, { Custom: 6001 }] }`).
 * - `"expired"` (code `transaction_expired`): the block height passed `lastValidBlockHeight` and
 *   the signature is unknown: it can never land.
 * - `"timeout"` (code `timeout`): `timeoutMs` passed first. The transaction may still land.
 * - `"aborted"` (code `aborted`): the caller's `signal` fired. The transaction may still land.
 */
export class TransactionConfirmationError extends StreamError {
  readonly outcome: ConfirmationFailure;
  /** The transaction's signature (base58). */
  readonly signature: string;
  /** The on-chain error (`outcome: "failed"`). */
  readonly programError: unknown;
  /** Slot it landed in (`outcome: "failed"`). */
  readonly slot: number | undefined;
  /** The last block height seen, when one was read. */
  readonly blockHeight: number | undefined;
  /** The bound the expiry was judged against. */
  readonly lastValidBlockHeight: number | undefined;

  constructor(
    message: string,
    details: { outcome: ConfirmationFailure; signature: string; programError?: unknown; slot?: number; blockHeight?: number; lastValidBlockHeight?: number },
    options?: StreamErrorOptions,
  ) {
    const outcome = details.outcome;
    const code: StreamErrorCode =
      outcome === "failed" ? "transaction_failed" : outcome === "expired" ? "transaction_expired" : outcome;
    super(code, message, options);
    this.outcome = outcome;
    this.signature = details.signature;
    this.programError = details.programError;
    this.slot = details.slot;
    this.blockHeight = details.blockHeight;
    this.lastValidBlockHeight = details.lastValidBlockHeight;
  }
}

/**
 * The exit journal (`executeExits({ journal })`) could not be read or written. An exit whose
 * journal record could not be written is not submitted.
 */
export class ExitJournalError extends StreamError {
  /** The journal's path. */
  readonly path: string;

  constructor(message: string, details: { path: string }, options?: StreamErrorOptions) {
    super("journal", message, options);
    this.path = details.path;
  }
}

// ---- Connection (`StreamClient` / `StreamConnection`) ----

/**
 * The server refused the WebSocket upgrade with HTTP 401 or 403 (bad, missing or revoked API key).
 * Never retried, neither on the first connect nor on a reconnect. The key never appears in it.
 */
export class StreamAuthError extends StreamError {
  /** The HTTP status of the refused upgrade. */
  readonly status: number;

  constructor(message: string, details: { status: number }, options?: StreamErrorOptions) {
    super("auth", message, options);
    this.status = details.status;
  }
}

/**
 * The handshake failed: the server answered `configure` with an `error` frame (its `code` and
 * `message` are kept as {@link StreamHandshakeError.serverCode} / {@link StreamHandshakeError.serverMessage}),
 * or its first text frame was not `hello_ok`.
 */
export class StreamHandshakeError extends StreamError {
  /** The server's `error.code`, when it sent an `error` frame. */
  readonly serverCode: string | undefined;
  /** The server's `error.message`, when it sent an `error` frame. */
  readonly serverMessage: string | undefined;
  /**
   * Whether another attempt could succeed (see `classifyDisconnect`): `false` for refusals
   * retrying cannot fix (`wallet_not_registered`, `invalid_strategy`, ...), which end a connection
   * on a reconnect just as they reject the first `connect()`.
   */
  readonly retryable: boolean;

  constructor(
    message: string,
    details: { serverCode?: string | undefined; serverMessage?: string | undefined; retryable?: boolean } = {},
    options?: StreamErrorOptions,
  ) {
    super("handshake", message, options);
    this.serverCode = details.serverCode;
    this.serverMessage = details.serverMessage;
    this.retryable = details.retryable ?? true;
  }
}

/**
 * A frame larger than the client's `maxPayload` option arrived. `ws` drops the socket at once
 * (the frame is lost). The first such frame costs a reconnect (reported as a `stream_error` event); the
 * second ends the connection with this error. `limit` is the option's value in bytes.
 */
export class StreamPayloadTooLargeError extends StreamError {
  /** The `maxPayload` that was exceeded, in bytes. */
  readonly limit: number;

  constructor(message: string, details: { limit: number }, options?: StreamErrorOptions) {
    super("payload_too_large", message, options);
    this.limit = details.limit;
  }
}

/** Something did not happen in time (e.g. no `hello_ok` within `handshakeTimeoutMs`). */
export class StreamTimeoutError extends StreamError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, details: { timeoutMs: number }, options?: StreamErrorOptions) {
    super("timeout", message, options);
    this.timeoutMs = details.timeoutMs;
  }
}

/** The connection is closed (or closing): nothing can be sent any more. */
export class StreamClosedError extends StreamError {
  constructor(message = "the connection is closed", options?: StreamErrorOptions) {
    super("closed", message, options);
  }
}

/**
 * The official SDK's `TimeoutError`: what `withTimeout` and a `retryAsync` deadline reject with.
 * A {@link StreamTimeoutError} (code `"timeout"`); `timeout_ms` is the official field name.
 */
export class TimeoutError extends StreamTimeoutError {
  constructor(timeoutMs: number, message = "operation timed out", options?: StreamErrorOptions) {
    super(message, { timeoutMs }, options);
  }

  /** The limit in milliseconds (the official SDK's field name for {@link StreamTimeoutError.timeoutMs}). */
  get timeout_ms(): number {
    return this.timeoutMs;
  }
}

// ---- REST: the Exit API and wallet registration ----

/**
 * How an Exit API call failed. The official SDK's four kinds, plus `"timeout"` (an attempt ran out
 * of time; the official reports it as `"transport"`) and `"aborted"` (the caller's `AbortSignal`).
 * - `transport`: no HTTP answer (connection refused or reset, DNS, TLS).
 * - `http_status`: a non-2xx answer (redirects included: they are never followed).
 * - `envelope_status`: a 2xx answer whose `status` is not `"ok"`.
 * - `parse`: a 2xx answer that is not the documented shape (or too large).
 */
export type ExitApiErrorKind = "transport" | "http_status" | "envelope_status" | "parse" | "timeout" | "aborted";

/** What an {@link ExitApiError} carries besides its message. Never the API key. */
export interface ExitApiErrorDetails {
  /** How the call failed. */
  kind: ExitApiErrorKind;
  /** HTTP status, when the server answered. */
  status?: number;
  /** The server's error text: `error`, `message` or `reason` of a JSON body, else the body's start (at most 220 characters). */
  body?: string;
  /** The machine code the server gave: `reason` of `{"status":"unsupported","reason":"no_route"}`, the envelope `status` (`not_indexed`), or `code`. */
  serverCode?: string;
  /** For `envelope_status`: the envelope's `reason`, `message` or `error` (the official SDK's field). */
  detail?: string;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  retryAfterMs?: number;
  /** Attempts made (1 + retries used), when known. */
  attempts?: number;
}

/**
 * An Exit API call failed (the official SDK's `ExitApiError`, in the {@link StreamError} family:
 * code `"exit_api"`). Branch on {@link ExitApiError.kind} and {@link ExitApiError.status};
 * {@link ExitApiError.isRetryable} says whether the client would retry it. The message and every
 * field are redacted: the API key never appears.
 */
export class ExitApiError extends StreamError {
  /** The {@link StreamError.code} of this class; subclasses override it. @internal */
  protected static readonly streamCode: StreamErrorCode = "exit_api";
  /** How the call failed; see {@link ExitApiErrorKind}. */
  readonly kind: ExitApiErrorKind;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The server's error text (capped), when it gave one. */
  readonly body: string | undefined;
  /** The server's machine code (`not_indexed`, `no_route`, a body `code`), when it gave one. */
  readonly serverCode: string | undefined;
  /** For `envelope_status`: the envelope's reason (the official SDK's field). */
  readonly detail: string | undefined;
  /** The server's `Retry-After` in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** Attempts made, when known (set by `ExitApiClient`). */
  readonly attempts: number | undefined;

  constructor(message: string, details: ExitApiErrorDetails, options?: StreamErrorOptions) {
    super((new.target as unknown as { streamCode: StreamErrorCode }).streamCode, message, options);
    this.kind = details.kind;
    this.status = details.status;
    this.body = details.body;
    this.serverCode = details.serverCode;
    this.detail = details.detail;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts;
  }

  /** The official SDK's factory: no HTTP answer. */
  static transport(cause: unknown): ExitApiError {
    const text = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return new ExitApiError(`request failed: ${text}`, { kind: "transport" }, { cause });
  }

  /** The official SDK's factory: a non-2xx answer. */
  static httpStatus(status: number, body: string): ExitApiError {
    return new ExitApiError(`http status ${status}: ${body}`, { kind: "http_status", status, body });
  }

  /** The official SDK's factory: a 2xx answer whose envelope `status` is not `ok`. */
  static envelopeStatus(status: string, detail: string): ExitApiError {
    return new ExitApiError(`exit-api status ${status}: ${detail}`, { kind: "envelope_status", serverCode: status, detail });
  }

  /** The official SDK's factory: an unreadable 2xx answer. */
  static parse(message: string, cause?: unknown): ExitApiError {
    return new ExitApiError(`failed to parse response: ${message}`, { kind: "parse" }, cause === undefined ? undefined : { cause });
  }

  /**
   * True for failures another attempt may fix: `transport`, `timeout`, HTTP 429 and 5xx (the
   * official SDK's rule). `404 not_indexed` is not retried (the official does not either).
   */
  isRetryable(): boolean {
    if (this.kind === "transport" || this.kind === "timeout") return true;
    if (this.kind !== "http_status" || this.status === undefined) return false;
    return this.status === 429 || this.status >= 500;
  }
}

/**
 * Wallet registration refused or failed (code `"registration"`): an {@link ExitApiError} that also
 * names the wallet. `reason` is the server's reason (capped at 500 characters); never the key.
 */
export class StreamRegistrationError extends ExitApiError {
  protected static override readonly streamCode: StreamErrorCode = "registration";
  /** The wallet whose registration failed. */
  readonly walletPubkey: string;

  constructor(message: string, details: ExitApiErrorDetails & { walletPubkey: string }, options?: StreamErrorOptions) {
    super(message, details, options);
    this.walletPubkey = details.walletPubkey;
  }

  /** The server's reason (same as {@link ExitApiError.body}), when it gave one. */
  get reason(): string | undefined {
    return this.body;
  }
}

/**
 * The official SDK's name of {@link SubmitError} (the error of `sendTransaction` and friends).
 *
 * @deprecated Use {@link SubmitError} (the same class).
 */
export const TxSubmitError = SubmitError;
/**
 * The official SDK's name of {@link SubmitError}.
 *
 * @deprecated Use {@link SubmitError}.
 */
export type TxSubmitError = SubmitError;

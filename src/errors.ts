/**
 * The error family of lasersell-stream. Every error the library throws or emits is a
 * {@link StreamError} with a stable {@link StreamError.code}; subclasses exist only where callers
 * branch on them.
 *
 * No error message, property or cause ever contains the API key.
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
  | "transaction_guard"
  | "transaction_decode"
  | "rpc"
  | "registration";

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

  constructor(message: string, issues: readonly FieldIssue[]) {
    super("validation", message);
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

/** The rules `signExitTransaction` checks before signing, in the order it checks them. */
export type TransactionGuardRule =
  | "decode"
  | "fee_payer"
  | "required_signer"
  | "signer_mismatch"
  | "sol_outflow"
  | "allowed_programs";

/**
 * `signExitTransaction` refused to sign: the transaction broke the guard rule named by `rule`.
 * Nothing was signed. The message names the offending account, program or amount; secret keys
 * never appear in it.
 */
export class TransactionGuardError extends StreamError {
  /** The guard rule that failed. */
  readonly rule: TransactionGuardRule;

  constructor(rule: TransactionGuardRule, message: string, options?: StreamErrorOptions) {
    super("transaction_guard", message, options);
    this.rule = rule;
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
    code: "rpc" | "connection" | "timeout" | "aborted",
    message: string,
    details: {
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
    super(code, message, options);
    this.target = details.target;
    this.endpoint = details.endpoint;
    this.attempts = details.attempts;
    this.status = details.status;
    this.rpcCode = details.rpcCode;
    this.rpcMessage = details.rpcMessage;
    this.rpcData = details.rpcData;
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

  constructor(status: number, message: string, options?: StreamErrorOptions) {
    super("auth", message, options);
    this.status = status;
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

  constructor(
    message: string,
    details: { serverCode?: string | undefined; serverMessage?: string | undefined } = {},
    options?: StreamErrorOptions,
  ) {
    super("handshake", message, options);
    this.serverCode = details.serverCode;
    this.serverMessage = details.serverMessage;
  }
}

/** Something did not happen in time (e.g. no `hello_ok` within `handshakeTimeoutMs`). */
export class StreamTimeoutError extends StreamError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options?: StreamErrorOptions) {
    super("timeout", message, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The connection is closed (or closing): nothing can be sent any more. */
export class StreamClosedError extends StreamError {
  constructor(message = "the connection is closed", options?: StreamErrorOptions) {
    super("closed", message, options);
  }
}

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

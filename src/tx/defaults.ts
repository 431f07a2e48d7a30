/**
 * The tx layer's defaults, in one read-only object: what each function uses for an option you
 * leave out (each option's TSDoc says the same). The stream's own are `STREAM_CLIENT_DEFAULTS`
 * and `STREAM_SESSION_DEFAULTS`; the Exit API's are `EXIT_API_DEFAULTS`.
 */
export const TX_DEFAULTS = Object.freeze({
  /** `submitTransaction` (and the official `sendTransaction*`). */
  submit: Object.freeze({
    /** The whole call, retries included. */
    timeoutMs: 10_000,
    /** Retries of transport failures only (a JSON-RPC error is an answer, never retried). */
    retries: 2,
    /** First retry delay; doubles after each. */
    retryDelayMs: 100,
    skipPreflight: true,
    /** The RPC's own rebroadcasts. */
    maxRetries: 0,
    /** `preflightCommitment` on a plain RPC target. */
    preflightCommitment: "processed",
  } as const),
  /** `confirmTransaction`. */
  confirm: Object.freeze({ commitment: "confirmed", timeoutMs: 90_000, pollIntervalMs: 400 } as const),
  /** One JSON-RPC call (`callRpc`, and each poll of `confirmTransaction`). */
  rpcCall: Object.freeze({ timeoutMs: 5_000 } as const),
  /** `verifyBySimulation`. */
  simulate: Object.freeze({ timeoutMs: 10_000 } as const),
  /** `executeExits`. */
  executor: Object.freeze({
    maxAttempts: 4,
    /** How long to wait for the fresh transaction after `requestExitSignal`. */
    signalTimeoutMs: 10_000,
    confirmTimeoutMs: 120_000,
    pollIntervalMs: 400,
    commitment: "confirmed",
    /** The slippage ladder of failed attempts. */
    slippageStepsBps: Object.freeze([500, 1_000, 2_000] as const),
  } as const),
  /** `pingHeliusSender` / `keepHeliusSenderWarm`. */
  heliusWarm: Object.freeze({ intervalMs: 30_000, timeoutMs: 5_000 } as const),
} as const);

/**
 * `submitTransaction`: JSON-RPC `sendTransaction` (base64) to a {@link SendTarget} (an RPC URL,
 * Helius Sender or Astralane), bounded by a timeout and an AbortSignal, retrying transport
 * failures only; and the official SDK's `sendTransaction*` names for it. Errors carry the
 * endpoint's origin, never its path, query string or credentials.
 */
import type { VersionedTransaction } from "@solana/web3.js";
import { StreamValidationError, type SubmitError } from "../errors.js";
import { deadline, sleep } from "../util/abort.js";
import { delayForAttempt } from "../util/retry.js";
import { postJsonRpc, rpcFailure, rpcStopped, summarizeBody, endpointName, type FetchLike, type RpcCallContext } from "./rpc.js";
import { signUnsignedTxB64Fast } from "./sign.js";
import type { SignerInput } from "./signer.js";
import { resolveTarget, type SendTarget } from "./targets.js";
import { TX_DEFAULTS } from "./defaults.js";

/** Options of {@link submitTransaction}. */
export interface SubmitOptions {
  /** Cancels the call (including retries and backoff); rejects with code `"aborted"`. */
  signal?: AbortSignal;
  /**
   * Bound on the whole call, retries and backoff included; rejects with code `"timeout"`.
   * @defaultValue 10000
   */
  timeoutMs?: number;
  /**
   * Extra attempts after a transport failure (connection refused, reset or dropped before a full
   * response). HTTP and JSON-RPC errors are never retried. Resending the same signed transaction
   * is safe: the network deduplicates it by signature.
   * @defaultValue 2
   */
  retries?: number;
  /**
   * First backoff delay; it doubles per retry, capped at 2 s.
   * @defaultValue 100
   */
  retryDelayMs?: number;
  /**
   * `sendTransaction`'s `skipPreflight` (Helius Sender requires `true`).
   * @defaultValue true
   */
  skipPreflight?: boolean;
  /**
   * `preflightCommitment`, sent to plain RPC targets only.
   * @defaultValue "processed"
   */
  preflightCommitment?: "processed" | "confirmed" | "finalized";
  /**
   * `sendTransaction`'s `maxRetries` (how often the RPC node itself rebroadcasts).
   * @defaultValue 0
   */
  maxRetries?: number;
  /** Extra HTTP headers (e.g. `authorization`); their values never appear in errors. */
  headers?: Readonly<Record<string, string>>;
  /**
   * Allow `http://` to a host that is not loopback (API keys would travel in clear text).
   * @defaultValue false
   */
  allowInsecure?: boolean;
  /** @defaultValue `globalThis.fetch` */
  fetch?: FetchLike;
}

/**
 * Sends a signed transaction with JSON-RPC `sendTransaction` (`encoding: "base64"`) and resolves
 * with the signature the endpoint returns. `target` is a {@link SendTarget} or a plain RPC URL.
 *
 * Rejects with {@link SubmitError}: code `"rpc"` for a JSON-RPC error (`rpcCode`, `rpcMessage`,
 * `rpcData`), a non-2xx status (`status`; a redirect is refused, never followed) or an unreadable
 * answer (not JSON, or over 1 MiB); `"connection"` when every attempt failed in transport;
 * `"timeout"`; `"aborted"`. Errors name the endpoint by origin only.
 *
 * @example
 * ```ts
 * import { signExitTransaction, submitTransaction, sendTargetRpc } from "lasersell-stream/tx";
 * const { signedTxB64 } = signExitTransaction(message, keypair);
 * const signature = await submitTransaction(sendTargetRpc(process.env.RPC_URL!), signedTxB64, {
 *   timeoutMs: 5_000,
 *   retries: 2,
 * });
 * ```
 */
export async function submitTransaction(target: SendTarget | string, signedTxB64: string, options: SubmitOptions = {}): Promise<string> {
  const endpoint = resolveTarget(target, options.headers, options.allowInsecure === true);
  const timeoutMs = options.timeoutMs ?? TX_DEFAULTS.submit.timeoutMs;
  const retries = options.retries ?? TX_DEFAULTS.submit.retries;
  const baseDelay = options.retryDelayMs ?? TX_DEFAULTS.submit.retryDelayMs;
  for (const [name, v] of [["timeoutMs", timeoutMs], ["retries", retries], ["retryDelayMs", baseDelay]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new StreamValidationError(`${name}: must be a non-negative number`, { issues: [{ path: name, message: "must be a non-negative number" }] });
  }
  if (typeof signedTxB64 !== "string" || signedTxB64 === "") {
    throw new StreamValidationError("signedTxB64: expected a base64 string", { issues: [{ path: "signedTxB64", message: "expected a base64 string" }] });
  }
  const config: Record<string, unknown> = {
    encoding: "base64",
    skipPreflight: options.skipPreflight ?? TX_DEFAULTS.submit.skipPreflight,
    maxRetries: options.maxRetries ?? TX_DEFAULTS.submit.maxRetries,
  };
  if (endpoint.label === "rpc") config["preflightCommitment"] = options.preflightCommitment ?? TX_DEFAULTS.submit.preflightCommitment;
  const method = "sendTransaction";
  const limit = deadline(timeoutMs, options.signal);
  let attempts = 0;
  const context = (): RpcCallContext => ({ signal: limit.signal, reason: limit.reason, timeoutMs, attempts, fetch: options.fetch });
  try {
    for (;;) {
      if (limit.signal.aborted) throw rpcStopped(endpoint, method, context());
      attempts++;
      let result: unknown;
      try {
        result = await postJsonRpc(endpoint, method, [signedTxB64, config], context());
      } catch (err) {
        // Only a transport failure is retried (resending is safe: the network deduplicates by signature).
        if ((err as { code?: unknown }).code !== "connection" || attempts > retries) throw err;
        const delay = delayForAttempt({ max_attempts: retries + 1, initial_backoff_ms: baseDelay, max_backoff_ms: 2_000, jitter_ms: 0 }, attempts);
        await sleep(delay, limit.signal);
        continue;
      }
      if (typeof result === "string" && result !== "") return result;
      const shown = result === undefined ? "no result" : summarizeBody(JSON.stringify(result) ?? String(result));
      throw rpcFailure(endpoint, attempts, "rpc", `${method} to ${endpointName(endpoint)} answered without a signature: ${shown}`);
    }
  } finally {
    limit.dispose();
  }
}

/**
 * The official SDK's name for {@link submitTransaction} (its `fetch_impl` option is accepted too).
 *
 * @deprecated Use {@link submitTransaction} (same behaviour; the option is `fetch`).
 */
export function sendTransactionB64To(
  target: SendTarget,
  txB64: string,
  options: SubmitOptions & { fetch_impl?: FetchLike } = {},
): Promise<string> {
  const { fetch_impl, ...rest } = options;
  return submitTransaction(target, txB64, fetch_impl === undefined ? rest : { ...rest, fetch: fetch_impl });
}

/**
 * Submits a signed web3.js `VersionedTransaction` (the official SDK's name).
 *
 * @deprecated Use {@link submitTransaction} with the `signedTxB64` of `signExitTransaction`.
 */
export function sendTransaction(
  target: SendTarget,
  tx: VersionedTransaction,
  options: SubmitOptions & { fetch_impl?: FetchLike } = {},
): Promise<string> {
  return sendTransactionB64To(target, Buffer.from(tx.serialize()).toString("base64"), options);
}

/**
 * Signs on the fast path and submits (the official SDK's name). Unguarded: prefer
 * `signExitTransaction` followed by {@link submitTransaction}, which checks the transaction first.
 *
 * @deprecated Use `signExitTransaction` then {@link submitTransaction} (guarded). Kept as the
 * official SDK's name.
 */
export function signAndSendUnsignedTxB64(
  target: SendTarget,
  unsignedTxB64: string,
  signer: SignerInput,
  options: SubmitOptions & { fetch_impl?: FetchLike } = {},
): Promise<string> {
  return sendTransactionB64To(target, signUnsignedTxB64Fast(unsignedTxB64, signer), options);
}

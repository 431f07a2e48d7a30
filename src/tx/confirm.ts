/**
 * `confirmTransaction`: did a submitted transaction land? Polls `getSignatureStatuses` (and
 * `getBlockHeight` for expiry) on a JSON-RPC endpoint until the signature reaches the commitment,
 * fails on chain, expires or the time runs out. Also `callRpc`, the public one-call JSON-RPC read
 * (the exit executor's `getLatestBlockhash`).
 */
import { StreamError, StreamValidationError, TransactionConfirmationError, type SubmitError } from "../errors.js";
import { deadline, sleep } from "../util/abort.js";
import { postJsonRpc, type FetchLike } from "./rpc.js";
import { resolveTarget } from "./targets.js";
import { TX_DEFAULTS } from "./defaults.js";

/** A JSON-RPC endpoint for reads: a URL, or a URL with extra headers. Keys in either stay secret. */
export type RpcEndpoint = string | { readonly url: string; readonly headers?: Readonly<Record<string, string>> };

/** Transport options shared by the read calls. */
export interface RpcCallOptions {
  signal?: AbortSignal;
  /** Bound on one call. @defaultValue 5000 */
  timeoutMs?: number;
  /** Allow `http://` to a host that is not loopback. @defaultValue false */
  allowInsecure?: boolean;
  /** @defaultValue `globalThis.fetch` */
  fetch?: FetchLike;
}

/**
 * One JSON-RPC call; resolves with `result`. Rejects with {@link SubmitError} (code `"rpc"`,
 * `"connection"`, `"timeout"` or `"aborted"`) naming the endpoint by origin only. The answer is read
 * up to 1 MiB (an error's up to 64 KiB); a larger one is an `"rpc"` error.
 */
export async function callRpc(rpc: RpcEndpoint, method: string, params: readonly unknown[], options: RpcCallOptions = {}): Promise<unknown> {
  const target = typeof rpc === "string" ? { url: rpc } : rpc;
  const endpoint = resolveTarget({ kind: "rpc", url: target.url }, target.headers, options.allowInsecure === true);
  const timeoutMs = options.timeoutMs ?? TX_DEFAULTS.rpcCall.timeoutMs;
  const limit = deadline(timeoutMs, options.signal);
  try {
    return await postJsonRpc(endpoint, method, params, { signal: limit.signal, reason: limit.reason, timeoutMs, attempts: 1, fetch: options.fetch });
  } finally {
    limit.dispose();
  }
}

/** How far a transaction must have come: the Solana commitment levels. */
export type Commitment = "processed" | "confirmed" | "finalized";

/** Options of {@link confirmTransaction}. */
export interface ConfirmOptions extends Omit<RpcCallOptions, "timeoutMs"> {
  /** @defaultValue "confirmed" */
  commitment?: Commitment;
  /**
   * The last block height at which the transaction's blockhash is valid (from
   * `getLatestBlockhash` when the blockhash was fetched). Once the chain passes it and the
   * signature is still unknown, the transaction can never land: `expired`. Without it, only
   * `timeoutMs` ends the wait.
   */
  lastValidBlockHeight?: number;
  /**
   * Bound on the whole wait. A timeout does not mean the transaction failed: it may still land.
   * @defaultValue 90000
   */
  timeoutMs?: number;
  /** Delay between polls. @defaultValue 400 */
  pollIntervalMs?: number;
  /** Bound on each RPC call. @defaultValue 5000 */
  requestTimeoutMs?: number;
}

/** A transaction that landed and reached the commitment. */
export interface ConfirmedTransaction {
  readonly signature: string;
  /** The slot it landed in. */
  readonly slot: number;
  /** How far it has come (at least the requested commitment). */
  readonly confirmationStatus: Commitment;
}

const RANK: Record<Commitment, number> = { processed: 0, confirmed: 1, finalized: 2 };

interface Status {
  slot: number;
  err: unknown;
  confirmationStatus: Commitment;
}

function statusOf(result: unknown): Status | undefined {
  const value = (result as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) throw new StreamError("rpc", "getSignatureStatuses: the answer has no value array");
  const s = value[0] as { slot?: unknown; err?: unknown; confirmationStatus?: unknown; confirmations?: unknown } | null | undefined;
  if (s === null || s === undefined) return undefined;
  const given = s.confirmationStatus;
  const confirmationStatus: Commitment =
    given === "processed" || given === "confirmed" || given === "finalized" ? given : s.confirmations === null ? "finalized" : "processed";
  return { slot: typeof s.slot === "number" ? s.slot : 0, err: s.err ?? null, confirmationStatus };
}

function checkNumber(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= min)) {
    throw new StreamValidationError(`${name}: must be a number >= ${min}`, { issues: [{ path: name, message: `must be a number >= ${min}` }] });
  }
}

/**
 * Waits until `signature` reaches `commitment` and resolves with where it landed. Polls
 * `getSignatureStatuses` every `pollIntervalMs`; with `lastValidBlockHeight`, also
 * `getBlockHeight`, and once the chain is past it, asks for the status one last time (with
 * `searchTransactionHistory`) before declaring the transaction expired. A failing RPC call is
 * retried at the next poll (the last failure becomes the `cause` of a timeout).
 *
 * Rejects with {@link TransactionConfirmationError}: `outcome` `"failed"` (landed with an on-chain
 * error, in `programError`), `"expired"`, `"timeout"` or `"aborted"`; or with
 * `StreamValidationError` for bad options. No timer outlives the call.
 *
 * @example
 * ```ts
 * import { callRpc, confirmTransaction, signExitTransaction, submitTransaction, TransactionConfirmationError } from "lasersell-stream/tx";
 *
 * export async function sellAndConfirm(rpcUrl: string, message: Parameters<typeof signExitTransaction>[0], secretKey: Uint8Array): Promise<boolean> {
 *   const latest = (await callRpc(rpcUrl, "getLatestBlockhash", [{ commitment: "confirmed" }])) as { value: { lastValidBlockHeight: number } };
 *   const { signedTxB64 } = signExitTransaction(message, secretKey);
 *   const signature = await submitTransaction(rpcUrl, signedTxB64);
 *   try {
 *     await confirmTransaction(rpcUrl, signature, { lastValidBlockHeight: latest.value.lastValidBlockHeight });
 *     return true;
 *   } catch (error) {
 *     if (error instanceof TransactionConfirmationError && (error.outcome === "failed" || error.outcome === "expired")) return false;
 *     throw error; // timeout or abort: it may still land
 *   }
 * }
 * ```
 */
export async function confirmTransaction(rpc: RpcEndpoint, signature: string, options: ConfirmOptions = {}): Promise<ConfirmedTransaction> {
  if (typeof signature !== "string" || !/^[1-9A-HJ-NP-Za-km-z]{32,90}$/.test(signature)) {
    throw new StreamValidationError("signature: expected a base58 transaction signature", { issues: [{ path: "signature", message: "expected base58" }] });
  }
  const commitment = options.commitment ?? TX_DEFAULTS.confirm.commitment;
  if (!(commitment in RANK)) throw new StreamValidationError(`commitment: unknown value ${String(commitment)}`, { issues: [{ path: "commitment", message: "expected processed, confirmed or finalized" }] });
  const timeoutMs = options.timeoutMs ?? TX_DEFAULTS.confirm.timeoutMs;
  const pollMs = options.pollIntervalMs ?? TX_DEFAULTS.confirm.pollIntervalMs;
  checkNumber("timeoutMs", timeoutMs, 0);
  checkNumber("pollIntervalMs", pollMs, 1);
  checkNumber("lastValidBlockHeight", options.lastValidBlockHeight, 0);
  const lastValid = options.lastValidBlockHeight;

  const stop = deadline(timeoutMs, options.signal);
  let lastError: unknown;
  let height: number | undefined;
  const call = (method: string, params: readonly unknown[]): Promise<unknown> => {
    const callOptions: RpcCallOptions = { signal: stop.signal, timeoutMs: options.requestTimeoutMs ?? TX_DEFAULTS.rpcCall.timeoutMs };
    if (options.allowInsecure !== undefined) callOptions.allowInsecure = options.allowInsecure;
    if (options.fetch !== undefined) callOptions.fetch = options.fetch;
    return callRpc(rpc, method, params, callOptions);
  };
  const ended = (): TransactionConfirmationError => {
    const details: { signature: string; blockHeight?: number; lastValidBlockHeight?: number } = { signature };
    if (height !== undefined) details.blockHeight = height;
    if (lastValid !== undefined) details.lastValidBlockHeight = lastValid;
    return stop.reason() === "aborted"
      ? new TransactionConfirmationError(`confirmation of ${signature} was aborted`, { outcome: "aborted", ...details })
      : new TransactionConfirmationError(`${signature} not confirmed within ${timeoutMs} ms (it may still land)`, { outcome: "timeout", ...details }, lastError === undefined ? undefined : { cause: lastError });
  };
  /** The status, or `undefined` when not seen yet; throws when it failed on chain. */
  const check = async (history: boolean): Promise<ConfirmedTransaction | "pending"> => {
    const result = await call("getSignatureStatuses", history ? [[signature], { searchTransactionHistory: true }] : [[signature]]);
    const status = statusOf(result);
    if (status === undefined) return "pending";
    if (status.err !== null) {
      throw new TransactionConfirmationError(`${signature} failed on chain in slot ${status.slot}: ${JSON.stringify(status.err)}`, { outcome: "failed", signature,
        programError: status.err,
        slot: status.slot });
    }
    return RANK[status.confirmationStatus] >= RANK[commitment] ? { signature, slot: status.slot, confirmationStatus: status.confirmationStatus } : "pending";
  };

  try {
    if (stop.signal.aborted) throw ended();
    for (;;) {
      try {
        // Read the height first: a signature unknown after the chain passed lastValidBlockHeight
        // (checked again with history, below) cannot land any more.
        if (lastValid !== undefined) height = Number(await call("getBlockHeight", [{ commitment }]));
        const seen = await check(false);
        if (seen !== "pending") return seen;
        if (lastValid !== undefined && height !== undefined && height > lastValid) {
          const last = await check(true);
          if (last !== "pending") return last;
          throw new TransactionConfirmationError(`${signature} expired: block height ${height} passed ${lastValid}`, { outcome: "expired", signature,
            blockHeight: height,
            lastValidBlockHeight: lastValid });
        }
      } catch (err) {
        if (err instanceof TransactionConfirmationError) throw err;
        if (stop.signal.aborted) throw ended();
        lastError = err;
      }
      if (stop.signal.aborted) throw ended();
      await sleep(pollMs, stop.signal);
      if (stop.signal.aborted) throw ended();
    }
  } finally {
    stop.dispose();
  }
}

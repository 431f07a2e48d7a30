/**
 * Wallet registration (protocol.md section 15): every wallet streamed must first be registered to
 * the API key's account with a proof of ownership (see `proveOwnership` in `lasersell-stream/tx`).
 * Plain `fetch`; no Solana dependency.
 */
import { StreamError } from "../errors.js";

/** Production REST base. */
export const API_BASE_URL = "https://api.lasersell.io";
/** The official SDKs' local development REST base. */
export const LOCAL_API_BASE_URL = "http://localhost:8080";

/** A proof that the holder of a wallet's key asked for it to be registered. */
export interface WalletOwnershipProof {
  /** Base58 public key of the wallet. */
  walletPubkey: string;
  /** `lasersell-register:<wallet_pubkey>:<unix seconds>`. */
  message: string;
  /** Base58 Ed25519 signature of `message` (UTF-8) by the wallet key. */
  signature: string;
}

/** Options of `registerWallet`. */
export interface RegisterWalletOptions {
  /** A label shown in the LaserSell dashboard. */
  label?: string;
  /** REST base URL. @defaultValue `https://api.lasersell.io` */
  baseUrl?: string;
  /** Use `http://localhost:8080` (an explicit `baseUrl` wins). @defaultValue false */
  local?: boolean;
  signal?: AbortSignal;
  /** @defaultValue 10000 */
  timeoutMs?: number;
}

/** Registration refused or failed. Carries the HTTP status and the server's reason; never the key. */
export class StreamRegistrationError extends StreamError {
  /** The wallet whose registration failed. */
  readonly walletPubkey: string;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The server's reason (response body, trimmed), when it gave one. */
  readonly reason: string | undefined;

  constructor(
    message: string,
    details: { walletPubkey: string; status?: number; reason?: string },
    options?: { cause?: unknown },
  ) {
    super("registration", message, options);
    this.walletPubkey = details.walletPubkey;
    this.status = details.status;
    this.reason = details.reason;
  }
}

/** `AbortSignal.any` for two signals (Node 18 lacks it). */
function eitherSignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = (s: AbortSignal): void => controller.abort(s.reason);
  for (const s of [a, b]) {
    if (s.aborted) abort(s);
    else s.addEventListener("abort", () => abort(s), { once: true });
  }
  return controller.signal;
}

function reasonFrom(body: string): string | undefined {
  const text = body.trim();
  if (text === "") return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === "object") {
      const o = parsed as Record<string, unknown>;
      for (const key of ["message", "error", "reason", "detail"]) {
        const v = o[key];
        if (typeof v === "string" && v !== "") return v;
      }
    }
  } catch {
    // not JSON: use the text itself
  }
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}

/**
 * Registers a wallet to the API key's account (`POST <base>/v1/wallets/register`). Registering a
 * wallet again is safe. Resolves on any 2xx; otherwise rejects with a
 * {@link StreamRegistrationError} naming the wallet, the HTTP status and the server's reason.
 *
 * @example
 * ```ts
 * import { proveOwnership } from "lasersell-stream/tx";
 * await registerWallet(apiKey, proveOwnership(keypair), { label: "bot 1" });
 * ```
 */
export async function registerWallet(
  apiKey: string,
  proof: WalletOwnershipProof,
  options: RegisterWalletOptions = {},
): Promise<void> {
  const wallet = proof.walletPubkey;
  if (typeof apiKey !== "string" || apiKey.trim() === "") {
    throw new StreamRegistrationError(`cannot register ${wallet}: the API key is empty`, { walletPubkey: wallet });
  }
  const base = (options.baseUrl ?? (options.local === true ? LOCAL_API_BASE_URL : API_BASE_URL)).trim().replace(/\/+$/, "");
  const body: Record<string, string> = {
    wallet_pubkey: wallet,
    signature: proof.signature,
    message: proof.message,
  };
  if (options.label !== undefined) body["label"] = options.label;

  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal === undefined ? timeout : eitherSignal(options.signal, timeout);
  let response: Response;
  try {
    response = await fetch(`${base}/v1/wallets/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    const aborted = options.signal?.aborted === true;
    const timedOut = !aborted && timeout.aborted;
    const what = aborted ? "aborted" : timedOut ? `timed out after ${options.timeoutMs ?? 10_000} ms` : "could not reach the server";
    // The cause is a fetch TypeError or AbortError; neither carries request headers.
    throw new StreamRegistrationError(`registering ${wallet} ${what}`, { walletPubkey: wallet }, { cause: err });
  }
  const text = await response.text().catch(() => "");
  if (response.ok) return;
  const reason = reasonFrom(text.split(apiKey).join("[redacted]"));
  const details: { walletPubkey: string; status: number; reason?: string } = { walletPubkey: wallet, status: response.status };
  if (reason !== undefined) details.reason = reason;
  throw new StreamRegistrationError(
    `registering ${wallet} failed: HTTP ${response.status}${reason === undefined ? "" : ` (${reason})`}`,
    details,
  );
}

/**
 * Wallet registration (protocol.md section 15): every wallet streamed must first be registered to
 * the API key's account with a proof of ownership (see `proveOwnership` in `lasersell-stream/tx`).
 * Goes through the shared REST transport (`./http.ts`): no redirects, https unless loopback, the
 * key checked first, bodies capped. No Solana dependency.
 */
import { ExitApiError, StreamRegistrationError } from "../errors.js";
import { API_BASE_URL, LOCAL_API_BASE_URL, RestTransport, resolveBaseUrl, type RestFetch } from "./http.js";

export { API_BASE_URL, LOCAL_API_BASE_URL };

/** A proof that the holder of a wallet's key asked for it to be registered (the official SDK's `WalletProof`). */
export interface WalletOwnershipProof {
  /** Base58 public key of the wallet. */
  walletPubkey: string;
  /** `lasersell-register:<wallet_pubkey>:<unix seconds>`. */
  message: string;
  /** Base58 Ed25519 signature of `message` (UTF-8) by the wallet key. */
  signature: string;
}

/** Options of {@link registerWallet}. */
export interface RegisterWalletOptions {
  /** A label shown in the LaserSell dashboard. */
  label?: string;
  /** REST base URL. @defaultValue `https://api.lasersell.io` */
  baseUrl?: string;
  /** Use {@link LOCAL_API_BASE_URL} (`http://localhost:8082`, the mock; an explicit `baseUrl` wins). @defaultValue false */
  local?: boolean;
  signal?: AbortSignal;
  /** @defaultValue 10000 */
  timeoutMs?: number;
  /** Allow `http://` to a host that is not loopback (the key would travel in clear text). @defaultValue false */
  allowInsecure?: boolean;
  /** @defaultValue `globalThis.fetch` */
  fetch?: RestFetch;
}

/** Default bound on one registration request. */
export const REGISTER_TIMEOUT_MS = 10_000;

/**
 * Posts one proof through `transport` (one attempt: registration is idempotent but cheap to redo
 * by hand, and the official SDK does not retry it either). Failures become
 * {@link StreamRegistrationError}s naming the wallet.
 * @internal Shared by {@link registerWallet} and `ExitApiClient.registerWallet`.
 */
export async function postRegistration(
  transport: RestTransport,
  proof: WalletOwnershipProof,
  options: { label?: string | undefined; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<void> {
  const wallet = String((proof as Partial<WalletOwnershipProof> | null)?.walletPubkey);
  const body: Record<string, string> = { wallet_pubkey: wallet, signature: proof.signature, message: proof.message };
  if (options.label !== undefined) body["label"] = options.label;
  try {
    await transport.request({ method: "POST", path: "/v1/wallets/register", body, timeoutMs: options.timeoutMs, signal: options.signal, maxBodyBytes: 64 * 1024 });
  } catch (err) {
    if (!(err instanceof ExitApiError)) throw err;
    const what =
      err.kind === "timeout"
        ? `timed out after ${options.timeoutMs} ms`
        : err.kind === "aborted"
          ? "aborted"
          : err.kind === "transport"
            ? "could not reach the server"
            : `failed: ${err.status === undefined ? err.message : `HTTP ${err.status}${err.body === undefined ? "" : ` (${err.body})`}`}`;
    const details = { walletPubkey: wallet, ...pick(err) };
    throw new StreamRegistrationError(transport.redactor.text(`registering ${wallet} ${what}`), { kind: err.kind, ...details }, { cause: err });
  }
}

function pick(err: ExitApiError): { status?: number; body?: string; serverCode?: string; retryAfterMs?: number } {
  const out: { status?: number; body?: string; serverCode?: string; retryAfterMs?: number } = {};
  if (err.status !== undefined) out.status = err.status;
  if (err.body !== undefined) out.body = err.body;
  if (err.serverCode !== undefined) out.serverCode = err.serverCode;
  if (err.retryAfterMs !== undefined) out.retryAfterMs = err.retryAfterMs;
  return out;
}

/**
 * Registers a wallet to the API key's account (`POST <base>/v1/wallets/register`). Registering a
 * wallet again is safe. Resolves on any 2xx; otherwise rejects with a
 * {@link StreamRegistrationError} naming the wallet, the HTTP status and the server's reason. A bad
 * key (empty, or with characters a header cannot carry) or base URL is a `StreamValidationError`
 * before any request.
 *
 * @example
 * ```ts
 * import { registerWallet } from "lasersell-stream";
 * import { proveOwnership } from "lasersell-stream/tx";
 * import { Keypair } from "@solana/web3.js";
 *
 * const keypair = Keypair.generate();
 * await registerWallet("my-api-key", proveOwnership(keypair), { label: "bot 1", local: true });
 * ```
 */
export async function registerWallet(apiKey: string, proof: WalletOwnershipProof, options: RegisterWalletOptions = {}): Promise<void> {
  const transport = new RestTransport({
    baseUrl: resolveBaseUrl(options),
    apiKey: apiKey ?? "",
    fetch: options.fetch,
  });
  await postRegistration(transport, proof, { label: options.label, timeoutMs: options.timeoutMs ?? REGISTER_TIMEOUT_MS, signal: options.signal });
}

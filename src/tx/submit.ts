/**
 * `submitTransaction`: JSON-RPC `sendTransaction` (base64) to an RPC URL, Helius Sender or
 * Astralane, bounded by a timeout and an AbortSignal, retrying transport failures only. Errors
 * carry the endpoint's origin, never its path, query string or credentials.
 */
import type { VersionedTransaction } from "@solana/web3.js";
import { StreamValidationError, SubmitError } from "../errors.js";
import { refusesCleartext } from "../util/net.js";
import { delayForAttempt } from "../util/retry.js";
import { createRedactor } from "../util/secrets.js";
import { deadline, sleep } from "../util/abort.js";
import { signUnsignedTxB64Fast } from "./sign.js";
import type { SignerInput } from "./signer.js";

/** Helius Sender base URL (the official SDK's constant). */
export const HELIUS_SENDER_BASE_URL = "https://sender.helius-rpc.com";
/** Helius Sender's `sendTransaction` endpoint. */
export const HELIUS_SENDER_FAST_URL = `${HELIUS_SENDER_BASE_URL}/fast`;
/** Helius Sender's warm-up endpoint. */
export const HELIUS_SENDER_PING_URL = `${HELIUS_SENDER_BASE_URL}/ping`;
/** Default Astralane Iris region (Frankfurt). */
export const ASTRALANE_DEFAULT_REGION = "fr";
/** Public mainnet RPC; rate-limited, for getting started only. */
export const MAINNET_BETA_RPC_URL = "https://solana-rpc.publicnode.com";

/**
 * The Astralane Iris endpoint of a region (`fr`, `fr2`, `la`, `jp`, `ny`, `ams`, `ams2`, `lim`,
 * `sg`, `lit`, ...).
 */
export function astralaneIrisUrl(region: string): string {
  if (!/^[a-z0-9-]+$/i.test(region)) {
    throw new StreamValidationError(`astralane region: "${region}" is not a region name`, { issues: [{ path: "region", message: "not a region name" }] });
  }
  return `https://${region}.gateway.astralane.io/iris`;
}

/** Where to send a transaction (the official SDK's `SendTarget`, plus an optional URL override). */
export type SendTarget =
  | { readonly kind: "rpc"; readonly url: string }
  | { readonly kind: "helius_sender"; /** @defaultValue {@link HELIUS_SENDER_FAST_URL} */ readonly url?: string }
  | {
      readonly kind: "astralane";
      /** Sent as the `x-api-key` header. */
      readonly apiKey: string;
      /** @defaultValue {@link ASTRALANE_DEFAULT_REGION} */
      readonly region?: string;
    };

/** A JSON-RPC endpoint (any Solana RPC URL; API-key query parameters are fine, they stay secret). */
export function sendTargetRpc(url: string): SendTarget {
  return { kind: "rpc", url };
}
/** The public mainnet RPC ({@link MAINNET_BETA_RPC_URL}); not for production. */
export function sendTargetDefaultRpc(): SendTarget {
  return { kind: "rpc", url: MAINNET_BETA_RPC_URL };
}
/** Helius Sender ({@link HELIUS_SENDER_FAST_URL}). The transaction must carry a tip. */
export function sendTargetHeliusSender(url?: string): SendTarget {
  return url === undefined ? { kind: "helius_sender" } : { kind: "helius_sender", url };
}
/** Astralane Iris in `region`; `apiKey` goes in the `x-api-key` header. */
export function sendTargetAstralane(apiKey: string, region?: string): SendTarget {
  return region === undefined ? { kind: "astralane", apiKey } : { kind: "astralane", apiKey, region };
}

/** `fetch`'s signature, for injecting another implementation. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

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

/** A resolved endpoint: URL, headers and what to redact from errors (internal). */
export interface Endpoint {
  url: string;
  label: string;
  origin: string;
  headers: Record<string, string>;
  secrets: string[];
}

/** Resolves and checks a target (internal; also used by the confirmation's RPC calls). */
export function resolveTarget(target: SendTarget | string, extraHeaders: Readonly<Record<string, string>> | undefined, allowInsecure: boolean): Endpoint {
  const t: SendTarget = typeof target === "string" ? { kind: "rpc", url: target } : target;
  let url: string;
  const headers: Record<string, string> = { "content-type": "application/json" };
  // Always redacted: keys and credentials the caller gave explicitly.
  const keys: string[] = [];
  // Redacted when 6+ characters: parts of the URL that may hold a token.
  const secrets: string[] = [];
  switch (t.kind) {
    case "rpc":
      url = t.url;
      break;
    case "helius_sender":
      url = t.url ?? HELIUS_SENDER_FAST_URL;
      break;
    case "astralane":
      url = astralaneIrisUrl(t.region ?? ASTRALANE_DEFAULT_REGION);
      if (typeof t.apiKey !== "string" || t.apiKey === "") {
        throw new StreamValidationError("astralane: apiKey is empty", { issues: [{ path: "apiKey", message: "empty" }] });
      }
      headers["x-api-key"] = t.apiKey;
      keys.push(t.apiKey);
      break;
    default:
      throw new StreamValidationError(`target: unknown kind ${JSON.stringify((t as { kind?: unknown }).kind)}`, { issues: [
        { path: "kind", message: "expected rpc, helius_sender or astralane" },
      ] });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The text may itself hold a key, so it is not echoed.
    throw new StreamValidationError("target url: not a valid URL", { issues: [{ path: "url", message: "not a valid URL" }] });
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new StreamValidationError(`target url: unsupported scheme ${parsed.protocol}`, { issues: [{ path: "url", message: "expected http or https" }] });
  }
  if (refusesCleartext(parsed, allowInsecure)) {
    // Over plain http an API key in the URL or headers would travel in clear text.
    throw new StreamValidationError(`target url: plain http to ${parsed.hostname} is refused; use https (or allowInsecure)`, { issues: [
      { path: "url", message: "http is only allowed to loopback hosts" },
    ] });
  }
  if (parsed.username !== "" || parsed.password !== "") {
    // fetch refuses URLs with credentials; send them as HTTP Basic auth instead.
    const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString("base64");
    headers["authorization"] = `Basic ${basic}`;
    keys.push(basic, parsed.password, decodeURIComponent(parsed.password));
    secrets.push(url, parsed.username, decodeURIComponent(parsed.username));
    const bare = new URL(parsed.href);
    bare.username = "";
    bare.password = "";
    url = bare.href;
  }
  for (const [k, v] of Object.entries(extraHeaders ?? {})) {
    headers[k.toLowerCase()] = v;
    keys.push(v);
  }
  secrets.push(url, parsed.search, parsed.username, parsed.password, parsed.pathname);
  for (const v of parsed.searchParams.values()) secrets.push(v, encodeURIComponent(v));
  for (const seg of parsed.pathname.split("/")) secrets.push(seg);
  return {
    url,
    label: t.kind,
    origin: parsed.origin,
    headers,
    // Short fragments ("", "/", "v1") are not secrets and would garble messages.
    secrets: [...new Set([...keys.filter((k) => k !== ""), ...secrets.filter((s) => s.length >= 6)])].sort((a, b) => b.length - a.length),
  };
}

let nextId = 1;

/** Shortens a response body for an error message (internal). */
export function summarizeBody(body: string): string {
  const t = body.trim();
  return t.length > 300 ? `${t.slice(0, 300)}...` : t;
}

/** The JSON-RPC `error` of a response body, if any (internal). */
export function rpcErrorOf(body: string): { code?: number; message?: string; data?: unknown } | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const error = (parsed as { error?: unknown }).error;
    if (error === undefined || error === null) return undefined;
    if (typeof error !== "object") return { message: String(error) };
    const e = error as { code?: unknown; message?: unknown; data?: unknown };
    const out: { code?: number; message?: string; data?: unknown } = {};
    if (typeof e.code === "number") out.code = e.code;
    if (typeof e.message === "string") out.message = e.message;
    if (e.data !== undefined) out.data = e.data;
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Sends a signed transaction with JSON-RPC `sendTransaction` (`encoding: "base64"`) and resolves
 * with the signature the endpoint returns. `target` is a {@link SendTarget} or a plain RPC URL.
 *
 * Rejects with {@link SubmitError}: code `"rpc"` for a JSON-RPC error (`rpcCode`, `rpcMessage`,
 * `rpcData`), a non-2xx status (`status`) or an unreadable answer; `"connection"` when every
 * attempt failed in transport; `"timeout"`; `"aborted"`. Errors name the endpoint by origin only.
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
  // resolveTarget already chose what is secret (short URL fragments are left out there).
  const redactor = createRedactor(endpoint.secrets, 1);
  const redact = redactor.text;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  const baseDelay = options.retryDelayMs ?? 100;
  for (const [name, v] of [["timeoutMs", timeoutMs], ["retries", retries], ["retryDelayMs", baseDelay]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new StreamValidationError(`${name}: must be a non-negative number`, { issues: [{ path: name, message: "must be a non-negative number" }] });
  }
  if (typeof signedTxB64 !== "string" || signedTxB64 === "") {
    throw new StreamValidationError("signedTxB64: expected a base64 string", { issues: [{ path: "signedTxB64", message: "expected a base64 string" }] });
  }
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const config: Record<string, unknown> = {
    encoding: "base64",
    skipPreflight: options.skipPreflight ?? true,
    maxRetries: options.maxRetries ?? 0,
  };
  if (endpoint.label === "rpc") config["preflightCommitment"] = options.preflightCommitment ?? "processed";
  const body = JSON.stringify({ jsonrpc: "2.0", id: nextId++, method: "sendTransaction", params: [signedTxB64, config] });

  let attempts = 0;
  const where = `${endpoint.label} (${endpoint.origin})`;
  const fail = (
    code: "rpc" | "connection" | "timeout" | "aborted",
    message: string,
    extra: { status?: number; rpcCode?: number; rpcMessage?: string; rpcData?: unknown } = {},
    cause?: unknown,
  ): SubmitError =>
    new SubmitError(
      redact(message), { code, target: endpoint.label, endpoint: endpoint.origin, attempts, ...extra }, cause === undefined ? undefined : { cause: redactor.error(cause) }
    );

  const limit = deadline(timeoutMs, options.signal);
  const stopped = (cause?: unknown): SubmitError =>
    limit.reason() === "timeout"
      ? fail("timeout", `sendTransaction to ${where} timed out after ${timeoutMs} ms (${attempts} attempt(s))`, {}, cause)
      : fail("aborted", `sendTransaction to ${where} was aborted`, {}, cause);

  try {
    for (;;) {
      if (limit.signal.aborted) throw stopped();
      attempts++;
      let response: Response;
      let text: string;
      try {
        response = await doFetch(endpoint.url, { method: "POST", headers: endpoint.headers, body, signal: limit.signal });
        text = await response.text();
      } catch (err) {
        if (limit.signal.aborted) throw stopped(err);
        if (attempts > retries) {
          throw fail("connection", `sendTransaction to ${where} failed after ${attempts} attempt(s): ${(err as Error).message ?? String(err)}`, {}, err);
        }
        const delay = delayForAttempt({ max_attempts: retries + 1, initial_backoff_ms: baseDelay, max_backoff_ms: 2_000, jitter_ms: 0 }, attempts);
        await sleep(delay, limit.signal);
        continue;
      }
      const rpc = rpcErrorOf(text);
      const rpcDetails: { status: number; rpcCode?: number; rpcMessage?: string; rpcData?: unknown } = { status: response.status };
      if (rpc?.code !== undefined) rpcDetails.rpcCode = rpc.code;
      if (rpc?.message !== undefined) rpcDetails.rpcMessage = redact(rpc.message);
      if (rpc?.data !== undefined) rpcDetails.rpcData = redactor.value(rpc.data);
      const rpcText = rpc === undefined ? "" : `JSON-RPC error${rpc.code === undefined ? "" : ` ${rpc.code}`}: ${rpc.message ?? "(no message)"}`;
      if (!response.ok) {
        throw fail("rpc", `${where} answered HTTP ${response.status}: ${rpcText !== "" ? rpcText : summarizeBody(text) || "(empty body)"}`, rpcDetails);
      }
      if (rpc !== undefined) throw fail("rpc", `${where} returned ${rpcText}`, rpcDetails);
      let result: unknown;
      try {
        result = (JSON.parse(text) as { result?: unknown }).result;
      } catch (err) {
        throw fail("rpc", `${where} answered with a body that is not JSON: ${summarizeBody(text)}`, { status: response.status }, err);
      }
      if (typeof result === "string" && result !== "") return result;
      throw fail("rpc", `${where} answered without a signature: ${summarizeBody(text)}`, { status: response.status });
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

function pingUrlOf(baseUrl: string | undefined): string {
  return baseUrl === undefined ? HELIUS_SENDER_PING_URL : `${baseUrl.replace(/\/+$/, "")}/ping`;
}

/** Options of {@link pingHeliusSender} and {@link startHeliusSenderWarmLoop}. */
export interface HeliusPingOptions {
  /** @defaultValue {@link HELIUS_SENDER_BASE_URL} */
  baseUrl?: string;
  /** @defaultValue 5000 */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** @defaultValue `globalThis.fetch` */
  fetch?: FetchLike;
  /** The official SDK's name for `fetch`. */
  fetch_impl?: FetchLike;
}

/**
 * `GET <baseUrl>/ping` on Helius Sender, which keeps a connection warm for the next send.
 * Resolves `true` on a 2xx, `false` on anything else (never rejects).
 */
export async function pingHeliusSender(options: HeliusPingOptions = {}): Promise<boolean> {
  const doFetch: FetchLike = options.fetch ?? options.fetch_impl ?? ((input, init) => globalThis.fetch(input, init));
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000);
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  timeout.addEventListener("abort", abort, { once: true });
  options.signal?.addEventListener("abort", abort, { once: true });
  if (options.signal?.aborted === true) return false;
  try {
    const response = await doFetch(pingUrlOf(options.baseUrl), { method: "GET", signal: controller.signal });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok;
  } catch {
    return false;
  } finally {
    timeout.removeEventListener("abort", abort);
    options.signal?.removeEventListener("abort", abort);
  }
}

/**
 * Pings Helius Sender now and then every `intervalMs`, so sends find a warm connection. The timer
 * is `unref`'d (it never keeps Node alive), pings never overlap, and `stop()` also cancels one in
 * flight.
 *
 * @example
 * ```ts
 * const warm = startHeliusSenderWarmLoop({ intervalMs: 30_000 });
 * // ... later
 * warm.stop();
 * ```
 */
export function startHeliusSenderWarmLoop(options: Omit<HeliusPingOptions, "signal"> & { /** @defaultValue 30000 */ intervalMs?: number } = {}): {
  stop: () => void;
} {
  const intervalMs = options.intervalMs ?? 30_000;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new StreamValidationError("intervalMs: must be a positive number", { issues: [{ path: "intervalMs", message: "must be a positive number" }] });
  }
  const controller = new AbortController();
  let inFlight = false;
  const ping = (): void => {
    if (inFlight || controller.signal.aborted) return;
    inFlight = true;
    void pingHeliusSender({ ...options, timeoutMs: Math.min(options.timeoutMs ?? 5_000, intervalMs), signal: controller.signal }).finally(() => {
      inFlight = false;
    });
  };
  const timer = setInterval(ping, intervalMs);
  timer.unref();
  ping();
  return {
    stop: () => {
      clearInterval(timer);
      controller.abort();
    },
  };
}

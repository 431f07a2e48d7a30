/**
 * The one HTTP transport of the LaserSell REST API (Exit API and wallet registration), with the
 * same safety rules as the stream: `https://` unless the host is loopback, the API key only in the
 * `x-api-key` header and checked first, redirects never followed (the key would travel with them),
 * response bodies read up to a cap, a timeout per request, an `AbortSignal`, and typed
 * {@link ExitApiError}s that carry the status, the server's code and reason, and never the key.
 */
import { ExitApiError, StreamValidationError, TimeoutError, type ExitApiErrorDetails } from "../errors.js";
import { writeJson } from "../protocol/json.js";
import { checkApiKey } from "../util/api-key.js";
import { readCapped } from "../util/body.js";
import { refusesCleartext } from "../util/net.js";
import { anySignal } from "../util/retry.js";
import { createRedactor, type Redactor } from "../util/secrets.js";

/** Production REST base (the official SDK's `EXIT_API_BASE_URL`). */
export const API_BASE_URL = "https://api.lasersell.io";
/**
 * Local REST base: `http://localhost:8082`, where `lasersell-stream mock` serves the stream, the
 * Exit API and registration on one port (the official SDK's local REST base is port 8080).
 */
export const LOCAL_API_BASE_URL = "http://localhost:8082";
/** Most bytes of an error body read (the rest is discarded unread). */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Most bytes of a success body read; a larger one is a `parse` error. */
export const MAX_SUCCESS_BODY_BYTES = 1024 * 1024;
/** Longest server reason kept in an error (a longer one is cut and marked with `...`). */
export const MAX_REASON_CHARS = 500;
/** Longest raw (non-JSON) error body kept in an error, as the official SDK does. */
export const ERROR_BODY_SNIPPET_CHARS = 220;

/** `fetch`'s signature, for injecting another implementation (the official SDK's `fetch_impl`). */
export type RestFetch = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Resolves the REST base: an explicit `baseUrl` wins, else `local` ({@link LOCAL_API_BASE_URL}),
 * else production. Trims, strips trailing slashes, and refuses a URL that is not `http(s)`, carries
 * credentials, a query or a fragment, or is `http://` to a host that is not loopback (unless
 * `allowInsecure`). Throws `StreamValidationError` (field `baseUrl`).
 */
export function resolveBaseUrl(options: { baseUrl?: string | undefined; local?: boolean | undefined; allowInsecure?: boolean | undefined }): string {
  const raw = options.baseUrl ?? (options.local === true ? LOCAL_API_BASE_URL : API_BASE_URL);
  const bad = (message: string): never => {
    throw new StreamValidationError(`baseUrl: ${message}`, { issues: [{ path: "baseUrl", message }] });
  };
  if (typeof raw !== "string") bad("expected an http(s) URL string");
  const trimmed = raw.trim().replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return bad(`not a valid URL: ${JSON.stringify(trimmed.slice(0, 200))}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") bad(`must use https:// (or http:// to a loopback host), got ${url.protocol}`);
  if (url.username !== "" || url.password !== "") bad("must not carry credentials; the API key is sent in a header");
  if (url.search !== "" || url.hash !== "") bad("must not carry a query string or fragment");
  if (refusesCleartext(url, options.allowInsecure === true)) {
    bad(`refusing plain http:// to ${url.hostname}: the API key would travel in clear text; use https:// or set allowInsecure`);
  }
  return trimmed;
}

/** Options of {@link RestTransport}. */
export interface RestTransportOptions {
  /** An already resolved base (see {@link resolveBaseUrl}). */
  baseUrl: string;
  /** Sent as `x-api-key` when given (checked first: no CR/LF, no control characters). */
  apiKey?: string | undefined;
  /** @defaultValue `globalThis.fetch` */
  fetch?: RestFetch | undefined;
}

/** One request. */
export interface RestCall {
  method: "GET" | "POST" | "DELETE";
  /** Path under the base, e.g. `/v1/sell`. */
  path: string;
  query?: Readonly<Record<string, string | number | undefined>>;
  /** JSON body (`bigint`s are written as bare integers). */
  body?: unknown;
  /** Bound on this request: connect, headers and body. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** @defaultValue {@link MAX_SUCCESS_BODY_BYTES} */
  maxBodyBytes?: number;
}

/** A 2xx answer. */
export interface RestReply {
  status: number;
  /** The body text (already redacted). */
  text: string;
}

/** Rejects as soon as `signal` aborts, whatever `promise` does (a fetch that ignores its signal cannot hang us). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e as Error);
      },
    );
  });
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds, when present and sane. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/**
 * What an error body says: the text (first string of `error`, `message`, `reason`, as the official
 * SDK reads it, or the raw body's start) and the machine code (`code`, the `reason` of an
 * `unsupported` envelope, or a non-`ok` envelope `status` such as `not_indexed`).
 */
export function summarizeErrorBody(text: string): { body?: string; serverCode?: string } {
  const out: { body?: string; serverCode?: string } = {};
  const trimmed = text.trim();
  if (trimmed === "") return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    out.body = cap(trimmed, ERROR_BODY_SNIPPET_CHARS);
    return out;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    out.body = cap(trimmed, ERROR_BODY_SNIPPET_CHARS);
    return out;
  }
  const o = parsed as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof o[k] === "string" && o[k] !== "" ? (o[k] as string) : undefined);
  const body = str("error") ?? str("message") ?? str("reason");
  out.body = body === undefined ? cap(trimmed, ERROR_BODY_SNIPPET_CHARS) : cap(body, MAX_REASON_CHARS);
  const status = str("status");
  const code = str("code") ?? (status === "unsupported" ? str("reason") : status !== undefined && status.toLowerCase() !== "ok" ? status : undefined);
  if (code !== undefined) out.serverCode = cap(code, 100);
  return out;
}

/** The shared fetch wrapper. One per client; it holds the key and its redactor. */
export class RestTransport {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: RestFetch;
  readonly #redactor: Redactor;

  constructor(options: RestTransportOptions) {
    this.baseUrl = options.baseUrl;
    this.#apiKey = options.apiKey === undefined ? undefined : checkApiKey(options.apiKey);
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#redactor = createRedactor([this.#apiKey, options.apiKey]);
  }

  /** The redactor of this transport's key (for callers that build their own errors). */
  get redactor(): Redactor {
    return this.#redactor;
  }

  /**
   * Sends one request (no retry: see `retryAsync`). Resolves with a 2xx answer; rejects with an
   * {@link ExitApiError} of kind `transport`, `timeout`, `aborted`, `http_status` (non-2xx, or a
   * redirect, which is never followed) or `parse` (a 2xx body over its cap).
   */
  async request(call: RestCall): Promise<RestReply> {
    const what = `${call.method} ${call.path}`;
    const redact = this.#redactor.text;
    let url = `${this.baseUrl}${call.path}`;
    if (call.query !== undefined) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(call.query)) if (v !== undefined) q.set(k, String(v));
      const s = q.toString();
      if (s !== "") url += `?${s}`;
    }
    const headers: Record<string, string> = { accept: "application/json" };
    let body: string | undefined;
    if (call.body !== undefined) {
      headers["content-type"] = "application/json";
      body = writeJson(call.body);
    }
    if (this.#apiKey !== undefined) headers["x-api-key"] = this.#apiKey;

    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(new TimeoutError(call.timeoutMs, `${what} timed out after ${call.timeoutMs} ms`)), call.timeoutMs);
    const signal = anySignal([call.signal, timer.signal]);
    const fail = (cause: unknown): ExitApiError => {
      const safe = this.#redactor.error(cause);
      return new ExitApiError(redact(`${what} failed: ${safe.message}`), { kind: "transport" }, { cause: safe });
    };
    try {
      const init: RequestInit = { method: call.method, headers, redirect: "manual", signal };
      if (body !== undefined) init.body = body;
      let response: Response;
      try {
        response = await raceAbort(this.#fetch(url, init), signal);
      } catch (err) {
        throw this.#stopped(signal) ?? fail(err);
      }
      const status = response.status;
      if (status >= 300 && status < 400) {
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get("location");
        let to = "";
        try {
          to = location === null ? "" : ` to ${new URL(location, url).origin}`;
        } catch {
          // unreadable Location: say nothing about it
        }
        throw new ExitApiError(redact(`${what}: refused to follow the HTTP ${status} redirect${to}; redirects are never followed (the API key would travel with them)`), { kind: "http_status", status });
      }
      const ok = status >= 200 && status < 300;
      let read: { text: string; truncated: boolean };
      try {
        read = await raceAbort(readCapped(response, ok ? (call.maxBodyBytes ?? MAX_SUCCESS_BODY_BYTES) : MAX_ERROR_BODY_BYTES), signal);
      } catch (err) {
        throw this.#stopped(signal) ?? fail(err);
      }
      const text = redact(read.text);
      if (!ok) {
        const summary = summarizeErrorBody(text);
        const details: ExitApiErrorDetails = { kind: "http_status", status, ...summary };
        const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
        if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs;
        const why = summary.body === undefined ? "" : `: ${summary.body}`;
        throw new ExitApiError(`${what}: HTTP ${status}${why}`, details);
      }
      if (read.truncated) {
        throw new ExitApiError(`${what}: the response body exceeds ${call.maxBodyBytes ?? MAX_SUCCESS_BODY_BYTES} bytes`, { kind: "parse", status });
      }
      return { status, text };
    } finally {
      clearTimeout(timeout);
      // Fires the combined signal too, which detaches its listener from the caller's signal (a
      // long-lived signal reused for many calls must not collect one listener per call).
      timer.abort();
    }
  }

  /**
   * The typed error for a request that stopped because its signal fired, or undefined: `timeout`
   * when the reason is a {@link TimeoutError} (this request's timer or a `retryAsync` deadline),
   * `aborted` otherwise (the caller's signal).
   */
  #stopped(signal: AbortSignal): ExitApiError | undefined {
    if (!signal.aborted) return undefined;
    const reason: unknown = signal.reason;
    const timedOut = reason instanceof TimeoutError;
    const message = timedOut ? reason.message : "the request was aborted";
    return new ExitApiError(this.#redactor.text(message), { kind: timedOut ? "timeout" : "aborted" }, { cause: this.#redactor.error(reason) });
  }
}

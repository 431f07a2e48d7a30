/**
 * The one place the tx layer posts JSON-RPC (`sendTransaction`, the confirmation's reads, the
 * simulation): one POST to a resolved {@link Endpoint}, redirects never followed, the answer read
 * up to a cap, and every failure a {@link SubmitError} that names the endpoint by origin only.
 */
import { SubmitError } from "../errors.js";
import { MAX_ERROR_BODY_BYTES, MAX_SUCCESS_BODY_BYTES } from "../rest/http.js";
import { readCapped } from "../util/body.js";
import type { Endpoint } from "./targets.js";

/** `fetch`'s signature, for injecting another implementation. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** The failure codes of a JSON-RPC call. */
export type RpcFailureCode = "rpc" | "connection" | "timeout" | "aborted";

/** What a {@link SubmitError} adds to its endpoint (internal). */
export interface RpcFailureDetails {
  status?: number;
  rpcCode?: number;
  rpcMessage?: string;
  rpcData?: unknown;
}

/** How one call is bounded and counted (internal). */
export interface RpcCallContext {
  /** Aborts the request and the body read. */
  readonly signal: AbortSignal;
  /** Why `signal` aborted: its time limit or the caller (see `deadline` in `util/abort`). */
  readonly reason: () => "timeout" | "aborted" | undefined;
  /** The time limit, for the timeout's message. */
  readonly timeoutMs: number;
  /** Attempts made so far, this one included (reported by the error). */
  readonly attempts: number;
  /** @defaultValue `globalThis.fetch` */
  readonly fetch?: FetchLike | undefined;
}

let nextId = 1;

/** `"<kind> (<origin>)"`: how an error names an endpoint. */
export function endpointName(endpoint: Endpoint): string {
  return `${endpoint.label} (${endpoint.origin})`;
}

/** A {@link SubmitError} about `endpoint`, its message and cause redacted (internal). */
export function rpcFailure(endpoint: Endpoint, attempts: number, code: RpcFailureCode, message: string, extra: RpcFailureDetails = {}, cause?: unknown): SubmitError {
  const { redactor } = endpoint;
  return new SubmitError(
    redactor.text(message),
    { code, target: endpoint.label, endpoint: endpoint.origin, attempts, ...extra },
    cause === undefined ? undefined : { cause: redactor.error(cause) },
  );
}

/** The `timeout` or `aborted` error of a call whose signal fired (internal). */
export function rpcStopped(endpoint: Endpoint, method: string, context: RpcCallContext, cause?: unknown): SubmitError {
  const where = endpointName(endpoint);
  return context.reason() === "timeout"
    ? rpcFailure(endpoint, context.attempts, "timeout", `${method} to ${where} timed out after ${context.timeoutMs} ms (${context.attempts} attempt(s))`, {}, cause)
    : rpcFailure(endpoint, context.attempts, "aborted", `${method} to ${where} was aborted`, {}, cause);
}

/** Shortens a response body for an error message (internal). */
export function summarizeBody(body: string): string {
  const t = body.trim();
  return t.length > 300 ? `${t.slice(0, 300)}...` : t;
}

/** The JSON-RPC `error` of a response body, if any. */
function rpcErrorOf(body: string): { code?: number; message?: string; data?: unknown } | undefined {
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
 * Posts one JSON-RPC request and resolves with its `result` (which may be `undefined`; the caller
 * checks its shape). Rejects with {@link SubmitError}: `"connection"` when the request or the body
 * read failed in transport (the only failure worth retrying), `"timeout"`/`"aborted"` when the
 * context's signal fired, `"rpc"` for a JSON-RPC error, a non-2xx status (a redirect included: it is
 * never followed, the endpoint's credentials would travel with it), a body that is not JSON or one
 * over its cap ({@link MAX_SUCCESS_BODY_BYTES}; an error body is read up to
 * {@link MAX_ERROR_BODY_BYTES}).
 */
export async function postJsonRpc(endpoint: Endpoint, method: string, params: readonly unknown[], context: RpcCallContext): Promise<unknown> {
  const { redactor } = endpoint;
  const where = endpointName(endpoint);
  const fail = (code: RpcFailureCode, message: string, extra: RpcFailureDetails = {}, cause?: unknown): SubmitError =>
    rpcFailure(endpoint, context.attempts, code, message, extra, cause);
  const doFetch: FetchLike = context.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const body = JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params });
  let response: Response;
  let read: { text: string; truncated: boolean };
  try {
    response = await doFetch(endpoint.url, { method: "POST", headers: endpoint.headers, body, signal: context.signal, redirect: "manual" });
    read = await readCapped(response, response.ok ? MAX_SUCCESS_BODY_BYTES : MAX_ERROR_BODY_BYTES);
  } catch (err) {
    if (context.signal.aborted) throw rpcStopped(endpoint, method, context, err);
    throw fail("connection", `${method} to ${where} failed after ${context.attempts} attempt(s): ${(err as Error).message ?? String(err)}`, {}, err);
  }
  const { status } = response;
  if (read.truncated && response.ok) {
    throw fail("rpc", `${method} to ${where}: the answer exceeds ${MAX_SUCCESS_BODY_BYTES} bytes and was refused unread`, { status });
  }
  const text = read.text;
  const rpc = rpcErrorOf(text);
  const details: RpcFailureDetails = { status };
  if (rpc?.code !== undefined) details.rpcCode = rpc.code;
  if (rpc?.message !== undefined) details.rpcMessage = redactor.text(rpc.message);
  if (rpc?.data !== undefined) details.rpcData = redactor.value(rpc.data);
  const rpcText = rpc === undefined ? "" : `JSON-RPC error${rpc.code === undefined ? "" : ` ${rpc.code}`}: ${rpc.message ?? "(no message)"}`;
  if (status >= 300 && status < 400) {
    throw fail("rpc", `${method} to ${where} answered HTTP ${status}, a redirect: refused, redirects are never followed (the endpoint's credentials would travel with them)`, details);
  }
  if (!response.ok) {
    throw fail("rpc", `${method} to ${where} answered HTTP ${status}: ${rpcText !== "" ? rpcText : summarizeBody(redactor.text(text)) || "(empty body)"}`, details);
  }
  if (rpc !== undefined) throw fail("rpc", `${method} to ${where} returned ${rpcText}`, details);
  try {
    return (JSON.parse(text) as { result?: unknown }).result;
  } catch (err) {
    throw fail("rpc", `${method} to ${where} answered with a body that is not JSON: ${summarizeBody(redactor.text(text))}`, { status }, err);
  }
}

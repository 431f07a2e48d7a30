/**
 * Keeping Helius Sender warm: `pingHeliusSender` (`GET /ping`, never rejects) and
 * `startHeliusSenderWarmLoop`, an `unref`'d interval of pings so a send finds a warm connection.
 */
import { StreamValidationError } from "../errors.js";
import type { FetchLike } from "./rpc.js";
import { HELIUS_SENDER_BASE_URL, HELIUS_SENDER_PING_URL } from "./targets.js";
import { TX_DEFAULTS } from "./defaults.js";

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
  const timeout = AbortSignal.timeout(options.timeoutMs ?? TX_DEFAULTS.heliusWarm.timeoutMs);
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
  const intervalMs = options.intervalMs ?? TX_DEFAULTS.heliusWarm.intervalMs;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new StreamValidationError("intervalMs: must be a positive number", { issues: [{ path: "intervalMs", message: "must be a positive number" }] });
  }
  const controller = new AbortController();
  let inFlight = false;
  const ping = (): void => {
    if (inFlight || controller.signal.aborted) return;
    inFlight = true;
    void pingHeliusSender({ ...options, timeoutMs: Math.min(options.timeoutMs ?? TX_DEFAULTS.heliusWarm.timeoutMs, intervalMs), signal: controller.signal }).finally(() => {
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

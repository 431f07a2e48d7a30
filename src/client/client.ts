/**
 * `StreamClient`: holds the API key and options, and opens connections.
 */
import { StreamValidationError } from "../errors.js";
import { registerWallet, type RegisterWalletOptions, type WalletOwnershipProof } from "../rest/register.js";
import { validateStrategy, type IntMode } from "../protocol/index.js";
import { StreamConnection, type ConnectionParams } from "./connection.js";
import { checkApiKey, checkEndpoint } from "./endpoint.js";
import { StreamConnectionLanes } from "./lanes.js";
import {
  LOCAL_STREAM_ENDPOINT,
  STREAM_ENDPOINT,
  type ConnectOptions,
  type LanesOptions,
  type StreamClientOptions,
  type StreamConfigure,
} from "./types.js";

/**
 * The client's defaults, as documented on {@link StreamClientOptions}: read-only (frozen), for
 * those who derive their own options from them.
 */
export const STREAM_CLIENT_DEFAULTS = Object.freeze({
  handshakeTimeoutMs: 10_000,
  heartbeat: Object.freeze({ intervalMs: 5_000, timeoutMs: 5_000 } as const),
  // 50 ms: the first attempt after a stable link waits 25-50 ms (back in well under 100 ms); a
  // fleet reconnecting after a server restart is still spread, and doubles from there.
  reconnect: Object.freeze({ initialDelayMs: 50, maxDelayMs: 5_000, maxAttempts: Infinity, minUptimeMs: 2_000 } as const),
  lowPriorityCapacity: 1024,
  maxPendingHigh: 4096,
  maxPendingUnknown: 256,
  // The largest real frame is an exit_signal_with_tx (or mirror_buy_signal) carrying a full-size
  // transaction (1232 bytes -> 1644 base64 characters) and every field at its widest (u64 maxima,
  // the Raydium LaunchLab context): 2650 bytes; the largest fixture is 1188. 64 KiB is ~24x that.
  // `docs/connection.md` states the derivation.
  maxPayload: 64 * 1024,
} as const);

function nonNegative(value: number | undefined, fallback: number, path: string, allowInfinity = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0 || (!allowInfinity && !Number.isFinite(value))) {
    throw new StreamValidationError(`option ${path} must be a non-negative number`, { issues: [
      { path, message: "must be a non-negative number" },
    ] });
  }
  return value;
}

/**
 * Entry point of the stream: `new StreamClient(apiKey, options)`, then `connect(configure)`.
 * Generic over the integer mode: `{ ints: "bigint" }` delivers u64/i64 fields as exact `bigint`s.
 *
 * The API key travels only in the `x-api-key` header of the upgrade request; it never appears in
 * an error, event or debug line.
 *
 * @example
 * ```ts
 * const client = new StreamClient(process.env.LASERSELL_API_KEY!, { ints: "bigint" });
 * const connection = await client.connect({
 *   wallet_pubkeys: [wallet],
 *   strategy: { target_profit_pct: 20, stop_loss_pct: 10 },
 *   deadline_timeout_sec: 45,
 * });
 * for await (const message of connection) handle(message);
 * ```
 */
export class StreamClient<M extends IntMode = "number"> {
  readonly #apiKey: string;
  readonly #options: StreamClientOptions<M>;
  #endpoint: string | undefined;
  #local: boolean;
  /** @internal Tests inject a deterministic jitter source. */
  random: () => number = Math.random;

  constructor(apiKey: string, options: StreamClientOptions<M> = {}) {
    this.#apiKey = checkApiKey(apiKey);
    this.#options = options;
    this.#local = options.local ?? false;
    this.#endpoint = options.endpoint;
    this.#resolvedParams(); // refuse bad options (an insecure endpoint, a negative delay) now
  }

  /** Uses `endpoint` instead of the default (trimmed; wins over local mode). */
  withEndpoint(endpoint: string): this {
    checkEndpoint(endpoint, this.#options.allowInsecure ?? false);
    this.#endpoint = endpoint.trim();
    return this;
  }

  /** `true`: connect to `ws://localhost:8082/v1/ws` (unless an explicit endpoint is set). */
  withLocalMode(local: boolean): this {
    this.#local = local;
    return this;
  }

  /** The endpoint `connect()` will use. */
  get endpoint(): string {
    return this.#endpoint ?? (this.#local ? LOCAL_STREAM_ENDPOINT : STREAM_ENDPOINT);
  }

  /**
   * Opens a connection: validates `configure` (before any I/O), opens the socket, sends
   * `configure` and resolves at `hello_ok` (which `recv()` also yields).
   *
   * Rejects with `StreamValidationError` (bad configure or endpoint), `StreamAuthError` (HTTP
   * 401/403), `StreamHandshakeError` (the server answered with an `error`, carrying its code and
   * message), `StreamTimeoutError` (no `hello_ok` within `handshakeTimeoutMs`), a `StreamError`
   * with code `aborted` (the signal fired) or `connection` (network failure). On rejection
   * nothing is left open. The first connect is never retried.
   */
  async connect(configure: StreamConfigure, options: ConnectOptions = {}): Promise<StreamConnection<M>> {
    const params = this.#resolvedParams();
    validateStrategy(configure?.strategy, configure?.deadline_timeout_sec);
    const connection = new StreamConnection<M>(params, configure);
    await connection._open(options.signal);
    return connection;
  }

  /**
   * Registers a wallet to this client's API key (protocol.md section 15): the REST call of
   * {@link registerWallet}, with the key kept inside the client. In local mode the REST base is
   * `http://localhost:8080` unless `options.baseUrl` is given.
   */
  registerWallet(proof: WalletOwnershipProof, options: Omit<RegisterWalletOptions, "local"> = {}): Promise<void> {
    return registerWallet(this.#apiKey, proof, { local: this.#local, ...options });
  }

  /**
   * The official SDK's lanes: one connection, two receivers. `high` yields everything but
   * `pnl_update`, `liquidity_snapshot` and `trade_tick` (never dropped); `low` yields those (the
   * inbox's bounded low-priority part: latest per position, ticks in a ring of
   * `lowPriorityCapacity`). Read both; the lanes do not wait for each other.
   */
  async connectLanes(configure: StreamConfigure, options: LanesOptions = {}): Promise<StreamConnectionLanes<M>> {
    const params = this.#resolvedParams();
    if (options.lowPriorityCapacity !== undefined) {
      params.lowPriorityCapacity = Math.max(1, nonNegative(options.lowPriorityCapacity, 1, "lowPriorityCapacity"));
    }
    validateStrategy(configure?.strategy, configure?.deadline_timeout_sec);
    const connection = new StreamConnection<M>(params, configure);
    await connection._open(options.signal);
    return new StreamConnectionLanes(connection);
  }

  #resolvedParams(): ConnectionParams<M> {
    const o = this.#options;
    const url = checkEndpoint(this.endpoint, o.allowInsecure ?? false);
    const d = STREAM_CLIENT_DEFAULTS;
    const hb = o.heartbeat ?? {};
    const rc = o.reconnect;
    return {
      url,
      apiKey: this.#apiKey,
      ints: (o.ints ?? "number") as M,
      handshakeTimeoutMs: Math.max(1, nonNegative(o.handshakeTimeoutMs, d.handshakeTimeoutMs, "handshakeTimeoutMs")),
      heartbeat: {
        intervalMs: Math.max(1, nonNegative(hb.intervalMs, d.heartbeat.intervalMs, "heartbeat.intervalMs")),
        timeoutMs: Math.max(1, nonNegative(hb.timeoutMs, d.heartbeat.timeoutMs, "heartbeat.timeoutMs")),
      },
      reconnect:
        rc === false
          ? false
          : {
              initialDelayMs: nonNegative(rc?.initialDelayMs, d.reconnect.initialDelayMs, "reconnect.initialDelayMs"),
              maxDelayMs: nonNegative(rc?.maxDelayMs, d.reconnect.maxDelayMs, "reconnect.maxDelayMs"),
              maxAttempts: nonNegative(rc?.maxAttempts, d.reconnect.maxAttempts, "reconnect.maxAttempts", true),
              minUptimeMs: nonNegative(rc?.minUptimeMs, d.reconnect.minUptimeMs, "reconnect.minUptimeMs"),
            },
      lowPriorityCapacity: Math.max(1, nonNegative(o.lowPriorityCapacity, d.lowPriorityCapacity, "lowPriorityCapacity")),
      maxPendingHigh: Math.max(1, nonNegative(o.maxPendingHigh, d.maxPendingHigh, "maxPendingHigh")),
      maxPendingUnknown: nonNegative(o.maxPendingUnknown, d.maxPendingUnknown, "maxPendingUnknown"),
      maxPayload: Math.max(1024, nonNegative(o.maxPayload, d.maxPayload, "maxPayload")),
      random: this.random,
    };
  }
}

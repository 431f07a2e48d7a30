/**
 * The LaserSell Exit API client (`ExitApiClient`): build unsigned sell and buy transactions,
 * register and unregister wallets, read the account and the trade history. Same names,
 * constructors and builder calls as the official SDK; requests and answers validated with zod;
 * u64 amounts exact (`bigint` accepted, written as bare JSON integers); retries only where they are
 * safe, on the library's one {@link RetryPolicy}. The requests and answers themselves (types,
 * schemas, `parseBuildTxResponse`) are in `exit-api-messages.ts`.
 */
import { ExitApiError, StreamValidationError } from "../errors.js";
import type { MarketContext, SendMode } from "../protocol/schemas.js";
import { retryAsync, type RetryPolicy } from "../util/retry.js";
import { API_BASE_URL, LOCAL_API_BASE_URL, RestTransport, resolveBaseUrl, type RestCall, type RestFetch } from "./http.js";
import { postRegistration, type WalletOwnershipProof } from "./register.js";
import {
  AccountSchema,
  BuildBuyTxRequestSchema,
  BuildSellTxRequestSchema,
  HealthSchema,
  HistorySchema,
  TradeHistoryQuerySchema,
  UnregisterRequestSchema,
  UnregisterSchema,
  answer,
  dropUndefined,
  parseBuildTxResponse,
  validate,
  type BuildBuyTxRequest,
  type BuildSellTxRequest,
  type BuildTxResponse,
  type ExitApiAccount,
  type MarketContextLike,
  type SellOutput,
  type TradeHistory,
  type TradeHistoryQuery,
  type U64Input,
} from "./exit-api-messages.js";

/** Production REST base (the official SDK's name). */
export const EXIT_API_BASE_URL = API_BASE_URL;
/**
 * Local REST base: `http://localhost:8082`, where `lasersell-stream mock` serves everything (the
 * official SDK's is `http://localhost:8080`).
 */
export const LOCAL_EXIT_API_BASE_URL = LOCAL_API_BASE_URL;

/** The official SDK's defaults, which this client keeps. Milliseconds. */
export const EXIT_API_DEFAULTS = Object.freeze({
  connect_timeout_ms: 200,
  attempt_timeout_ms: 900,
  max_attempts: 2,
  backoff_ms: 25,
  jitter_ms: 25,
} as const);

/**
 * The retry policy `ExitApiClient` uses by default: 2 attempts, 25 ms backoff, 25 ms jitter. (The
 * official SDK exports a different, unused `DEFAULT_RETRY_POLICY`; this one is what the client does.)
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  max_attempts: EXIT_API_DEFAULTS.max_attempts,
  initial_backoff_ms: EXIT_API_DEFAULTS.backoff_ms,
  max_backoff_ms: EXIT_API_DEFAULTS.backoff_ms,
  jitter_ms: EXIT_API_DEFAULTS.jitter_ms,
});

/** Longest `Retry-After` the client waits out by itself; a longer one fails the call (the error carries it). */
export const MAX_RETRY_AFTER_MS = 10_000;

/** The official SDK's constructor options (all optional). */
export interface ExitApiClientOptions {
  /** Kept for parity; only `attempt_timeout_ms` bounds an attempt (the larger of the two is used). */
  connect_timeout_ms: number;
  /** Bound on one attempt: connect, headers, body. @defaultValue 900 */
  attempt_timeout_ms: number;
  /** @defaultValue {@link DEFAULT_RETRY_POLICY} */
  retry_policy: RetryPolicy;
  fetch_impl: RestFetch;
}

/** This library's options object (camelCase). Every field optional. */
export interface ExitApiClientConfig {
  apiKey?: string;
  /** @defaultValue `https://api.lasersell.io` */
  baseUrl?: string;
  /** Use {@link LOCAL_EXIT_API_BASE_URL} (an explicit `baseUrl` wins). @defaultValue false */
  local?: boolean;
  /** Bound on one attempt. @defaultValue 900 */
  attemptTimeoutMs?: number;
  /** @defaultValue {@link DEFAULT_RETRY_POLICY} */
  retry?: RetryPolicy;
  /** Longest `Retry-After` waited out. @defaultValue 10_000 (`MAX_RETRY_AFTER_MS`) */
  maxRetryAfterMs?: number;
  /** Allow `http://` to a host that is not loopback. @defaultValue false */
  allowInsecure?: boolean;
  /** @defaultValue `globalThis.fetch` */
  fetch?: RestFetch;
}

/** Per-call options. */
export interface ExitApiCallOptions {
  /** Cancels the call (retries and backoff included); rejects with kind `"aborted"`. */
  signal?: AbortSignal;
  /** Bound on the whole call, retries and backoff included; rejects with kind `"timeout"`. */
  timeoutMs?: number;
}

/** What {@link ExitApiClient.buildPartialSellTx} needs of a position (a `PositionHandle` fits). */
export interface PartialSellPosition {
  readonly mint: string;
  readonly wallet_pubkey: string;
  /** When known, the amount sold may not exceed it. */
  readonly tokens?: number | bigint;
  readonly market_context?: MarketContext | MarketContextLike | undefined;
}

/** Options of {@link ExitApiClient.buildPartialSellTx} (the official's two plus what it drops). */
export interface PartialSellOptions extends ExitApiCallOptions {
  slippageBps: number;
  /** @defaultValue "SOL" */
  output?: SellOutput;
  mode?: string;
  sendMode?: SendMode;
  tipLamports?: U64Input;
  /** @defaultValue the position's `market_context` */
  marketContext?: MarketContext | MarketContextLike;
  partnerFeeRecipient?: string;
  partnerFeeBps?: number;
  partnerFeeLamports?: U64Input;
}


// ---- the client --------------------------------------------------------------------------------

/**
 * The Exit API client. Migrating from `@lasersell/lasersell-sdk` is an import swap: the same
 * constructors (`new ExitApiClient(apiKey, options)`, `withApiKey`, `withOptions`, `connect`),
 * builders (`withLocalMode`, `withBaseUrl`, which mutate and return the client) and methods. Added:
 * an options object (`new ExitApiClient({ apiKey, baseUrl, ... })`), per-call `{ signal, timeoutMs }`,
 * the account, history, unregister and health endpoints.
 *
 * Retries (on the client's {@link RetryPolicy}) happen only where another attempt is harmless:
 * builds (they make unsigned transactions; nothing moves until you sign and send), reads,
 * registration and unregistration (idempotent). Transport failures, timeouts, 429 and 5xx are
 * retried; `Retry-After` is honoured up to `maxRetryAfterMs` (10 s).
 *
 * @example
 * ```ts
 * import { ExitApiClient } from "lasersell-stream";
 *
 * const client = ExitApiClient.withApiKey("my-api-key");
 * const { tx } = await client.buildSellTx(
 *   { mint: "So11111111111111111111111111111111111111112", user_pubkey: "11111111111111111111111111111111", amount_tokens: 1_000_000n, output: "SOL", slippage_bps: 500 },
 *   { timeoutMs: 3_000 },
 * );
 * ```
 */
export class ExitApiClient {
  readonly #apiKey: string | undefined;
  readonly #attemptTimeoutMs: number;
  readonly #policy: RetryPolicy;
  readonly #maxRetryAfterMs: number;
  readonly #fetch: RestFetch | undefined;
  readonly #allowInsecure: boolean;
  #local = false;
  #baseUrl: string | undefined;
  #transport: RestTransport | undefined;

  /** The official SDK's form: an optional key and its snake_case options. */
  constructor(apiKey?: string, options?: Partial<ExitApiClientOptions>);
  /** This library's form: one options object. */
  constructor(config: ExitApiClientConfig);
  constructor(apiKeyOrConfig?: string | ExitApiClientConfig, options: Partial<ExitApiClientOptions> = {}) {
    const config: ExitApiClientConfig =
      typeof apiKeyOrConfig === "object" && apiKeyOrConfig !== null
        ? apiKeyOrConfig
        : dropUndefined({
            apiKey: apiKeyOrConfig,
            attemptTimeoutMs:
              options.attempt_timeout_ms === undefined && options.connect_timeout_ms === undefined
                ? undefined
                : Math.max(options.attempt_timeout_ms ?? EXIT_API_DEFAULTS.attempt_timeout_ms, options.connect_timeout_ms ?? 0),
            retry: options.retry_policy,
            fetch: options.fetch_impl,
          });
    const positive = (v: number | undefined, d: number, path: string): number => {
      if (v === undefined) return d;
      if (!Number.isFinite(v) || v <= 0) throw new StreamValidationError(`${path}: must be a positive number`, { issues: [{ path, message: "must be a positive number" }] });
      return v;
    };
    this.#apiKey = config.apiKey;
    this.#attemptTimeoutMs = positive(config.attemptTimeoutMs, EXIT_API_DEFAULTS.attempt_timeout_ms, "attemptTimeoutMs");
    this.#maxRetryAfterMs = positive(config.maxRetryAfterMs, MAX_RETRY_AFTER_MS, "maxRetryAfterMs");
    this.#policy = { ...(config.retry ?? DEFAULT_RETRY_POLICY) };
    this.#fetch = config.fetch;
    this.#allowInsecure = config.allowInsecure === true;
    this.#local = config.local === true;
    if (config.baseUrl !== undefined) this.withBaseUrl(config.baseUrl);
    // Checks the key (and the base) now, not at the first call.
    this.#transport = this.#makeTransport();
  }

  /** A client with a key and the default options. */
  static withApiKey(apiKey: string): ExitApiClient {
    return new ExitApiClient(apiKey);
  }

  /** A client with explicit (official, snake_case) options. */
  static withOptions(apiKey: string | undefined, options: Partial<ExitApiClientOptions>): ExitApiClient {
    return new ExitApiClient(apiKey, options);
  }

  /** Creates a client and registers each proof in turn (stops at the first failure). */
  static async connect(apiKey: string, proofs: WalletOwnershipProof[], options?: Partial<ExitApiClientOptions>): Promise<ExitApiClient> {
    const client = new ExitApiClient(apiKey, options);
    for (const proof of proofs) await client.registerWallet(proof);
    return client;
  }

  /** Switches to {@link LOCAL_EXIT_API_BASE_URL} (an explicit base URL still wins). Mutates and returns this client. */
  withLocalMode(local: boolean): this {
    this.#local = local;
    this.#transport = undefined;
    return this;
  }

  /** Overrides the base URL (trimmed, trailing slashes dropped, checked). Mutates and returns this client. */
  withBaseUrl(baseUrl: string): this {
    this.#baseUrl = resolveBaseUrl({ baseUrl, allowInsecure: this.#allowInsecure });
    this.#transport = undefined;
    return this;
  }

  /** The base URL requests go to now. */
  get baseUrl(): string {
    return this.#transportNow().baseUrl;
  }

  /** Builds an unsigned sell transaction (`POST /v1/sell`). */
  async buildSellTx(request: BuildSellTxRequest, options: ExitApiCallOptions = {}): Promise<BuildTxResponse> {
    const body = validate(BuildSellTxRequestSchema, request, "BuildSellTxRequest");
    const reply = await this.#call({ method: "POST", path: "/v1/sell", body }, options);
    return parseBuildTxResponse(reply);
  }

  /** {@link buildSellTx}, resolving to the base64 transaction only. */
  async buildSellTxB64(request: BuildSellTxRequest, options: ExitApiCallOptions = {}): Promise<string> {
    return (await this.buildSellTx(request, options)).tx;
  }

  /**
   * Sells part of a position (`POST /v1/sell` with the handle's mint and wallet). Keeps the
   * position's `market_context` and takes `sendMode`, `tipLamports`, `mode` and partner fees (the
   * official drops them). The amount must be positive and, when the handle knows its tokens, at
   * most that. Also accepts the official README's positional form `(handle, amount, slippageBps, output?)`.
   */
  buildPartialSellTx(handle: PartialSellPosition, amountTokens: U64Input, options: PartialSellOptions): Promise<BuildTxResponse>;
  buildPartialSellTx(handle: PartialSellPosition, amountTokens: U64Input, slippageBps: number, output?: SellOutput): Promise<BuildTxResponse>;
  async buildPartialSellTx(
    handle: PartialSellPosition,
    amountTokens: U64Input,
    optionsOrBps: PartialSellOptions | number,
    output?: SellOutput,
  ): Promise<BuildTxResponse> {
    const o: PartialSellOptions = typeof optionsOrBps === "number" ? dropUndefined({ slippageBps: optionsOrBps, output }) : optionsOrBps;
    const bad = (path: string, message: string): never => {
      throw new StreamValidationError(`${path}: ${message}`, { issues: [{ path, message }] });
    };
    if (handle === null || typeof handle !== "object") bad("handle", "expected a position handle");
    const amount = typeof amountTokens === "bigint" ? amountTokens : Number.isSafeInteger(amountTokens) ? BigInt(amountTokens) : bad("amountTokens", "must be an integer (number or bigint)");
    if (amount <= 0n) bad("amountTokens", "must be positive");
    if (handle.tokens !== undefined && amount > BigInt(handle.tokens)) bad("amountTokens", `${amount} exceeds the position's ${handle.tokens} tokens`);
    const request: BuildSellTxRequest = dropUndefined({
      mint: handle.mint,
      user_pubkey: handle.wallet_pubkey,
      amount_tokens: amount,
      output: o.output ?? "SOL",
      slippage_bps: o.slippageBps,
      mode: o.mode,
      market_context: o.marketContext ?? handle.market_context,
      send_mode: o.sendMode,
      tip_lamports: o.tipLamports,
      partner_fee_recipient: o.partnerFeeRecipient,
      partner_fee_bps: o.partnerFeeBps,
      partner_fee_lamports: o.partnerFeeLamports,
    });
    return this.buildSellTx(request, callOptions(o));
  }

  /**
   * Builds an unsigned buy transaction (`POST /v1/buy`; `input` defaults to `"SOL"`).
   *
   * Connect and configure the stream for the wallet BEFORE the buy lands, or the position is never
   * tracked and no exit signals come.
   */
  async buildBuyTx(request: BuildBuyTxRequest, options: ExitApiCallOptions = {}): Promise<BuildTxResponse> {
    const body = validate(BuildBuyTxRequestSchema, request, "BuildBuyTxRequest");
    const reply = await this.#call({ method: "POST", path: "/v1/buy", body }, options);
    return parseBuildTxResponse(reply);
  }

  /**
   * Registers a wallet (`POST /v1/wallets/register`); registering again is safe. Rejects with a
   * `StreamRegistrationError` (an {@link ExitApiError}) naming the wallet.
   */
  async registerWallet(proof: WalletOwnershipProof, labelOrOptions?: string | (ExitApiCallOptions & { label?: string })): Promise<void> {
    const o = typeof labelOrOptions === "string" ? { label: labelOrOptions } : (labelOrOptions ?? {});
    const transport = this.#transportNow();
    await this.#retry((signal) => postRegistration(transport, proof, { label: o.label, timeoutMs: this.#attemptTimeoutMs, signal }), o);
  }

  /** Removes a wallet's registration (`DELETE /v1/wallets`). */
  async unregisterWallet(walletPubkey: string, options: ExitApiCallOptions = {}): Promise<{ wallet_pubkey: string; removed: boolean }> {
    const body = validate(UnregisterRequestSchema, { wallet_pubkey: walletPubkey }, "walletPubkey");
    return answer(UnregisterSchema, await this.#call({ method: "DELETE", path: "/v1/wallets", body }, options), "DELETE /v1/wallets");
  }

  /** The account's tier and limits (`GET /v1/account`). */
  async getAccount(options: ExitApiCallOptions = {}): Promise<ExitApiAccount> {
    return answer(AccountSchema, await this.#call({ method: "GET", path: "/v1/account" }, options), "GET /v1/account") as ExitApiAccount;
  }

  /** A page of the trade history, most recent first (`GET /v1/history`). */
  async getTradeHistory(query: TradeHistoryQuery = {}, options: ExitApiCallOptions = {}): Promise<TradeHistory> {
    const q = validate(
      TradeHistoryQuerySchema,
      query,
      "TradeHistoryQuery",
    );
    const reply = await this.#call({ method: "GET", path: "/v1/history", query: q, maxBodyBytes: 4 * 1024 * 1024 }, options);
    return answer(HistorySchema, reply, "GET /v1/history") as TradeHistory;
  }

  /** `GET /healthz`: resolves `true` when the service answers `{"status":"ok"}`, `false` for another status. */
  async health(options: ExitApiCallOptions = {}): Promise<boolean> {
    const r = answer(HealthSchema, await this.#call({ method: "GET", path: "/healthz" }, options), "GET /healthz");
    return r.status.toLowerCase() === "ok";
  }

  // ---- internals ----

  #makeTransport(): RestTransport {
    return new RestTransport({
      baseUrl: this.#baseUrl ?? resolveBaseUrl({ local: this.#local, allowInsecure: this.#allowInsecure }),
      apiKey: this.#apiKey,
      fetch: this.#fetch,
    });
  }

  #transportNow(): RestTransport {
    this.#transport ??= this.#makeTransport();
    return this.#transport;
  }

  #call(call: Omit<RestCall, "timeoutMs" | "signal">, options: ExitApiCallOptions): Promise<string> {
    const transport = this.#transportNow();
    return this.#retry((signal) => transport.request({ ...call, timeoutMs: this.#attemptTimeoutMs, signal }).then((r) => r.text), options);
  }

  /** Runs `attempt` on the client's policy; every failure comes out as an {@link ExitApiError}. */
  async #retry<T>(attempt: (signal: AbortSignal) => Promise<T>, options: ExitApiCallOptions): Promise<T> {
    let attempts = 0;
    try {
      return await retryAsync(
        this.#policy,
        (_n, signal) => {
          attempts++;
          return attempt(signal);
        },
        dropUndefined({
          signal: options.signal,
          deadlineMs: options.timeoutMs,
          shouldRetry: (e: unknown) => e instanceof ExitApiError && e.isRetryable() && (e.retryAfterMs ?? 0) <= this.#maxRetryAfterMs,
        }),
      );
    } catch (err) {
      if (err instanceof ExitApiError) {
        // The transport made the error without knowing how many attempts there were.
        Object.defineProperty(err, "attempts", { value: attempts, enumerable: true });
        throw err;
      }
      const e = err as { code?: unknown; message?: unknown };
      const kind = e.code === "timeout" ? "timeout" : e.code === "aborted" ? "aborted" : "transport";
      throw new ExitApiError(String(e.message), { kind, attempts }, { cause: err });
    }
  }
}

function callOptions(o: ExitApiCallOptions): ExitApiCallOptions {
  return dropUndefined({ signal: o.signal, timeoutMs: o.timeoutMs });
}

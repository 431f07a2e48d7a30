/**
 * The mock server's Exit API (`/v1/sell`, `/v1/buy`, `/v1/account`, `/v1/history`,
 * `DELETE /v1/wallets`, `/healthz`), shaped like docs.lasersell.io's `openapi.yaml`: builds real
 * unsigned transactions for the simulated positions (a sell that is submitted to the mock RPC
 * settles like an exit; a buy opens a position), keeps a trade history of closed positions,
 * rate-limits per API key with 429 and `Retry-After`, and lets a test script faults
 * ({@link ExitApiDesk.failNext}).
 *
 * Mock conventions where the real service is not documented: a sell needs an open position of the
 * wallet on the mint (`422` otherwise) and at most its tokens (`amount_tokens: 0` sells all); a
 * mint the mock never saw is `404 not_indexed`; partner fees need tier 2 (`403`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readJson, writeJson } from "../protocol/json.js";
import { readJsonBody } from "./http-body.js";
import type { MockPositionInfo } from "./positions.js";
import { isPubkey } from "./positions.js";
import type { MockLimits, MockTier } from "./session.js";

/** A scripted answer for the next Exit API request(s) (see {@link ExitApiDesk.failNext}). */
export interface ExitApiFault {
  /** HTTP status to answer with. @defaultValue 500 */
  status?: number;
  /** Response body (an object is sent as JSON). @defaultValue `{"error":"mock: injected failure"}` */
  body?: Record<string, unknown> | string;
  /** `Retry-After` header, seconds. */
  retryAfterSec?: number;
  /** Answer only after this long (a slow server; timeouts). */
  delayMs?: number;
  /** Only requests to this path (e.g. `/v1/sell`). @defaultValue every Exit API path */
  path?: string;
  /** How many requests it applies to. @defaultValue 1 */
  times?: number;
}

interface PendingFault {
  status: number;
  body: Record<string, unknown> | string;
  delayMs: number;
  times: number;
  path?: string;
  retryAfterSec?: number;
}

/** One Exit API request as the mock saw it (never the key). */
export interface ExitApiRequestRecord {
  method: string;
  path: string;
  status: number;
  /** The parsed JSON body, when there was one (u64 beyond 2^53 as `bigint`). */
  body?: unknown;
}

/** One closed position in `GET /v1/history`. */
export interface MockTradeRecord {
  id: number;
  session_id: number;
  position_id: number;
  wallet_pubkey: string;
  mint: string;
  entry_quote_units: bigint;
  exit_quote_units: bigint;
  profit_quote_units: bigint;
  tokens: bigint;
  exit_reason: string;
  market_kind: string;
  opened_at: string;
  closed_at: string;
}

/** What the desk needs from the server. */
/** The request's `send_mode` and `tip_lamports`: the built transaction pays that tip. */
export interface SendFees {
  sendMode: string | undefined;
  tipLamports: bigint | undefined;
}

function sendFees(o: Record<string, unknown>): SendFees {
  return {
    sendMode: typeof o["send_mode"] === "string" ? o["send_mode"] : undefined,
    tipLamports: u64(o["tip_lamports"], "tip_lamports", false),
  };
}

export interface ExitApiBackend {
  acceptsKey(key: string): boolean;
  readonly tier: MockTier;
  readonly limits: MockLimits;
  /** The open, owned position of `wallet` on `mint`. */
  position(wallet: string, mint: string): MockPositionInfo | undefined;
  /** Builds and records a sell of `amount` tokens of a position; returns the unsigned tx (base64). */
  sell(positionId: number, amount: bigint, fees: SendFees): string;
  /** Builds and records a buy; submitted, it opens a position. Returns the unsigned tx (base64). */
  buy(wallet: string, mint: string, lamports: bigint, marketType: string, fees: SendFees): string;
  /** Removes a wallet's registration for the key; true when it was registered. */
  unregister(wallet: string, key: string): boolean;
}

/** Requests per window per API key, or `false` for no limit. */
export type ExitApiRateLimit = { requests: number; windowMs: number } | false;

/** The real service's documented REST limit: 60 requests per minute per key. */
export const DEFAULT_EXIT_API_RATE_LIMIT: ExitApiRateLimit = { requests: 60, windowMs: 60_000 };

const PATHS = new Set(["/v1/sell", "/v1/buy", "/v1/account", "/v1/history", "/v1/wallets", "/healthz"]);
const TIER_NAMES = ["Free", "Professional", "Advanced"] as const;
const MAX_BODY = 64 * 1024;

class Answer extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body["error"] ?? body["reason"] ?? status));
  }
}
const fail = (status: number, error: string): Answer => new Answer(status, { error });

/** REST `route.market_type` spells the stream's `pump_fun` / `pump_swap` without the underscore. */
function routeMarketType(marketType: string): string {
  return marketType === "pump_fun" ? "pumpfun" : marketType === "pump_swap" ? "pumpswap" : marketType;
}

function u64(value: unknown, field: string, required: boolean): bigint | undefined {
  if (value === undefined || value === null) {
    if (required) throw fail(400, `${field} is required`);
    return undefined;
  }
  if (typeof value === "bigint" && value >= 0n && value < 2n ** 64n) return value;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw fail(400, `${field} must be an unsigned 64-bit integer`);
}

function pubkeyField(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (!isPubkey(v)) throw fail(400, field === "mint" ? "invalid mint address" : `${field} is not a base58 public key`);
  return v;
}

/**
 * The Exit API endpoints of a {@link MockStreamServer}, reachable as `server.exitApi`: scripted
 * faults, the rate limit, extra markets, and the log of requests.
 */
export class ExitApiDesk {
  /** Every Exit API request, in order (registration excluded: see the server's `registration` event). */
  readonly requests: ExitApiRequestRecord[] = [];
  /** Closed positions, oldest first (`GET /v1/history` serves them newest first). */
  readonly trades: MockTradeRecord[] = [];
  readonly #faults: PendingFault[] = [];
  readonly #hits = new Map<string, number[]>();
  readonly #markets = new Map<string, string>();
  readonly #opened = new Map<number, MockPositionInfo>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #rateLimit: ExitApiRateLimit;
  readonly #backend: ExitApiBackend;
  readonly #onRequest: () => void;

  constructor(backend: ExitApiBackend, rateLimit: ExitApiRateLimit = DEFAULT_EXIT_API_RATE_LIMIT, onRequest: () => void = () => undefined) {
    this.#backend = backend;
    this.#onRequest = onRequest;
    this.#rateLimit = rateLimit;
  }

  /** Answers the next `times` requests (to `path`, if given) with `fault` instead of serving them. */
  failNext(fault: ExitApiFault = {}): void {
    const entry: PendingFault = {
      status: fault.status ?? 500,
      body: fault.body ?? { error: "mock: injected failure" },
      delayMs: fault.delayMs ?? 0,
      times: fault.times ?? 1,
      ...(fault.path === undefined ? {} : { path: fault.path }),
      ...(fault.retryAfterSec === undefined ? {} : { retryAfterSec: fault.retryAfterSec }),
    };
    this.#faults.push(entry);
  }

  /** Changes the per-key rate limit (`false`: none). Resets the counters. */
  setRateLimit(limit: ExitApiRateLimit): void {
    this.#rateLimit = limit;
    this.#hits.clear();
  }

  /** Makes a mint buyable (`POST /v1/buy`) before any position was opened on it. */
  addMarket(mint: string, marketType = "pump_fun"): void {
    this.#markets.set(mint, marketType);
  }

  /** @internal Position lifecycle, fed by the server's events. */
  positionOpened(p: MockPositionInfo): void {
    this.#opened.set(p.position_id, p);
    if (!this.#markets.has(p.mint)) this.#markets.set(p.mint, p.market_type);
  }

  /** @internal */
  positionClosed(p: MockPositionInfo, reason: string): void {
    const open = this.#opened.get(p.position_id) ?? p;
    this.#opened.delete(p.position_id);
    if (p.watched) return;
    const exit = BigInt(Math.round(Number(open.entry_quote_units) * p.multiplier));
    this.trades.push({
      id: this.trades.length + 1,
      session_id: 1,
      position_id: p.position_id,
      wallet_pubkey: p.wallet_pubkey,
      mint: p.mint,
      entry_quote_units: open.entry_quote_units,
      exit_quote_units: exit,
      profit_quote_units: exit - open.entry_quote_units,
      tokens: open.tokens,
      exit_reason: reason,
      market_kind: p.market_type,
      opened_at: new Date(p.opened_at_ms).toISOString(),
      closed_at: new Date().toISOString(),
    });
  }

  /** @internal Cancels delayed answers. */
  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  /** Serves `req` when its path is an Exit API path; returns false otherwise. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (!PATHS.has(path)) return false;
    const method = req.method ?? "GET";
    const record: ExitApiRequestRecord = { method, path, status: 0 };
    const send = (status: number, body: Record<string, unknown> | string, headers: Record<string, string> = {}): void => {
      record.status = status;
      this.requests.push(record);
      if (!res.headersSent && !res.destroyed) {
        const text = typeof body === "string" ? body : writeJson(body);
        res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json", ...headers }).end(text);
      }
      this.#onRequest();
    };
    const answer = (err: unknown): void => {
      if (err instanceof Answer) send(err.status, err.body);
      else send(500, { error: "internal mock server error" });
    };

    const fault = this.#takeFault(path);
    if (fault !== undefined) {
      req.resume();
      const headers: Record<string, string> = fault.retryAfterSec === undefined ? {} : { "retry-after": String(fault.retryAfterSec) };
      const reply = (): void => send(fault.status, fault.body, headers);
      if (fault.delayMs > 0) {
        const t = setTimeout(() => {
          this.#timers.delete(t);
          reply();
        }, fault.delayMs);
        t.unref();
        this.#timers.add(t);
      } else reply();
      return true;
    }
    if (path === "/healthz") {
      req.resume();
      send(200, { status: "ok" });
      return true;
    }
    const header = req.headers["x-api-key"];
    const key = typeof header === "string" ? header : "";
    if (key === "" || !this.#backend.acceptsKey(key)) {
      req.resume();
      send(401, { error: key === "" ? "missing api key" : "invalid api key" });
      return true;
    }
    const wait = this.#limited(key);
    if (wait !== undefined) {
      req.resume();
      send(429, { error: "rate limit exceeded" }, { "retry-after": String(Math.max(1, Math.ceil(wait / 1000))) });
      return true;
    }
    const route = `${method} ${path}`;
    if (method === "GET") {
      req.resume();
      try {
        if (route === "GET /v1/account") send(200, this.#account());
        else if (route === "GET /v1/history") send(200, this.#history(new URL(req.url ?? "/", "http://mock").searchParams));
        else throw fail(405, `use ${path === "/v1/wallets" ? "DELETE" : "POST"}`);
      } catch (err) {
        answer(err);
      }
      return true;
    }
    readJsonBody(
      req,
      MAX_BODY,
      (result) => {
        try {
          if (result.kind === "too_large") throw fail(413, `body exceeds ${MAX_BODY} bytes`);
          if (result.kind === "invalid_json") throw fail(400, "body is not valid JSON");
          const body = result.body;
          record.body = body;
          if (body === null || typeof body !== "object" || Array.isArray(body)) throw fail(400, "body must be a JSON object");
          const o = body as Record<string, unknown>;
          if (route === "POST /v1/sell") send(200, this.#sell(o));
          else if (route === "POST /v1/buy") send(200, this.#buy(o));
          else if (route === "DELETE /v1/wallets") send(200, this.#unregister(o, key));
          else throw fail(405, `method ${method} not allowed on ${path}`);
        } catch (err) {
          answer(err);
        }
      },
      readJson,
    );
    return true;
  }

  #takeFault(path: string): PendingFault | undefined {
    const i = this.#faults.findIndex((f) => f.path === undefined || f.path === path);
    const f = this.#faults[i];
    if (f === undefined) return undefined;
    if (--f.times <= 0) this.#faults.splice(i, 1);
    return f;
  }

  /** Milliseconds until `key` may send again, or undefined when it may now (and counts it). */
  #limited(key: string): number | undefined {
    if (this.#rateLimit === false) return undefined;
    const now = Date.now();
    const { requests, windowMs } = this.#rateLimit;
    const list = (this.#hits.get(key) ?? []).filter((t) => now - t < windowMs);
    this.#hits.set(key, list);
    const oldest = list[0];
    if (list.length >= requests && oldest !== undefined) return oldest + windowMs - now;
    list.push(now);
    return undefined;
  }

  #checkCommon(o: Record<string, unknown>): { mint: string; wallet: string } {
    const mint = pubkeyField(o, "mint");
    const wallet = pubkeyField(o, "user_pubkey");
    const bps = o["slippage_bps"];
    if (typeof bps !== "number" || !Number.isInteger(bps) || bps < 0 || bps > 10_000) throw fail(400, "slippage_bps must be an integer 0..10000");
    u64(o["tip_lamports"], "tip_lamports", false);
    const feeBps = o["partner_fee_bps"];
    const feeLamports = u64(o["partner_fee_lamports"], "partner_fee_lamports", false);
    if (feeBps !== undefined && feeLamports !== undefined) throw fail(400, "partner_fee_bps and partner_fee_lamports are mutually exclusive");
    if ((feeBps !== undefined || feeLamports !== undefined || o["partner_fee_recipient"] !== undefined) && this.#backend.tier < 2) {
      throw fail(403, "partner fees require the Advanced tier");
    }
    return { mint, wallet };
  }

  #notIndexed(mint: string): Answer {
    return new Answer(404, { status: "not_indexed", mint, reason: "mint not indexed yet; try again shortly" });
  }

  #sell(o: Record<string, unknown>): Record<string, unknown> {
    const { mint, wallet } = this.#checkCommon(o);
    const amount = u64(o["amount_tokens"], "amount_tokens", true) ?? 0n;
    if (o["output"] !== "SOL" && o["output"] !== "USD1") throw fail(400, "output must be SOL or USD1");
    const marketType = this.#markets.get(mint);
    if (marketType === undefined) throw this.#notIndexed(mint);
    const p = this.#backend.position(wallet, mint);
    if (p === undefined) throw fail(422, `no route: wallet ${wallet} holds no open position on ${mint}`);
    if (amount > p.tokens) throw fail(422, `amount_tokens ${amount} exceeds the ${p.tokens} tokens held`);
    const tx = this.#backend.sell(p.position_id, amount === 0n ? p.tokens : amount, sendFees(o));
    return { tx, route: { market_type: routeMarketType(p.market_type), pool_id: `mock-pool-${mint.slice(0, 8)}` }, debug: {} };
  }

  #buy(o: Record<string, unknown>): Record<string, unknown> {
    const { mint, wallet } = this.#checkCommon(o);
    const input = o["input"] ?? "SOL";
    if (input !== "SOL" && input !== "USD1") throw fail(400, "input must be SOL or USD1");
    const total = u64(o["amount_in_total"], "amount_in_total", false);
    const human = o["amount"];
    if ((total === undefined) === (human === undefined)) throw fail(400, "give exactly one of amount and amount_in_total");
    if (human !== undefined && (typeof human !== "number" || !(human > 0) || !Number.isFinite(human))) throw fail(400, "amount must be a positive number");
    const units = total ?? BigInt(Math.round((human as number) * (input === "SOL" ? 1e9 : 1e6)));
    if (units === 0n) throw fail(400, "nothing to buy");
    const marketType = this.#markets.get(mint);
    if (marketType === undefined) throw this.#notIndexed(mint);
    const tx = this.#backend.buy(wallet, mint, units, marketType, sendFees(o));
    return { tx, route: { market_type: routeMarketType(marketType), pool_id: `mock-pool-${mint.slice(0, 8)}` }, debug: {} };
  }

  #unregister(o: Record<string, unknown>, key: string): Record<string, unknown> {
    const wallet = pubkeyField(o, "wallet_pubkey");
    return { wallet_pubkey: wallet, removed: this.#backend.unregister(wallet, key) };
  }

  #account(): Record<string, unknown> {
    const l = this.#backend.limits;
    return {
      tier: this.#backend.tier,
      tier_name: TIER_NAMES[this.#backend.tier],
      limits: { max_wallets: l.max_wallets_per_session, max_positions_per_wallet: l.max_positions_per_wallet, max_positions_per_session: l.max_positions_per_session },
    };
  }

  #history(q: URLSearchParams): Record<string, unknown> {
    const int = (name: string, d: number, max: number): number => {
      const v = q.get(name);
      if (v === null) return d;
      if (!/^\d{1,9}$/.test(v)) throw fail(400, `${name} must be a non-negative integer`);
      return Math.min(Number(v), max);
    };
    const limit = int("limit", 50, 200);
    const offset = int("offset", 0, Number.MAX_SAFE_INTEGER);
    const mint = q.get("mint");
    const wallet = q.get("wallet");
    const matching = this.trades.filter((t) => (mint === null || t.mint === mint) && (wallet === null || t.wallet_pubkey === wallet)).reverse();
    return { trades: matching.slice(offset, offset + limit), total: matching.length };
  }
}

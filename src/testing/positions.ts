/**
 * The mock server's position records and the server frames built from them. Positions belong to
 * wallets (server-wide), not to connections: a reconnecting client sees the same ids and
 * `opened_at_ms`.
 */
import bs58 from "bs58";
import type { KnownMarketType, StrategyConfig } from "../protocol/index.js";
import {
  liquidityBands,
  marketCapQuote,
  pnlPct,
  priceQuote,
  randomPubkey,
  randomTokenName,
  valueOf,
  type Band,
  type MockPrng,
} from "./market.js";
import { initialEngineState, type EngineState } from "./strategy-engine.js";
import { mockAssociatedTokenAccount } from "./txfactory.js";

export { TOKEN_PROGRAM_ID, WSOL_MINT } from "../tx/programs.js";
import { TOKEN_PROGRAM_ID, WSOL_MINT } from "../tx/programs.js";

/** True for a base58 string that decodes to 32 bytes. */
export function isPubkey(value: unknown): value is string {
  if (typeof value !== "string" || value.length < 32 || value.length > 44) return false;
  try {
    return bs58.decode(value).length === 32;
  } catch {
    return false;
  }
}

/** Options of `server.openPosition()`. */
export interface OpenPositionOptions {
  /** The owning wallet (base58). A user's wallet, or a watched wallet. */
  wallet: string;
  /** @defaultValue a random mint */
  mint?: string;
  /** Raw token units. @defaultValue about 1.75e13 (a Pump.fun-sized buy) */
  tokens?: number | bigint;
  /** Entry cost in quote units (lamports). @defaultValue 500_000_000 (0.5 SOL) */
  entryQuoteUnits?: number | bigint;
  /** @defaultValue `"pump_fun"` */
  marketType?: KnownMarketType;
  /**
   * Reported with `watched: true` (a copy-traded wallet's position; no automatic exits).
   * @defaultValue true when the wallet is only watched (in some connection's `watch_wallets` and
   * no connection's `wallet_pubkeys`)
   */
  watched?: boolean;
  /** `mirror_source` of the position. */
  mirrorSource?: string;
  /** @defaultValue 6 */
  tokenDecimals?: number;
  /** Pool quote reserve (lamports). @defaultValue 30 SOL with a little randomness */
  poolLiquidityQuote?: number;
  /**
   * Multipliers of the entry price applied one per simulator tick (then the price holds the
   * last value). Implies `scripted`.
   */
  path?: readonly number[];
  /** No random walk: the price moves only through `path` and `server.setPrice()`. @defaultValue the server's `priceWalk` negated */
  scripted?: boolean;
  /** The watched wallet created this token (checked by `mirror_config.skip_creator_tokens`). */
  creatorIsWatched?: boolean;
}

/** What `openPosition()` returns. */
export interface OpenedPosition {
  position_id: number;
  token_account: string;
  mint: string;
}

/** A public snapshot of a position, for tests and logs. */
export interface MockPositionInfo {
  position_id: number;
  wallet_pubkey: string;
  mint: string;
  token_account: string;
  tokens: bigint;
  /** Decimals of the mint (`token_decimals` of `position_opened`): `tokens` is in raw units. */
  token_decimals: number;
  entry_quote_units: bigint;
  /** Current price as a multiple of the entry price. */
  multiplier: number;
  /** Current PnL, percent of entry cost. */
  pnl_pct: number;
  /** Highest PnL the strategy engine has seen. */
  peak_pct: number;
  market_type: string;
  watched: boolean;
  mirror_source: string | undefined;
  opened_at_ms: number;
  open: boolean;
}

/** @internal The server's record of a position. */
export interface MockPosition {
  id: number;
  wallet: string;
  mint: string;
  tokenAccount: string;
  tokenProgram: string;
  tokens: bigint;
  /** Size and cost at open: the price basis. */
  entryTokens: bigint;
  entryQuote: bigint;
  decimals: number;
  name: string;
  symbol: string;
  marketType: KnownMarketType;
  marketContext: Record<string, unknown>;
  openedAtMs: number;
  slot: number;
  watched: boolean;
  mirrorSource: string | undefined;
  creatorIsWatched: boolean;
  multiplier: number;
  previousMultiplier: number;
  path: number[];
  scripted: boolean;
  poolQuote: number;
  poolPinned: boolean;
  poolHistory: number[];
  poolTendency: number;
  bands: Band[];
  engine: EngineState;
  override: StrategyConfig | undefined;
  graduated: boolean;
  open: boolean;
  /** Keys of this position's exit signals not settled yet. */
  outstanding: Set<string>;
}

/** Builds a `market_context` of a type with random accounts. */
export function marketContext(type: KnownMarketType, prng: MockPrng): Record<string, unknown> {
  const key = (): string => randomPubkey(prng);
  switch (type) {
    case "pump_fun":
      return { market_type: type, pumpfun: {} };
    case "pump_swap":
      return { market_type: type, pumpswap: { pool: key(), global_config: key() } };
    case "meteora_dbc":
      return { market_type: type, meteora_dbc: { pool: key(), config: key(), quote_mint: WSOL_MINT } };
    case "meteora_damm_v2":
      return { market_type: type, meteora_damm_v2: { pool: key() } };
    case "raydium_launchpad":
      return {
        market_type: type,
        raydium_launchpad: { pool: key(), config: key(), platform: key(), quote_mint: WSOL_MINT, user_quote_account: key() },
      };
    case "raydium_cpmm":
      return { market_type: type, raydium_cpmm: { pool: key(), config: key(), quote_mint: WSOL_MINT, user_quote_account: key() } };
  }
}

/** Where a bonding-curve market migrates on graduation. */
export const GRADUATES_TO: Partial<Record<KnownMarketType, KnownMarketType>> = {
  pump_fun: "pump_swap",
  meteora_dbc: "meteora_damm_v2",
  raydium_launchpad: "raydium_cpmm",
};

/** A u64/i64 for a frame: a plain number when exact, a bigint (written losslessly) beyond 2^53. */
export function wire(v: bigint): number | bigint {
  return v <= 9_007_199_254_740_991n && v >= -9_007_199_254_740_991n ? Number(v) : v;
}

const toBig = (v: number | bigint): bigint => (typeof v === "bigint" ? v : BigInt(Math.trunc(v)));

/** Creates a position record from hook options. */
export function createPosition(
  id: number,
  options: OpenPositionOptions,
  ctx: { prng: MockPrng; slot: number; nowMs: number; watchedDefault: boolean; scriptedDefault: boolean },
): MockPosition {
  const { prng } = ctx;
  if (!isPubkey(options.wallet)) throw new TypeError("openPosition: wallet must be a base58 public key");
  if (options.mint !== undefined && !isPubkey(options.mint)) throw new TypeError("openPosition: mint must be a base58 public key");
  const entryQuote = toBig(options.entryQuoteUnits ?? 500_000_000);
  const decimals = options.tokenDecimals ?? 6;
  // About 28 lamports per whole token, give or take 30 %.
  const pricePerWhole = 20 + prng.next() * 17;
  const tokens = toBig(options.tokens ?? Math.round((Number(entryQuote) / pricePerWhole) * 10 ** decimals));
  if (tokens <= 0n) throw new TypeError("openPosition: tokens must be > 0");
  if (entryQuote <= 0n) throw new TypeError("openPosition: entryQuoteUnits must be > 0");
  const marketType = options.marketType ?? "pump_fun";
  const { name, symbol } = randomTokenName(prng);
  const poolQuote = options.poolLiquidityQuote ?? 30_000_000_000 * (0.8 + prng.next() * 0.4);
  const mint = options.mint ?? randomPubkey(prng);
  prng.bytes(32); // the draw that once made a random token account, kept so seeded runs stay the same
  const p: MockPosition = {
    id,
    wallet: options.wallet,
    mint,
    // The wallet's associated token account, as on chain: the exit transactions use it.
    tokenAccount: mockAssociatedTokenAccount(options.wallet, mint),
    tokenProgram: TOKEN_PROGRAM_ID,
    tokens,
    entryTokens: tokens,
    entryQuote,
    decimals,
    name,
    symbol,
    marketType,
    marketContext: marketContext(marketType, prng),
    openedAtMs: ctx.nowMs,
    slot: ctx.slot,
    watched: options.watched ?? ctx.watchedDefault,
    mirrorSource: options.mirrorSource,
    creatorIsWatched: options.creatorIsWatched ?? false,
    multiplier: 1,
    previousMultiplier: 1,
    path: [...(options.path ?? [])],
    scripted: options.scripted ?? (options.path !== undefined || ctx.scriptedDefault),
    poolQuote,
    poolPinned: options.poolLiquidityQuote !== undefined,
    poolHistory: [poolQuote],
    poolTendency: (prng.next() - 0.5) * 0.004,
    bands: [],
    engine: initialEngineState(),
    override: undefined,
    graduated: false,
    open: true,
    outstanding: new Set(),
  };
  refreshBands(p);
  return p;
}

/** Quote units per raw token now. */
export function pricePerRaw(p: MockPosition): number {
  return (Number(p.entryQuote) / Number(p.entryTokens)) * p.multiplier;
}

export function refreshBands(p: MockPosition): void {
  p.bands = liquidityBands(p.tokens, p.poolQuote, pricePerRaw(p));
}

/** Profit of the remaining tokens at the current price, quote units (i64). */
export function profitUnits(p: MockPosition): bigint {
  const proceeds = valueOf(p.tokens, p.multiplier, p.entryQuote, p.entryTokens);
  const cost = (p.entryQuote * p.tokens) / p.entryTokens;
  return proceeds - cost;
}

export function info(p: MockPosition): MockPositionInfo {
  return {
    position_id: p.id,
    wallet_pubkey: p.wallet,
    mint: p.mint,
    token_account: p.tokenAccount,
    tokens: p.tokens,
    token_decimals: p.decimals,
    entry_quote_units: p.entryQuote,
    multiplier: p.multiplier,
    pnl_pct: pnlPct(p.multiplier),
    peak_pct: p.engine.peakPct,
    market_type: p.marketType,
    watched: p.watched,
    mirror_source: p.mirrorSource,
    opened_at_ms: p.openedAtMs,
    open: p.open,
  };
}

// ---- frames (protocol.md section 4); `watched` and optional fields omitted when empty ----

const watchedField = (p: MockPosition): { watched?: true } => (p.watched ? { watched: true } : {});
const mirrorField = (p: MockPosition): { mirror_source?: string } =>
  p.mirrorSource === undefined ? {} : { mirror_source: p.mirrorSource };

export function balanceUpdateFrame(p: MockPosition, slot: number): Record<string, unknown> {
  return {
    type: "balance_update",
    wallet_pubkey: p.wallet,
    mint: p.mint,
    token_account: p.tokenAccount,
    token_program: p.tokenProgram,
    tokens: wire(p.tokens),
    slot,
  };
}

export function positionOpenedFrame(p: MockPosition): Record<string, unknown> {
  const price = priceQuote(1, p.entryQuote, p.entryTokens, p.decimals);
  return {
    type: "position_opened",
    position_id: p.id,
    wallet_pubkey: p.wallet,
    mint: p.mint,
    token_account: p.tokenAccount,
    token_program: p.tokenProgram,
    tokens: wire(p.tokens),
    entry_quote_units: wire(p.entryQuote),
    market_context: p.marketContext,
    token_name: p.name,
    token_symbol: p.symbol,
    token_decimals: p.decimals,
    token_price_quote: wire(price),
    market_cap_quote: wire(marketCapQuote(price)),
    pool_liquidity_quote: wire(BigInt(Math.round(p.poolHistory[0] ?? p.poolQuote))),
    opened_at_ms: p.openedAtMs,
    slot: p.slot,
    ...watchedField(p),
    ...mirrorField(p),
  };
}

// The two periodic frames are built as text: they are most of the traffic, and a template is
// several times cheaper than JSON.stringify of an object. Every value is a number, a bigint or
// a fixed vocabulary string, so no escaping is needed.

/** `pnl_update` text (consistent with the price: profit and proceeds of the remaining tokens). */
export function pnlUpdateText(p: MockPosition, nowMs: number): string {
  const price = priceQuote(p.multiplier, p.entryQuote, p.entryTokens, p.decimals);
  const proceeds = valueOf(p.tokens, p.multiplier, p.entryQuote, p.entryTokens);
  const watched = p.watched ? ',"watched":true' : "";
  return `{"type":"pnl_update","position_id":${p.id},"profit_units":${profitUnits(p)},"proceeds_units":${proceeds},"server_time_ms":${nowMs},"token_price_quote":${price},"market_cap_quote":${marketCapQuote(price)}${watched}}`;
}

/** `liquidity_snapshot` text from the position's current bands. */
export function liquiditySnapshotText(p: MockPosition, trend: string, nowMs: number): string {
  const bands = p.bands
    .map((b) => `{"slippage_bps":${b.slippage_bps},"max_tokens":${b.max_tokens},"coverage_pct":${b.coverage_pct}}`)
    .join(",");
  const watched = p.watched ? ',"watched":true' : "";
  return `{"type":"liquidity_snapshot","position_id":${p.id},"bands":[${bands}],"liquidity_trend":"${trend}","server_time_ms":${nowMs}${watched}}`;
}

export function positionClosedFrame(p: MockPosition, reason: string, slot: number): Record<string, unknown> {
  return {
    type: "position_closed",
    position_id: p.id,
    wallet_pubkey: p.wallet,
    mint: p.mint,
    token_account: p.tokenAccount,
    reason,
    ...mirrorField(p),
    slot,
    ...watchedField(p),
  };
}

/** An `exit_signal_with_tx` for one connection's `session_id`. */
export function exitSignalFrame(
  p: MockPosition,
  signal: { reason: string; sellTokens: bigint | undefined; levelIndex: number | undefined; txB64: string; triggeredAtMs: number; profit: bigint },
  sessionId: number,
): Record<string, unknown> {
  return {
    type: "exit_signal_with_tx",
    session_id: sessionId,
    position_id: p.id,
    wallet_pubkey: p.wallet,
    mint: p.mint,
    token_account: p.tokenAccount,
    token_program: p.tokenProgram,
    position_tokens: wire(p.tokens),
    profit_units: wire(signal.profit),
    reason: signal.reason,
    triggered_at_ms: signal.triggeredAtMs,
    market_context: p.marketContext,
    unsigned_tx_b64: signal.txB64,
    ...(signal.sellTokens === undefined ? {} : { sell_tokens: wire(signal.sellTokens) }),
    ...(signal.levelIndex === undefined ? {} : { level_index: signal.levelIndex }),
    ...mirrorField(p),
    ...watchedField(p),
  };
}

/**
 * The mock market: a seeded PRNG, price paths, a pool-depth model for liquidity bands and trade
 * ticks. Pure functions over explicit state; no I/O, no timers.
 *
 * Units (mock conventions, the real scales are undocumented, protocol.md section 7):
 * - prices are multipliers of the entry price (`1.2` = +20 %);
 * - `token_price_quote` / `price_quote` = quote units (lamports) per whole token, rounded;
 * - `market_cap_quote` = that price times a supply of one billion whole tokens;
 * - the pool is a constant-product pool whose quote reserve is `pool_liquidity_quote`.
 */
import bs58 from "bs58";

/** A small, fast, seeded PRNG (mulberry32). Same seed, same sequence, on every platform. */
export class MockPrng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A standard normal sample (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

/** A random, well-formed base58 public key (32 bytes). */
export function randomPubkey(prng: MockPrng): string {
  return bs58.encode(prng.bytes(32));
}

/** A random, well-formed base58 transaction signature (64 bytes). */
export function randomSignature(prng: MockPrng): string {
  return bs58.encode(prng.bytes(64));
}

/** Supply used for `market_cap_quote`: one billion whole tokens. */
export const MOCK_SUPPLY_WHOLE_TOKENS = 1_000_000_000;

/** PnL in percent of the entry cost at a price multiplier, rounded to 1e-9 so thresholds are exact. */
export function pnlPct(multiplier: number): number {
  return Math.round((multiplier - 1) * 100 * 1e9) / 1e9;
}

/**
 * One step of the seeded random walk: a log-normal move with standard deviation `volatility`
 * and a small drift. Never below 1 % of the entry price.
 */
export function walkPrice(multiplier: number, prng: MockPrng, volatility: number, drift = 0): number {
  const next = multiplier * Math.exp(drift + volatility * prng.normal());
  return Math.max(0.01, next);
}

/** One step of the pool's quote reserve: slow random drift with a per-position tendency. */
export function walkLiquidity(reserve: number, prng: MockPrng, tendency: number): number {
  return Math.max(1_000_000, reserve * Math.exp(tendency + 0.004 * prng.normal()));
}

/** Quote units of `tokens` at `multiplier` times the entry price, given the entry cost and size. */
export function valueOf(tokens: bigint, multiplier: number, entryQuote: bigint, entryTokens: bigint): bigint {
  if (entryTokens === 0n) return 0n;
  const costBasis = Number((entryQuote * tokens) / entryTokens);
  return BigInt(Math.max(0, Math.round(costBasis * multiplier)));
}

/** `token_price_quote` at a multiplier: quote units per whole token (mock convention). */
export function priceQuote(multiplier: number, entryQuote: bigint, entryTokens: bigint, decimals: number): bigint {
  if (entryTokens === 0n) return 0n;
  const perRaw = (Number(entryQuote) / Number(entryTokens)) * multiplier;
  return BigInt(Math.max(0, Math.round(perRaw * 10 ** decimals)));
}

/** `market_cap_quote` at a price (quote units per whole token). */
export function marketCapQuote(price: bigint): bigint {
  return price * BigInt(MOCK_SUPPLY_WHOLE_TOKENS);
}

/** The slippage bands every snapshot carries (protocol.md section 4.5). */
export const BAND_BPS = [100, 200, 500, 1000] as const;

/** One slippage band of the mock's pool model: at most `max_tokens` sell within `slippage_bps`. */
export interface Band {
  slippage_bps: number;
  max_tokens: bigint;
  coverage_pct: number;
}

/**
 * The pool-depth model. In a constant-product pool holding `tokenReserve` raw tokens, selling
 * `x` tokens moves the price by about `x / (tokenReserve + x)`; the most that can be sold within
 * a slippage `s` is `tokenReserve * s / (1 - s)`, capped at the position size.
 *
 * @param quoteReserve - pool liquidity in quote units
 * @param pricePerRawToken - current quote units per raw token
 */
export function liquidityBands(positionTokens: bigint, quoteReserve: number, pricePerRawToken: number): Band[] {
  const tokenReserve = pricePerRawToken > 0 ? quoteReserve / pricePerRawToken : 0;
  return BAND_BPS.map((bps) => {
    const s = bps / 10_000;
    const depth = BigInt(Math.max(0, Math.floor((tokenReserve * s) / (1 - s))));
    const max = depth < positionTokens ? depth : positionTokens;
    const coverage =
      positionTokens === 0n ? 100 : Math.round((Number(max) / Number(positionTokens)) * 100 * 100) / 100;
    return { slippage_bps: bps, max_tokens: max, coverage_pct: coverage };
  });
}

/** Most tokens sellable within `bps` according to `bands` (the tightest band at or below `bps`). */
export function maxSellWithin(bands: readonly Band[], bps: number): bigint | undefined {
  let best: bigint | undefined;
  for (const band of bands) if (band.slippage_bps <= bps) best = band.max_tokens;
  return best;
}

/** Trend of the pool's quote reserve over its recent history: +/-2 % decides. */
export function liquidityTrend(history: readonly number[]): "growing" | "stable" | "draining" {
  const first = history[0];
  const last = history[history.length - 1];
  if (first === undefined || last === undefined || first === 0) return "stable";
  const change = (last - first) / first;
  if (change > 0.02) return "growing";
  if (change < -0.02) return "draining";
  return "stable";
}

export interface TradeTickFields {
  side: "buy" | "sell";
  token_amount: bigint;
  quote_amount: bigint;
  maker: string;
  tx_signature: string;
}

/**
 * Makers and signatures for trade ticks, drawn once from the seed: base58-encoding fresh random
 * bytes for every tick costs more than the rest of the tick.
 */
export class TradePool {
  readonly makers: string[];
  readonly signatures: string[];

  constructor(prng: MockPrng, size = 64) {
    this.makers = Array.from({ length: size }, () => randomPubkey(prng));
    this.signatures = Array.from({ length: size * 4 }, () => randomSignature(prng));
  }
}

/** A plausible swap on the pool: side follows the last price move, size up to 2 % of the position. */
export function randomTrade(
  prng: MockPrng,
  pool: TradePool,
  positionTokens: bigint,
  pricePerRawToken: number,
  priceRose: boolean,
): TradeTickFields {
  const side = prng.next() < (priceRose ? 0.7 : 0.3) ? "buy" : "sell";
  const fraction = 0.001 + prng.next() * 0.02;
  const tokens = BigInt(Math.max(1, Math.floor(Number(positionTokens) * fraction)));
  const quote = BigInt(Math.max(1, Math.round(Number(tokens) * pricePerRawToken)));
  return { side, token_amount: tokens, quote_amount: quote, maker: prng.pick(pool.makers), tx_signature: prng.pick(pool.signatures) };
}

const NAMES = [
  ["Lamppoli", "LAMP"],
  ["Moon Otter", "OTTR"],
  ["Quiet Fox", "QFOX"],
  ["Pixel Cat", "PXC"],
  ["Solar Bean", "BEAN"],
  ["Tiny Whale", "TWHL"],
] as const;

/** A random token name and symbol. */
export function randomTokenName(prng: MockPrng): { name: string; symbol: string } {
  const [name, symbol] = prng.pick(NAMES);
  return { name, symbol };
}

/**
 * Price paths of recorded positions: from `position_opened` (entry), `pnl_update` (profit and
 * proceeds), `trade_tick` (prices) and `liquidity_snapshot` (bands), in receive order.
 */
import { parseServerMessage } from "../protocol/index.js";
import type { Band } from "../testing/market.js";
import { isFrame, type Recording } from "../record/format.js";

/** One point of a position's path. */
export interface PathPoint {
  /** ms since the recording started (local receive time). */
  t: number;
  /** PnL in % of entry on the proceeds basis (`profit_units / cost`), when the frame gives it. */
  proceedsPct: number | undefined;
  /** PnL in % of entry on the mid-price basis (price against the entry price), when known. */
  midPct: number | undefined;
  /** Latest liquidity bands at this point. */
  bands: readonly Band[] | undefined;
  /** Frame that produced the point. */
  source: "pnl_update" | "trade_tick";
}

/** A recorded position and its path. */
export interface RecordedPosition {
  positionId: string;
  mint: string;
  symbol: string | undefined;
  wallet: string;
  tokens: bigint;
  entryQuote: bigint;
  /** ms since the recording started. */
  openedAt: number;
  /** When the recording saw it close, and why. */
  closedAt: number | undefined;
  closedReason: string | undefined;
  /** The exits the live stream sent for it (reason, ms since start). */
  liveExits: Array<{ t: number; reason: string }>;
  /**
   * The quoted price has too few digits for a mid-price PnL (entry price below
   * `MIN_PRICE_UNITS` units): mid-price points fall back to the proceeds basis.
   */
  coarsePrice: boolean;
  points: PathPoint[];
}

/** Smallest entry price (quote units) whose 1-unit step is at most 0.01 % of it. */
export const MIN_PRICE_UNITS = 10_000;

const pct = (num: number, den: number): number => Math.round((num / den - 1) * 100 * 1e9) / 1e9;

/** Extracts every position the recording opened, with its path (watched positions left out). */
export function recordedPositions(recording: Recording): RecordedPosition[] {
  const byId = new Map<string, RecordedPosition & { entryPrice: number; bands: readonly Band[] | undefined }>();
  for (const entry of recording.entries) {
    if (!isFrame(entry) || entry.dir !== "in") continue;
    const r = parseServerMessage(entry.frame, { ints: "bigint" });
    if (r.kind !== "message") continue;
    const m = r.message;
    if (m.type === "position_opened") {
      if (m.watched === true) continue;
      const id = String(m.position_id);
      if (byId.has(id)) continue; // announced again after a reconnect
      const decimals = m.token_decimals ?? 0;
      const entryPrice =
        m.token_price_quote !== undefined && m.token_price_quote !== null && m.token_price_quote > 0n
          ? Number(m.token_price_quote)
          : (Number(m.entry_quote_units) / Number(m.tokens)) * 10 ** decimals;
      byId.set(id, {
        positionId: id,
        mint: m.mint,
        symbol: m.token_symbol ?? undefined,
        wallet: m.wallet_pubkey,
        tokens: BigInt(m.tokens),
        entryQuote: BigInt(m.entry_quote_units),
        openedAt: entry.t,
        closedAt: undefined,
        closedReason: undefined,
        liveExits: [],
        coarsePrice: entryPrice < MIN_PRICE_UNITS,
        points: [],
        entryPrice,
        bands: undefined,
      });
      continue;
    }
    if (!("position_id" in m)) continue;
    const p = byId.get(String(m.position_id));
    if (p === undefined || p.closedAt !== undefined) continue;
    if (m.type === "pnl_update") {
      const profit = Number(m.profit_units);
      const cost = Number(m.proceeds_units) - profit;
      p.points.push({
        t: entry.t,
        proceedsPct: cost > 0 ? pct(Number(m.proceeds_units), cost) : undefined,
        midPct: !p.coarsePrice && m.token_price_quote !== undefined && m.token_price_quote !== null ? pct(Number(m.token_price_quote), p.entryPrice) : undefined,
        bands: p.bands,
        source: "pnl_update",
      });
    } else if (m.type === "trade_tick") {
      if (!p.coarsePrice) p.points.push({ t: entry.t, proceedsPct: undefined, midPct: pct(Number(m.price_quote), p.entryPrice), bands: p.bands, source: "trade_tick" });
    } else if (m.type === "liquidity_snapshot") {
      p.bands = m.bands.map((b) => ({ slippage_bps: b.slippage_bps, max_tokens: BigInt(b.max_tokens), coverage_pct: b.coverage_pct }));
    } else if (m.type === "exit_signal_with_tx") {
      p.liveExits.push({ t: entry.t, reason: m.reason ?? "exit" });
    } else if (m.type === "position_closed") {
      p.closedAt = entry.t;
      p.closedReason = m.reason ?? undefined;
    }
  }
  return [...byId.values()].map(({ entryPrice: _e, bands: _b, ...p }) => p);
}

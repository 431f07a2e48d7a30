/** Hand-built recordings for backtest tests: positions with known profit paths. */
import { RECORDING_FORMAT, RECORDING_FORMAT_VERSION, type Recording, type RecordingEntry } from "../../src/record/index.js";

export const COST = 1_000_000_000n; // 1 SOL entry
export const TOKENS = 1_000_000n;
const ENTRY_PRICE = 1_000_000; // quote units per whole token: fine-grained

export interface Leg {
  id: number;
  openedAt: number;
  /** [ms after open, pnl %] */
  path: Array<[number, number]>;
  /** 500 bps band max_tokens from the start, when given */
  band500?: bigint;
}

function opened(id: number): string {
  return JSON.stringify({
    type: "position_opened", position_id: id, wallet_pubkey: "11111111111111111111111111111111", mint: `Mint${id}111111111111111111111111111`,
    token_account: `Acct${id}11111111111111111111111111111`, token_program: "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
    tokens: Number(TOKENS), entry_quote_units: Number(COST), slot: 1, market_context: { market_type: "pump_fun" }, token_decimals: 6, token_symbol: `T${id}`, token_price_quote: ENTRY_PRICE,
  });
}

function pnl(id: number, pct: number): string {
  const proceeds = Math.round(Number(COST) * (1 + pct / 100));
  return `{"type":"pnl_update","position_id":${id},"profit_units":${proceeds - Number(COST)},"proceeds_units":${proceeds},"server_time_ms":1,"token_price_quote":${Math.round(ENTRY_PRICE * (1 + pct / 100))}}`;
}

function snapshot(id: number, band500: bigint): string {
  const bands = [100, 200, 500, 1000].map((bps) => ({ slippage_bps: bps, max_tokens: Number((band500 * BigInt(bps)) / 500n > TOKENS ? TOKENS : (band500 * BigInt(bps)) / 500n), coverage_pct: 0 }));
  return JSON.stringify({ type: "liquidity_snapshot", position_id: id, bands, liquidity_trend: "stable", server_time_ms: 1 });
}

/** A recording holding `legs`, entries in time order. */
export function buildRecording(legs: Leg[]): Recording {
  const timed: Array<{ t: number; frame: string }> = [];
  for (const leg of legs) {
    timed.push({ t: leg.openedAt, frame: opened(leg.id) });
    if (leg.band500 !== undefined) timed.push({ t: leg.openedAt, frame: snapshot(leg.id, leg.band500) });
    for (const [dt, pct] of leg.path) timed.push({ t: leg.openedAt + dt, frame: pnl(leg.id, pct) });
  }
  timed.sort((a, b) => a.t - b.t);
  const entries: RecordingEntry[] = timed.map((x) => ({ t: x.t, at: 1_764_000_000_000 + x.t, dir: "in", frame: x.frame }));
  return {
    header: { format: RECORDING_FORMAT, format_version: RECORDING_FORMAT_VERSION, library: "lasersell-stream", library_version: "test", started_at: new Date(1_764_000_000_000).toISOString(), started_at_ms: 1_764_000_000_000, source: "mock", configure: null },
    entries,
    truncated: false,
  };
}

/** The same recording as NDJSON text. */
export function recordingText(r: Recording): string {
  return [JSON.stringify(r.header), ...r.entries.map((e) => JSON.stringify(e))].join("\n") + "\n";
}

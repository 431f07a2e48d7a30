/**
 * The latest `liquidity_snapshot` per position, and the questions a bot asks of it.
 */
import { positionKey, type PositionKey } from "../client/inbound.js";
import type { Int, IntMode, LiquiditySnapshot, LiquidityTrend, SlippageBand } from "../protocol/index.js";

/** The largest sellable amount at `slippageBps`: the exact band, else the largest band below it. */
export function maxSellAtSlippage<M extends IntMode>(
  bands: readonly SlippageBand<M>[],
  slippageBps: number,
): Int<M> | undefined {
  let best: SlippageBand<M> | undefined;
  for (const band of bands) {
    if (band.slippage_bps === slippageBps) return band.max_tokens;
    if (band.slippage_bps < slippageBps && (best === undefined || band.slippage_bps > best.slippage_bps)) best = band;
  }
  return best?.max_tokens;
}

export class LiquidityCache<M extends IntMode> {
  readonly #byPosition = new Map<PositionKey, LiquiditySnapshot<M>>();

  set(snapshot: LiquiditySnapshot<M>): void {
    this.#byPosition.set(positionKey(snapshot.position_id), snapshot);
  }

  get(key: PositionKey): LiquiditySnapshot<M> | undefined {
    return this.#byPosition.get(key);
  }

  bands(key: PositionKey): readonly SlippageBand<M>[] | undefined {
    return this.#byPosition.get(key)?.bands;
  }

  trend(key: PositionKey): LiquidityTrend | undefined {
    return this.#byPosition.get(key)?.liquidity_trend;
  }

  maxSell(key: PositionKey, slippageBps: number): Int<M> | undefined {
    const bands = this.bands(key);
    return bands === undefined ? undefined : maxSellAtSlippage(bands, slippageBps);
  }

  delete(key: PositionKey): void {
    this.#byPosition.delete(key);
  }

  clear(): void {
    this.#byPosition.clear();
  }

  get size(): number {
    return this.#byPosition.size;
  }
}

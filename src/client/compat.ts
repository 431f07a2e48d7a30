/**
 * Configure and strategy helpers under the official SDK's names, so code written for
 * `@lasersell/lasersell-sdk` keeps compiling after the package swap.
 */
import type { StrategyConfig, TakeProfitLevel } from "../protocol/index.js";
import type { StreamConfigure } from "./types.js";

/** A strategy where every threshold may be left out (left out = disabled). */
export interface OptionalStrategyConfig {
  target_profit_pct?: number;
  stop_loss_pct?: number;
  trailing_stop_pct?: number;
  /** The official SDK's spelling. */
  sellOnGraduation?: boolean;
  sell_on_graduation?: boolean;
  take_profit_levels?: TakeProfitLevel[];
  liquidity_guard?: boolean;
  breakeven_trail_pct?: number;
}

/**
 * Builds a wire strategy from an optional one: missing take profit / stop loss become 0
 * (disabled); a trailing stop is written only when > 0; other fields only when given.
 */
export function strategyConfigFromOptional(optional: OptionalStrategyConfig = {}): StrategyConfig {
  const strategy: StrategyConfig = {
    target_profit_pct: optional.target_profit_pct ?? 0,
    stop_loss_pct: optional.stop_loss_pct ?? 0,
  };
  if (optional.trailing_stop_pct !== undefined && optional.trailing_stop_pct > 0) {
    strategy.trailing_stop_pct = optional.trailing_stop_pct;
  }
  const graduation = optional.sell_on_graduation ?? optional.sellOnGraduation;
  if (graduation !== undefined) strategy.sell_on_graduation = graduation;
  if (optional.take_profit_levels !== undefined) strategy.take_profit_levels = optional.take_profit_levels;
  if (optional.liquidity_guard !== undefined) strategy.liquidity_guard = optional.liquidity_guard;
  if (optional.breakeven_trail_pct !== undefined) strategy.breakeven_trail_pct = optional.breakeven_trail_pct;
  return strategy;
}

/** A one-wallet configure. */
export function singleWalletStreamConfigure(
  walletPubkey: string,
  strategy: StrategyConfig,
  deadlineTimeoutSec?: number,
): StreamConfigure {
  const configure: StreamConfigure = { wallet_pubkeys: [walletPubkey], strategy };
  if (deadlineTimeoutSec !== undefined) configure.deadline_timeout_sec = deadlineTimeoutSec;
  return configure;
}

/** A one-wallet configure from an optional strategy (e.g. a timeout-only one: `({}, 45)`). */
export function singleWalletStreamConfigureOptional(
  walletPubkey: string,
  optional: OptionalStrategyConfig = {},
  deadlineTimeoutSec = 0,
): StreamConfigure {
  return {
    wallet_pubkeys: [walletPubkey],
    strategy: strategyConfigFromOptional(optional),
    deadline_timeout_sec: deadlineTimeoutSec,
  };
}

/** Fluent strategy builder; every field starts at its disabled value. */
export class StrategyConfigBuilder {
  readonly #strategy: StrategyConfig & { take_profit_levels: TakeProfitLevel[] } = {
    target_profit_pct: 0,
    stop_loss_pct: 0,
    trailing_stop_pct: 0,
    sell_on_graduation: false,
    take_profit_levels: [],
    liquidity_guard: false,
    breakeven_trail_pct: 0,
  };

  targetProfitPct(pct: number): this {
    this.#strategy.target_profit_pct = pct;
    return this;
  }
  stopLossPct(pct: number): this {
    this.#strategy.stop_loss_pct = pct;
    return this;
  }
  trailingStopPct(pct: number): this {
    this.#strategy.trailing_stop_pct = pct;
    return this;
  }
  sellOnGraduation(enabled: boolean): this {
    this.#strategy.sell_on_graduation = enabled;
    return this;
  }
  takeProfitLevels(levels: TakeProfitLevel[]): this {
    this.#strategy.take_profit_levels = levels.map((l) => ({ ...l }));
    return this;
  }
  liquidityGuard(enabled: boolean): this {
    this.#strategy.liquidity_guard = enabled;
    return this;
  }
  breakevenTrailPct(pct: number): this {
    this.#strategy.breakeven_trail_pct = pct;
    return this;
  }
  /** A copy of the strategy built so far. */
  build(): StrategyConfig {
    return { ...this.#strategy, take_profit_levels: this.#strategy.take_profit_levels.map((l) => ({ ...l })) };
  }
}

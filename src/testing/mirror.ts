/**
 * Mirror-trading checks of the mock server (protocol.md sections 5.5 and 10): when a watched
 * wallet opens a position and its watch entry has `auto_buy`, the server either offers a
 * `mirror_buy_signal` or sends `mirror_buy_failed` with one of these reasons (mock wording):
 *
 * - `watched wallet auto-disabled` (after `mirror_wallet_auto_disabled`),
 * - `creator token skipped` (`skip_creator_tokens` and the watched wallet created the token),
 * - `cooldown active (Ns remaining)` (`cooldown_sec` since the last mirror buy of that wallet),
 * - `max positions per wallet reached` (`max_positions_per_wallet` open mirror positions),
 * - `max active SOL reached` (`max_active_sol` across open mirror positions plus this buy),
 * - `pool liquidity below minimum` (`min_liquidity_sol` against the pool's quote reserve).
 *
 * `max_entry_drift_pct` is accepted and not checked (the mock mirrors at the watched entry).
 */
import type { MirrorConfig } from "../protocol/index.js";

/** Per watched wallet, server-wide. */
export interface MirrorWalletState {
  lastBuyAtMs: number | undefined;
  consecutiveLosses: number;
  disabled: boolean;
}

export function initialMirrorState(): MirrorWalletState {
  return { lastBuyAtMs: undefined, consecutiveLosses: 0, disabled: false };
}

const LAMPORTS_PER_SOL = 1_000_000_000;

/** Returns the refusal reason, or `undefined` when the mirror buy may go ahead. */
export function mirrorBuyRefusal(input: {
  config: MirrorConfig | undefined;
  state: MirrorWalletState;
  nowMs: number;
  creatorIsWatched: boolean;
  openMirrorPositions: number;
  /** Quote units in open mirror positions sourced from this wallet. */
  activeQuoteUnits: number;
  amountQuoteUnits: number;
  poolQuoteUnits: number;
}): string | undefined {
  const c = input.config ?? {};
  if (input.state.disabled) return "watched wallet auto-disabled";
  if (c.skip_creator_tokens === true && input.creatorIsWatched) return "creator token skipped";
  const cooldownMs = Number(c.cooldown_sec ?? 0) * 1000;
  if (cooldownMs > 0 && input.state.lastBuyAtMs !== undefined) {
    const remaining = input.state.lastBuyAtMs + cooldownMs - input.nowMs;
    if (remaining > 0) return `cooldown active (${Math.ceil(remaining / 1000)}s remaining)`;
  }
  const maxPositions = c.max_positions_per_wallet ?? 0;
  if (maxPositions > 0 && input.openMirrorPositions >= maxPositions) return "max positions per wallet reached";
  const maxActive = c.max_active_sol ?? 0;
  if (maxActive > 0 && (input.activeQuoteUnits + input.amountQuoteUnits) / LAMPORTS_PER_SOL > maxActive) {
    return "max active SOL reached";
  }
  const minLiquidity = c.min_liquidity_sol;
  if (typeof minLiquidity === "number" && minLiquidity > 0 && input.poolQuoteUnits / LAMPORTS_PER_SOL < minLiquidity) {
    return "pool liquidity below minimum";
  }
  return undefined;
}

/**
 * Records the result of a closed mirror position; returns the loss count when the breaker trips
 * (`max_consecutive_losses` reached), else `undefined`.
 */
export function recordMirrorResult(state: MirrorWalletState, profit: bigint, config: MirrorConfig | undefined): number | undefined {
  if (profit >= 0n) {
    state.consecutiveLosses = 0;
    return undefined;
  }
  state.consecutiveLosses += 1;
  const max = config?.max_consecutive_losses;
  if (typeof max === "number" && max > 0 && state.consecutiveLosses >= max && !state.disabled) {
    state.disabled = true;
    return state.consecutiveLosses;
  }
  return undefined;
}

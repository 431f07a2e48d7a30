import { StreamValidationError, formatIssues, type FieldIssue } from "../errors.js";
import type { StrategyConfig } from "./schemas.js";

function checkPct(issues: FieldIssue[], path: string, value: unknown, max?: number): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    issues.push({ path, message: "must be a finite number" });
  } else if (value < 0) {
    issues.push({ path, message: "must be >= 0" });
  } else if (max !== undefined && value > max) {
    issues.push({ path, message: `must be <= ${max}` });
  }
}

const STRATEGY_KEYS = [
  "target_profit_pct",
  "stop_loss_pct",
  "trailing_stop_pct",
  "sell_on_graduation",
  "take_profit_levels",
  "liquidity_guard",
  "breakeven_trail_pct",
] as const;
const LEVEL_KEYS = ["profit_pct", "sell_pct", "trailing_stop_pct"] as const;

/** Likely slips, and what was meant. */
const HINTS: Readonly<Record<string, string>> = {
  take_profit: "did you mean target_profit_pct?",
  take_profit_pct: "did you mean target_profit_pct?",
  target_profit: "did you mean target_profit_pct?",
  stop_loss: "did you mean stop_loss_pct?",
  trailing_stop: "did you mean trailing_stop_pct?",
  breakeven_trail: "did you mean breakeven_trail_pct?",
  deadline_timeout_sec: "it belongs on the configure, beside strategy",
};

/** One issue per key of `value` that is not in `known`. */
function unknownKeys(issues: FieldIssue[], base: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const hint = Object.hasOwn(HINTS, key) ? HINTS[key] : undefined;
    issues.push({ path: `${base}.${key}`, message: hint === undefined ? "unknown key" : `unknown key (${hint})` });
  }
}

const positive = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v > 0;

/**
 * Checks a strategy (and the client-side deadline) before it is sent, and throws a
 * {@link StreamValidationError} naming every offending field.
 *
 * Rules (protocol.md section 8.1, tightened):
 * - unknown keys (a typo such as `take_profit`) are reported first, so the error names the typo
 *   rather than a rule the typo left unset;
 * - `target_profit_pct`, `stop_loss_pct`, `trailing_stop_pct`, `breakeven_trail_pct` and
 *   `deadlineSec` are optional (0 or absent means off), finite and >= 0; `stop_loss_pct` is at
 *   most 100 (a loss cannot exceed the entry cost, so a larger stop could never fire);
 * - each ladder level has `profit_pct > 0`, `0 < sell_pct <= 100` and `trailing_stop_pct >= 0`;
 * - at least one of `target_profit_pct`, `stop_loss_pct`, `trailing_stop_pct` or `deadlineSec`
 *   is > 0 (the official SDKs' rule: ladder, graduation and breakeven alone do not count).
 *
 * @param deadlineSec - the client-side deadline (`deadline_timeout_sec`); never sent on the wire.
 * @throws {@link StreamValidationError} naming every offending field.
 * @example
 * ```ts
 * validateStrategy({ stop_loss_pct: 5 }); // ok: take profit off
 * validateStrategy({}, 45); // ok: timeout only
 * validateStrategy({ target_profit_pct: 0, stop_loss_pct: 0 }); // throws, field "strategy"
 * validateStrategy({ take_profit: 5, stop_loss_pct: 5 } as never); // throws, field "strategy.take_profit"
 * ```
 */
export function validateStrategy(strategy: StrategyConfig, deadlineSec?: number): void {
  const issues: FieldIssue[] = [];
  if (strategy === null || typeof strategy !== "object") {
    throw new StreamValidationError("strategy must be an object", { issues: [{ path: "strategy", message: "expected an object" }] });
  }
  unknownKeys(issues, "strategy", strategy, STRATEGY_KEYS);
  const levels = strategy.take_profit_levels;
  if (Array.isArray(levels)) {
    levels.forEach((level, i) => {
      if (level !== null && typeof level === "object") unknownKeys(issues, `strategy.take_profit_levels.${i}`, level, LEVEL_KEYS);
    });
  }
  checkPct(issues, "strategy.target_profit_pct", strategy.target_profit_pct);
  checkPct(issues, "strategy.stop_loss_pct", strategy.stop_loss_pct, 100);
  checkPct(issues, "strategy.trailing_stop_pct", strategy.trailing_stop_pct);
  checkPct(issues, "strategy.breakeven_trail_pct", strategy.breakeven_trail_pct);
  checkPct(issues, "deadline_timeout_sec", deadlineSec);

  if (levels !== undefined) {
    if (!Array.isArray(levels)) {
      issues.push({ path: "strategy.take_profit_levels", message: "must be an array" });
    } else {
      levels.forEach((level, i) => {
        const base = `strategy.take_profit_levels.${i}`;
        if (!positive(level?.profit_pct)) issues.push({ path: `${base}.profit_pct`, message: "must be > 0" });
        const sell = level?.sell_pct;
        if (!positive(sell) || (sell as number) > 100) {
          issues.push({ path: `${base}.sell_pct`, message: "must be > 0 and <= 100" });
        }
        checkPct(issues, `${base}.trailing_stop_pct`, level?.trailing_stop_pct);
      });
    }
  }

  if (
    issues.length === 0 &&
    !positive(strategy.target_profit_pct) &&
    !positive(strategy.stop_loss_pct) &&
    !positive(strategy.trailing_stop_pct) &&
    !positive(deadlineSec)
  ) {
    issues.push({
      path: "strategy",
      message:
        "at least one of strategy.target_profit_pct, strategy.stop_loss_pct, strategy.trailing_stop_pct, or deadline_timeout_sec must be > 0",
    });
  }
  if (issues.length > 0) throw new StreamValidationError(`invalid strategy: ${formatIssues(issues)}`, { issues });
}

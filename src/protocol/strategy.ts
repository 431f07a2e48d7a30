import { StreamValidationError, formatIssues, type FieldIssue } from "../errors.js";
import type { StrategyConfig } from "./schemas.js";

function checkPct(issues: FieldIssue[], path: string, value: unknown, required: boolean): void {
  if (value === undefined) {
    if (required) issues.push({ path, message: "is required" });
    return;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    issues.push({ path, message: "must be a finite number" });
  } else if (value < 0) {
    issues.push({ path, message: "must be >= 0" });
  }
}

const positive = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v > 0;

/**
 * Checks a strategy (and the client-side deadline) before it is sent, and throws a
 * {@link StreamValidationError} naming every offending field.
 *
 * Rules (protocol.md section 8.1, tightened):
 * - `target_profit_pct`, `stop_loss_pct` (required), `trailing_stop_pct`, `breakeven_trail_pct`
 *   and `deadlineSec` are finite and >= 0;
 * - each ladder level has `profit_pct > 0`, `0 < sell_pct <= 100` and `trailing_stop_pct >= 0`;
 * - at least one of `target_profit_pct`, `stop_loss_pct`, `trailing_stop_pct` or `deadlineSec`
 *   is > 0 (the official SDKs' rule: ladder, graduation and breakeven alone do not count).
 *
 * @param deadlineSec - the client-side deadline (`deadline_timeout_sec`); never sent on the wire.
 * @throws {@link StreamValidationError} naming every offending field.
 * @example
 * ```ts
 * validateStrategy({ target_profit_pct: 0, stop_loss_pct: 0 }, 45); // ok: timeout only
 * validateStrategy({ target_profit_pct: 0, stop_loss_pct: 0 }); // throws, field "strategy"
 * ```
 */
export function validateStrategy(strategy: StrategyConfig, deadlineSec?: number): void {
  const issues: FieldIssue[] = [];
  if (strategy === null || typeof strategy !== "object") {
    throw new StreamValidationError("strategy must be an object", [{ path: "strategy", message: "expected an object" }]);
  }
  checkPct(issues, "strategy.target_profit_pct", strategy.target_profit_pct, true);
  checkPct(issues, "strategy.stop_loss_pct", strategy.stop_loss_pct, true);
  checkPct(issues, "strategy.trailing_stop_pct", strategy.trailing_stop_pct, false);
  checkPct(issues, "strategy.breakeven_trail_pct", strategy.breakeven_trail_pct, false);
  checkPct(issues, "deadline_timeout_sec", deadlineSec, false);

  const levels = strategy.take_profit_levels;
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
        checkPct(issues, `${base}.trailing_stop_pct`, level?.trailing_stop_pct, false);
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
  if (issues.length > 0) throw new StreamValidationError(`invalid strategy: ${formatIssues(issues)}`, issues);
}

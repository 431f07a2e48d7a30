/**
 * Strategy specs for the backtest: `"tp=20,sl=10,trail=5"` and friends.
 */
import { StreamError } from "../errors.js";
import type { StrategyConfig } from "../protocol/index.js";

/** A strategy to backtest: a name, the stream strategy and an optional client-side deadline. */
export interface BacktestStrategy {
  /** Shown in reports; defaults to the spec text. */
  name: string;
  strategy: StrategyConfig;
  /** Sell everything this many seconds after `position_opened` (reason `deadline`). */
  deadlineSec?: number | undefined;
}

const KEYS: Record<string, string> = {
  tp: "target_profit_pct",
  sl: "stop_loss_pct",
  trail: "trailing_stop_pct",
  be: "breakeven_trail_pct",
};

/**
 * Parses `"tp=20,sl=10,trail=5,be=2,deadline=120,guard,ladder=25:30/50:40:3,grad"`: take profit,
 * stop loss, trailing stop, breakeven trail (all %), a deadline in seconds, the liquidity guard,
 * an exit ladder (`profit:sell[:trail]` levels separated by `/`) and sell on graduation. Throws a
 * `StreamError` (code `validation`) naming the bad part.
 */
export function parseStrategySpec(spec: string, deadlineSec?: number): BacktestStrategy {
  const strategy: StrategyConfig = { target_profit_pct: 0, stop_loss_pct: 0 };
  const out: BacktestStrategy = { name: spec, strategy, deadlineSec };
  const fail = (why: string): never => {
    throw new StreamError("validation", `strategy "${spec}": ${why}`);
  };
  const num = (key: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || v === "" || !Number.isFinite(n) || n < 0) fail(`${key} needs a number >= 0, got ${v ?? "nothing"}`);
    return n;
  };
  for (const part of spec.split(",").map((s) => s.trim()).filter((s) => s.length > 0)) {
    const [key = "", value] = part.split("=", 2).map((s) => s.trim());
    const field = KEYS[key];
    if (field !== undefined) (strategy as Record<string, unknown>)[field] = num(key, value);
    else if (key === "deadline") out.deadlineSec = num(key, value);
    else if (key === "name") out.name = value ?? fail("name needs a value");
    else if (key === "guard") strategy.liquidity_guard = true;
    else if (key === "grad") strategy.sell_on_graduation = true;
    else if (key === "ladder") {
      strategy.take_profit_levels = (value ?? fail("ladder needs levels")).split("/").map((level) => {
        const [p, s, t] = level.split(":");
        return { profit_pct: num("ladder profit", p), sell_pct: num("ladder sell", s), ...(t === undefined ? {} : { trailing_stop_pct: num("ladder trail", t) }) };
      });
    } else fail(`unknown key "${key}" (tp, sl, trail, be, deadline, guard, grad, ladder, name)`);
  }
  return out;
}

import { describe, expect, it } from "vitest";
import { StreamValidationError, validateStrategy, type StrategyConfig } from "../../src/index.js";
import { stringifyClientMessage } from "../../src/protocol/index.js";

const AT_LEAST_ONE =
  "at least one of strategy.target_profit_pct, strategy.stop_loss_pct, strategy.trailing_stop_pct, or deadline_timeout_sec must be > 0";

function refusal(strategy: unknown, deadline?: number): StreamValidationError {
  try {
    validateStrategy(strategy as StrategyConfig, deadline);
  } catch (err) {
    if (err instanceof StreamValidationError) return err;
    throw err;
  }
  throw new Error("expected validateStrategy to refuse the strategy");
}

const S = { target_profit_pct: 5, stop_loss_pct: 1.5 };

describe("validateStrategy accepts", () => {
  it.each([
    ["take profit only", { target_profit_pct: 5, stop_loss_pct: 0 }, undefined],
    ["stop loss only", { target_profit_pct: 0, stop_loss_pct: 1.5 }, undefined],
    ["trailing stop only", { target_profit_pct: 0, stop_loss_pct: 0, trailing_stop_pct: 3 }, undefined],
    ["timeout only (all thresholds 0, deadline > 0)", { target_profit_pct: 0, stop_loss_pct: 0 }, 45],
    ["fractional deadline", { target_profit_pct: 0, stop_loss_pct: 0 }, 0.5],
    ["deadline 0 with thresholds", S, 0],
    [
      "every field",
      {
        target_profit_pct: 0,
        stop_loss_pct: 10,
        trailing_stop_pct: 5,
        sell_on_graduation: true,
        take_profit_levels: [
          { profit_pct: 25, sell_pct: 30, trailing_stop_pct: 0 },
          { profit_pct: 100, sell_pct: 100, trailing_stop_pct: 5 },
        ],
        liquidity_guard: true,
        breakeven_trail_pct: 20,
      },
      undefined,
    ],
    ["a ladder level without trailing_stop_pct", { ...S, take_profit_levels: [{ profit_pct: 0.01, sell_pct: 0.01 }] }, undefined],
    ["an empty ladder", { ...S, take_profit_levels: [] }, undefined],
    ["stop loss alone, take profit absent (absent means off)", { stop_loss_pct: 5 }, undefined],
    ["take profit alone, stop loss absent", { target_profit_pct: 5 }, undefined],
    ["nothing but a deadline", {}, 45],
    ["a stop loss of exactly 100", { stop_loss_pct: 100 }, undefined],
    ["very large but finite numbers", { target_profit_pct: 1e300, stop_loss_pct: 100 }, 1e9],
  ] as [string, StrategyConfig, number | undefined][])("%s", (_name, strategy, deadline) => {
    expect(() => validateStrategy(strategy, deadline)).not.toThrow();
  });
});

describe("validateStrategy refuses", () => {
  // [name, strategy, deadline, field, every failing path]
  const cases: [string, unknown, number | undefined, string, string[]][] = [
    ["nothing enabled", { target_profit_pct: 0, stop_loss_pct: 0 }, undefined, "strategy", ["strategy"]],
    ["nothing enabled, deadline 0", { target_profit_pct: 0, stop_loss_pct: 0, trailing_stop_pct: 0 }, 0, "strategy", ["strategy"]],
    [
      "ladder, graduation and breakeven alone do not count",
      {
        target_profit_pct: 0,
        stop_loss_pct: 0,
        take_profit_levels: [{ profit_pct: 10, sell_pct: 50 }],
        sell_on_graduation: true,
        breakeven_trail_pct: 5,
        liquidity_guard: true,
      },
      undefined,
      "strategy",
      ["strategy"],
    ],
    ["negative take profit", { ...S, target_profit_pct: -1 }, undefined, "strategy.target_profit_pct", ["strategy.target_profit_pct"]],
    ["negative stop loss", { ...S, stop_loss_pct: -0.1 }, undefined, "strategy.stop_loss_pct", ["strategy.stop_loss_pct"]],
    ["negative trailing stop", { ...S, trailing_stop_pct: -3 }, undefined, "strategy.trailing_stop_pct", ["strategy.trailing_stop_pct"]],
    ["negative breakeven trail", { ...S, breakeven_trail_pct: -3 }, undefined, "strategy.breakeven_trail_pct", ["strategy.breakeven_trail_pct"]],
    ["NaN take profit", { ...S, target_profit_pct: Number.NaN }, undefined, "strategy.target_profit_pct", ["strategy.target_profit_pct"]],
    ["Infinity stop loss", { ...S, stop_loss_pct: Number.POSITIVE_INFINITY }, undefined, "strategy.stop_loss_pct", ["strategy.stop_loss_pct"]],
    ["NaN trailing stop", { ...S, trailing_stop_pct: Number.NaN }, undefined, "strategy.trailing_stop_pct", ["strategy.trailing_stop_pct"]],
    ["a quoted number", { ...S, target_profit_pct: "5" }, undefined, "strategy.target_profit_pct", ["strategy.target_profit_pct"]],
    ["nothing set at all", {}, undefined, "strategy", ["strategy"]],
    ["a stop loss above 100 (it could never fire)", { ...S, stop_loss_pct: 150 }, undefined, "strategy.stop_loss_pct", ["strategy.stop_loss_pct"]],
    [
      "a typo is named first, before the rule it left unset",
      { take_profit: 5 },
      undefined,
      "strategy.take_profit",
      ["strategy.take_profit"],
    ],
    [
      "a typo beside other faults comes first",
      { take_profit: 5, stop_loss_pct: -1, take_profit_levels: [{ profit_pct: 10, sell_pct: 50, sell: 1 }] },
      undefined,
      "strategy.take_profit",
      ["strategy.take_profit", "strategy.take_profit_levels.0.sell", "strategy.stop_loss_pct"],
    ],
    ["negative deadline", S, -1, "deadline_timeout_sec", ["deadline_timeout_sec"]],
    ["NaN deadline", S, Number.NaN, "deadline_timeout_sec", ["deadline_timeout_sec"]],
    ["Infinity deadline", { target_profit_pct: 0, stop_loss_pct: 0 }, Number.POSITIVE_INFINITY, "deadline_timeout_sec", ["deadline_timeout_sec"]],
    [
      "ladder profit_pct 0",
      { ...S, take_profit_levels: [{ profit_pct: 0, sell_pct: 50 }] },
      undefined,
      "strategy.take_profit_levels.0.profit_pct",
      ["strategy.take_profit_levels.0.profit_pct"],
    ],
    [
      "ladder profit_pct negative",
      { ...S, take_profit_levels: [{ profit_pct: 10, sell_pct: 50 }, { profit_pct: -10, sell_pct: 50 }] },
      undefined,
      "strategy.take_profit_levels.1.profit_pct",
      ["strategy.take_profit_levels.1.profit_pct"],
    ],
    [
      "ladder sell_pct 0",
      { ...S, take_profit_levels: [{ profit_pct: 10, sell_pct: 0 }] },
      undefined,
      "strategy.take_profit_levels.0.sell_pct",
      ["strategy.take_profit_levels.0.sell_pct"],
    ],
    [
      "ladder sell_pct above 100",
      { ...S, take_profit_levels: [{ profit_pct: 10, sell_pct: 100.5 }] },
      undefined,
      "strategy.take_profit_levels.0.sell_pct",
      ["strategy.take_profit_levels.0.sell_pct"],
    ],
    [
      "ladder sell_pct NaN",
      { ...S, take_profit_levels: [{ profit_pct: 10, sell_pct: Number.NaN }] },
      undefined,
      "strategy.take_profit_levels.0.sell_pct",
      ["strategy.take_profit_levels.0.sell_pct"],
    ],
    [
      "ladder trailing_stop_pct negative",
      { ...S, take_profit_levels: [{ profit_pct: 10, sell_pct: 50, trailing_stop_pct: -1 }] },
      undefined,
      "strategy.take_profit_levels.0.trailing_stop_pct",
      ["strategy.take_profit_levels.0.trailing_stop_pct"],
    ],
    [
      "ladder level null",
      { ...S, take_profit_levels: [null] },
      undefined,
      "strategy.take_profit_levels.0.profit_pct",
      ["strategy.take_profit_levels.0.profit_pct", "strategy.take_profit_levels.0.sell_pct"],
    ],
    ["ladder not an array", { ...S, take_profit_levels: {} }, undefined, "strategy.take_profit_levels", ["strategy.take_profit_levels"]],
    [
      "several faults at once",
      { target_profit_pct: -1, stop_loss_pct: Number.NaN, take_profit_levels: [{ profit_pct: 10, sell_pct: 200 }] },
      -5,
      "strategy.target_profit_pct",
      ["strategy.target_profit_pct", "strategy.stop_loss_pct", "deadline_timeout_sec", "strategy.take_profit_levels.0.sell_pct"],
    ],
    ["null", null, undefined, "strategy", ["strategy"]],
    ["a string", "5%", undefined, "strategy", ["strategy"]],
  ];

  it.each(cases)("%s", (_name, strategy, deadline, field, paths) => {
    const err = refusal(strategy, deadline);
    expect(err.code).toBe("validation");
    expect(err.field).toBe(field);
    expect(err.issues.map((i) => i.path)).toEqual(paths);
    expect(err.message.startsWith("invalid strategy: ") || err.message === "strategy must be an object").toBe(true);
  });

  it("pins the texts", () => {
    expect(refusal({ target_profit_pct: 0, stop_loss_pct: 0 }).message).toBe(`invalid strategy: strategy: ${AT_LEAST_ONE}`);
    expect(refusal({ ...S, stop_loss_pct: -1 }).message).toBe("invalid strategy: strategy.stop_loss_pct: must be >= 0");
    expect(refusal({ ...S, stop_loss_pct: Number.NaN }).message).toBe(
      "invalid strategy: strategy.stop_loss_pct: must be a finite number",
    );
    expect(refusal({ ...S, stop_loss_pct: 100.5 }).message).toBe("invalid strategy: strategy.stop_loss_pct: must be <= 100");
    expect(refusal({ take_profit: 5, stop_loss_pct: 5 }).message).toBe(
      "invalid strategy: strategy.take_profit: unknown key (did you mean target_profit_pct?)",
    );
    expect(refusal({ ...S, take_profit_levels: [{ profit_pct: 0, sell_pct: 101 }] }).message).toBe(
      "invalid strategy: strategy.take_profit_levels.0.profit_pct: must be > 0; strategy.take_profit_levels.0.sell_pct: must be > 0 and <= 100",
    );
  });
});

describe("absent thresholds on the wire", () => {
  it("are written as 0 (the protocol requires both fields); a stop loss above 100 is refused by the schema too", () => {
    const strategy: StrategyConfig = { stop_loss_pct: 5 };
    expect(stringifyClientMessage({ type: "update_strategy", strategy })).toBe(
      '{"type":"update_strategy","strategy":{"target_profit_pct":0,"stop_loss_pct":5}}',
    );
    expect(JSON.parse(stringifyClientMessage({ type: "update_position_strategy", position_id: 7, strategy: { target_profit_pct: 9 } }))).toEqual({
      type: "update_position_strategy",
      position_id: 7,
      strategy: { target_profit_pct: 9, stop_loss_pct: 0 },
    });
    expect(() =>
      stringifyClientMessage({ type: "update_position_strategy", position_id: 7, strategy: { stop_loss_pct: 101 } }),
    ).toThrow(/stop_loss_pct/);
  });
});

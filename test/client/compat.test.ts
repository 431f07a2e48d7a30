import { describe, expect, it } from "vitest";
import {
  StrategyConfigBuilder,
  singleWalletStreamConfigure,
  singleWalletStreamConfigureOptional,
  strategyConfigFromOptional,
} from "../../src/client/compat.js";
import { stringifyClientMessage, validateStrategy } from "../../src/protocol/index.js";

const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";

describe("official SDK configure helpers", () => {
  it("strategyConfigFromOptional fills disabled thresholds and omits a zero trailing stop", () => {
    expect(strategyConfigFromOptional({ stop_loss_pct: 10, trailing_stop_pct: 0, sellOnGraduation: true })).toEqual({
      target_profit_pct: 0,
      stop_loss_pct: 10,
      sell_on_graduation: true,
    });
  });

  it("a timeout-only configure is valid and its strategy serialises", () => {
    const c = singleWalletStreamConfigureOptional(WALLET, {}, 45);
    expect(c.deadline_timeout_sec).toBe(45);
    expect(() => validateStrategy(c.strategy, c.deadline_timeout_sec)).not.toThrow();
    expect(stringifyClientMessage({ type: "configure", wallet_pubkeys: c.wallet_pubkeys, strategy: c.strategy })).toBe(
      `{"type":"configure","wallet_pubkeys":["${WALLET}"],"strategy":{"target_profit_pct":0,"stop_loss_pct":0}}`,
    );
  });

  it("singleWalletStreamConfigure leaves the deadline out when not given", () => {
    expect(singleWalletStreamConfigure(WALLET, { target_profit_pct: 5, stop_loss_pct: 1 })).toEqual({
      wallet_pubkeys: [WALLET],
      strategy: { target_profit_pct: 5, stop_loss_pct: 1 },
    });
  });

  it("StrategyConfigBuilder builds independent copies", () => {
    const b = new StrategyConfigBuilder().targetProfitPct(20).takeProfitLevels([{ profit_pct: 25, sell_pct: 30 }]);
    const first = b.build();
    first.take_profit_levels?.push({ profit_pct: 50, sell_pct: 50 });
    expect(b.stopLossPct(5).build()).toMatchObject({ target_profit_pct: 20, stop_loss_pct: 5, take_profit_levels: [{ profit_pct: 25, sell_pct: 30 }] });
  });
});

import { describe, expect, it } from "vitest";
import { ReplayStore } from "../../src/client/replay.js";
import { selectPosition } from "../../src/client/sender.js";
import { StreamValidationError } from "../../src/errors.js";
import { WALLET, WALLET_2, configure } from "../helpers/frames.js";

const S2 = { target_profit_pct: 50, stop_loss_pct: 5 };

describe("ReplayStore", () => {
  it("starts from the configure without deadline_timeout_sec, which it keeps locally", () => {
    const store = new ReplayStore(configure({ mirror_config: { cooldown_sec: 5 } }));
    expect(store.configure()).toEqual({
      type: "configure",
      wallet_pubkeys: [WALLET],
      strategy: { target_profit_pct: 20, stop_loss_pct: 10 },
      send_mode: "helius_sender",
      tip_lamports: 1000,
      mirror_config: { cooldown_sec: 5 },
    });
    expect(store.deadlineTimeoutSec).toBe(45);
    expect(store.afterHello()).toEqual([]);
  });

  it("records the latest of each piece of state and bumps the version for configure-relevant ones", () => {
    const store = new ReplayStore(configure());
    const v0 = store.version;
    expect(store.record({ type: "ping", client_time_ms: 1 })).toBe(v0);
    expect(store.record({ type: "update_strategy", strategy: S2 })).toBe(v0 + 1);
    expect(store.record({ type: "update_wallets", wallet_pubkeys: [WALLET_2] })).toBe(v0 + 2);
    expect(store.record({ type: "update_watch_wallets", watch_wallets: [{ pubkey: WALLET }] })).toBe(v0 + 3);
    expect(store.record({ type: "update_position_strategy", position_id: 2n ** 60n, strategy: S2 })).toBe(v0 + 3);
    expect(store.configure()).toMatchObject({ wallet_pubkeys: [WALLET_2], strategy: S2, watch_wallets: [{ pubkey: WALLET }] });
    expect(store.afterHello()).toEqual([{ type: "update_position_strategy", position_id: 2n ** 60n, strategy: S2 }]);
    store.forgetPosition(2n ** 60n);
    expect(store.afterHello()).toEqual([]);
  });

  it("forgets overrides by id in either integer mode (5 and 5n are the same position)", () => {
    const store = new ReplayStore(configure());
    store.record({ type: "update_position_strategy", position_id: 5, strategy: S2 });
    store.forgetPosition(5n);
    expect(store.snapshot().positionStrategies.size).toBe(0);
  });

  it("a configure sent mid-session replaces everything, overrides included", () => {
    const store = new ReplayStore(configure());
    store.record({ type: "update_position_strategy", position_id: 1, strategy: S2 });
    store.record({ type: "configure", wallet_pubkeys: [WALLET_2], strategy: S2 });
    expect(store.configure()).toEqual({ type: "configure", wallet_pubkeys: [WALLET_2], strategy: S2 });
    expect(store.afterHello()).toEqual([]);
  });

  it("copies what it records: later mutation by the caller does not change the replay", () => {
    const strategy = { target_profit_pct: 1, stop_loss_pct: 1 };
    const store = new ReplayStore(configure());
    store.record({ type: "update_strategy", strategy });
    strategy.target_profit_pct = 999;
    expect(store.configure().strategy.target_profit_pct).toBe(1);
    const snapshot = store.snapshot();
    snapshot.wallet_pubkeys.push("x");
    expect(store.snapshot().wallet_pubkeys).toEqual([WALLET]);
  });
});

describe("selectPosition", () => {
  it.each([
    ["acct", { token_account: "acct" }],
    [7, { position_id: 7 }],
    [7n, { position_id: 7n }],
    [{ position_id: 1 }, { position_id: 1 }],
    [{ positionId: 2n }, { position_id: 2n }],
    [{ token_account: "a" }, { token_account: "a" }],
    [{ tokenAccount: "b" }, { token_account: "b" }],
  ] as const)("%o -> %o", (selector, expected) => {
    expect(selectPosition(selector)).toEqual(expected);
  });

  it.each([{}, { position_id: 1, token_account: "a" }, { positionId: "1" }, null])("refuses %o", (selector) => {
    expect(() => selectPosition(selector as never)).toThrow(StreamValidationError);
  });
});

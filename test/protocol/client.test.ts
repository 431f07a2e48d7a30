import { describe, expect, it } from "vitest";
import { StreamValidationError } from "../../src/index.js";
import {
  parseClientMessage,
  stringifyClientMessage,
  type ClientMessage,
} from "../../src/protocol/index.js";

const W1 = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
const W2 = "Borqy3dEjw9az7Uj9nW69A9ZDansFGHWEggUx7tkv44f";
const S = { target_profit_pct: 5, stop_loss_pct: 1.5 };
const U64 = "Invalid input: expected u64 (integer 0..2^64-1)";
const U16 = "Invalid input: expected u16 (integer 0..65535)";
const U32 = "Invalid input: expected u32 (integer 0..4294967295)";

function refusal(message: unknown): StreamValidationError {
  try {
    stringifyClientMessage(message as ClientMessage);
  } catch (err) {
    if (err instanceof StreamValidationError) return err;
    throw err;
  }
  throw new Error("expected stringifyClientMessage to refuse the message");
}

// [name, message, StreamValidationError.field, pinned message]
const refused: [string, unknown, string, string][] = [
  ["unknown top-level key", { type: "ping", client_time_ms: 1, extra: 1 }, "extra", "invalid ping message: extra: unknown key"],
  [
    "unknown nested key",
    { type: "configure", wallet_pubkeys: [W1], strategy: { ...S, take_profit: 5 } },
    "strategy.take_profit",
    "invalid configure message: strategy.take_profit: unknown key",
  ],
  [
    "deadline_timeout_sec is not a wire field",
    { type: "configure", wallet_pubkeys: [W1], strategy: S, deadline_timeout_sec: 45 },
    "deadline_timeout_sec",
    "invalid configure message: deadline_timeout_sec: unknown key",
  ],
  [
    "NaN",
    { type: "update_strategy", strategy: { ...S, trailing_stop_pct: Number.NaN } },
    "strategy.trailing_stop_pct",
    "invalid update_strategy message: strategy.trailing_stop_pct: Invalid input: expected number, received NaN",
  ],
  [
    "Infinity",
    { type: "update_strategy", strategy: { ...S, target_profit_pct: Number.POSITIVE_INFINITY } },
    "strategy.target_profit_pct",
    "invalid update_strategy message: strategy.target_profit_pct: Invalid input: expected number, received Infinity",
  ],
  [
    "-Infinity in mirror config",
    { type: "configure", wallet_pubkeys: [W1], strategy: S, mirror_config: { max_active_sol: Number.NEGATIVE_INFINITY } },
    "mirror_config.max_active_sol",
    "invalid configure message: mirror_config.max_active_sol: Invalid input: expected number, received -Infinity",
  ],
  [
    "negative percentage",
    { type: "update_strategy", strategy: { ...S, stop_loss_pct: -1 } },
    "strategy.stop_loss_pct",
    "invalid update_strategy message: strategy.stop_loss_pct: Too small: expected number to be >=0",
  ],
  [
    "negative ladder percentage",
    { type: "update_strategy", strategy: { ...S, take_profit_levels: [{ profit_pct: 10, sell_pct: -5 }] } },
    "strategy.take_profit_levels.0.sell_pct",
    "invalid update_strategy message: strategy.take_profit_levels.0.sell_pct: Too small: expected number to be >=0",
  ],
  ["fractional u64", { type: "close_position", position_id: 1.5 }, "position_id", `invalid close_position message: position_id: ${U64}, received 1.5`],
  [
    "unsafe integer number",
    { type: "close_position", position_id: 2 ** 60 },
    "position_id",
    `invalid close_position message: position_id: ${U64}, received 1152921504606847000`,
  ],
  ["negative bigint", { type: "close_position", position_id: -1n }, "position_id", `invalid close_position message: position_id: ${U64}, received -1`],
  [
    "bigint beyond u64",
    { type: "update_position_strategy", position_id: 2n ** 64n, strategy: S },
    "position_id",
    `invalid update_position_strategy message: position_id: ${U64}, received 18446744073709551616`,
  ],
  ["quoted u64", { type: "ping", client_time_ms: "1" }, "client_time_ms", `invalid ping message: client_time_ms: ${U64}, received string`],
  [
    "bad pubkey (0, O, I, l are not base58)",
    { type: "update_wallets", wallet_pubkeys: [W1, "0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl"] },
    "wallet_pubkeys.1",
    "invalid update_wallets message: wallet_pubkeys.1: expected a base58 public key",
  ],
  [
    "pubkey too short",
    { type: "configure", wallet_pubkeys: ["abc"], strategy: S },
    "wallet_pubkeys.0",
    "invalid configure message: wallet_pubkeys.0: expected a base58 public key",
  ],
  [
    "bad watch-wallet pubkey",
    { type: "update_watch_wallets", watch_wallets: [{ pubkey: "not a key" }] },
    "watch_wallets.0.pubkey",
    "invalid update_watch_wallets message: watch_wallets.0.pubkey: expected a base58 public key",
  ],
  [
    "bad token account on close_position",
    { type: "close_position", token_account: "not-an-account" },
    "token_account",
    "invalid close_position message: token_account: expected a base58 public key",
  ],
  [
    "bad token account on request_exit_signal",
    { type: "request_exit_signal", token_account: "" },
    "token_account",
    "invalid request_exit_signal message: token_account: expected a base58 public key",
  ],
  [
    "bad mint on mirror_buy_result",
    { type: "mirror_buy_result", mint: "mint", success: true },
    "mint",
    "invalid mirror_buy_result message: mint: expected a base58 public key",
  ],
  [
    "u16 out of range",
    { type: "request_exit_signal", position_id: 1, slippage_bps: 65_536 },
    "slippage_bps",
    `invalid request_exit_signal message: slippage_bps: ${U16}, received 65536`,
  ],
  [
    "u32 out of range",
    { type: "configure", wallet_pubkeys: [W1], strategy: S, mirror_config: { max_positions_per_wallet: 2 ** 32 } },
    "mirror_config.max_positions_per_wallet",
    `invalid configure message: mirror_config.max_positions_per_wallet: ${U32}, received 4294967296`,
  ],
  [
    "null for a non-Option field",
    { type: "update_strategy", strategy: { ...S, trailing_stop_pct: null } },
    "strategy.trailing_stop_pct",
    "invalid update_strategy message: strategy.trailing_stop_pct: Invalid input: expected number, received null",
  ],
  [
    "null for liquidity_guard",
    { type: "update_strategy", strategy: { ...S, liquidity_guard: null } },
    "strategy.liquidity_guard",
    "invalid update_strategy message: strategy.liquidity_guard: Invalid input: expected boolean, received null",
  ],
  [
    "null mirror_config.cooldown_sec",
    { type: "configure", wallet_pubkeys: [W1], strategy: S, mirror_config: { cooldown_sec: null } },
    "mirror_config.cooldown_sec",
    `invalid configure message: mirror_config.cooldown_sec: ${U64}, received null`,
  ],
  [
    "a stop loss above 100 %",
    { type: "update_strategy", strategy: { target_profit_pct: 5, stop_loss_pct: 150 } },
    "strategy.stop_loss_pct",
    "invalid update_strategy message: strategy.stop_loss_pct: must be <= 100 (a loss cannot exceed the entry cost)",
  ],
  [
    "configure with no wallets",
    { type: "configure", wallet_pubkeys: [], strategy: S },
    "wallet_pubkeys",
    "invalid configure message: wallet_pubkeys: Too small: expected array to have >=1 items",
  ],
  [
    "update_position_strategy without position_id",
    { type: "update_position_strategy", strategy: S },
    "position_id",
    `invalid update_position_strategy message: position_id: ${U64}, received undefined`,
  ],
  [
    "mirror_buy_result success not boolean",
    { type: "mirror_buy_result", mint: W1, success: "true" },
    "success",
    "invalid mirror_buy_result message: success: Invalid input: expected boolean, received string",
  ],
  [
    "legacy sell_now is never written",
    { type: "sell_now", position_id: 1 },
    "type",
    "unknown client message type: sell_now",
  ],
  ["unknown type", { type: "subscribe" }, "type", "unknown client message type: subscribe"],
  ["no type", { position_id: 1 }, "type", "unknown client message type: undefined"],
  ["null", null, "", "client message must be an object"],
  ["an array", [], "", "client message must be an object"],
];

describe("stringifyClientMessage refuses invalid messages", () => {
  it.each(refused)("%s", (_name, message, field, text) => {
    const err = refusal(message);
    expect(err.code).toBe("validation");
    expect(err.field).toBe(field);
    expect(err.message).toBe(text);
    expect(err.issues[0]?.path).toBe(field);
  });

  it("names every failing field, not just the first", () => {
    const err = refusal({
      type: "configure",
      wallet_pubkeys: ["bad"],
      strategy: { target_profit_pct: Number.NaN, stop_loss_pct: -1 },
      tip_lamports: 1.5,
    });
    expect(err.issues.map((i) => i.path)).toEqual([
      "wallet_pubkeys.0",
      "strategy.target_profit_pct",
      "strategy.stop_loss_pct",
      "tip_lamports",
    ]);
  });
});

describe("stringifyClientMessage output", () => {
  it("writes a bigint as a bare JSON integer", () => {
    expect(stringifyClientMessage({ type: "close_position", position_id: 18_446_744_073_709_551_615n })).toBe(
      '{"type":"close_position","position_id":18446744073709551615}',
    );
    expect(
      stringifyClientMessage({ type: "update_position_strategy", position_id: 9_007_199_254_740_993n, strategy: S }),
    ).toBe('{"type":"update_position_strategy","position_id":9007199254740993,"strategy":{"target_profit_pct":5,"stop_loss_pct":1.5}}');
  });

  it("writes integers without fraction or exponent, even when the value came from a float literal", () => {
    const out = stringifyClientMessage({ type: "request_exit_signal", position_id: 5.0, slippage_bps: 2.5e3 });
    expect(out).toBe('{"type":"request_exit_signal","position_id":5,"slippage_bps":2500}');
    const big = stringifyClientMessage({ type: "ping", client_time_ms: Number.MAX_SAFE_INTEGER });
    expect(big).toBe('{"type":"ping","client_time_ms":9007199254740991}');
    expect(big).not.toMatch(/\d[.eE]/);
  });

  it("omits optional fields that are absent or undefined; never writes null for a non-Option field", () => {
    const out = stringifyClientMessage({
      type: "configure",
      wallet_pubkeys: [W1],
      strategy: { target_profit_pct: 5, stop_loss_pct: 1.5 },
    });
    expect(out).toBe(
      `{"type":"configure","wallet_pubkeys":["${W1}"],"strategy":{"target_profit_pct":5,"stop_loss_pct":1.5}}`,
    );
    const withUndefined = stringifyClientMessage({
      type: "close_position",
      position_id: 7,
      token_account: undefined,
    } as unknown as ClientMessage);
    expect(withUndefined).toBe('{"type":"close_position","position_id":7}');
    expect(withUndefined).not.toContain("null");
  });

  it("writes null only for Option fields, where the server accepts it", () => {
    const out = stringifyClientMessage({
      type: "configure",
      wallet_pubkeys: [W1],
      strategy: S,
      send_mode: null,
      tip_lamports: null,
      mirror_config: { min_liquidity_sol: null, max_entry_drift_pct: null, max_consecutive_losses: null },
    });
    expect(JSON.parse(out)).toEqual({
      type: "configure",
      wallet_pubkeys: [W1],
      strategy: S,
      send_mode: null,
      tip_lamports: null,
      mirror_config: { min_liquidity_sol: null, max_entry_drift_pct: null, max_consecutive_losses: null },
    });
  });

  it("accepts a timeout-only strategy (all thresholds 0) on the wire", () => {
    expect(
      stringifyClientMessage({ type: "update_strategy", strategy: { target_profit_pct: 0, stop_loss_pct: 0 } }),
    ).toBe('{"type":"update_strategy","strategy":{"target_profit_pct":0,"stop_loss_pct":0}}');
  });

  it("does not mutate the message it was given", () => {
    const message = { type: "close_position", position_id: 1n } as const;
    const copy = structuredClone(message);
    stringifyClientMessage(message);
    expect(message).toEqual(copy);
  });
});

describe("parseClientMessage", () => {
  it("maps the legacy sell_now to request_exit_signal", () => {
    const r = parseClientMessage('{"type":"sell_now","token_account":"abc","slippage_bps":300}');
    if (r.kind !== "message") throw new Error(r.kind);
    expect(r.message).toEqual({ type: "request_exit_signal", token_account: "abc", slippage_bps: 300 });
  });

  it("maps wallet_pubkey (a string) to wallet_pubkeys", () => {
    const r = parseClientMessage(`{"type":"configure","wallet_pubkey":"${W1}","strategy":{"target_profit_pct":5,"stop_loss_pct":1}}`);
    if (r.kind !== "message" || r.message.type !== "configure") throw new Error(r.kind);
    expect(r.message.wallet_pubkeys).toEqual([W1]);
    expect(r.message).not.toHaveProperty("wallet_pubkey");
  });

  it("maps wallet_pubkey (an array) to wallet_pubkeys", () => {
    const r = parseClientMessage(`{"type":"configure","wallet_pubkey":["${W1}","${W2}"],"strategy":{"target_profit_pct":5,"stop_loss_pct":1}}`);
    if (r.kind !== "message" || r.message.type !== "configure") throw new Error(r.kind);
    expect(r.message.wallet_pubkeys).toEqual([W1, W2]);
  });

  it("accepts wallet_pubkeys as a bare string (configure and update_wallets)", () => {
    const c = parseClientMessage(`{"type":"configure","wallet_pubkeys":"${W1}","strategy":{"target_profit_pct":5,"stop_loss_pct":1}}`);
    if (c.kind !== "message" || c.message.type !== "configure") throw new Error(c.kind);
    expect(c.message.wallet_pubkeys).toEqual([W1]);
    const u = parseClientMessage(`{"type":"update_wallets","wallet_pubkeys":"${W2}"}`);
    if (u.kind !== "message" || u.message.type !== "update_wallets") throw new Error(u.kind);
    expect(u.message.wallet_pubkeys).toEqual([W2]);
  });

  it("prefers wallet_pubkeys when both keys are present", () => {
    const r = parseClientMessage(
      `{"type":"configure","wallet_pubkeys":["${W1}"],"wallet_pubkey":"${W2}","strategy":{"target_profit_pct":5,"stop_loss_pct":1}}`,
    );
    if (r.kind !== "message" || r.message.type !== "configure") throw new Error(r.kind);
    expect(r.message.wallet_pubkeys).toEqual([W1]);
  });

  it("ignores unknown keys, as the server does (top level and nested)", () => {
    const r = parseClientMessage(
      '{"type":"update_strategy","strategy":{"target_profit_pct":5,"stop_loss_pct":1,"future":true},"deadline_timeout_sec":45}',
    );
    if (r.kind !== "message") throw new Error(r.kind);
    expect(r.message).toEqual({ type: "update_strategy", strategy: { target_profit_pct: 5, stop_loss_pct: 1 } });
  });

  it("accepts null for Option fields", () => {
    const r = parseClientMessage('{"type":"close_position","position_id":null,"token_account":"abc"}');
    if (r.kind !== "message") throw new Error(r.kind);
    expect(r.message).toEqual({ type: "close_position", position_id: null, token_account: "abc" });
  });

  it("reads a u64 beyond 2^53 exactly, as a bigint", () => {
    const r = parseClientMessage('{"type":"close_position","position_id":18446744073709551615}');
    if (r.kind !== "message" || r.message.type !== "close_position") throw new Error(r.kind);
    expect(r.message.position_id).toBe(18_446_744_073_709_551_615n);
  });

  it("gives unknown for a type it does not know", () => {
    const r = parseClientMessage('{"type":"subscribe","x":1}');
    expect(r).toMatchObject({ kind: "unknown", type: "subscribe", value: { type: "subscribe", x: 1 } });
  });

  it.each([
    ["not JSON", "{", /^frame is not valid JSON: /, []],
    ["an array", "[]", "frame is not a JSON object", [""]],
    ["no type", '{"position_id":1}', "frame has no string `type`", ["type"]],
    ["ping without time", '{"type":"ping"}', `invalid ping message: client_time_ms: ${U64}, received undefined`, ["client_time_ms"]],
    [
      "u16 out of range",
      '{"type":"request_exit_signal","position_id":1,"slippage_bps":70000}',
      `invalid request_exit_signal message: slippage_bps: ${U16}, received 70000`,
      ["slippage_bps"],
    ],
    [
      "fractional u64",
      '{"type":"close_position","position_id":1.5}',
      `invalid close_position message: position_id: ${U64}, received 1.5`,
      ["position_id"],
    ],
    [
      "null for a non-Option field",
      '{"type":"update_strategy","strategy":{"target_profit_pct":5,"stop_loss_pct":1,"liquidity_guard":null}}',
      "invalid update_strategy message: strategy.liquidity_guard: Invalid input: expected boolean, received null",
      ["strategy.liquidity_guard"],
    ],
    [
      "update_watch_wallets without its list",
      '{"type":"update_watch_wallets"}',
      "invalid update_watch_wallets message: watch_wallets: Invalid input: expected array, received undefined",
      ["watch_wallets"],
    ],
    [
      "no wallet_pubkey alias on update_wallets",
      `{"type":"update_wallets","wallet_pubkey":["${W1}"]}`,
      "invalid update_wallets message: wallet_pubkeys: Invalid input: expected array, received undefined",
      ["wallet_pubkeys"],
    ],
  ] as [string, string, string | RegExp, string[]][])("invalid: %s", (_name, frame, text, paths) => {
    const r = parseClientMessage(frame);
    if (r.kind !== "invalid") throw new Error(`expected invalid, got ${r.kind}`);
    if (typeof text === "string") expect(r.error.message).toBe(text);
    else expect(r.error.message).toMatch(text);
    expect(r.error.issues.map((i) => i.path)).toEqual(paths);
    expect(r.raw).toBe(frame);
  });
});

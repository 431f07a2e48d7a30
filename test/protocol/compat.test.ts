import { describe, expect, it } from "vitest";
import { isLowPriority, parseServerMessage, type ServerMessage } from "../../src/protocol/index.js";

const W = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
const TX = "AQAAAA==";

function message(frame: unknown, ints: "number" | "bigint" = "number"): ServerMessage<"number" | "bigint"> {
  const r = parseServerMessage(typeof frame === "string" ? frame : JSON.stringify(frame), { ints });
  if (r.kind !== "message") throw new Error(`expected message, got ${r.kind}: ${r.kind === "invalid" ? r.error.message : ""}`);
  return r.message;
}

const exit = (patch: Record<string, unknown> = {}) => ({
  type: "exit_signal_with_tx",
  session_id: 1,
  position_id: 2,
  wallet_pubkey: W,
  mint: W,
  position_tokens: 100,
  profit_units: -5,
  reason: "stop_loss",
  triggered_at_ms: 1_773_792_051_877,
  unsigned_tx_b64: TX,
  ...patch,
});

describe("forward compatibility", () => {
  it.each(["number", "bigint"] as const)(
    "an exit signal whose known market context changed shape is still delivered, context as received (%s)",
    (ints) => {
      const frame = JSON.stringify(exit({ market_context: { market_type: "pump_swap", pumpswap: { pool_id: "renamed" } } }));
      const r = parseServerMessage(frame, { ints });
      if (r.kind !== "message" || r.message.type !== "exit_signal_with_tx") throw new Error(r.kind);
      expect(r.message.unsigned_tx_b64).toBe(TX);
      expect(r.message.market_context).toEqual({ market_type: "pump_swap", pumpswap: { pool_id: "renamed" } });
    },
  );

  it("an unknown type is delivered as unknown, with the parsed frame and the raw text", () => {
    const frame = '{"type":"position_migrated","position_id":7,"to":"pump_swap","big":18446744073709551615}';
    const r = parseServerMessage(frame);
    if (r.kind !== "unknown") throw new Error(r.kind);
    expect(r.type).toBe("position_migrated");
    expect(r.raw).toBe(frame);
    expect(r.value).toEqual({ type: "position_migrated", position_id: 7, to: "pump_swap", big: 18_446_744_073_709_551_615n });
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", ""])("type %j is unknown, not a crash", (type) => {
    const r = parseServerMessage(JSON.stringify({ type }));
    expect(r).toMatchObject({ kind: "unknown", type });
  });

  it("a top-level __proto__ key is dropped, in both modes, so merging the message cannot swap a prototype", () => {
    const frame = '{"type":"pong","server_time_ms":1,"__proto__":{"polluted":true}}';
    for (const ints of ["number", "bigint"] as const) {
      const m = message(frame, ints);
      expect(Object.hasOwn(m, "__proto__")).toBe(false);
      expect((Object.assign({}, m) as Record<string, unknown>)["polluted"]).toBeUndefined();
    }
  });

  it("an extra top-level field survives, in both modes", () => {
    for (const ints of ["number", "bigint"] as const) {
      const m = message(exit({ priority_fee_lamports: 5000, hints: { retry: true } }), ints);
      expect(m).toMatchObject({ priority_fee_lamports: 5000, hints: { retry: true } });
    }
  });

  it("an extra field inside market_context, its context object, a band and the limits survives", () => {
    const m = message(
      exit({ market_context: { market_type: "pump_swap", pumpswap: { pool: W, fee_bps: 25 }, venue: "amm" } }),
    );
    if (m.type !== "exit_signal_with_tx") throw new Error(m.type);
    expect(m.market_context).toEqual({ market_type: "pump_swap", pumpswap: { pool: W, fee_bps: 25 }, venue: "amm" });

    const snap = message({
      type: "liquidity_snapshot",
      position_id: 1,
      bands: [{ slippage_bps: 100, max_tokens: 5, coverage_pct: 25, price_impact_pct: 0.9 }],
      liquidity_trend: "stable",
      server_time_ms: 1,
    });
    expect(snap).toMatchObject({ bands: [{ price_impact_pct: 0.9 }] });

    const hello = message({
      type: "hello_ok",
      session_id: 1,
      server_time_ms: 1,
      limits: { hi_capacity: 256, pnl_flush_ms: 100, max_positions_per_session: 500, max_mirror_buys: 3 },
    });
    expect(hello).toMatchObject({ limits: { max_mirror_buys: 3 } });
  });

  it("market_type raydium_clmm with its own context key parses, the context kept", () => {
    const context = { market_type: "raydium_clmm", raydium_clmm: { pool: W, tick_spacing: 60 } };
    for (const ints of ["number", "bigint"] as const) {
      const m = message(exit({ market_context: context }), ints);
      if (m.type !== "exit_signal_with_tx") throw new Error(m.type);
      expect(m.market_context).toEqual(context);
      expect(m.unsigned_tx_b64).toBe(TX);
    }
    const opened = message({
      type: "position_opened",
      position_id: 1,
      wallet_pubkey: W,
      mint: W,
      token_account: W,
      tokens: 1,
      entry_quote_units: 1,
      slot: 1,
      market_context: { market_type: "orca_whirlpool" },
    });
    expect(opened).toMatchObject({ market_context: { market_type: "orca_whirlpool" } });
  });

  it.each([
    ["exit reason", exit({ reason: "liquidity_guard_v2" }), "reason", "liquidity_guard_v2"],
    [
      "close reason",
      { type: "position_closed", position_id: 1, wallet_pubkey: W, mint: W, reason: "rugged", slot: 1 },
      "reason",
      "rugged",
    ],
    [
      "liquidity_trend",
      { type: "liquidity_snapshot", position_id: 1, bands: [], liquidity_trend: "collapsing", server_time_ms: 1 },
      "liquidity_trend",
      "collapsing",
    ],
    [
      "trade side",
      { type: "trade_tick", position_id: 1, time_ms: 1, side: "swap", token_amount: 1, quote_amount: 1, price_quote: 1 },
      "side",
      "swap",
    ],
    [
      "mirror input",
      {
        type: "mirror_buy_signal",
        session_id: 1,
        watched_wallet: W,
        mint: W,
        user_wallet: W,
        amount_quote_units: 1,
        input: "USDC",
        unsigned_tx_b64: TX,
        slippage_bps: 100,
        send_mode: "jito_bundle",
      },
      "input",
      "USDC",
    ],
    ["error code", { type: "error", code: "rate_limited_v9", message: "slow down" }, "code", "rate_limited_v9"],
    [
      "auto-disable reason",
      { type: "mirror_wallet_auto_disabled", watched_wallet: W, reason: "drawdown", loss_count: 1 },
      "reason",
      "drawdown",
    ],
  ])("an unknown %s value is accepted", (_name, frame, field, value) => {
    expect(message(frame)).toHaveProperty(field, value);
  });

  it("an unknown send_mode on mirror_buy_signal is accepted", () => {
    expect(
      message({
        type: "mirror_buy_signal",
        session_id: 1,
        watched_wallet: W,
        mint: W,
        user_wallet: W,
        amount_quote_units: 1,
        input: "SOL",
        unsigned_tx_b64: TX,
        slippage_bps: 100,
        send_mode: "jito_bundle",
      }),
    ).toHaveProperty("send_mode", "jito_bundle");
  });
});

describe("defaults", () => {
  const watchedTypes = [
    { type: "pnl_update", position_id: 1, profit_units: 1, proceeds_units: 1, server_time_ms: 1 },
    { type: "liquidity_snapshot", position_id: 1, bands: [], liquidity_trend: "stable", server_time_ms: 1 },
    { type: "trade_tick", position_id: 1, time_ms: 1, side: "buy", token_amount: 1, quote_amount: 1, price_quote: 1 },
    {
      type: "position_opened",
      position_id: 1,
      wallet_pubkey: W,
      mint: W,
      token_account: W,
      tokens: 1,
      entry_quote_units: 1,
      slot: 1,
    },
    { type: "position_closed", position_id: 1, wallet_pubkey: W, mint: W, reason: "x", slot: 1 },
    exit(),
  ];

  it.each(watchedTypes)("watched is false when absent, true when sent: $type", (frame) => {
    for (const ints of ["number", "bigint"] as const) {
      expect(message(frame, ints)).toHaveProperty("watched", false);
      expect(message({ ...frame, watched: true }, ints)).toHaveProperty("watched", true);
    }
  });

  it("balance_update has no watched field", () => {
    const m = message({ type: "balance_update", wallet_pubkey: W, mint: W, tokens: 1, slot: 1 });
    expect(m).not.toHaveProperty("watched");
  });

  it("the four optional limits default to 0; pnl_flush_ms is a u64", () => {
    const frame = {
      type: "hello_ok",
      session_id: 9,
      server_time_ms: 1,
      limits: { hi_capacity: 256, pnl_flush_ms: 100, max_positions_per_session: 500 },
    };
    for (const ints of ["number", "bigint"] as const) {
      const m = message(frame, ints);
      if (m.type !== "hello_ok") throw new Error(m.type);
      expect(m.limits).toEqual({
        hi_capacity: 256,
        pnl_flush_ms: ints === "bigint" ? 100n : 100,
        max_positions_per_session: 500,
        max_wallets_per_session: 0,
        max_positions_per_wallet: 0,
        max_sessions_per_api_key: 0,
        max_watch_wallets_per_session: 0,
      });
    }
    // A u64 flush interval beyond u32 is valid (protocol.md section 5.6).
    const long = message({ ...frame, limits: { ...frame.limits, pnl_flush_ms: 2 ** 40 } });
    expect(long).toMatchObject({ limits: { pnl_flush_ms: 2 ** 40 } });
  });

  it("optional fields that were absent stay absent (no undefined keys)", () => {
    const m = message({ type: "pnl_update", position_id: 1, profit_units: 1, proceeds_units: 1, server_time_ms: 1 });
    expect(Object.keys(m).sort()).toEqual(
      ["position_id", "proceeds_units", "profit_units", "server_time_ms", "type", "watched"].sort(),
    );
  });
});

describe("isLowPriority", () => {
  it.each([
    ["pnl_update", true],
    ["liquidity_snapshot", true],
    ["trade_tick", true],
    ["exit_signal_with_tx", false],
    ["position_opened", false],
    ["position_closed", false],
    ["balance_update", false],
    ["hello_ok", false],
    ["error", false],
    ["mirror_buy_signal", false],
    ["some_future_type", false],
    ["", false],
  ])("%s -> %s", (type, low) => {
    expect(isLowPriority(type)).toBe(low);
  });
});

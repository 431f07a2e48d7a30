import { describe, expectTypeOf, it } from "vitest";
import { parseClientMessage } from "../../src/protocol/index.js";
import {
  parseServerMessage,
  stringifyClientMessage,
  type ClientMessage,
  type ExitReason,
  type ExitSignalWithTx,
  type HelloOk,
  type InvalidMessage,
  type Limits,
  type MarketContext,
  type ParseResult,
  type ParsedMessage,
  type PnlUpdate,
  type PositionOpened,
  type ServerMessage,
  type ServerMessageOf,
  type SlippageBand,
  type StreamProtocolError,
  type UnknownMessage,
} from "../../src/index.js";

describe("ServerMessage", () => {
  it("narrows by type", () => {
    const m = {} as ServerMessage;
    if (m.type === "exit_signal_with_tx") {
      expectTypeOf(m).toEqualTypeOf<ExitSignalWithTx>();
      expectTypeOf(m.unsigned_tx_b64).toEqualTypeOf<string>();
      expectTypeOf(m.position_id).toEqualTypeOf<number>();
      expectTypeOf(m.level_index).toEqualTypeOf<number | undefined>();
      expectTypeOf(m.sell_tokens).toEqualTypeOf<number | undefined>();
      expectTypeOf(m.watched).toEqualTypeOf<boolean>();
      expectTypeOf(m.market_context).toEqualTypeOf<MarketContext | undefined>();
    }
    if (m.type === "pnl_update") {
      expectTypeOf(m).toEqualTypeOf<PnlUpdate>();
      // @ts-expect-error pnl_update has no unsigned transaction
      void m.unsigned_tx_b64;
    }
    expectTypeOf<ServerMessageOf<"position_opened">>().toEqualTypeOf<PositionOpened>();
  });

  it("covers exactly the 13 server message types", () => {
    expectTypeOf<ServerMessage["type"]>().toEqualTypeOf<
      | "hello_ok"
      | "pong"
      | "error"
      | "pnl_update"
      | "liquidity_snapshot"
      | "trade_tick"
      | "balance_update"
      | "position_opened"
      | "position_closed"
      | "exit_signal_with_tx"
      | "mirror_buy_signal"
      | "mirror_buy_failed"
      | "mirror_wallet_auto_disabled"
    >();
  });

  it("delivers u64/i64 as bigint in bigint mode, narrower integers as numbers", () => {
    expectTypeOf<ExitSignalWithTx<"bigint">["position_id"]>().toEqualTypeOf<bigint>();
    expectTypeOf<ExitSignalWithTx<"bigint">["profit_units"]>().toEqualTypeOf<bigint>();
    expectTypeOf<ExitSignalWithTx<"bigint">["sell_tokens"]>().toEqualTypeOf<bigint | undefined>();
    expectTypeOf<ExitSignalWithTx<"bigint">["level_index"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<PositionOpened<"bigint">["token_decimals"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<SlippageBand<"bigint">["max_tokens"]>().toEqualTypeOf<bigint>();
    expectTypeOf<SlippageBand<"bigint">["slippage_bps"]>().toEqualTypeOf<number>();
    expectTypeOf<Limits<"bigint">["pnl_flush_ms"]>().toEqualTypeOf<bigint>();
    expectTypeOf<Limits<"bigint">["hi_capacity"]>().toEqualTypeOf<number>();
    expectTypeOf<HelloOk["limits"]["max_watch_wallets_per_session"]>().toEqualTypeOf<number>();
    expectTypeOf<ExitSignalWithTx["position_id"]>().toEqualTypeOf<number>();
  });

  it("open vocabularies accept any string and still suggest the known values", () => {
    expectTypeOf<"liquidity_guard_v2">().toExtend<ExitSignalWithTx["reason"]>();
    expectTypeOf<"stop_loss">().toExtend<ExitReason>();
    expectTypeOf<ExitReason>().toExtend<string>();
    expectTypeOf<"raydium_clmm">().toExtend<MarketContext["market_type"]>();
    expectTypeOf<"collapsing">().toExtend<ServerMessageOf<"liquidity_snapshot">["liquidity_trend"]>();
    expectTypeOf<"swap">().toExtend<ServerMessageOf<"trade_tick">["side"]>();
    expectTypeOf<"USDC">().toExtend<ServerMessageOf<"mirror_buy_signal">["input"]>();
    expectTypeOf<ServerMessageOf<"error">["code"]>().toEqualTypeOf<string>();
  });

  it("keeps unknown fields reachable", () => {
    const m = {} as PnlUpdate;
    expectTypeOf(m["some_future_field"]).toEqualTypeOf<unknown>();
  });
});

describe("ParseResult", () => {
  it("narrows by kind", () => {
    const r = parseServerMessage("{}");
    expectTypeOf(r).toEqualTypeOf<ParseResult<ServerMessage<"number">>>();
    if (r.kind === "message") {
      expectTypeOf(r).toEqualTypeOf<ParsedMessage<ServerMessage>>();
      expectTypeOf(r.message).toEqualTypeOf<ServerMessage>();
      expectTypeOf(r.precisionLoss).toEqualTypeOf<string[] | undefined>();
    } else if (r.kind === "unknown") {
      expectTypeOf(r).toEqualTypeOf<UnknownMessage>();
      expectTypeOf(r.type).toEqualTypeOf<string>();
      expectTypeOf(r.raw).toEqualTypeOf<string>();
    } else {
      expectTypeOf(r).toEqualTypeOf<InvalidMessage>();
      expectTypeOf(r.error).toEqualTypeOf<StreamProtocolError>();
    }
  });

  it("follows the ints option", () => {
    const r = parseServerMessage("{}", { ints: "bigint" });
    if (r.kind === "message" && r.message.type === "balance_update") {
      expectTypeOf(r.message.tokens).toEqualTypeOf<bigint>();
    }
    const n = parseServerMessage("{}", { ints: "number" });
    if (n.kind === "message" && n.message.type === "balance_update") {
      expectTypeOf(n.message.tokens).toEqualTypeOf<number>();
    }
  });

  it("parseClientMessage returns client messages", () => {
    const r = parseClientMessage("{}");
    if (r.kind === "message") expectTypeOf(r.message).toEqualTypeOf<ClientMessage>();
  });
});

describe("client messages", () => {
  it("stringifyClientMessage takes u64 as number or bigint, and checks keys at compile time", () => {
    expectTypeOf(stringifyClientMessage).returns.toEqualTypeOf<string>();
    stringifyClientMessage({ type: "close_position", position_id: 1n });
    stringifyClientMessage({ type: "close_position", position_id: 1 });
    stringifyClientMessage({ type: "request_exit_signal", token_account: "abc", slippage_bps: 500 });
    // @ts-expect-error a u64 is never a string
    stringifyClientMessage({ type: "close_position", position_id: "1" });
    // @ts-expect-error unknown message type
    stringifyClientMessage({ type: "sell_now", position_id: 1 });
    // @ts-expect-error update_position_strategy needs its strategy
    stringifyClientMessage({ type: "update_position_strategy", position_id: 1 });
  });

  it("narrows by type", () => {
    const m = {} as ClientMessage;
    if (m.type === "configure") {
      expectTypeOf(m.wallet_pubkeys).toEqualTypeOf<string[]>();
      // 0 or absent means off: the stringifier writes an absent threshold as 0.
      expectTypeOf(m.strategy.target_profit_pct).toEqualTypeOf<number | undefined>();
    }
  });
});

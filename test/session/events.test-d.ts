import { describe, expectTypeOf, it } from "vitest";
import type { StreamError } from "../../src/errors.js";
import type {
  ErrorMessage,
  ExitSignalWithTx,
  HelloOk,
  MirrorBuySignal,
  PnlUpdate,
  PositionClosed,
  PositionOpened,
} from "../../src/protocol/index.js";
import { StreamSession, type PositionHandle, type StreamEvent, type StreamEventOf } from "../../src/session/index.js";
import { StreamClient, type StreamConnection } from "../../src/client/index.js";
import { FakeClient, FakeConnection } from "./fake-connection.js";

declare const event: StreamEvent;
declare const bigEvent: StreamEvent<"bigint">;
declare const session: StreamSession;

describe("StreamEvent narrowing", () => {
  it("narrows message and handle from type, without casts", () => {
    if (event.type === "exit_signal_with_tx") {
      expectTypeOf(event.message).toEqualTypeOf<ExitSignalWithTx>();
      expectTypeOf(event.message.unsigned_tx_b64).toEqualTypeOf<string>();
      expectTypeOf(event.handle).toEqualTypeOf<PositionHandle | undefined>();
    }
    if (event.type === "position_opened") {
      expectTypeOf(event.message).toEqualTypeOf<PositionOpened>();
      expectTypeOf(event.handle).toEqualTypeOf<PositionHandle>();
    }
    if (event.type === "position_closed") {
      expectTypeOf(event.message).toEqualTypeOf<PositionClosed>();
      expectTypeOf(event.handle).toEqualTypeOf<PositionHandle | undefined>();
    }
    if (event.type === "pnl_update") expectTypeOf(event.message).toEqualTypeOf<PnlUpdate>();
    if (event.type === "hello_ok") {
      expectTypeOf(event.message).toEqualTypeOf<HelloOk>();
      expectTypeOf(event).not.toHaveProperty("handle");
    }
    if (event.type === "error") expectTypeOf(event.message).toEqualTypeOf<ErrorMessage>();
    if (event.type === "mirror_buy_signal") expectTypeOf(event.message).toEqualTypeOf<MirrorBuySignal>();
    if (event.type === "unknown") {
      expectTypeOf(event.messageType).toEqualTypeOf<string>();
      expectTypeOf(event.raw).toEqualTypeOf<string>();
    }
    if (event.type === "disconnected") expectTypeOf(event.willReconnect).toEqualTypeOf<boolean>();
    if (event.type === "reconnected") expectTypeOf(event.hello).toEqualTypeOf<HelloOk>();
    if (event.type === "deadline") expectTypeOf(event.handle).toEqualTypeOf<PositionHandle>();
  });

  it("a switch over type is exhaustive", () => {
    const kind = (e: StreamEvent): string => {
      switch (e.type) {
        case "hello_ok":
        case "pong":
        case "error":
        case "pnl_update":
        case "liquidity_snapshot":
        case "trade_tick":
        case "balance_update":
        case "position_opened":
        case "position_closed":
        case "exit_signal_with_tx":
        case "mirror_buy_signal":
        case "mirror_buy_failed":
        case "mirror_wallet_auto_disabled":
        case "unknown":
        case "disconnected":
        case "reconnected":
        case "deadline":
          return e.type;
        default: {
          const never: never = e;
          return never;
        }
      }
    };
    expectTypeOf(kind).returns.toEqualTypeOf<string>();
  });

  it("bigint mode: ids and amounts are bigint on messages and handles", () => {
    if (bigEvent.type === "exit_signal_with_tx") {
      expectTypeOf(bigEvent.message.position_id).toEqualTypeOf<bigint>();
      expectTypeOf(bigEvent.handle?.tokens).toEqualTypeOf<bigint | undefined>();
      expectTypeOf(bigEvent.message.level_index).toEqualTypeOf<number | undefined>();
    }
    expectTypeOf<PositionHandle<"bigint">["position_id"]>().toEqualTypeOf<bigint>();
    expectTypeOf<PositionHandle["position_id"]>().toEqualTypeOf<number>();
  });

  it("StreamEventOf picks one event", () => {
    expectTypeOf<StreamEventOf<"deadline">["handle"]>().toEqualTypeOf<PositionHandle>();
  });
});

describe("session API types", () => {
  it("emitter events are named after event types and typed", () => {
    session.on("exit_signal_with_tx", (e) => {
      expectTypeOf(e.message).toEqualTypeOf<ExitSignalWithTx>();
    });
    session.on("error", (e) => {
      expectTypeOf(e.message).toEqualTypeOf<ErrorMessage>();
    });
    session.on("stream_error", (e) => {
      expectTypeOf(e).toEqualTypeOf<StreamError>();
    });
    session.on("deadline", (e) => {
      expectTypeOf(e.handle).toEqualTypeOf<PositionHandle>();
    });
  });

  it("the int mode follows the connection and the client", async () => {
    const big = StreamSession.fromConnection(new FakeConnection({ ints: "bigint" }));
    expectTypeOf(big).toEqualTypeOf<StreamSession<"bigint">>();
    expectTypeOf(big.getMaxSellAtSlippage(1n, 100)).toEqualTypeOf<bigint | undefined>();
    const num = StreamSession.fromConnection(new FakeConnection());
    expectTypeOf(num).toEqualTypeOf<StreamSession<"number">>();
    const viaClient = await StreamSession.connect(new FakeClient({ ints: "bigint" }), {
      wallet_pubkeys: [],
      strategy: { target_profit_pct: 1, stop_loss_pct: 1 },
    });
    expectTypeOf(viaClient).toEqualTypeOf<StreamSession<"bigint">>();
    expectTypeOf(session.recv()).toEqualTypeOf<Promise<StreamEvent | null>>();
    // The real client and connection.
    const configure = { wallet_pubkeys: [], strategy: { target_profit_pct: 1, stop_loss_pct: 1 } };
    expectTypeOf(StreamSession.connect(new StreamClient("k"), configure)).resolves.toEqualTypeOf<StreamSession<"number">>();
    expectTypeOf(StreamSession.connect(new StreamClient("k", { ints: "bigint" }), configure)).resolves.toEqualTypeOf<
      StreamSession<"bigint">
    >();
    const realBig = null as unknown as StreamConnection<"bigint">;
    expectTypeOf(StreamSession.fromConnection(realBig)).toEqualTypeOf<StreamSession<"bigint">>();
  });

  it("handles are read-only", () => {
    const h = session.positions()[0];
    if (h !== undefined) {
      // @ts-expect-error handles are immutable snapshots
      h.tokens = 5;
    }
  });
});

import { describe, expectTypeOf, it } from "vitest";
import {
  StreamClient,
  type ConnectionStatus,
  type InboundMessage,
  type LaneReceiver,
  type StreamConnection,
  type StreamSender,
} from "../../src/client/index.js";
import type { StreamError, StreamProtocolError } from "../../src/errors.js";
import type { HelloOk } from "../../src/protocol/index.js";

describe("client types", () => {
  it("is generic over the integer mode", () => {
    const numbers = new StreamClient("k");
    const bigints = new StreamClient("k", { ints: "bigint" });
    expectTypeOf(numbers.connect).returns.resolves.toEqualTypeOf<StreamConnection<"number">>();
    expectTypeOf(bigints.connect).returns.resolves.toEqualTypeOf<StreamConnection<"bigint">>();
    expectTypeOf<StreamConnection<"bigint">["recv"]>().returns.resolves.toEqualTypeOf<InboundMessage<"bigint"> | null>();
  });

  it("narrows messages by type", () => {
    const message = {} as InboundMessage<"bigint">;
    if (message.type === "exit_signal_with_tx") {
      expectTypeOf(message.position_id).toEqualTypeOf<bigint>();
      expectTypeOf(message.unsigned_tx_b64).toEqualTypeOf<string>();
    }
    if (message.type === "unknown") expectTypeOf(message.raw).toEqualTypeOf<string>();
    const n = {} as InboundMessage;
    if (n.type === "pnl_update") expectTypeOf(n.profit_units).toEqualTypeOf<number>();
  });

  it("types the event map", () => {
    const connection = {} as StreamConnection<"bigint">;
    connection.on("status", (change) => {
      expectTypeOf(change.current).toEqualTypeOf<ConnectionStatus>();
    });
    connection.on("reconnected", ({ attempt, hello }) => {
      expectTypeOf(attempt).toEqualTypeOf<number>();
      expectTypeOf(hello).toEqualTypeOf<HelloOk<"bigint">>();
    });
    connection.on("stream_error", (error) => expectTypeOf(error).toEqualTypeOf<StreamError>());
    connection.on("invalid_message", (error) => expectTypeOf(error).toEqualTypeOf<StreamProtocolError>());
    connection.on("disconnected", (info) => expectTypeOf(info.willReconnect).toEqualTypeOf<boolean>());
    // @ts-expect-error: not an event of the map
    connection.on("nope", () => {});
  });

  it("split and sender", () => {
    const connection = {} as StreamConnection;
    expectTypeOf(connection.split()).toEqualTypeOf<[StreamSender, LaneReceiver<"number">]>();
    const sender = connection.sender();
    sender.closePosition({ tokenAccount: "x" });
    sender.closePosition(5n);
    // @ts-expect-error: a selector must name a position
    sender.closePosition({ mint: "x" });
  });
});

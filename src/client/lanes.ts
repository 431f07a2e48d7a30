/**
 * `connectLanes()` compatibility: the official SDK's high and low receivers over one connection.
 */
import type { IntMode } from "../protocol/index.js";
import type { StreamConnection } from "./connection.js";
import { iterate } from "./inbound.js";
import type { CloseOptions, InboundMessage, LaneReceiver, StreamSender } from "./types.js";

function lane<M extends IntMode>(connection: StreamConnection<M>, which: "high" | "low"): LaneReceiver<M> {
  const recv = (): Promise<InboundMessage<M> | null> => connection._recvLane(which);
  return { recv, [Symbol.asyncIterator]: () => iterate(recv) };
}

/**
 * A connection read through two lanes. `high` never drops; `low` holds the bounded low-priority
 * messages (latest `pnl_update` / `liquidity_snapshot` per position, `trade_tick`s in a ring).
 * Events, status and stats are on `connection`.
 */
export class StreamConnectionLanes<M extends IntMode = "number"> {
  readonly connection: StreamConnection<M>;
  readonly high: LaneReceiver<M>;
  readonly low: LaneReceiver<M>;

  /** @internal Use `StreamClient.connectLanes()`. */
  constructor(connection: StreamConnection<M>) {
    this.connection = connection;
    this.high = lane(connection, "high");
    this.low = lane(connection, "low");
  }

  sender(): StreamSender {
    return this.connection.sender();
  }

  highReceiver(): LaneReceiver<M> {
    return this.high;
  }

  lowReceiver(): LaneReceiver<M> {
    return this.low;
  }

  /** `[sender, high, low]`, like the official SDK. */
  split(): [StreamSender, LaneReceiver<M>, LaneReceiver<M>] {
    return [this.connection.sender(), this.high, this.low];
  }

  close(options?: CloseOptions): Promise<void> {
    return this.connection.close(options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.connection.close();
  }
}

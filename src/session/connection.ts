/**
 * The narrow view of a connection that `StreamSession` needs. `StreamConnection` (from
 * `src/client/`) satisfies it; so can an in-memory fake in tests.
 */
import type {
  CloseOptions,
  ConnectOptions,
  InboundMessage,
  ReplayState,
  InboundSubscriber,
  InboundSubscription,
  StreamConfigure,
  StreamConnectionEvents,
  StreamSender,
} from "../client/types.js";
import type { IntMode } from "../protocol/index.js";

/** Connection events the session listens to. */
export type SessionConnectionEventName = "disconnected" | "reconnected" | "stream_error";

/** What `StreamSession` uses of a connection. */
export interface SessionConnection<M extends IntMode = "number"> {
  /** The next inbound message; `null` once the connection is closed for good. */
  recv(): Promise<InboundMessage<M> | null>;
  /** Sends client messages (validated, queued while offline, recorded for replay). */
  sender(): StreamSender;
  close(options?: CloseOptions): Promise<void>;
  on<K extends SessionConnectionEventName>(
    event: K,
    listener: (...args: NoInfer<StreamConnectionEvents<M>[K]>) => void,
  ): unknown;
  off<K extends SessionConnectionEventName>(
    event: K,
    listener: (...args: NoInfer<StreamConnectionEvents<M>[K]>) => void,
  ): unknown;
  /**
   * @internal Direct delivery (optional; `StreamConnection` has it): every inbound message is handed
   * to the subscriber synchronously as it is decoded, so there is one queue, the session's.
   */
  _subscribe?(subscriber: InboundSubscriber<M>): InboundSubscription;
  /** Drops pending low-priority messages of a closed position (optional). */
  discardPending?(positionId: number | bigint): unknown;
  /**
   * The latest configuration the client sent (what a reconnect replays), when the connection keeps
   * it: `guardFor(session)` in `lasersell-stream/tx` reads the tip and mirror-buy caps from it.
   */
  readonly state?: ReplayState;
  /** The `deadline_timeout_sec` the connection was configured with, when it keeps it. */
  readonly deadlineTimeoutSec?: number | undefined;
}

/** What `StreamSession.connect` uses of a client: `StreamClient` satisfies it. */
export interface SessionClient<M extends IntMode = "number"> {
  connect(configure: StreamConfigure, options?: ConnectOptions): Promise<SessionConnection<M>>;
}

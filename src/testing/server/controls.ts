/**
 * The test controls of {@link MockStreamServer}: the `waitFor*` condition waits over what the
 * server recorded (handshakes, client frames, exits, closed positions, open connections), and
 * choosing the connections a hook (`send`, `dropConnections`, `stall`, `resume`) acts on.
 */
import type { ClientMessageOf, ClientMessageType } from "../../protocol/index.js";
import type { MockExitSignal } from "../options.js";
import type { MockConnection, ReceivedFrame } from "../session.js";
import { Waiters } from "./waiters.js";

/** How long a wait waits unless told. */
const DEFAULT_WAIT_MS = 5_000;

/** What the waits look at: the server's records, shared by reference. */
export interface ControlRecords {
  readonly received: readonly ReceivedFrame[];
  readonly exits: readonly MockExitSignal[];
  readonly closedPositions: ReadonlyMap<number, string>;
  /** Open client connections, in accept order. */
  connections(): ReadonlySet<MockConnection>;
}

/** Options of `waitForMessage`. */
export interface MessageWait<T extends ClientMessageType> {
  predicate?: (message: ClientMessageOf<T>) => boolean;
  connection?: MockConnection;
  after?: number;
  timeoutMs?: number;
}

/** @internal The server's test controls; owned by {@link MockStreamServer}. */
export class TestControls {
  readonly #records: ControlRecords;
  readonly #waiters = new Waiters();
  /** Connections whose handshake completed, in order. */
  readonly #handshakes: MockConnection[] = [];

  constructor(records: ControlRecords) {
    this.#records = records;
  }

  /** Counts a completed handshake. */
  handshaken(conn: MockConnection): void {
    this.#handshakes.push(conn);
  }

  /** Every open connection, or the one given (by object or id). */
  pick(connection: MockConnection | number | undefined): MockConnection[] {
    const all = [...this.#records.connections()];
    if (connection === undefined) return all;
    const id = typeof connection === "number" ? connection : connection.id;
    return all.filter((c) => c.id === id);
  }

  /** Re-checks every pending wait. */
  notify(): void {
    this.#waiters.notify();
  }

  /** Rejects every pending wait, and every later one at once. */
  close(reason: string): void {
    this.#waiters.close(reason);
  }

  /** See `MockStreamServer.waitFor`. */
  waitFor<T>(probe: () => T | undefined, timeoutMs = DEFAULT_WAIT_MS, what = "condition"): Promise<T> {
    return this.#waiters.wait(probe, timeoutMs, what);
  }

  /** The `count`-th connection (1-based) whose handshake completed. */
  connection(count: number, timeoutMs: number | undefined): Promise<MockConnection> {
    return this.waitFor(() => this.#handshakes[count - 1], timeoutMs, `handshake #${count}`);
  }

  /** The first client message of `type` matching the options. */
  message<T extends ClientMessageType>(type: T, options: MessageWait<T>): Promise<ClientMessageOf<T>> {
    const received = this.#records.received;
    return this.waitFor(
      () => {
        for (let i = options.after ?? 0; i < received.length; i++) {
          const r = received[i];
          const m = r?.message;
          if (m === undefined || m.type !== type) continue;
          if (options.connection !== undefined && r?.connectionId !== options.connection.id) continue;
          if (options.predicate === undefined || options.predicate(m as ClientMessageOf<T>)) return m as ClientMessageOf<T>;
        }
        return undefined;
      },
      options.timeoutMs,
      `a ${type} message`,
    );
  }

  /** The first exit signal for a position (or any), with `reason` when given. */
  exit(positionId: number | undefined, reason: string | undefined, timeoutMs: number | undefined): Promise<MockExitSignal> {
    return this.waitFor(
      () => this.#records.exits.find((e) => (positionId === undefined || e.position_id === positionId) && (reason === undefined || e.reason === reason)),
      timeoutMs,
      `an exit signal${positionId === undefined ? "" : ` for position ${positionId}`}`,
    );
  }

  /** The close reason of a position, once it closed. */
  positionClosed(positionId: number, timeoutMs: number | undefined): Promise<string> {
    return this.waitFor(() => this.#records.closedPositions.get(positionId), timeoutMs, `position ${positionId} to close`);
  }

  /** Resolves once `connection` (default: every connection) has closed. */
  disconnect(connection: MockConnection | undefined, timeoutMs: number | undefined): Promise<void> {
    return this.waitFor(
      () => (connection === undefined ? (this.#records.connections().size === 0 ? true : undefined) : connection.closedWith === undefined ? undefined : true),
      timeoutMs,
      "disconnect",
    ).then(() => undefined);
  }
}

/**
 * The connection's lifecycle as one explicit state machine: the statuses a `StreamConnection`
 * goes through, the events that move it, and the one table that says which moves exist. The
 * connection changes its status only through {@link transition}, which throws on a move the table
 * lacks; the connection asks {@link canTransition} first, because a listener may legitimately have
 * closed it in the middle of a step (it then stops that step, and never throws from a callback).
 *
 * ```text
 *  connecting --hello--> open --lost--> reconnecting --hello--> open ...
 *      |                  |                  |  ^ retry (a failed attempt, another scheduled)
 *      |                  |                  +--+
 *      +------ close -----+------ close -----+-----> closing --end--> closed
 *      +------ end -------+------ end -------+---------------------->
 * ```
 */
import type { ConnectionStatus } from "./types.js";

/**
 * What moves a connection:
 * - `hello`: `hello_ok` arrived on a socket;
 * - `lost`: the open link dropped and will be re-dialed;
 * - `retry`: a reconnect attempt failed and another is scheduled;
 * - `close`: the user called `close()`;
 * - `end`: nothing will arrive any more (closed by the user, refused for good, or gave up).
 */
export type LifecycleEvent = "hello" | "lost" | "retry" | "close" | "end";

const TABLE: { readonly [S in ConnectionStatus]: Readonly<Partial<Record<LifecycleEvent, ConnectionStatus>>> } = {
  connecting: { hello: "open", close: "closing", end: "closed" },
  open: { lost: "reconnecting", close: "closing", end: "closed" },
  reconnecting: { hello: "open", retry: "reconnecting", close: "closing", end: "closed" },
  // A link that drops while closing is close()'s to finish: no move, only `end`.
  closing: { end: "closed" },
  closed: {},
};

/** The status after `event` in `status`; throws on a move the table does not have (a bug). */
export function transition(status: ConnectionStatus, event: LifecycleEvent): ConnectionStatus {
  const next = TABLE[status][event];
  if (next === undefined) throw new Error(`lasersell-stream: no lifecycle move "${event}" from "${status}" (a bug)`);
  return next;
}

/** Whether `event` is a move the table has from `status`. */
export function canTransition(status: ConnectionStatus, event: LifecycleEvent): boolean {
  return TABLE[status][event] !== undefined;
}

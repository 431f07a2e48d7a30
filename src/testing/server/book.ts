/**
 * The open positions of {@link MockStreamServer} and who sees them: position ids, which
 * connections own or watch a wallet, announcing a position to a connection, sending its frames
 * to the live subscribers, finding it for a client message, and closing it.
 */
import type { StrategyConfig } from "../../protocol/index.js";
import type { ServerOutlet } from "../options.js";
import { balanceUpdateFrame, info, positionClosedFrame, positionOpenedFrame, type MockPosition } from "../positions.js";
import { frameText, type MockConnection } from "../session.js";

/** What the book needs from the rest of the server. */
export interface BookHost {
  readonly events: ServerOutlet;
  /** Every open client connection, in accept order. */
  connections(): Iterable<MockConnection>;
  /** The current slot. */
  slot(): number;
  /** Forgets a closing position's transactions still out. */
  forget(p: MockPosition): void;
}

/** How a client message names a position. */
export interface PositionSelector {
  position_id?: number | bigint | null | undefined;
  token_account?: string | null | undefined;
}

/** @internal The server's positions; owned by {@link MockStreamServer}. */
export class PositionBook {
  readonly #host: BookHost;
  readonly #byId = new Map<number, MockPosition>();
  /** The server's `closedPositions`: why each closed position closed. */
  readonly #closed: Map<number, string>;
  #nextId: number;

  constructor(host: BookHost, firstId: number, closed: Map<number, string>) {
    this.#host = host;
    this.#nextId = firstId;
    this.#closed = closed;
  }

  /** Takes the next position id. */
  takeId(): number {
    return this.#nextId++;
  }

  /** Files a newly created position (announcing it is the caller's next step). */
  add(p: MockPosition): void {
    this.#byId.set(p.id, p);
  }

  /** The open position `id`, if any. */
  get(id: number): MockPosition | undefined {
    return this.#byId.get(id);
  }

  /** The open position `id`; throws a `RangeError` when there is none. */
  require(id: number): MockPosition {
    const p = this.#byId.get(id);
    if (p === undefined || !p.open) throw new RangeError(`no open position ${id}`);
    return p;
  }

  /** Every open position, in opening order. */
  values(): IterableIterator<MockPosition> {
    return this.#byId.values();
  }

  /** Configured, open connections that own (`wallet_pubkeys`) or watch a wallet. */
  connectionsFor(wallet: string, how: "own" | "watch"): MockConnection[] {
    return [...this.#host.connections()].filter((c) => c.configured && (how === "own" ? c.wallets.has(wallet) : c.watches(wallet) !== undefined));
  }

  /** True when `conn` streams `p` (it owns the wallet, or watches it for a watched position). */
  tracks(conn: MockConnection, p: MockPosition): boolean {
    return p.watched ? conn.watches(p.wallet) !== undefined : conn.wallets.has(p.wallet);
  }

  /**
   * Connections that receive a position's traffic. Stalled links are left out: with no live
   * subscriber the strategy is not evaluated, so an exit fires once a client is back instead of
   * vanishing into a dead socket.
   */
  subscribers(p: MockPosition): MockConnection[] {
    const out: MockConnection[] = [];
    for (const c of this.#host.connections()) if (c.configured && !c.stalled && c.announced.has(p.id)) out.push(c);
    return out;
  }

  /** Sends `balance_update` then `position_opened` to `conn`. */
  announce(conn: MockConnection, p: MockPosition): void {
    conn.announced.add(p.id);
    conn.send(balanceUpdateFrame(p, this.#host.slot()));
    conn.send(positionOpenedFrame(p));
  }

  /** Announces to `conn` every open position it tracks and was not told about yet. */
  announceTracked(conn: MockConnection): void {
    for (const p of this.#byId.values()) if (this.tracks(conn, p) && !conn.announced.has(p.id)) this.announce(conn, p);
  }

  /** Sends a frame of `p` to its subscribers (serialised once). */
  broadcast(p: MockPosition, frame: Record<string, unknown> | string, subscribers = this.subscribers(p)): void {
    if (subscribers.length === 0) return;
    const text = typeof frame === "string" ? frame : frameText(frame);
    for (const c of subscribers) c.send(text);
  }

  /** A position `conn` knows, by id or token account. */
  select(conn: MockConnection, sel: PositionSelector): MockPosition | undefined {
    let p: MockPosition | undefined;
    if (sel.position_id !== undefined && sel.position_id !== null) p = this.#byId.get(Number(sel.position_id));
    else if (typeof sel.token_account === "string") {
      for (const candidate of this.#byId.values()) if (candidate.tokenAccount === sel.token_account) p = candidate;
    }
    return p !== undefined && p.open && conn.announced.has(p.id) ? p : undefined;
  }

  /** The strategy in force: the position's override, else the most recently configured owner's. */
  strategyFor(p: MockPosition): StrategyConfig | undefined {
    if (p.override !== undefined) return p.override;
    let best: MockConnection | undefined;
    for (const c of this.subscribers(p)) if (best === undefined || c.configuredAt > best.configuredAt) best = c;
    return best?.strategy;
  }

  /** Closes `p`: `position_closed` to its subscribers, its transactions forgotten, `reason` recorded. */
  close(p: MockPosition, reason: string): void {
    if (!p.open) return;
    this.broadcast(p, positionClosedFrame(p, reason, this.#host.slot()));
    p.open = false;
    this.#byId.delete(p.id);
    for (const c of this.#host.connections()) c.announced.delete(p.id);
    this.#host.forget(p);
    this.#closed.set(p.id, reason);
    this.#host.events.emit("position_closed", info(p), reason);
  }
}

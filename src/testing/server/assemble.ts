/**
 * Wires the parts of {@link MockStreamServer} together (its composition root): builds the
 * transport, settlement, position book, market, mirror desk and Exit API desk, gives each the
 * small host interface it asks for, and starts serving and ticking. No logic of its own.
 */
import type { Server } from "node:http";
import { ExitApiDesk } from "../exit-api.js";
import { MockPrng } from "../market.js";
import { MirrorDesk } from "../mirror-desk.js";
import { DEFAULTS, type MockExitSignal, type MockStreamServerOptions, type ServerOutlet } from "../options.js";
import { info } from "../positions.js";
import type { WalletRegistry } from "../registry.js";
import type { ReplayPlayer } from "../replay.js";
import type { MockConnection, MockLimits, MockRefusal, MockTier, ReceivedFrame } from "../session.js";
import { PositionBook } from "./book.js";
import type { TestControls } from "./controls.js";
import { MarketSim } from "./market-sim.js";
import { ProtocolSession, type SessionHost } from "./protocol-session.js";
import { Settlement } from "./settlement.js";
import { Transport } from "./transport.js";

/** What the server itself brings: its settings, records and the state its public methods set. */
export interface AssemblyInput {
  readonly options: MockStreamServerOptions;
  readonly http: Server;
  readonly seed: number;
  readonly tier: MockTier;
  readonly limits: MockLimits;
  readonly events: ServerOutlet;
  readonly controls: TestControls;
  readonly registry: WalletRegistry;
  /** The server's public records, filled by the parts. */
  readonly received: ReceivedFrame[];
  readonly exits: MockExitSignal[];
  readonly closedPositions: Map<number, string>;
  /** The refusal set with `refuseConfigure()`. */
  forcedRefusal(): MockRefusal | undefined;
  /** The running replay, if any. */
  player(): ReplayPlayer | undefined;
}

/** The wired parts. */
export interface ServerParts {
  readonly transport: Transport;
  readonly settlement: Settlement;
  readonly book: PositionBook;
  readonly market: MarketSim;
  readonly exitApi: ExitApiDesk;
}

/** @internal Builds and starts the parts of one server. */
export function assemble(input: AssemblyInput): ServerParts {
  const { options, events, tier, limits, registry, controls } = input;
  const flushMs = options.pnlFlushMs ?? DEFAULTS.pnlFlushMs;
  // Ids first, in this order: a seed gives the same session and position ids on every run.
  const idPrng = new MockPrng(input.seed);
  const sessionBase = 90_000 + idPrng.int(0, 9_999);
  const firstPositionId = 1_000 + idPrng.int(0, 999);

  const transport = new Transport(input.http, options.apiKeys, sessionBase);
  const connections = (): ReadonlySet<MockConnection> => transport.connections;
  const settlement: Settlement = new Settlement(
    {
      events,
      position: (id) => book.get(id),
      positions: () => book.values(),
      connections,
      openPosition: (o) => market.open(o),
      sold: (p, tokens, reason, signature) => market.sold(p, tokens, reason, signature),
    },
    new MockPrng(input.seed ^ 0x85ebca6b),
    options.blockhashValiditySlots ?? DEFAULTS.blockhashValiditySlots,
    () => options.settleMs ?? DEFAULTS.settleMs,
  );
  const book = new PositionBook(
    { events, connections, slot: () => settlement.slot, forget: (p) => settlement.forget(p) },
    firstPositionId,
    input.closedPositions,
  );
  const market: MarketSim = new MarketSim(
    {
      events,
      book,
      connections,
      slot: () => settlement.slot,
      advanceSlot: () => settlement.advance(1),
      promised: (p) => settlement.promised(p),
      exitTx: (p, reason, sellTokens, conn) => settlement.exitTx(p, reason, sellTokens, conn),
      watchedBuy: (p) => mirror.onWatchedBuy(p),
      mirrorClosed: (p, profit) => mirror.onMirrorClosed(p, profit),
    },
    { options, tier, limits, flushMs },
    input.seed,
    input.exits,
  );
  const mirror: MirrorDesk = new MirrorDesk({
    connectionsFor: (wallet, how) => book.connectionsFor(wallet, how),
    openPositions: () => book.values(),
    openPosition: (o) => market.open(o),
    registerBuy: (pending) => settlement.mirrorBuyTx(pending, () => mirror.fill(pending)),
    later: (fn) => settlement.later(fn),
    emit: (event, ...args) => events.emit(event, ...args),
  });
  const exitApi = new ExitApiDesk(
    {
      acceptsKey: (key) => transport.acceptsKey(key),
      tier,
      limits,
      position: (wallet, mint) => {
        for (const p of book.values()) if (p.open && !p.watched && p.wallet === wallet && p.mint === mint) return info(p);
        return undefined;
      },
      sell: (positionId, amount, fees) => settlement.sellTx(book.require(positionId), amount, fees),
      buy: (wallet, mint, lamports, marketType, fees) => settlement.buyTx(wallet, mint, lamports, marketType, fees),
      unregister: (wallet, key) => registry.remove(wallet, key),
    },
    options.exitApiRateLimit,
    events.notify,
  );

  let configureSeq = 0;
  const sessionHost: SessionHost = {
    rules: { tier, limits, allowEmptyStrategy: options.allowEmptyStrategy, helloOrder: options.helloOrder ?? DEFAULTS.helloOrder },
    events,
    positions: {
      select: (conn, sel) => book.select(conn, sel),
      announceTracked: (conn) => book.announceTracked(conn),
      override: (p, strategy) => market.override(p, strategy),
      close: (p, reason) => book.close(p, reason),
      requestExit: (p, conn) => market.requestExit(p, conn),
      mirrorResult: (conn, mint, success) => mirror.onResult(conn, mint, success),
    },
    forcedRefusal: input.forcedRefusal,
    isRegistered: options.requireRegistration === true ? (wallet, apiKey) => registry.has(wallet, apiKey) : undefined,
    record: (entry) => input.received.push(entry),
    player: input.player,
    nextConfigureSeq: () => ++configureSeq,
    handshaken: (conn) => controls.handshaken(conn),
  };
  transport.attach({
    events,
    rpc: settlement.rpc,
    registration: {
      acceptsKey: (key) => transport.acceptsKey(key),
      register: (wallet, apiKey, label) => registry.add(wallet, apiKey, label),
      report: (attempt) => events.emit("registration", attempt),
      now: () => Date.now(),
    },
    exitApi,
    accepted: (conn, apiKey) => {
      const session = new ProtocolSession(conn, apiKey, sessionHost);
      events.emit("connection", conn);
      session.opened();
    },
  });
  market.start();
  return { transport, settlement, book, market, exitApi };
}

/**
 * `MockStreamServer`: a local LaserSell stream server faithful to protocol.md, with a seeded
 * market simulator, the strategy engine of `strategy-engine.ts`, real unsigned transactions and a
 * JSON-RPC endpoint that settles signed exits, and the wallet registration endpoint.
 * WebSocket (`/v1/ws`) and HTTP (`/rpc`, `/v1/wallets/register`) share one port. Uses only the
 * protocol layer, never the client.
 *
 * This file is the public face only; the parts live in `server/`: `transport.ts` (HTTP, upgrade,
 * key check), `protocol-session.ts` (one per socket), `book.ts` (open positions and who sees
 * them), `market-sim.ts` (ticks and exits), `settlement.ts` (chain and RPC), `controls.ts`
 * (`waitFor*`), wired together by `assemble.ts`.
 */
import type { Server } from "node:http";
import { EventEmitter } from "eventemitter3";
import type { ClientMessageOf, ClientMessageType } from "../protocol/index.js";
import { loadRecording } from "../record/reader.js";
import type { Recording, RecordingEntry } from "../record/format.js";
import { SLIPPAGE_EXCEEDED_ERROR } from "./chain.js";
import type { ExitApiDesk } from "./exit-api.js";
import { DEFAULTS, type MockExitSignal, type MockStreamServerEvents, type MockStreamServerOptions } from "./options.js";
import { info, type MockPositionInfo, type OpenPositionOptions, type OpenedPosition } from "./positions.js";
import { WalletRegistry } from "./registry.js";
import { ReplayPlayer, type ReplayHandle, type ReplayOptions } from "./replay.js";
import { frameText, tierLimits, type MockConnection, type MockLimits, type MockRefusal, type MockTier, type ReceivedFrame } from "./session.js";
import { assemble } from "./server/assemble.js";
import type { PositionBook } from "./server/book.js";
import { TestControls } from "./server/controls.js";
import type { MarketSim } from "./server/market-sim.js";
import { helloFrame } from "./server/protocol-session.js";
import type { Settlement } from "./server/settlement.js";
import { Transport } from "./server/transport.js";

export type { MockExitSignal, MockStreamServerEvents, MockStreamServerOptions } from "./options.js";

/**
 * A protocol-faithful local LaserSell stream server for tests, demos and the CLI.
 *
 * @example
 * ```ts
 * const server = await MockStreamServer.start({ seed: 7, priceWalk: false });
 * // connect any client to server.url with any non-empty x-api-key, configure a wallet, then:
 * const { position_id } = server.openPosition({ wallet });
 * server.setPrice(position_id, 1.1); // +10 %: fires target_profit for `target_profit_pct: 10`
 * await server.close();
 * ```
 */
export class MockStreamServer extends EventEmitter<MockStreamServerEvents> {
  /** `ws://host:port/v1/ws`. */
  readonly url: string;
  /** `http://host:port/rpc`. */
  readonly rpcUrl: string;
  /**
   * `http://host:port`: the REST base for `registerWallet(apiKey, proof, { baseUrl: server.apiUrl })`
   * (`POST /v1/wallets/register`).
   */
  readonly apiUrl: string;
  readonly port: number;
  /** The seed in use (given or drawn). */
  readonly seed: number;
  readonly tier: MockTier;
  readonly limits: MockLimits;
  /** Every frame every client sent, in arrival order. */
  readonly received: ReceivedFrame[] = [];
  /** Every exit signal issued, in order. */
  readonly exits: MockExitSignal[] = [];
  /** Why each closed position closed (`position_closed.reason`), by id. */
  readonly closedPositions = new Map<number, string>();
  /**
   * The Exit API (`/v1/sell`, `/v1/buy`, `/v1/account`, `/v1/history`, `DELETE /v1/wallets`,
   * `/healthz` on {@link apiUrl}): scripted faults (`failNext`), the rate limit, the request log.
   */
  readonly exitApi: ExitApiDesk;

  readonly #controls = new TestControls({
    received: this.received,
    exits: this.exits,
    closedPositions: this.closedPositions,
    connections: () => this.#transport.connections,
  });
  readonly #registry = new WalletRegistry();
  readonly #transport: Transport;
  readonly #settlement: Settlement;
  readonly #book: PositionBook;
  readonly #market: MarketSim;
  #forcedRefusal: MockRefusal | undefined;
  #player: ReplayPlayer | undefined;
  #closing: Promise<void> | undefined;

  private constructor(options: MockStreamServerOptions, http: Server, port: number, seed: number) {
    super();
    this.port = port;
    this.seed = seed;
    this.tier = options.tier ?? DEFAULTS.tier;
    this.limits = tierLimits(this.tier, options.pnlFlushMs ?? DEFAULTS.pnlFlushMs);
    const trace = <K extends keyof MockStreamServerEvents>(event: K, ...args: MockStreamServerEvents[K]): void => {
      (this.emit as (e: K, ...a: MockStreamServerEvents[K]) => boolean)(event, ...args);
    };
    const parts = assemble({
      options,
      http,
      seed,
      tier: this.tier,
      limits: this.limits,
      events: {
        emit: (event, ...args) => {
          trace(event, ...args);
          this.#controls.notify();
        },
        trace,
        notify: () => this.#controls.notify(),
      },
      controls: this.#controls,
      registry: this.#registry,
      received: this.received,
      exits: this.exits,
      closedPositions: this.closedPositions,
      forcedRefusal: () => this.#forcedRefusal,
      player: () => this.#player,
    });
    this.#transport = parts.transport;
    this.#settlement = parts.settlement;
    this.#book = parts.book;
    this.#market = parts.market;
    this.exitApi = parts.exitApi;
    this.on("position_opened", (p) => this.exitApi.positionOpened(p));
    this.on("position_closed", (p, reason) => this.exitApi.positionClosed(p, reason));
    const host = options.host ?? DEFAULTS.host;
    const urlHost = host.includes(":") ? `[${host}]` : host;
    this.url = `ws://${urlHost}:${port}/v1/ws`;
    this.rpcUrl = `http://${urlHost}:${port}/rpc`;
    this.apiUrl = `http://${urlHost}:${port}`;
  }

  /** Starts a server and resolves once it listens. */
  static async start(options: MockStreamServerOptions = {}): Promise<MockStreamServer> {
    const tier = options.tier ?? DEFAULTS.tier;
    if (tier !== 0 && tier !== 1 && tier !== 2) throw new RangeError("tier must be 0, 1 or 2");
    const flush = options.pnlFlushMs ?? DEFAULTS.pnlFlushMs;
    if (!Number.isInteger(flush) || flush <= 0) throw new RangeError("pnlFlushMs must be a positive integer");
    // Checked before listening: a server that throws after it listens would keep Node alive.
    const validity = options.blockhashValiditySlots ?? DEFAULTS.blockhashValiditySlots;
    if (!Number.isInteger(validity) || validity < 1) throw new RangeError("blockhashValiditySlots must be a positive integer");
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const { http, port } = await Transport.listen(options.port ?? 0, options.host ?? DEFAULTS.host);
    return new MockStreamServer(options, http, port, seed);
  }

  /** Open client connections. */
  get connections(): readonly MockConnection[] {
    return [...this.#transport.connections];
  }

  /** Number of open client connections. */
  get connectionCount(): number {
    return this.#transport.connections.size;
  }

  /** Current slot (advances one per simulator period). */
  get slot(): number {
    return this.#settlement.slot;
  }

  /** Snapshots of the open positions. */
  positions(): MockPositionInfo[] {
    return [...this.#book.values()].map(info);
  }

  /** Snapshot of an open position, or `undefined` (closed positions are in {@link closedPositions}). */
  position(positionId: number): MockPositionInfo | undefined {
    const p = this.#book.get(positionId);
    return p === undefined ? undefined : info(p);
  }

  /**
   * Opens a position for a wallet and announces it (`balance_update` then `position_opened`) to
   * every configured connection tracking the wallet (or watching it, for watched positions). A
   * watched wallet's position also runs the mirror flow for watch entries with `auto_buy`.
   */
  openPosition(options: OpenPositionOptions): OpenedPosition {
    return this.#market.open(options);
  }

  /**
   * Sets a position's price as a multiple of its entry price (`1.2` = +20 %) and evaluates the
   * strategy at once. The random walk stops for that position.
   */
  setPrice(positionId: number, multiplier: number): void {
    this.#market.setPrice(positionId, multiplier);
  }

  /** Pins a position's pool quote reserve (lamports); bands follow, and the guard with them. */
  setLiquidity(positionId: number, poolQuoteUnits: number): void {
    this.#market.setLiquidity(positionId, poolQuoteUnits);
  }

  /**
   * The token graduates (Pump.fun -> PumpSwap, Meteora DBC -> DAMM v2, LaunchLab -> CPMM): the
   * market context changes and `sell_on_graduation` fires a `graduation` exit.
   */
  graduate(positionId: number): void {
    this.#market.graduate(positionId);
  }

  /**
   * A watched wallet sells its position: the watched position closes (`reason: "sold"`), and
   * mirror positions copied from it on the same mint get a `mirror_sell` exit where the watch
   * entry has `mirror_sell: true`.
   */
  watchedSell(positionId: number): void {
    this.#market.watchedSell(positionId);
  }

  /**
   * Sends any frame: an object (bigint-safe) or a raw string, as is. To one connection (object or
   * id) or to every open connection. Returns how many connections it was written to.
   */
  send(frame: object | string, connection?: MockConnection | number): number {
    let n = 0;
    for (const conn of this.#controls.pick(connection)) if (conn.send(frame)) n++;
    return n;
  }

  /**
   * Closes every open connection (or one) with a close frame `code`. Code 1006 drops the TCP
   * connection without a close frame instead.
   */
  dropConnections(code = 1001, reason = "mock: dropped", connection?: MockConnection | number): void {
    for (const conn of this.#controls.pick(connection)) {
      if (code === 1006) conn.terminate();
      else conn.close(code, reason);
    }
  }

  /** Stops reading and answering on every open connection (or one), like a dead link. */
  stall(connection?: MockConnection | number): void {
    for (const conn of this.#controls.pick(connection)) conn.stall();
  }

  /** Ends {@link stall}. */
  resume(connection?: MockConnection | number): void {
    for (const conn of this.#controls.pick(connection)) conn.resume();
  }

  /**
   * Serves a recording (a file path, a recording read with `loadRecording`, or its entries)
   * instead of the simulated market: once a client configures, it gets the recorded `hello_ok`,
   * then every recorded inbound frame with the original spacing divided by `speed`. A recorded
   * disconnect drops the clients (same close code); after they reconnect and configure, the
   * recorded reconnect `hello_ok` answers and the replay continues. Recorded exit transactions,
   * signed by the right wallet, are accepted by the mock RPC. The simulator stops.
   *
   * @example
   * ```ts
   * const server = await MockStreamServer.start();
   * const replay = await server.replay("session.ndjson.gz", { speed: 10 });
   * // connect any client to server.url; replay.sent counts the frames played
   * ```
   */
  async replay(source: string | Recording | readonly RecordingEntry[], options: ReplayOptions = {}): Promise<ReplayHandle> {
    const recording = typeof source === "string" ? await loadRecording(source) : source;
    this.#market.stop();
    this.#player?.stop();
    const player = new ReplayPlayer(recording, options, {
      configured: () => this.connections.filter((c) => c.configured),
      helloFor: (conn) => frameText(helloFrame(conn, this.limits)),
      registerExit: (key) => this.#settlement.replayedExit(key),
      changed: () => this.#controls.notify(),
    });
    this.#player = player;
    return player;
  }

  /**
   * Answers every `configure` from now on with this `error` frame (then close 1008) instead of
   * `hello_ok`, e.g. `{ code: "wallet_not_registered", message: "..." }`; `undefined` restores
   * normal handshakes. For testing how a client reports a refused handshake.
   */
  refuseConfigure(refusal: { code: string; message: string } | undefined): void {
    this.#forcedRefusal = refusal;
  }

  /**
   * Registers a wallet directly (as a successful `POST /v1/wallets/register` would): to `apiKey`,
   * or to every API key when omitted. Matters with `requireRegistration`.
   */
  registerWallet(walletPubkey: string, apiKey?: string): void {
    this.#registry.add(walletPubkey, apiKey);
  }

  /**
   * Wallets registered to `apiKey` (including those registered for every key), or every
   * registered wallet when omitted.
   */
  registeredWallets(apiKey?: string): string[] {
    return this.#registry.list(apiKey);
  }

  /** Runs one simulator period now (the interval does the same every `pnlFlushMs`). */
  tick(): void {
    this.#market.tick();
  }

  /** Moves the simulated chain `count` slots ahead (no price moves): blockhashes age, dropped submissions expire. */
  advanceSlots(count = 1): void {
    this.#settlement.advance(count);
  }

  /** The next `count` exit submissions are accepted (a signature is returned) and never land. */
  dropNextSubmissions(count = 1): void {
    this.#settlement.injectFaults(count, { kind: "drop" });
  }

  /**
   * The next `count` exit submissions land `ms` later than `settleMs`, or never when their
   * blockhash expires first.
   */
  delayNextSubmissions(count: number, ms: number): void {
    this.#settlement.injectFaults(count, { kind: "delay", ms });
  }

  /**
   * The next `count` exit submissions land failed: status `err` is `err` (default
   * {@link SLIPPAGE_EXCEEDED_ERROR}), nothing is sold, and the signal is used up.
   */
  failNextSubmissions(count = 1, err: unknown = SLIPPAGE_EXCEEDED_ERROR): void {
    this.#settlement.injectFaults(count, { kind: "fail", err });
  }

  /** Injected faults not yet used by a submission. */
  get pendingSubmissionFaults(): number {
    return this.#settlement.pendingFaults;
  }

  /**
   * Resolves with the `count`-th connection (1-based, counted since start) whose handshake
   * completed.
   */
  waitForConnection(options: { count?: number; timeoutMs?: number } = {}): Promise<MockConnection> {
    return this.#controls.connection(options.count ?? 1, options.timeoutMs);
  }

  /**
   * Resolves with the first client message of `type` (from any connection, or one) matching
   * `predicate`, looking at messages already received too. `after` skips the first `after`
   * entries of {@link received}.
   */
  waitForMessage<T extends ClientMessageType>(
    type: T,
    options: {
      predicate?: (message: ClientMessageOf<T>) => boolean;
      connection?: MockConnection;
      after?: number;
      timeoutMs?: number;
    } = {},
  ): Promise<ClientMessageOf<T>> {
    return this.#controls.message(type, options);
  }

  /** Resolves with the first exit signal (already issued or coming) for a position, or for any position. */
  waitForExit(positionId?: number, options: { reason?: string; timeoutMs?: number } = {}): Promise<MockExitSignal> {
    return this.#controls.exit(positionId, options.reason, options.timeoutMs);
  }

  /** Resolves with the close reason once the position has closed (settled, `close_position`, watched sell). */
  waitForPositionClosed(positionId: number, timeoutMs?: number): Promise<string> {
    return this.#controls.positionClosed(positionId, timeoutMs);
  }

  /** Resolves once `connection` (default: every connection) has closed. */
  waitForDisconnect(connection?: MockConnection, timeoutMs?: number): Promise<void> {
    return this.#controls.disconnect(connection, timeoutMs);
  }

  /**
   * Resolves with `probe()`'s first non-undefined result, checked now and after every server
   * event. Rejects after `timeoutMs` (default 5000) or when the server closes.
   */
  waitFor<T>(probe: () => T | undefined, timeoutMs = 5_000, what = "condition"): Promise<T> {
    return this.#controls.waitFor(probe, timeoutMs, what);
  }

  /**
   * Stops the server: terminates every client, stops the simulator and pending settlements,
   * rejects pending waits. Leaves no handle open. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closing = (async () => {
      this.#market.stop();
      this.#player?.stop();
      this.#settlement.close();
      this.exitApi.close();
      const closed = this.#transport.close();
      this.#controls.close("MockStreamServer closed");
      await closed;
    })();
    return this.#closing;
  }
}

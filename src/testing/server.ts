/**
 * `MockStreamServer`: a local LaserSell stream server faithful to protocol.md, with a seeded
 * market simulator, the strategy engine of `strategy-engine.ts`, real unsigned transactions and a
 * JSON-RPC endpoint that settles signed exits, and the wallet registration endpoint.
 * WebSocket (`/v1/ws`) and HTTP (`/rpc`, `/v1/wallets/register`) share one port. Uses only the protocol layer, never the client.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { EventEmitter } from "eventemitter3";
import { WebSocketServer, type WebSocket } from "ws";
import {
  parseClientMessage,
  type ClientMessage,
  type ClientMessageOf,
  type ClientMessageType,
  type StrategyConfig,
} from "../protocol/index.js";
import { liquidityTrend, maxSellWithin, pnlPct, MockPrng, randomTrade, TradePool, valueOf, walkLiquidity, walkPrice } from "./market.js";
import { MirrorDesk, type PendingMirrorBuy } from "./mirror-desk.js";
import {
  GRADUATES_TO,
  balanceUpdateFrame,
  createPosition,
  exitSignalFrame,
  info,
  isPubkey,
  liquiditySnapshotText,
  marketContext,
  pnlUpdateText,
  positionClosedFrame,
  positionOpenedFrame,
  pricePerRaw,
  profitUnits,
  refreshBands,
  type MockPosition,
  type MockPositionInfo,
  type OpenPositionOptions,
  type OpenedPosition,
} from "./positions.js";
import { ExitApiDesk, type SendFees } from "./exit-api.js";
import { serveRegistration, WalletRegistry, type RegistrationBackend } from "./registry.js";
import { MockChain, SLIPPAGE_EXCEEDED_ERROR } from "./chain.js";
import { RpcFailure, RPC_ERRORS, serveRpc, type RpcBackend, type VerifiedTransaction } from "./rpc.js";
import {
  MockConnection,
  checkRegistered,
  checkStrategy,
  frameText,
  checkWallets,
  checkWatchWallets,
  tierLimits,
  type MockLimits,
  type MockRefusal,
  type MockTier,
  type ReceivedFrame,
} from "./session.js";
import { manualExit, onGraduation, step, type ExitDecision } from "./strategy-engine.js";
import { buildBuyTx, buildSellTx } from "./txfactory.js";
import { ReplayPlayer, type ReplayHandle, type ReplayOptions } from "./replay.js";
import { loadRecording } from "../record/reader.js";
import type { Recording, RecordingEntry } from "../record/format.js";
import { Waiters } from "./waiters.js";
import { DEFAULTS, type MockExitSignal, type MockStreamServerEvents, type MockStreamServerOptions } from "./options.js";

export type { MockExitSignal, MockStreamServerEvents, MockStreamServerOptions } from "./options.js";

interface SignalRecord {
  kind: "exit" | "mirror_buy" | "buy";
  /** Runs at settlement instead of the kind's default (Exit API buys open a position). */
  onSettle?: () => void;
  positionId: number;
  wallet: string;
  reason: string;
  sellTokens: bigint | undefined;
  signature: string | undefined;
  /** The transaction's recent blockhash (exits). */
  blockhash?: string;
  /** mirror buys */
  mirror?: PendingMirrorBuy;
}



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

  private readonly options: MockStreamServerOptions;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly idPrng: MockPrng;
  private readonly marketPrng: MockPrng;
  private readonly txPrng: MockPrng;
  private readonly tradePool: TradePool;
  private readonly conns = new Set<MockConnection>();
  private readonly handshakes: MockConnection[] = [];
  private readonly positionsById = new Map<number, MockPosition>();
  private readonly signals = new Map<string, SignalRecord>();
  private readonly mirror: MirrorDesk;
  private readonly settleTimers = new Set<NodeJS.Timeout>();
  private readonly chain: MockChain;
  private readonly waiters = new Waiters();
  private readonly registry = new WalletRegistry();
  /** The API key of each connection; kept off {@link MockConnection} so no event can carry it. */
  private readonly connKeys = new WeakMap<MockConnection, string>();
  private readonly sessionBase: number;
  private nextPositionId: number;
  private connCounter = 0;
  private configureSeq = 0;
  private currentSlot = 404_218_337;
  private ticks = 0;
  private simTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private forcedRefusal: MockRefusal | undefined;
  private player: ReplayPlayer | undefined;
  /** The client frame being handled, so a refusal is recorded on it. */
  private current: ReceivedFrame | undefined;

  private constructor(options: MockStreamServerOptions, http: Server, wss: WebSocketServer, port: number, seed: number) {
    super();
    this.options = options;
    this.http = http;
    this.wss = wss;
    this.port = port;
    this.seed = seed;
    this.tier = options.tier ?? DEFAULTS.tier;
    this.limits = tierLimits(this.tier, this.flushMs);
    this.idPrng = new MockPrng(seed);
    this.marketPrng = new MockPrng(seed ^ 0x9e3779b9);
    this.txPrng = new MockPrng(seed ^ 0x85ebca6b);
    this.tradePool = new TradePool(new MockPrng(seed ^ 0xc2b2ae35));
    this.chain = new MockChain(() => this.currentSlot, options.blockhashValiditySlots ?? DEFAULTS.blockhashValiditySlots);
    this.sessionBase = 90_000 + this.idPrng.int(0, 9_999);
    this.nextPositionId = 1_000 + this.idPrng.int(0, 999);
    this.mirror = new MirrorDesk({
      connectionsFor: (wallet, how) => this.connectionsFor(wallet, how),
      openPositions: () => this.positionsById.values(),
      openPosition: (o) => this.openPosition(o),
      registerBuy: (pending) => {
        const src = pending.source;
        const conn = pending.connection;
        const tx = buildBuyTx(
          {
            wallet: pending.userWallet,
            mint: pending.mint,
            marketType: src.marketType,
            marketContext: src.marketContext,
            amount: pending.amount,
            sendMode: conn.sendMode,
            tipLamports: conn.tipLamports,
          },
          this.txPrng,
        );
        this.signals.set(Buffer.from(tx.message).toString("base64"), {
          kind: "mirror_buy",
          positionId: pending.source.id,
          wallet: pending.userWallet,
          reason: "mirror_buy",
          sellTokens: undefined,
          signature: undefined,
          mirror: pending,
        });
        return tx.b64;
      },
      later: (fn) => this.later(fn),
      emit: (event, ...args) => this.emitAndNotify(event, ...args),
    });
    this.exitApi = new ExitApiDesk(
      {
        acceptsKey: (key) => this.acceptsKey(key),
        tier: this.tier,
        limits: this.limits,
        position: (wallet, mint) => {
          for (const p of this.positionsById.values()) if (p.open && !p.watched && p.wallet === wallet && p.mint === mint) return info(p);
          return undefined;
        },
        sell: (positionId, amount, fees) => this.exitApiSell(positionId, amount, fees),
        buy: (wallet, mint, lamports, marketType, fees) => this.exitApiBuy(wallet, mint, lamports, marketType, fees),
        unregister: (wallet, key) => this.registry.remove(wallet, key),
      },
      options.exitApiRateLimit,
      () => this.notify(),
    );
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
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20, autoPong: false });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(options.port ?? 0, options.host ?? DEFAULTS.host, () => {
        http.off("error", reject);
        resolve();
      });
    });
    const address = http.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const server = new MockStreamServer(options, http, wss, port, seed);
    server.attach();
    return server;
  }

  // ---------------------------------------------------------------------------------------------
  // Public state and hooks
  // ---------------------------------------------------------------------------------------------

  /** Open client connections. */
  get connections(): readonly MockConnection[] {
    return [...this.conns];
  }

  /** Number of open client connections. */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Current slot (advances one per simulator period). */
  get slot(): number {
    return this.currentSlot;
  }

  /** Snapshots of the open positions. */
  positions(): MockPositionInfo[] {
    return [...this.positionsById.values()].map(info);
  }

  /** Snapshot of an open position, or `undefined` (closed positions are in {@link closedPositions}). */
  position(positionId: number): MockPositionInfo | undefined {
    const p = this.positionsById.get(positionId);
    return p === undefined ? undefined : info(p);
  }

  /**
   * Opens a position for a wallet and announces it (`balance_update` then `position_opened`) to
   * every configured connection tracking the wallet (or watching it, for watched positions). A
   * watched wallet's position also runs the mirror flow for watch entries with `auto_buy`.
   */
  openPosition(options: OpenPositionOptions): OpenedPosition {
    const owned = this.connectionsFor(options.wallet, "own").length > 0;
    const watchedBy = this.connectionsFor(options.wallet, "watch");
    const p = createPosition(this.nextPositionId++, options, {
      prng: this.marketPrng,
      slot: this.currentSlot,
      nowMs: Date.now(),
      watchedDefault: !owned && watchedBy.length > 0,
      scriptedDefault: this.options.priceWalk === false,
    });
    this.positionsById.set(p.id, p);
    for (const conn of this.connections) {
      if (conn.configured && this.tracks(conn, p)) this.announce(conn, p);
    }
    this.emitAndNotify("position_opened", info(p));
    if (p.watched) this.mirror.onWatchedBuy(p);
    return { position_id: p.id, token_account: p.tokenAccount, mint: p.mint };
  }

  /**
   * Sets a position's price as a multiple of its entry price (`1.2` = +20 %) and evaluates the
   * strategy at once. The random walk stops for that position.
   */
  setPrice(positionId: number, multiplier: number): void {
    if (!Number.isFinite(multiplier) || multiplier <= 0) throw new RangeError("multiplier must be a positive number");
    const p = this.requirePosition(positionId);
    p.previousMultiplier = p.multiplier;
    p.multiplier = multiplier;
    p.scripted = true;
    p.path = [];
    refreshBands(p);
    this.evaluate(p);
  }

  /** Pins a position's pool quote reserve (lamports); bands follow, and the guard with them. */
  setLiquidity(positionId: number, poolQuoteUnits: number): void {
    const p = this.requirePosition(positionId);
    p.poolQuote = poolQuoteUnits;
    p.poolPinned = true;
    p.poolHistory.push(poolQuoteUnits);
    refreshBands(p);
  }

  /**
   * The token graduates (Pump.fun -> PumpSwap, Meteora DBC -> DAMM v2, LaunchLab -> CPMM): the
   * market context changes and `sell_on_graduation` fires a `graduation` exit.
   */
  graduate(positionId: number): void {
    const p = this.requirePosition(positionId);
    if (p.graduated) return;
    p.graduated = true;
    const next = GRADUATES_TO[p.marketType];
    if (next !== undefined) {
      p.marketType = next;
      p.marketContext = marketContext(next, this.marketPrng);
    }
    this.emitAndNotify("graduated", info(p));
    const strategy = this.strategyFor(p);
    if (strategy === undefined || p.watched) return;
    const r = onGraduation(strategy, p.engine, this.engineInput(p));
    p.engine = r.state;
    for (const d of r.decisions) this.issueExit(p, d, undefined);
  }

  /**
   * A watched wallet sells its position: the watched position closes (`reason: "sold"`), and
   * mirror positions copied from it on the same mint get a `mirror_sell` exit where the watch
   * entry has `mirror_sell: true`.
   */
  watchedSell(positionId: number): void {
    const p = this.requirePosition(positionId);
    for (const mirror of [...this.positionsById.values()]) {
      if (mirror.mirrorSource !== p.wallet || mirror.mint !== p.mint || mirror.engine.exiting !== undefined) continue;
      const wants = this.connectionsFor(mirror.wallet, "own").some((c) => c.watches(p.wallet)?.mirror_sell === true);
      if (!wants) continue;
      mirror.engine = { ...mirror.engine, exiting: "mirror_sell" };
      this.issueExit(mirror, { reason: "mirror_sell", sellTokens: undefined, levelIndex: undefined, full: true }, undefined);
    }
    p.tokens = 0n;
    this.broadcast(p, balanceUpdateFrame(p, this.currentSlot));
    this.closePosition(p, "sold");
  }

  /**
   * Sends any frame: an object (bigint-safe) or a raw string, as is. To one connection (object or
   * id) or to every open connection. Returns how many connections it was written to.
   */
  send(frame: object | string, connection?: MockConnection | number): number {
    let n = 0;
    for (const conn of this.pick(connection)) if (conn.send(frame)) n++;
    return n;
  }

  /**
   * Closes every open connection (or one) with a close frame `code`. Code 1006 drops the TCP
   * connection without a close frame instead.
   */
  dropConnections(code = 1001, reason = "mock: dropped", connection?: MockConnection | number): void {
    for (const conn of this.pick(connection)) {
      if (code === 1006) conn.terminate();
      else conn.close(code, reason);
    }
  }

  /** Stops reading and answering on every open connection (or one), like a dead link. */
  stall(connection?: MockConnection | number): void {
    for (const conn of this.pick(connection)) conn.stall();
  }

  /** Ends {@link stall}. */
  resume(connection?: MockConnection | number): void {
    for (const conn of this.pick(connection)) conn.resume();
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
    if (this.simTimer !== undefined) clearInterval(this.simTimer);
    this.simTimer = undefined;
    this.player?.stop();
    const player = new ReplayPlayer(recording, options, {
      configured: () => this.connections.filter((c) => c.configured),
      helloFor: (conn) => frameText(this.helloFrame(conn)),
      registerExit: (key) => {
        if (!this.signals.has(key)) {
          this.signals.set(key, { kind: "exit", positionId: -1, wallet: "", reason: "replay", sellTokens: undefined, signature: undefined });
        }
      },
      changed: () => this.notify(),
    });
    this.player = player;
    return player;
  }

  /**
   * Answers every `configure` from now on with this `error` frame (then close 1008) instead of
   * `hello_ok`, e.g. `{ code: "wallet_not_registered", message: "..." }`; `undefined` restores
   * normal handshakes. For testing how a client reports a refused handshake.
   */
  refuseConfigure(refusal: { code: string; message: string } | undefined): void {
    this.forcedRefusal = refusal;
  }

  /**
   * Registers a wallet directly (as a successful `POST /v1/wallets/register` would): to `apiKey`,
   * or to every API key when omitted. Matters with `requireRegistration`.
   */
  registerWallet(walletPubkey: string, apiKey?: string): void {
    this.registry.add(walletPubkey, apiKey);
  }

  /**
   * Wallets registered to `apiKey` (including those registered for every key), or every
   * registered wallet when omitted.
   */
  registeredWallets(apiKey?: string): string[] {
    return this.registry.list(apiKey);
  }

  /** Runs one simulator period now (the interval does the same every `pnlFlushMs`). */
  tick(): void {
    this.ticks += 1;
    this.advanceSlots(1);
    const now = Date.now();
    const volatility = this.options.volatility ?? DEFAULTS.volatility;
    const tradeChance = this.options.tradeTickProbability ?? DEFAULTS.tradeTickProbability;
    for (const p of [...this.positionsById.values()]) {
      p.previousMultiplier = p.multiplier;
      const scripted = p.path.shift();
      if (scripted !== undefined) p.multiplier = scripted;
      else if (!p.scripted) p.multiplier = walkPrice(p.multiplier, this.marketPrng, volatility);
      if (!p.poolPinned) p.poolQuote = walkLiquidity(p.poolQuote, this.marketPrng, p.poolTendency);
      p.poolHistory.push(p.poolQuote);
      if (p.poolHistory.length > 20) p.poolHistory.shift();
      refreshBands(p);
      const trade = this.marketPrng.next() < tradeChance;
      const subscribers = this.subscribers(p);
      if (subscribers.length > 0) {
        this.broadcast(p, pnlUpdateText(p, now), subscribers);
        if (this.tier >= 1) this.broadcast(p, liquiditySnapshotText(p, liquidityTrend(p.poolHistory), now), subscribers);
        if (trade) {
          const t = randomTrade(this.marketPrng, this.tradePool, p.tokens, pricePerRaw(p), p.multiplier >= p.previousMultiplier);
          const price = BigInt(Math.round(pricePerRaw(p) * 10 ** p.decimals));
          const frame = { type: "trade_tick", position_id: p.id, time_ms: now, ...t, price_quote: price, ...(p.watched ? { watched: true } : {}) };
          this.broadcast(p, frame, subscribers);
        }
      }
      this.evaluate(p);
    }
    this.simulateBuys();
  }

  /** Moves the simulated chain `count` slots ahead (no price moves): blockhashes age, dropped submissions expire. */
  advanceSlots(count = 1): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError("count must be a non-negative integer");
    this.currentSlot += count;
    this.chain.onSlot();
    this.notify();
  }

  /** The next `count` exit submissions are accepted (a signature is returned) and never land. */
  dropNextSubmissions(count = 1): void {
    this.chain.injectFaults(count, { kind: "drop" });
  }

  /**
   * The next `count` exit submissions land `ms` later than `settleMs`, or never when their
   * blockhash expires first.
   */
  delayNextSubmissions(count: number, ms: number): void {
    this.chain.injectFaults(count, { kind: "delay", ms });
  }

  /**
   * The next `count` exit submissions land failed: status `err` is `err` (default
   * {@link SLIPPAGE_EXCEEDED_ERROR}), nothing is sold, and the signal is used up.
   */
  failNextSubmissions(count = 1, err: unknown = SLIPPAGE_EXCEEDED_ERROR): void {
    this.chain.injectFaults(count, { kind: "fail", err });
  }

  /** Injected faults not yet used by a submission. */
  get pendingSubmissionFaults(): number {
    return this.chain.pendingFaults;
  }

  /**
   * Resolves with the `count`-th connection (1-based, counted since start) whose handshake
   * completed.
   */
  waitForConnection(options: { count?: number; timeoutMs?: number } = {}): Promise<MockConnection> {
    const count = options.count ?? 1;
    return this.waitFor(() => this.handshakes[count - 1], options.timeoutMs, `handshake #${count}`);
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
    return this.waitFor(
      () => {
        for (let i = options.after ?? 0; i < this.received.length; i++) {
          const r = this.received[i];
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

  /** Resolves with the first exit signal (already issued or coming) for a position, or for any position. */
  waitForExit(positionId?: number, options: { reason?: string; timeoutMs?: number } = {}): Promise<MockExitSignal> {
    return this.waitFor(
      () => this.exits.find((e) => (positionId === undefined || e.position_id === positionId) && (options.reason === undefined || e.reason === options.reason)),
      options.timeoutMs,
      `an exit signal${positionId === undefined ? "" : ` for position ${positionId}`}`,
    );
  }

  /** Resolves with the close reason once the position has closed (settled, `close_position`, watched sell). */
  waitForPositionClosed(positionId: number, timeoutMs?: number): Promise<string> {
    return this.waitFor(() => this.closedPositions.get(positionId), timeoutMs, `position ${positionId} to close`);
  }

  /** Resolves once `connection` (default: every connection) has closed. */
  waitForDisconnect(connection?: MockConnection, timeoutMs?: number): Promise<void> {
    return this.waitFor(
      () => (connection === undefined ? (this.conns.size === 0 ? true : undefined) : connection.closedWith === undefined ? undefined : true),
      timeoutMs,
      "disconnect",
    ).then(() => undefined);
  }

  /**
   * Resolves with `probe()`'s first non-undefined result, checked now and after every server
   * event. Rejects after `timeoutMs` (default 5000) or when the server closes.
   */
  waitFor<T>(probe: () => T | undefined, timeoutMs = 5_000, what = "condition"): Promise<T> {
    return this.waiters.wait(probe, timeoutMs, what);
  }

  /**
   * Stops the server: terminates every client, stops the simulator and pending settlements,
   * rejects pending waits. Leaves no handle open. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closing = (async () => {
      if (this.simTimer !== undefined) clearInterval(this.simTimer);
      this.simTimer = undefined;
      this.player?.stop();
      for (const t of this.settleTimers) clearTimeout(t);
      this.settleTimers.clear();
      this.exitApi.close();
      for (const conn of this.conns) conn.terminate();
      this.waiters.close("MockStreamServer closed");
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        this.http.close(() => resolve());
        this.http.closeAllConnections();
      });
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------------------------------------
  // Sockets and the handshake
  // ---------------------------------------------------------------------------------------------

  private get flushMs(): number {
    return this.options.pnlFlushMs ?? DEFAULTS.pnlFlushMs;
  }

  private attach(): void {
    this.http.on("request", (req, res) => this.onRequest(req, res));
    this.http.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
    this.simTimer = setInterval(() => this.tick(), this.flushMs);
    this.simTimer.unref();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://mock").pathname;
    if (path === "/rpc" && req.method === "POST") {
      serveRpc(req, res, this.rpcBackend);
      return;
    }
    if (path === "/v1/wallets/register") {
      serveRegistration(req, res, this.registrationBackend);
      return;
    }
    if (this.exitApi.serve(req, res, path)) return;
    if (path === "/health") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (path === "/v1/ws") {
      res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" }).end("upgrade required");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", (err) => this.emit("debug", `socket error: ${err.message}`));
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    const path = new URL(req.url ?? "/", "http://mock").pathname;
    if (path !== "/v1/ws") {
      this.rejectUpgrade(socket, 404, "Not Found", "unknown path");
      return;
    }
    const key = req.headers["x-api-key"];
    if (typeof key !== "string" || !this.acceptsKey(key)) {
      this.rejectUpgrade(socket, 401, "Unauthorized", typeof key === "string" && key.length > 0 ? "unknown api key" : "missing api key");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket, key));
  }

  private acceptsKey(key: string): boolean {
    return key.length > 0 && (this.options.apiKeys === undefined || this.options.apiKeys.includes(key));
  }

  private readonly registrationBackend: RegistrationBackend = {
    acceptsKey: (key) => this.acceptsKey(key),
    register: (wallet, apiKey, label) => this.registry.add(wallet, apiKey, label),
    report: (attempt) => this.emitAndNotify("registration", attempt),
    now: () => Date.now(),
  };

  /** With `requireRegistration`, the first wallet not registered to the connection's key. */
  private checkRegistration(conn: MockConnection, wallets: readonly string[]): MockRefusal | undefined {
    if (this.options.requireRegistration !== true) return undefined;
    const key = this.connKeys.get(conn) ?? "";
    return checkRegistered(wallets, (w) => this.registry.has(w, key));
  }

  private rejectUpgrade(socket: Duplex, status: number, text: string, reason: string): void {
    const body = `${reason}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.once("finish", () => socket.destroy());
    this.emitAndNotify("rejected", { status, reason });
  }

  private onConnection(ws: WebSocket, socket: Duplex, apiKey: string): void {
    this.connCounter += 1;
    const conn = new MockConnection(this.connCounter, this.sessionBase + this.connCounter, ws, socket);
    this.connKeys.set(conn, apiKey);
    this.conns.add(conn);
    conn.onFrame((data, isBinary) => this.onFrame(conn, data, isBinary));
    ws.on("error", (err) => this.emit("debug", `connection ${conn.id}: ${err.message}`));
    ws.on("close", (code, reason) => {
      conn.closedWith = { code, reason: reason.toString() };
      this.conns.delete(conn);
      this.emitAndNotify("disconnect", conn, code, conn.closedWith.reason);
    });
    this.emitAndNotify("connection", conn);
    if ((this.options.helloOrder ?? DEFAULTS.helloOrder) === "on_connect" && this.player === undefined) conn.send(this.helloFrame(conn));
  }

  private helloFrame(conn: MockConnection): Record<string, unknown> {
    return { type: "hello_ok", session_id: conn.sessionId, server_time_ms: Date.now(), limits: this.limits };
  }

  private onFrame(conn: MockConnection, data: Buffer, isBinary: boolean): void {
    const raw = data.toString("utf8");
    try {
      this.handleFrame(conn, raw, isBinary);
    } catch (err) {
      // A bug must not take the server down; the client learns through an `error` frame.
      this.emit("debug", `internal error on connection ${conn.id}: ${(err as Error).message}`);
      conn.send({ type: "error", code: "internal", message: "internal mock server error" });
    }
    this.notify();
  }

  private handleFrame(conn: MockConnection, raw: string, isBinary: boolean): void {
    let refusal: MockRefusal | undefined;
    let message: ClientMessage | undefined;
    if (isBinary) {
      refusal = { code: "invalid_message", message: "binary frames are not supported; send JSON text frames" };
    } else {
      const parsed = parseClientMessage(raw);
      if (parsed.kind === "message") message = parsed.message;
      else if (parsed.kind === "unknown") refusal = { code: "invalid_message", message: `unknown message type: ${parsed.type}` };
      else refusal = { code: "invalid_message", message: parsed.error.message };
    }
    const entry: ReceivedFrame = message === undefined ? { connectionId: conn.id, raw } : { connectionId: conn.id, raw, message };
    conn.received.push(entry);
    this.received.push(entry);
    this.current = entry;
    try {
      if (message === undefined) {
        this.refuse(conn, refusal ?? { code: "invalid_message", message: "invalid message" }, !conn.configured);
        return;
      }
      this.emit("message", conn, message);
      if (!conn.configured) {
        if (message.type === "configure") this.onConfigure(conn, message);
        else if (message.type === "ping" && (this.options.helloOrder ?? DEFAULTS.helloOrder) === "on_connect") this.pong(conn);
        else this.refuse(conn, { code: "not_configured", message: `expected configure first, got ${message.type}` }, true);
        return;
      }
      this.dispatch(conn, message);
    } finally {
      this.current = undefined;
    }
  }

  /** Sends an `error` frame; before the handshake completes, also closes with 1008 (mock convention). */
  private refuse(conn: MockConnection, refusal: MockRefusal, close: boolean): void {
    if (this.current !== undefined) this.current.error = `${refusal.code}: ${refusal.message}`;
    conn.send({ type: "error", code: refusal.code, message: refusal.message });
    this.emit("refused", conn, refusal);
    if (close) conn.close(1008, refusal.code);
  }

  private pong(conn: MockConnection): void {
    conn.send({ type: "pong", server_time_ms: Date.now() });
  }

  private onConfigure(conn: MockConnection, msg: ClientMessageOf<"configure">): void {
    const refusal =
      this.forcedRefusal ??
      this.badPubkeys(msg.wallet_pubkeys, "wallet_pubkeys") ??
      checkWallets(msg.wallet_pubkeys, this.limits) ??
      this.checkRegistration(conn, msg.wallet_pubkeys) ??
      checkStrategy(msg.strategy, this.tier, this.options.allowEmptyStrategy) ??
      this.checkWatchList(msg.watch_wallets ?? []);
    if (refusal !== undefined) {
      this.refuse(conn, refusal, true);
      return;
    }
    conn.configured = true;
    conn.configuredAt = ++this.configureSeq;
    conn.wallets = new Set(msg.wallet_pubkeys);
    conn.strategy = msg.strategy;
    conn.watchWallets = msg.watch_wallets ?? [];
    conn.mirrorConfig = msg.mirror_config;
    conn.sendMode = msg.send_mode ?? undefined;
    conn.tipLamports = msg.tip_lamports ?? undefined;
    if (this.player !== undefined) this.player.onConfigure(conn);
    else if ((this.options.helloOrder ?? DEFAULTS.helloOrder) === "after_configure") conn.send(this.helloFrame(conn));
    this.handshakes.push(conn);
    for (const p of this.positionsById.values()) if (this.tracks(conn, p)) this.announce(conn, p);
    this.emitAndNotify("handshake", conn);
  }

  private badPubkeys(list: readonly unknown[], field: string): MockRefusal | undefined {
    const bad = list.findIndex((w) => !isPubkey(w));
    if (bad < 0) return undefined;
    return { code: "invalid_message", message: `${field}.${bad}: not a base58 public key` };
  }

  private checkWatchList(entries: ClientMessageOf<"update_watch_wallets">["watch_wallets"]): MockRefusal | undefined {
    const keys = entries.flatMap((e) => (e.auto_buy === undefined ? [e.pubkey] : [e.pubkey, e.auto_buy.wallet_pubkey]));
    return this.badPubkeys(keys, "watch_wallets") ?? checkWatchWallets(entries, this.limits);
  }

  private dispatch(conn: MockConnection, msg: ClientMessage): void {
    switch (msg.type) {
      case "ping":
        this.pong(conn);
        return;
      case "configure":
        this.refuse(conn, { code: "already_configured", message: "configure may be sent once per connection; use update_* messages" }, false);
        return;
      case "update_strategy": {
        const refusal = checkStrategy(msg.strategy, this.tier, this.options.allowEmptyStrategy);
        if (refusal !== undefined) this.refuse(conn, refusal, false);
        else conn.strategy = msg.strategy;
        return;
      }
      case "update_position_strategy": {
        const p = this.select(conn, { position_id: msg.position_id });
        const refusal = p === undefined ? this.notFound(msg.position_id) : checkStrategy(msg.strategy, this.tier, this.options.allowEmptyStrategy);
        if (refusal !== undefined) this.refuse(conn, refusal, false);
        else if (p !== undefined) {
          p.override = msg.strategy;
          this.evaluate(p);
        }
        return;
      }
      case "close_position": {
        const p = this.select(conn, msg);
        if (p === undefined) this.refuse(conn, this.notFound(msg.position_id ?? msg.token_account), false);
        else this.closePosition(p, "closed");
        return;
      }
      case "request_exit_signal": {
        const p = this.select(conn, msg);
        if (p === undefined) this.refuse(conn, this.notFound(msg.position_id ?? msg.token_account), false);
        else this.issueExit(p, manualExit(), conn);
        return;
      }
      case "update_wallets": {
        const refusal =
          this.badPubkeys(msg.wallet_pubkeys, "wallet_pubkeys") ??
          checkWallets(msg.wallet_pubkeys, this.limits) ??
          this.checkRegistration(conn, msg.wallet_pubkeys);
        if (refusal !== undefined) {
          this.refuse(conn, refusal, false);
          return;
        }
        // Positions of removed wallets stay tracked until they close (protocol.md section 3.6).
        conn.wallets = new Set(msg.wallet_pubkeys);
        for (const p of this.positionsById.values()) if (this.tracks(conn, p) && !conn.announced.has(p.id)) this.announce(conn, p);
        return;
      }
      case "update_watch_wallets": {
        const refusal = this.checkWatchList(msg.watch_wallets);
        if (refusal !== undefined) {
          this.refuse(conn, refusal, false);
          return;
        }
        conn.watchWallets = msg.watch_wallets;
        for (const p of this.positionsById.values()) if (this.tracks(conn, p) && !conn.announced.has(p.id)) this.announce(conn, p);
        return;
      }
      case "mirror_buy_result":
        this.mirror.onResult(conn, msg.mint, msg.success);
        return;
    }
  }

  private notFound(selector: unknown): MockRefusal {
    return { code: "position_not_found", message: `no open position ${String(selector)} on this session` };
  }

  /** A position this connection knows, by id or token account. */
  private select(conn: MockConnection, sel: { position_id?: number | bigint | null | undefined; token_account?: string | null | undefined }): MockPosition | undefined {
    let p: MockPosition | undefined;
    if (sel.position_id !== undefined && sel.position_id !== null) p = this.positionsById.get(Number(sel.position_id));
    else if (typeof sel.token_account === "string") {
      for (const candidate of this.positionsById.values()) if (candidate.tokenAccount === sel.token_account) p = candidate;
    }
    return p !== undefined && p.open && conn.announced.has(p.id) ? p : undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Positions, the engine and exits
  // ---------------------------------------------------------------------------------------------

  private requirePosition(positionId: number): MockPosition {
    const p = this.positionsById.get(positionId);
    if (p === undefined || !p.open) throw new RangeError(`no open position ${positionId}`);
    return p;
  }

  /** Configured, open connections that own (`wallet_pubkeys`) or watch a wallet. */
  private connectionsFor(wallet: string, how: "own" | "watch"): MockConnection[] {
    return this.connections.filter(
      (c) => c.configured && (how === "own" ? c.wallets.has(wallet) : c.watches(wallet) !== undefined),
    );
  }

  private tracks(conn: MockConnection, p: MockPosition): boolean {
    return p.watched ? conn.watches(p.wallet) !== undefined : conn.wallets.has(p.wallet);
  }

  /**
   * Connections that receive a position's traffic. Stalled links are left out: with no live
   * subscriber the strategy is not evaluated, so an exit fires once a client is back instead of
   * vanishing into a dead socket.
   */
  private subscribers(p: MockPosition): MockConnection[] {
    const out: MockConnection[] = [];
    for (const c of this.conns) if (c.configured && !c.stalled && c.announced.has(p.id)) out.push(c);
    return out;
  }

  private announce(conn: MockConnection, p: MockPosition): void {
    conn.announced.add(p.id);
    conn.send(balanceUpdateFrame(p, this.currentSlot));
    conn.send(positionOpenedFrame(p));
  }

  private broadcast(p: MockPosition, frame: Record<string, unknown> | string, subscribers = this.subscribers(p)): void {
    if (subscribers.length === 0) return;
    const text = typeof frame === "string" ? frame : frameText(frame);
    for (const c of subscribers) c.send(text);
  }

  /** The strategy in force: the position's override, else the most recently configured owner's. */
  private strategyFor(p: MockPosition): StrategyConfig | undefined {
    if (p.override !== undefined) return p.override;
    let best: MockConnection | undefined;
    for (const c of this.subscribers(p)) if (best === undefined || c.configuredAt > best.configuredAt) best = c;
    return best?.strategy;
  }

  private engineInput(p: MockPosition): { availableTokens: bigint; outstanding: boolean; guardCap: bigint | undefined } {
    let promised = 0n;
    for (const key of p.outstanding) promised += this.signals.get(key)?.sellTokens ?? 0n;
    const available = p.tokens - promised;
    const guardBps = this.options.guardSlippageBps ?? DEFAULTS.guardSlippageBps;
    return {
      availableTokens: available > 0n ? available : 0n,
      outstanding: p.outstanding.size > 0,
      guardCap: maxSellWithin(p.bands, guardBps),
    };
  }

  private evaluate(p: MockPosition): void {
    if (!p.open || p.watched) return;
    const strategy = this.strategyFor(p);
    if (strategy === undefined) return;
    const r = step(strategy, p.engine, { pnlPct: pnlPct(p.multiplier), ...this.engineInput(p) }, this.options.readings);
    p.engine = r.state;
    for (const d of r.decisions) this.issueExit(p, d, undefined);
  }

  /** Builds the transaction, records the signal and sends it (to `only`, or every subscriber). */
  private issueExit(p: MockPosition, d: ExitDecision, only: MockConnection | undefined): void {
    // One transaction for every subscriber, shaped for the send mode and tip of the one it goes to
    // (or the first, when several connections stream the wallet).
    const conn = only ?? this.subscribers(p)[0];
    const tx = buildSellTx(
      {
        wallet: p.wallet,
        mint: p.mint,
        marketType: p.marketType,
        marketContext: p.marketContext,
        amount: d.sellTokens ?? p.tokens,
        sendMode: conn?.sendMode,
        tipLamports: conn?.tipLamports,
      },
      this.txPrng,
    );
    const key = Buffer.from(tx.message).toString("base64");
    this.chain.noteBlockhash(tx.blockhash);
    this.signals.set(key, {
      kind: "exit",
      positionId: p.id,
      wallet: p.wallet,
      reason: d.reason,
      sellTokens: d.sellTokens,
      signature: undefined,
      blockhash: tx.blockhash,
    });
    p.outstanding.add(key);
    const signal = { reason: d.reason, sellTokens: d.sellTokens, levelIndex: d.levelIndex, txB64: tx.b64, triggeredAtMs: Date.now(), profit: profitUnits(p) };
    for (const c of only === undefined ? this.subscribers(p) : [only]) c.send(exitSignalFrame(p, signal, c.sessionId));
    const issued: MockExitSignal = {
      position_id: p.id,
      wallet_pubkey: p.wallet,
      reason: d.reason,
      sell_tokens: d.sellTokens,
      level_index: d.levelIndex,
      position_tokens: p.tokens,
      profit_units: signal.profit,
      unsigned_tx_b64: tx.b64,
    };
    this.exits.push(issued);
    this.emitAndNotify("exit_signal", issued);
  }

  /**
   * An Exit API sell: a real unsigned transaction, recorded like an exit (reason `manual`) so that
   * submitting it settles the sale; not sent on the stream and not held against the strategy.
   */
  private exitApiSell(positionId: number, amount: bigint, fees: SendFees): string {
    const p = this.requirePosition(positionId);
    const tx = buildSellTx({ wallet: p.wallet, mint: p.mint, marketType: p.marketType, marketContext: p.marketContext, amount, ...fees }, this.txPrng);
    this.chain.noteBlockhash(tx.blockhash);
    this.signals.set(Buffer.from(tx.message).toString("base64"), {
      kind: "exit",
      positionId: p.id,
      wallet: p.wallet,
      reason: "manual",
      sellTokens: amount,
      signature: undefined,
    });
    return tx.b64;
  }

  /** An Exit API buy: submitted, it opens a position of the wallet on the mint (about 35,000 raw tokens per lamport). */
  private exitApiBuy(wallet: string, mint: string, lamports: bigint, marketType: string, fees: SendFees): string {
    const known = (["pump_fun", "pump_swap", "meteora_dbc", "meteora_damm_v2", "raydium_launchpad", "raydium_cpmm"] as const).find((t) => t === marketType);
    const type = known ?? "pump_fun";
    const tx = buildBuyTx({ wallet, mint, marketType: type, marketContext: marketContext(type, this.txPrng), amount: lamports, ...fees }, this.txPrng);
    this.signals.set(Buffer.from(tx.message).toString("base64"), {
      kind: "buy",
      positionId: 0,
      wallet,
      reason: "buy",
      sellTokens: undefined,
      signature: undefined,
      onSettle: () => {
        this.openPosition({ wallet, mint, entryQuoteUnits: lamports, tokens: lamports * 35_000n, ...(known === undefined ? {} : { marketType: known }) });
      },
    });
    return tx.b64;
  }

  private closePosition(p: MockPosition, reason: string): void {
    if (!p.open) return;
    const frame = positionClosedFrame(p, reason, this.currentSlot);
    this.broadcast(p, frame);
    p.open = false;
    this.positionsById.delete(p.id);
    for (const c of this.conns) c.announced.delete(p.id);
    for (const key of p.outstanding) this.signals.delete(key);
    p.outstanding.clear();
    this.closedPositions.set(p.id, reason);
    this.emitAndNotify("position_closed", info(p), reason);
  }

  // ---------------------------------------------------------------------------------------------
  // RPC and settlement
  // ---------------------------------------------------------------------------------------------

  private readonly rpcBackend: RpcBackend = {
    submit: (tx) => this.submit(tx),
    slot: () => this.currentSlot,
    simulation: {
      isWallet: (address) => [...this.conns].some((c) => c.wallets.has(address)) || [...this.positionsById.values()].some((p) => p.wallet === address),
      tokenAccount: (address) => {
        for (const p of this.positionsById.values()) if (p.tokenAccount === address) return { mint: p.mint, owner: p.wallet, amount: p.tokens };
        return undefined;
      },
      quote: (mint, side, amount) => {
        const p = [...this.positionsById.values()].find((q) => q.mint === mint);
        if (p === undefined) return 0n;
        return side === "sell" ? valueOf(amount, p.multiplier, p.entryQuote, p.entryTokens) : (amount * p.entryTokens) / p.entryQuote;
      },
    },
    chain: (method, params) => this.chain.handle(method, params),
  };

  private submit(tx: VerifiedTransaction): string {
    const key = Buffer.from(tx.message).toString("base64");
    const signal = this.signals.get(key);
    if (signal === undefined) {
      throw new RpcFailure(RPC_ERRORS.noMatchingSignal, "transaction does not match any open exit or mirror-buy signal");
    }
    if (signal.signature !== undefined) return signal.signature;
    signal.signature = tx.signature;
    this.emitAndNotify("submitted", { signature: tx.signature, position_id: signal.kind === "exit" ? signal.positionId : undefined, kind: signal.kind });
    if (signal.kind !== "exit") {
      // Mirror buys and Exit API buys land as submitted (no injected faults).
      this.later(() => {
        this.chain.land(tx.signature);
        if (signal.onSettle !== undefined) signal.onSettle();
        else if (signal.mirror !== undefined) this.mirror.fill(signal.mirror);
      });
      return tx.signature;
    }
    const fault = this.chain.takeFault();
    if (fault?.kind === "drop" || !this.chain.isValid(signal.blockhash)) {
      this.neverLands(key, signal, fault?.kind === "drop" ? "drop" : "expired");
    } else if (fault?.kind === "fail") {
      this.later(() => {
        this.releaseSignal(key, signal);
        this.chain.land(tx.signature, fault.err ?? SLIPPAGE_EXCEEDED_ERROR);
        this.emitAndNotify("submission_fault", { signature: tx.signature, position_id: signal.positionId, kind: "fail" });
      });
    } else {
      this.later(() => {
        if (this.chain.isValid(signal.blockhash)) this.settleExit(key, signal);
        else this.neverLands(key, signal, "expired");
      }, fault?.kind === "delay" ? fault.ms : 0);
    }
    return tx.signature;
  }

  /** A submitted exit that will not land: its signal is released once its blockhash expired. */
  private neverLands(key: string, signal: SignalRecord, kind: "drop" | "expired"): void {
    const signature = signal.signature ?? "";
    this.chain.doom(signature, signal.blockhash, () => this.releaseSignal(key, signal));
    this.emitAndNotify("submission_fault", { signature, position_id: signal.positionId, kind });
  }

  /** Forgets a signal that can no longer settle (its position may fire a new exit). */
  private releaseSignal(key: string, signal: SignalRecord): void {
    this.signals.delete(key);
    this.positionsById.get(signal.positionId)?.outstanding.delete(key);
  }

  /** Runs `fn` after `settleMs` (plus `extraMs`) on an unref'd timer owned by the server. */
  private later(fn: () => unknown, extraMs = 0): void {
    const timer = setTimeout(() => {
      this.settleTimers.delete(timer);
      fn();
      this.notify();
    }, (this.options.settleMs ?? DEFAULTS.settleMs) + extraMs);
    timer.unref();
    this.settleTimers.add(timer);
  }

  private settleExit(key: string, signal: SignalRecord): void {
    const p = this.positionsById.get(signal.positionId);
    this.signals.delete(key);
    if (p === undefined || !p.open) {
      // Nothing left to sell: the token program refuses the transfer (SPL InsufficientFunds).
      this.chain.land(signal.signature ?? "", { InstructionError: [2, { Custom: 1 }] });
      return;
    }
    p.outstanding.delete(key);
    this.chain.land(signal.signature ?? "");
    const sold = signal.sellTokens === undefined || signal.sellTokens > p.tokens ? p.tokens : signal.sellTokens;
    const profit = profitUnits(p);
    p.tokens -= sold;
    refreshBands(p);
    this.broadcast(p, balanceUpdateFrame(p, this.currentSlot));
    this.emitAndNotify("settled", { position_id: p.id, reason: signal.reason, sold, tokens_left: p.tokens, signature: signal.signature ?? "" });
    if (p.tokens === 0n) {
      this.closePosition(p, signal.reason);
      if (p.mirrorSource !== undefined) this.mirror.onMirrorClosed(p, profit);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Simulated buys (CLI)
  // ---------------------------------------------------------------------------------------------

  private simulateBuys(): void {
    const sim = this.options.simulateBuys;
    if (sim === undefined) return;
    const everyTicks = Math.max(1, Math.round((sim.everyMs ?? 3_000) / this.flushMs));
    if (this.ticks % everyTicks !== 0) return;
    const max = Math.min(sim.maxOpenPerWallet ?? 3, this.limits.max_positions_per_wallet);
    const wallets = new Set<string>();
    for (const c of this.conns) if (c.configured) for (const w of c.wallets) wallets.add(w);
    for (const wallet of wallets) {
      const open = [...this.positionsById.values()].filter((p) => p.wallet === wallet && !p.watched).length;
      if (open < max) this.openPosition({ wallet });
    }
  }

  // ---------------------------------------------------------------------------------------------

  private pick(connection: MockConnection | number | undefined): MockConnection[] {
    if (connection === undefined) return this.connections.slice();
    const id = typeof connection === "number" ? connection : connection.id;
    return this.connections.filter((c) => c.id === id);
  }

  private emitAndNotify<K extends keyof MockStreamServerEvents>(event: K, ...args: MockStreamServerEvents[K]): void {
    (this.emit as (e: K, ...a: MockStreamServerEvents[K]) => boolean)(event, ...args);
    this.notify();
  }

  private notify(): void {
    this.waiters.notify();
  }
}

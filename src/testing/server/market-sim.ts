/**
 * The market of {@link MockStreamServer}: the tick loop (prices, liquidity, `pnl_update`,
 * `liquidity_snapshot`, `trade_tick`), positions opening and the scripted moves of the test hooks
 * (price, liquidity, graduation, a watched wallet's sale), the strategy engine's decisions turned
 * into exit signals, and a landed sale applied to the position.
 */
import type { StrategyConfig } from "../../protocol/index.js";
import { liquidityTrend, maxSellWithin, pnlPct, MockPrng, randomTrade, TradePool, walkLiquidity, walkPrice } from "../market.js";
import { DEFAULTS, type MockExitSignal, type MockStreamServerOptions, type ServerOutlet } from "../options.js";
import {
  GRADUATES_TO,
  balanceUpdateFrame,
  createPosition,
  exitSignalFrame,
  info,
  liquiditySnapshotText,
  marketContext,
  pnlUpdateText,
  pricePerRaw,
  profitUnits,
  refreshBands,
  type MockPosition,
  type OpenPositionOptions,
  type OpenedPosition,
} from "../positions.js";
import type { MockConnection, MockLimits, MockTier } from "../session.js";
import { manualExit, onGraduation, step, type ExitDecision } from "../strategy-engine.js";
import type { PositionBook } from "./book.js";

/** What the market needs from the rest of the server. */
export interface MarketHost {
  readonly events: ServerOutlet;
  readonly book: PositionBook;
  /** Every open client connection. */
  connections(): Iterable<MockConnection>;
  /** The current slot, and one slot ahead (a tick). */
  slot(): number;
  advanceSlot(): void;
  /** Tokens promised by a position's exits still out. */
  promised(p: MockPosition): bigint;
  /** Builds and records an exit's transaction (see `Settlement.exitTx`); returns its base64. */
  exitTx(p: MockPosition, reason: string, sellTokens: bigint | undefined, conn: MockConnection | undefined): string;
  /** A watched wallet opened a position: the mirror flow. */
  watchedBuy(p: MockPosition): void;
  /** A mirror position closed after a sale with `profit`. */
  mirrorClosed(p: MockPosition, profit: bigint): void;
}

/** Settings of the market: the server's options, tier and limits. */
export interface MarketSettings {
  readonly options: MockStreamServerOptions;
  readonly tier: MockTier;
  readonly limits: MockLimits;
  /** The simulator period (`pnlFlushMs`). */
  readonly flushMs: number;
}

/** @internal The server's market; owned by {@link MockStreamServer}. */
export class MarketSim {
  readonly #host: MarketHost;
  readonly #settings: MarketSettings;
  readonly #prng: MockPrng;
  readonly #tradePool: TradePool;
  /** The server's `exits`: every exit signal issued. */
  readonly #exits: MockExitSignal[];
  #ticks = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(host: MarketHost, settings: MarketSettings, seed: number, exits: MockExitSignal[]) {
    this.#host = host;
    this.#settings = settings;
    this.#prng = new MockPrng(seed ^ 0x9e3779b9);
    this.#tradePool = new TradePool(new MockPrng(seed ^ 0xc2b2ae35));
    this.#exits = exits;
  }

  /** Starts the tick loop (one {@link tick} per `pnlFlushMs`, unref'd). */
  start(): void {
    this.#timer = setInterval(() => this.tick(), this.#settings.flushMs);
    this.#timer.unref();
  }

  /** Stops the tick loop (a replay or `close()`). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Opens a position and announces it to every configured connection tracking its wallet. */
  open(options: OpenPositionOptions): OpenedPosition {
    const book = this.#host.book;
    const owned = book.connectionsFor(options.wallet, "own").length > 0;
    const watchedBy = book.connectionsFor(options.wallet, "watch");
    const p = createPosition(book.takeId(), options, {
      prng: this.#prng,
      slot: this.#host.slot(),
      nowMs: Date.now(),
      watchedDefault: !owned && watchedBy.length > 0,
      scriptedDefault: this.#settings.options.priceWalk === false,
    });
    book.add(p);
    for (const conn of [...this.#host.connections()]) {
      if (conn.configured && book.tracks(conn, p)) book.announce(conn, p);
    }
    this.#host.events.emit("position_opened", info(p));
    if (p.watched) this.#host.watchedBuy(p);
    return { position_id: p.id, token_account: p.tokenAccount, mint: p.mint };
  }

  /** See `MockStreamServer.setPrice`. */
  setPrice(positionId: number, multiplier: number): void {
    if (!Number.isFinite(multiplier) || multiplier <= 0) throw new RangeError("multiplier must be a positive number");
    const p = this.#host.book.require(positionId);
    p.previousMultiplier = p.multiplier;
    p.multiplier = multiplier;
    p.scripted = true;
    p.path = [];
    refreshBands(p);
    this.evaluate(p);
  }

  /** See `MockStreamServer.setLiquidity`. */
  setLiquidity(positionId: number, poolQuoteUnits: number): void {
    const p = this.#host.book.require(positionId);
    p.poolQuote = poolQuoteUnits;
    p.poolPinned = true;
    p.poolHistory.push(poolQuoteUnits);
    refreshBands(p);
  }

  /** See `MockStreamServer.graduate`. */
  graduate(positionId: number): void {
    const p = this.#host.book.require(positionId);
    if (p.graduated) return;
    p.graduated = true;
    const next = GRADUATES_TO[p.marketType];
    if (next !== undefined) {
      p.marketType = next;
      p.marketContext = marketContext(next, this.#prng);
    }
    this.#host.events.emit("graduated", info(p));
    const strategy = this.#host.book.strategyFor(p);
    if (strategy === undefined || p.watched) return;
    const r = onGraduation(strategy, p.engine, this.#engineInput(p));
    p.engine = r.state;
    for (const d of r.decisions) this.#issueExit(p, d, undefined);
  }

  /** See `MockStreamServer.watchedSell`. */
  watchedSell(positionId: number): void {
    const book = this.#host.book;
    const p = book.require(positionId);
    for (const mirror of [...book.values()]) {
      if (mirror.mirrorSource !== p.wallet || mirror.mint !== p.mint || mirror.engine.exiting !== undefined) continue;
      const wants = book.connectionsFor(mirror.wallet, "own").some((c) => c.watches(p.wallet)?.mirror_sell === true);
      if (!wants) continue;
      mirror.engine = { ...mirror.engine, exiting: "mirror_sell" };
      this.#issueExit(mirror, { reason: "mirror_sell", sellTokens: undefined, levelIndex: undefined, full: true }, undefined);
    }
    p.tokens = 0n;
    book.broadcast(p, balanceUpdateFrame(p, this.#host.slot()));
    book.close(p, "sold");
  }

  /** One simulator period: the slot advances, prices and pools move, frames go out, strategies run. */
  tick(): void {
    this.#ticks += 1;
    this.#host.advanceSlot();
    const { options, tier } = this.#settings;
    const book = this.#host.book;
    const now = Date.now();
    const volatility = options.volatility ?? DEFAULTS.volatility;
    const tradeChance = options.tradeTickProbability ?? DEFAULTS.tradeTickProbability;
    for (const p of [...book.values()]) {
      p.previousMultiplier = p.multiplier;
      const scripted = p.path.shift();
      if (scripted !== undefined) p.multiplier = scripted;
      else if (!p.scripted) p.multiplier = walkPrice(p.multiplier, this.#prng, volatility);
      if (!p.poolPinned) p.poolQuote = walkLiquidity(p.poolQuote, this.#prng, p.poolTendency);
      p.poolHistory.push(p.poolQuote);
      if (p.poolHistory.length > 20) p.poolHistory.shift();
      refreshBands(p);
      const trade = this.#prng.next() < tradeChance;
      const subscribers = book.subscribers(p);
      if (subscribers.length > 0) {
        book.broadcast(p, pnlUpdateText(p, now), subscribers);
        if (tier >= 1) book.broadcast(p, liquiditySnapshotText(p, liquidityTrend(p.poolHistory), now), subscribers);
        if (trade) {
          const t = randomTrade(this.#prng, this.#tradePool, p.tokens, pricePerRaw(p), p.multiplier >= p.previousMultiplier);
          const price = BigInt(Math.round(pricePerRaw(p) * 10 ** p.decimals));
          const frame = { type: "trade_tick", position_id: p.id, time_ms: now, ...t, price_quote: price, ...(p.watched ? { watched: true } : {}) };
          book.broadcast(p, frame, subscribers);
        }
      }
      this.evaluate(p);
    }
    this.#simulateBuys();
  }

  /** Runs the strategy in force on `p` and issues the exits it decides. */
  evaluate(p: MockPosition): void {
    if (!p.open || p.watched) return;
    const strategy = this.#host.book.strategyFor(p);
    if (strategy === undefined) return;
    const r = step(strategy, p.engine, { pnlPct: pnlPct(p.multiplier), ...this.#engineInput(p) }, this.#settings.options.readings);
    p.engine = r.state;
    for (const d of r.decisions) this.#issueExit(p, d, undefined);
  }

  /** `update_position_strategy`: the override takes effect at once. */
  override(p: MockPosition, strategy: StrategyConfig): void {
    p.override = strategy;
    this.evaluate(p);
  }

  /** `request_exit_signal`: a manual exit, sent to the asking connection only. */
  requestExit(p: MockPosition, conn: MockConnection): void {
    this.#issueExit(p, manualExit(), conn);
  }

  /** An exit landed: the sale is applied, and an emptied position closes with the exit's reason. */
  sold(p: MockPosition, sellTokens: bigint | undefined, reason: string, signature: string): void {
    const sold = sellTokens === undefined || sellTokens > p.tokens ? p.tokens : sellTokens;
    const profit = profitUnits(p);
    p.tokens -= sold;
    refreshBands(p);
    this.#host.book.broadcast(p, balanceUpdateFrame(p, this.#host.slot()));
    this.#host.events.emit("settled", { position_id: p.id, reason, sold, tokens_left: p.tokens, signature });
    if (p.tokens === 0n) {
      this.#host.book.close(p, reason);
      if (p.mirrorSource !== undefined) this.#host.mirrorClosed(p, profit);
    }
  }

  #engineInput(p: MockPosition): { availableTokens: bigint; outstanding: boolean; guardCap: bigint | undefined } {
    const available = p.tokens - this.#host.promised(p);
    const guardBps = this.#settings.options.guardSlippageBps ?? DEFAULTS.guardSlippageBps;
    return {
      availableTokens: available > 0n ? available : 0n,
      outstanding: p.outstanding.size > 0,
      guardCap: maxSellWithin(p.bands, guardBps),
    };
  }

  /** Builds the transaction, records the signal and sends it (to `only`, or every subscriber). */
  #issueExit(p: MockPosition, d: ExitDecision, only: MockConnection | undefined): void {
    const book = this.#host.book;
    // One transaction for every subscriber, shaped for the send mode and tip of the one it goes to
    // (or the first, when several connections stream the wallet).
    const txB64 = this.#host.exitTx(p, d.reason, d.sellTokens, only ?? book.subscribers(p)[0]);
    const signal = { reason: d.reason, sellTokens: d.sellTokens, levelIndex: d.levelIndex, txB64, triggeredAtMs: Date.now(), profit: profitUnits(p) };
    for (const c of only === undefined ? book.subscribers(p) : [only]) c.send(exitSignalFrame(p, signal, c.sessionId));
    const issued: MockExitSignal = {
      position_id: p.id,
      wallet_pubkey: p.wallet,
      reason: d.reason,
      sell_tokens: d.sellTokens,
      level_index: d.levelIndex,
      position_tokens: p.tokens,
      profit_units: signal.profit,
      unsigned_tx_b64: txB64,
    };
    this.#exits.push(issued);
    this.#host.events.emit("exit_signal", issued);
  }

  /** Simulated buys (the CLI): every `everyMs`, configured wallets below the cap get a position. */
  #simulateBuys(): void {
    const sim = this.#settings.options.simulateBuys;
    if (sim === undefined) return;
    const everyTicks = Math.max(1, Math.round((sim.everyMs ?? 3_000) / this.#settings.flushMs));
    if (this.#ticks % everyTicks !== 0) return;
    const max = Math.min(sim.maxOpenPerWallet ?? 3, this.#settings.limits.max_positions_per_wallet);
    const wallets = new Set<string>();
    for (const c of this.#host.connections()) if (c.configured) for (const w of c.wallets) wallets.add(w);
    for (const wallet of wallets) {
      const open = [...this.#host.book.values()].filter((p) => p.wallet === wallet && !p.watched).length;
      if (open < max) this.open({ wallet });
    }
  }
}

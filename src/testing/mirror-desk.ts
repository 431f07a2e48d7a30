/**
 * The mock server's mirror-trading flow (protocol.md section 10): a watched wallet's new position
 * offers each watching session a `mirror_buy_signal` (or `mirror_buy_failed`, see `mirror.ts`);
 * `mirror_buy_result { success: true }` or the buy settling through the RPC opens the user's
 * mirror position; losing mirror exits feed the `max_consecutive_losses` breaker.
 */
import { initialMirrorState, mirrorBuyRefusal, recordMirrorResult, type MirrorWalletState } from "./mirror.js";
import type { MockStreamServerEvents } from "./options.js";
import type { MockPosition, OpenPositionOptions, OpenedPosition } from "./positions.js";
import type { MockConnection } from "./session.js";

/** A mirror buy offered and not yet filled or refused by the client. */
export interface PendingMirrorBuy {
  watchedWallet: string;
  userWallet: string;
  mint: string;
  amount: bigint;
  source: MockPosition;
  connection: MockConnection;
  done: boolean;
}

type MirrorEvent = "mirror_buy_signal" | "mirror_buy_failed" | "mirror_wallet_auto_disabled";

/** What the desk needs from the server. */
export interface MirrorHost {
  connectionsFor(wallet: string, how: "own" | "watch"): MockConnection[];
  openPositions(): Iterable<MockPosition>;
  openPosition(options: OpenPositionOptions): OpenedPosition;
  /** Builds the unsigned buy transaction and registers it with the RPC; returns its base64. */
  registerBuy(pending: PendingMirrorBuy): string;
  later(fn: () => void): void;
  emit<K extends MirrorEvent>(event: K, ...args: MockStreamServerEvents[K]): void;
}

/** Default `slippage_bps` of a mirror buy when `mirror_config.buy_slippage_bps` is 0 or absent (mock convention). */
export const DEFAULT_MIRROR_SLIPPAGE_BPS = 2500;

export class MirrorDesk {
  readonly #state = new Map<string, MirrorWalletState>();
  readonly #pending = new Map<string, PendingMirrorBuy>();

  readonly #host: MirrorHost;

  constructor(host: MirrorHost) {
    this.#host = host;
  }

  /** A watched wallet opened `source`: offer or refuse a mirror buy to every session with `auto_buy` for it. */
  onWatchedBuy(source: MockPosition): void {
    for (const conn of this.#host.connectionsFor(source.wallet, "watch")) {
      const autoBuy = conn.watches(source.wallet)?.auto_buy;
      if (autoBuy === undefined) continue;
      const state = this.#stateOf(source.wallet);
      const mirrors = [...this.#host.openPositions()].filter((q) => q.mirrorSource === source.wallet);
      const amount = BigInt(autoBuy.amount_quote_units);
      const refusal = mirrorBuyRefusal({
        config: conn.mirrorConfig,
        state,
        nowMs: Date.now(),
        creatorIsWatched: source.creatorIsWatched,
        openMirrorPositions: mirrors.length,
        activeQuoteUnits: mirrors.reduce((sum, q) => sum + Number(q.entryQuote), 0),
        amountQuoteUnits: Number(amount),
        poolQuoteUnits: source.poolQuote,
      });
      if (refusal !== undefined) {
        conn.send({ type: "mirror_buy_failed", watched_wallet: source.wallet, mint: source.mint, reason: refusal });
        this.#host.emit("mirror_buy_failed", { watched_wallet: source.wallet, mint: source.mint, reason: refusal });
        continue;
      }
      state.lastBuyAtMs = Date.now();
      const pending: PendingMirrorBuy = {
        watchedWallet: source.wallet,
        userWallet: autoBuy.wallet_pubkey,
        mint: source.mint,
        amount,
        source,
        connection: conn,
        done: false,
      };
      this.#pending.set(key(conn, source.mint), pending);
      const txB64 = this.#host.registerBuy(pending);
      const bps = conn.mirrorConfig?.buy_slippage_bps;
      conn.send({
        type: "mirror_buy_signal",
        session_id: conn.sessionId,
        watched_wallet: source.wallet,
        mint: source.mint,
        user_wallet: autoBuy.wallet_pubkey,
        amount_quote_units: amount,
        input: "SOL",
        unsigned_tx_b64: txB64,
        slippage_bps: bps === undefined || bps === 0 ? DEFAULT_MIRROR_SLIPPAGE_BPS : bps,
        ...(conn.sendMode === undefined ? {} : { send_mode: conn.sendMode }),
        ...(conn.tipLamports === undefined ? {} : { tip_lamports: conn.tipLamports }),
        market_context: source.marketContext,
      });
      this.#host.emit("mirror_buy_signal", { watched_wallet: source.wallet, user_wallet: autoBuy.wallet_pubkey, mint: source.mint });
    }
  }

  /** `mirror_buy_result` from a session: success fills after the settle delay; failure releases the offer. */
  onResult(conn: MockConnection, mint: string, success: boolean): void {
    const pending = this.#pending.get(key(conn, mint));
    if (pending === undefined || pending.done) return;
    if (success) {
      this.#host.later(() => this.fill(pending));
    } else {
      pending.done = true;
      this.#pending.delete(key(conn, mint));
    }
  }

  /** The mirror buy landed: the user's mirror position opens (once), at the watched entry price. */
  fill(pending: PendingMirrorBuy): void {
    if (pending.done) return;
    pending.done = true;
    this.#pending.delete(key(pending.connection, pending.mint));
    const src = pending.source;
    const tokens = (pending.amount * src.entryTokens) / src.entryQuote;
    this.#host.openPosition({
      wallet: pending.userWallet,
      mint: pending.mint,
      tokens: tokens > 0n ? tokens : 1n,
      entryQuoteUnits: pending.amount,
      marketType: src.marketType,
      mirrorSource: pending.watchedWallet,
      watched: false,
      scripted: src.scripted,
    });
  }

  /** A mirror position closed after a sale with `profit`: feeds the consecutive-loss breaker. */
  onMirrorClosed(p: MockPosition, profit: bigint): void {
    const source = p.mirrorSource;
    if (source === undefined) return;
    const owner = this.#host.connectionsFor(p.wallet, "own").find((c) => c.watches(source) !== undefined);
    const tripped = recordMirrorResult(this.#stateOf(source), profit, owner?.mirrorConfig);
    if (tripped === undefined) return;
    for (const c of this.#host.connectionsFor(source, "watch")) {
      c.send({ type: "mirror_wallet_auto_disabled", watched_wallet: source, reason: "consecutive_losses", loss_count: tripped });
    }
    this.#host.emit("mirror_wallet_auto_disabled", { watched_wallet: source, loss_count: tripped });
  }

  #stateOf(wallet: string): MirrorWalletState {
    let s = this.#state.get(wallet);
    if (s === undefined) {
      s = initialMirrorState();
      this.#state.set(wallet, s);
    }
    return s;
  }
}

const key = (conn: MockConnection, mint: string): string => `${conn.id}:${mint}`;

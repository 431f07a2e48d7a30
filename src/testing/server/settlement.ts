/**
 * Settlement and RPC for {@link MockStreamServer}: the slot clock, every unsigned transaction the
 * server handed out (exits, mirror buys, Exit API trades, replayed exits) keyed by its message
 * bytes, the JSON-RPC backend that accepts their signed copies, and what happens next: a sale
 * settles, a buy opens a position, or an injected fault keeps it from landing (`../chain.ts`).
 */
import { MockChain, SLIPPAGE_EXCEEDED_ERROR, type SubmissionFault } from "../chain.js";
import type { SendFees } from "../exit-api.js";
import { valueOf, type MockPrng } from "../market.js";
import type { PendingMirrorBuy } from "../mirror-desk.js";
import type { ServerOutlet } from "../options.js";
import { marketContext, type MockPosition, type OpenPositionOptions } from "../positions.js";
import { RpcFailure, RPC_ERRORS, type RpcBackend, type VerifiedTransaction } from "../rpc.js";
import type { MockConnection } from "../session.js";
import { buildBuyTx, buildSellTx } from "../txfactory.js";

/** One transaction the server handed out and still expects back. */
interface SignalRecord {
  kind: "exit" | "mirror_buy" | "buy";
  /** Runs at settlement instead of the kind's default (buys: open the position). */
  onSettle?: () => void;
  positionId: number;
  reason: string;
  sellTokens: bigint | undefined;
  signature: string | undefined;
  /** The transaction's recent blockhash (exits). */
  blockhash?: string;
}

/** What settlement needs from the rest of the server. */
export interface SettlementHost {
  readonly events: ServerOutlet;
  /** The open position `id`, if any. */
  position(id: number): MockPosition | undefined;
  /** Every open position. */
  positions(): Iterable<MockPosition>;
  /** Every open client connection. */
  connections(): Iterable<MockConnection>;
  /** Opens a position (an Exit API buy landed). */
  openPosition(options: OpenPositionOptions): void;
  /** An exit of `p` landed: sell `sellTokens` (all when undefined or more than held). */
  sold(p: MockPosition, sellTokens: bigint | undefined, reason: string, signature: string): void;
}

/** Where the simulated chain starts (an arbitrary mainnet-like slot). */
const FIRST_SLOT = 404_218_337;

/** Market types the Exit API buy accepts; anything else builds a Pump.fun buy. */
const BUY_MARKETS = ["pump_fun", "pump_swap", "meteora_dbc", "meteora_damm_v2", "raydium_launchpad", "raydium_cpmm"] as const;

/** @internal The server's settlement desk; owned by {@link MockStreamServer}. */
export class Settlement {
  /** The JSON-RPC backend of `POST /rpc`. */
  readonly rpc: RpcBackend;
  readonly #host: SettlementHost;
  readonly #txPrng: MockPrng;
  readonly #settleMs: () => number;
  readonly #chain: MockChain;
  readonly #signals = new Map<string, SignalRecord>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #slot = FIRST_SLOT;

  constructor(host: SettlementHost, txPrng: MockPrng, validitySlots: number, settleMs: () => number) {
    this.#host = host;
    this.#txPrng = txPrng;
    this.#settleMs = settleMs;
    this.#chain = new MockChain(() => this.#slot, validitySlots);
    this.rpc = {
      submit: (tx) => this.#submit(tx),
      slot: () => this.#slot,
      simulation: {
        isWallet: (address) => [...host.connections()].some((c) => c.wallets.has(address)) || [...host.positions()].some((p) => p.wallet === address),
        tokenAccount: (address) => {
          for (const p of host.positions()) if (p.tokenAccount === address) return { mint: p.mint, owner: p.wallet, amount: p.tokens };
          return undefined;
        },
        quote: (mint, side, amount) => {
          const p = [...host.positions()].find((q) => q.mint === mint);
          if (p === undefined) return 0n;
          return side === "sell" ? valueOf(amount, p.multiplier, p.entryQuote, p.entryTokens) : (amount * p.entryTokens) / p.entryQuote;
        },
      },
      chain: (method, params) => this.#chain.handle(method, params),
    };
  }

  /** The current slot. */
  get slot(): number {
    return this.#slot;
  }

  /** Moves the chain `count` slots ahead: blockhashes age, dropped submissions expire. */
  advance(count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError("count must be a non-negative integer");
    this.#slot += count;
    this.#chain.onSlot();
    this.#host.events.notify();
  }

  /** Queues `fault` for each of the next `count` exit submissions. */
  injectFaults(count: number, fault: SubmissionFault): void {
    this.#chain.injectFaults(count, fault);
  }

  /** Injected faults not yet used by a submission. */
  get pendingFaults(): number {
    return this.#chain.pendingFaults;
  }

  /**
   * The exit transaction of a strategy decision, shaped for `conn`'s send mode and tip; recorded
   * as outstanding on the position. Returns its base64.
   */
  exitTx(p: MockPosition, reason: string, sellTokens: bigint | undefined, conn: MockConnection | undefined): string {
    const tx = buildSellTx(
      {
        wallet: p.wallet,
        mint: p.mint,
        marketType: p.marketType,
        marketContext: p.marketContext,
        amount: sellTokens ?? p.tokens,
        sendMode: conn?.sendMode,
        tipLamports: conn?.tipLamports,
      },
      this.#txPrng,
    );
    const key = Buffer.from(tx.message).toString("base64");
    this.#chain.noteBlockhash(tx.blockhash);
    this.#signals.set(key, { kind: "exit", positionId: p.id, reason, sellTokens, signature: undefined, blockhash: tx.blockhash });
    p.outstanding.add(key);
    return tx.b64;
  }

  /**
   * An Exit API sell: recorded like an exit (reason `manual`) so that submitting it settles the
   * sale; not held against the strategy.
   */
  sellTx(p: MockPosition, amount: bigint, fees: SendFees): string {
    const tx = buildSellTx({ wallet: p.wallet, mint: p.mint, marketType: p.marketType, marketContext: p.marketContext, amount, ...fees }, this.#txPrng);
    this.#chain.noteBlockhash(tx.blockhash);
    this.#signals.set(Buffer.from(tx.message).toString("base64"), { kind: "exit", positionId: p.id, reason: "manual", sellTokens: amount, signature: undefined });
    return tx.b64;
  }

  /** An Exit API buy: submitted, it opens a position of the wallet on the mint (about 35,000 raw tokens per lamport). */
  buyTx(wallet: string, mint: string, lamports: bigint, marketType: string, fees: SendFees): string {
    const known = BUY_MARKETS.find((t) => t === marketType);
    const type = known ?? "pump_fun";
    const tx = buildBuyTx({ wallet, mint, marketType: type, marketContext: marketContext(type, this.#txPrng), amount: lamports, ...fees }, this.#txPrng);
    this.#signals.set(Buffer.from(tx.message).toString("base64"), {
      kind: "buy",
      positionId: 0,
      reason: "buy",
      sellTokens: undefined,
      signature: undefined,
      onSettle: () => {
        this.#host.openPosition({ wallet, mint, entryQuoteUnits: lamports, tokens: lamports * 35_000n, ...(known === undefined ? {} : { marketType: known }) });
      },
    });
    return tx.b64;
  }

  /** The transaction of an offered mirror buy; `fill` runs once it landed. */
  mirrorBuyTx(pending: PendingMirrorBuy, fill: () => void): string {
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
      this.#txPrng,
    );
    this.#signals.set(Buffer.from(tx.message).toString("base64"), {
      kind: "mirror_buy",
      positionId: src.id,
      reason: "mirror_buy",
      sellTokens: undefined,
      signature: undefined,
      onSettle: fill,
    });
    return tx.b64;
  }

  /** A recorded exit (replay): its signed copy is accepted and lands, selling nothing. */
  replayedExit(messageKey: string): void {
    if (!this.#signals.has(messageKey)) {
      this.#signals.set(messageKey, { kind: "exit", positionId: -1, reason: "replay", sellTokens: undefined, signature: undefined });
    }
  }

  /** Tokens promised by a position's exits still out. */
  promised(p: MockPosition): bigint {
    let promised = 0n;
    for (const key of p.outstanding) promised += this.#signals.get(key)?.sellTokens ?? 0n;
    return promised;
  }

  /** Forgets a closing position's transactions still out. */
  forget(p: MockPosition): void {
    for (const key of p.outstanding) this.#signals.delete(key);
    p.outstanding.clear();
  }

  /** Runs `fn` after `settleMs` (plus `extraMs`) on an unref'd timer, then re-checks the waits. */
  later(fn: () => unknown, extraMs = 0): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
      this.#host.events.notify();
    }, this.#settleMs() + extraMs);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Cancels pending settlements. */
  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #submit(tx: VerifiedTransaction): string {
    const key = Buffer.from(tx.message).toString("base64");
    const signal = this.#signals.get(key);
    if (signal === undefined) {
      throw new RpcFailure(RPC_ERRORS.noMatchingSignal, "transaction does not match any open exit or mirror-buy signal");
    }
    if (signal.signature !== undefined) return signal.signature;
    signal.signature = tx.signature;
    this.#host.events.emit("submitted", { signature: tx.signature, position_id: signal.kind === "exit" ? signal.positionId : undefined, kind: signal.kind });
    if (signal.kind !== "exit") {
      // Mirror buys and Exit API buys land as submitted (no injected faults).
      this.later(() => {
        this.#chain.land(tx.signature);
        signal.onSettle?.();
      });
      return tx.signature;
    }
    const fault = this.#chain.takeFault();
    if (fault?.kind === "drop" || !this.#chain.isValid(signal.blockhash)) {
      this.#neverLands(key, signal, fault?.kind === "drop" ? "drop" : "expired");
    } else if (fault?.kind === "fail") {
      this.later(() => {
        this.#release(key, signal);
        this.#chain.land(tx.signature, fault.err ?? SLIPPAGE_EXCEEDED_ERROR);
        this.#host.events.emit("submission_fault", { signature: tx.signature, position_id: signal.positionId, kind: "fail" });
      });
    } else {
      this.later(() => {
        if (this.#chain.isValid(signal.blockhash)) this.#settleExit(key, signal);
        else this.#neverLands(key, signal, "expired");
      }, fault?.kind === "delay" ? fault.ms : 0);
    }
    return tx.signature;
  }

  /** A submitted exit that will not land: its signal is released once its blockhash expired. */
  #neverLands(key: string, signal: SignalRecord, kind: "drop" | "expired"): void {
    const signature = signal.signature ?? "";
    this.#chain.doom(signature, signal.blockhash, () => this.#release(key, signal));
    this.#host.events.emit("submission_fault", { signature, position_id: signal.positionId, kind });
  }

  /** Forgets a signal that can no longer settle (its position may fire a new exit). */
  #release(key: string, signal: SignalRecord): void {
    this.#signals.delete(key);
    this.#host.position(signal.positionId)?.outstanding.delete(key);
  }

  #settleExit(key: string, signal: SignalRecord): void {
    const p = this.#host.position(signal.positionId);
    this.#signals.delete(key);
    if (p === undefined || !p.open) {
      // Nothing left to sell: the token program refuses the transfer (SPL InsufficientFunds).
      this.#chain.land(signal.signature ?? "", { InstructionError: [2, { Custom: 1 }] });
      return;
    }
    p.outstanding.delete(key);
    this.#chain.land(signal.signature ?? "");
    this.#host.sold(p, signal.sellTokens, signal.reason, signal.signature ?? "");
  }
}

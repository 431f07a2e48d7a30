/**
 * The position book: open positions keyed by `positionKey(position_id)` (so number and bigint ids
 * agree), with a token-account index, updated from server messages into new frozen handles.
 * It never guesses: a position appears with `position_opened` and leaves with `position_closed`.
 */
import type {
  BalanceUpdate,
  ExitSignalWithTx,
  Int,
  IntMode,
  LiquiditySnapshot,
  PnlUpdate,
  PositionClosed,
  PositionOpened,
} from "../protocol/index.js";
import { deepFreeze, type LastExitSignal, type PositionHandle } from "./handle.js";

/** Mutable view of a handle, used only while building the next snapshot. */
type Draft<M extends IntMode> = { -readonly [K in keyof PositionHandle<M>]: PositionHandle<M>[K] };

// The key of a position id in every session map: the connection's own (`5` and `5n` agree).
import { positionKey, type PositionKey } from "../client/inbound.js";
export { positionKey, type PositionKey };

/**
 * Copies every handle field into an object literal of one fixed shape (absent fields are
 * `undefined`), so all states and snapshots share a hidden class and copying stays cheap.
 */
function fixed<M extends IntMode>(s: Draft<M>): Draft<M> {
  return {
    position_id: s.position_id,
    token_account: s.token_account,
    wallet_pubkey: s.wallet_pubkey,
    mint: s.mint,
    token_program: s.token_program,
    tokens: s.tokens,
    entry_quote_units: s.entry_quote_units,
    market_context: s.market_context,
    market_type: s.market_type,
    token_name: s.token_name,
    token_symbol: s.token_symbol,
    token_decimals: s.token_decimals,
    token_price_quote: s.token_price_quote,
    market_cap_quote: s.market_cap_quote,
    pool_liquidity_quote: s.pool_liquidity_quote,
    opened_at_ms: s.opened_at_ms,
    slot: s.slot,
    watched: s.watched,
    mirror_source: s.mirror_source,
    profit_units: s.profit_units,
    proceeds_units: s.proceeds_units,
    peak_profit_units: s.peak_profit_units,
    pnl_server_time_ms: s.pnl_server_time_ms,
    slippage_bands: s.slippage_bands,
    liquidity_trend: s.liquidity_trend,
    last_exit: s.last_exit,
    first_seen_at_ms: s.first_seen_at_ms,
    deadline_at_ms: s.deadline_at_ms,
  } as Draft<M>;
}

interface Entry<M extends IntMode> {
  /** Mutable working copy (fixed shape); never handed out. */
  state: Draft<M>;
  /** The frozen snapshot of `state` handed out. */
  handle: PositionHandle<M>;
}

export class PositionBook<M extends IntMode> {
  readonly #byId = new Map<PositionKey, Entry<M>>();
  readonly #byTokenAccount = new Map<string, PositionKey>();

  get size(): number {
    return this.#byId.size;
  }

  all(): PositionHandle<M>[] {
    const out: PositionHandle<M>[] = [];
    for (const entry of this.#byId.values()) out.push(entry.handle);
    return out;
  }

  get(key: PositionKey): PositionHandle<M> | undefined {
    return this.#byId.get(key)?.handle;
  }

  keyOfTokenAccount(tokenAccount: string): PositionKey | undefined {
    return this.#byTokenAccount.get(tokenAccount);
  }

  /**
   * Applies `position_opened`. A position already known (re-announced after a reconnect) is
   * updated in place: what the message says replaces what it said before; what the session
   * learned since (PnL, peak, liquidity, last exit, first sighting) is kept.
   */
  open(msg: PositionOpened<M>, nowWallMs: number): { handle: PositionHandle<M>; known: boolean } {
    const key = positionKey(msg.position_id);
    const previous = this.#byId.get(key)?.state;
    const draft: Draft<M> = {
      position_id: msg.position_id,
      token_account: msg.token_account,
      wallet_pubkey: msg.wallet_pubkey,
      mint: msg.mint,
      tokens: msg.tokens,
      entry_quote_units: msg.entry_quote_units,
      slot: msg.slot,
      watched: msg.watched,
      first_seen_at_ms: previous?.first_seen_at_ms ?? nowWallMs,
    };
    if (msg.token_program !== undefined) draft.token_program = msg.token_program;
    if (msg.market_context !== undefined) {
      draft.market_context = deepFreeze(structuredClone(msg.market_context));
      draft.market_type = msg.market_context.market_type;
    }
    if (msg.token_name !== undefined) draft.token_name = msg.token_name;
    if (msg.token_symbol !== undefined) draft.token_symbol = msg.token_symbol;
    if (msg.token_decimals !== undefined) draft.token_decimals = msg.token_decimals;
    if (msg.token_price_quote !== undefined) draft.token_price_quote = msg.token_price_quote;
    if (msg.market_cap_quote !== undefined) draft.market_cap_quote = msg.market_cap_quote;
    if (msg.pool_liquidity_quote !== undefined) draft.pool_liquidity_quote = msg.pool_liquidity_quote;
    if (msg.opened_at_ms !== undefined) draft.opened_at_ms = msg.opened_at_ms;
    else if (previous?.opened_at_ms !== undefined) draft.opened_at_ms = previous.opened_at_ms;
    if (msg.mirror_source !== undefined) draft.mirror_source = msg.mirror_source;
    if (previous !== undefined) {
      // Live state the announcement does not carry.
      for (const field of [
        "profit_units",
        "proceeds_units",
        "peak_profit_units",
        "pnl_server_time_ms",
        "slippage_bands",
        "liquidity_trend",
        "last_exit",
        "deadline_at_ms",
      ] as const) {
        if (previous[field] !== undefined) (draft as Record<string, unknown>)[field] = previous[field];
      }
      if (msg.token_price_quote === undefined && previous.token_price_quote !== undefined) {
        draft.token_price_quote = previous.token_price_quote;
      }
      if (msg.market_cap_quote === undefined && previous.market_cap_quote !== undefined) {
        draft.market_cap_quote = previous.market_cap_quote;
      }
      if (previous.token_account !== msg.token_account) this.#byTokenAccount.delete(previous.token_account);
    }
    const handle = this.#store(key, draft);
    this.#byTokenAccount.set(msg.token_account, key);
    return { handle, known: previous !== undefined };
  }

  /** Applies `position_closed`: removes the position (by id, else by token account) and returns it. */
  close(msg: PositionClosed<M>): { key: PositionKey; handle: PositionHandle<M> } | undefined {
    let key: PositionKey | undefined = positionKey(msg.position_id);
    if (!this.#byId.has(key)) {
      key = msg.token_account === undefined ? undefined : this.#byTokenAccount.get(msg.token_account);
    }
    if (key === undefined) return undefined;
    const handle = this.#byId.get(key)?.handle;
    if (handle === undefined) return undefined;
    this.#byId.delete(key);
    if (this.#byTokenAccount.get(handle.token_account) === key) this.#byTokenAccount.delete(handle.token_account);
    return { key, handle };
  }

  pnl(msg: PnlUpdate<M>): PositionHandle<M> | undefined {
    const entry = this.#byId.get(positionKey(msg.position_id));
    if (entry === undefined) return undefined;
    const state = entry.state;
    state.profit_units = msg.profit_units;
    state.proceeds_units = msg.proceeds_units;
    state.pnl_server_time_ms = msg.server_time_ms;
    if (state.peak_profit_units === undefined || msg.profit_units > state.peak_profit_units) {
      state.peak_profit_units = msg.profit_units;
    }
    if (msg.token_price_quote !== undefined) state.token_price_quote = msg.token_price_quote;
    if (msg.market_cap_quote !== undefined) state.market_cap_quote = msg.market_cap_quote;
    return this.#snap(entry);
  }

  liquidity(msg: LiquiditySnapshot<M>): PositionHandle<M> | undefined {
    const entry = this.#byId.get(positionKey(msg.position_id));
    if (entry === undefined) return undefined;
    entry.state.slippage_bands = Object.freeze(msg.bands.map((band) => Object.freeze({ ...band })));
    entry.state.liquidity_trend = msg.liquidity_trend;
    return this.#snap(entry);
  }

  /** Applies an exit signal: records it and takes `position_tokens` as the current size. */
  exit(msg: ExitSignalWithTx<M>): PositionHandle<M> | undefined {
    const key = this.#find(msg.position_id, msg.token_account);
    const entry = key === undefined ? undefined : this.#byId.get(key);
    if (entry === undefined) return undefined;
    const last: { -readonly [K in keyof LastExitSignal<M>]: LastExitSignal<M>[K] } = {
      reason: msg.reason,
      position_tokens: msg.position_tokens,
      profit_units: msg.profit_units,
      triggered_at_ms: msg.triggered_at_ms,
    };
    if (msg.sell_tokens !== undefined) last.sell_tokens = msg.sell_tokens;
    if (msg.level_index !== undefined) last.level_index = msg.level_index;
    entry.state.tokens = msg.position_tokens;
    entry.state.last_exit = Object.freeze(last);
    return this.#snap(entry);
  }

  /**
   * Applies `balance_update` to the positions it concerns: the one with its token account when
   * it names one, else every position of its wallet and mint. Returns the updated handles.
   */
  balance(msg: BalanceUpdate<M>): PositionHandle<M>[] {
    const keys: PositionKey[] = [];
    if (msg.token_account !== undefined) {
      const key = this.#byTokenAccount.get(msg.token_account);
      if (key !== undefined) keys.push(key);
    } else {
      for (const [key, { state }] of this.#byId) {
        if (state.wallet_pubkey === msg.wallet_pubkey && state.mint === msg.mint) keys.push(key);
      }
    }
    const updated: PositionHandle<M>[] = [];
    for (const key of keys) {
      const entry = this.#byId.get(key) as Entry<M>;
      entry.state.tokens = msg.tokens;
      if (msg.token_program !== undefined) entry.state.token_program = msg.token_program;
      updated.push(this.#snap(entry));
    }
    return updated;
  }

  /** Replaces the deadline estimate of a position (`undefined` removes it). */
  setDeadline(key: PositionKey, deadlineAtMs: number | undefined): PositionHandle<M> | undefined {
    const entry = this.#byId.get(key);
    if (entry === undefined || entry.state.deadline_at_ms === deadlineAtMs) return entry?.handle;
    (entry.state as { deadline_at_ms: number | undefined }).deadline_at_ms = deadlineAtMs;
    return this.#snap(entry);
  }

  /** The key of a message's position: by id, else by token account. */
  #find(id: Int<M>, tokenAccount: string | undefined): PositionKey | undefined {
    const key = positionKey(id);
    if (this.#byId.has(key)) return key;
    return tokenAccount === undefined ? undefined : this.#byTokenAccount.get(tokenAccount);
  }

  findKey(id: number | bigint, tokenAccount?: string): PositionKey | undefined {
    return this.#find(id as Int<M>, tokenAccount);
  }

  #store(key: PositionKey, state: Draft<M>): PositionHandle<M> {
    const entry: Entry<M> = { state: fixed(state), handle: Object.freeze(fixed(state)) };
    this.#byId.set(key, entry);
    return entry.handle;
  }

  #snap(entry: Entry<M>): PositionHandle<M> {
    entry.handle = Object.freeze(fixed(entry.state));
    return entry.handle;
  }

  clear(): void {
    this.#byId.clear();
    this.#byTokenAccount.clear();
  }
}

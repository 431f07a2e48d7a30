/**
 * Options, events and defaults of {@link MockStreamServer}.
 */
import type { ClientMessage } from "../protocol/index.js";
import type { ExitApiRateLimit } from "./exit-api.js";
import type { MockPositionInfo } from "./positions.js";
import type { EngineReadings } from "./strategy-engine.js";
import type { MockRegistration } from "./registry.js";
import type { MockConnection, MockRefusal, MockTier } from "./session.js";
import type { MockStreamServer } from "./server.js";

/** Options of {@link MockStreamServer.start}; all optional. */
export interface MockStreamServerOptions {
  /** @defaultValue 0 (a free port) */
  port?: number;
  /** @defaultValue `"127.0.0.1"` */
  host?: string;
  /** Accepted `x-api-key` values. @defaultValue any non-empty key */
  apiKeys?: readonly string[];
  /**
   * When `hello_ok` is sent: after a valid `configure` (what the official SDKs expect), or as
   * soon as the socket opens (the docs' order).
   * @defaultValue `"after_configure"`
   */
  helloOrder?: "after_configure" | "on_connect";
  /** Tier limits (protocol.md section 9.1); liquidity snapshots on tier 1+. @defaultValue 1 */
  tier?: MockTier;
  /**
   * Accept strategies whose thresholds are all 0 (timeout-only strategies: the official SDKs
   * keep the deadline client-side and send such a strategy). Refused with `invalid_strategy`
   * otherwise.
   * @defaultValue false
   */
  allowEmptyStrategy?: boolean;
  /** Simulator period: one `pnl_update` per position per period. @defaultValue 100 */
  pnlFlushMs?: number;
  /** Seed of prices, ids, accounts and blockhashes. @defaultValue a random seed (see {@link MockStreamServer.seed}) */
  seed?: number;
  /** Delay between an accepted `sendTransaction` and its settlement. @defaultValue 200 */
  settleMs?: number;
  /**
   * Slots (one per simulator period) a blockhash stays valid: an exit transaction not landed by
   * then never lands, and `getLatestBlockhash` reports `lastValidBlockHeight` this far ahead.
   * @defaultValue 150
   */
  blockhashValiditySlots?: number;
  /** Random-walk prices of positions not scripted. @defaultValue true */
  priceWalk?: boolean;
  /** Standard deviation of one random-walk step (log price). @defaultValue 0.01 */
  volatility?: number;
  /** Chance of a `trade_tick` per position per period. @defaultValue 0.2 */
  tradeTickProbability?: number;
  /** Band whose `max_tokens` caps sales under `liquidity_guard`, in bps. @defaultValue 500 */
  guardSlippageBps?: number;
  /** Readings of the rules the public sources disagree on. @defaultValue {@link DEFAULT_READINGS} */
  readings?: Partial<EngineReadings>;
  /**
   * Simulated buys: every `everyMs`, each configured wallet with fewer than `maxOpenPerWallet`
   * open positions gets a new one. Off unless given (the CLI turns it on).
   */
  simulateBuys?: { everyMs?: number; maxOpenPerWallet?: number };
  /**
   * As the real service: a `configure` (or `update_wallets`) naming a wallet not registered to
   * the connection's API key (through `POST /v1/wallets/register` on {@link MockStreamServer.apiUrl}
   * or `server.registerWallet()`) is refused with an `error` frame `wallet_not_registered`
   * naming the wallet (a `configure` is then closed with 1008). Watch wallets need no
   * registration.
   * @defaultValue false
   */
  requireRegistration?: boolean;
  /**
   * Exit API requests allowed per API key in a sliding window, answered `429` with `Retry-After`
   * beyond it; `false` for no limit.
   * @defaultValue `{ requests: 60, windowMs: 60_000 }` (the real service's documented limit)
   */
  exitApiRateLimit?: ExitApiRateLimit;
}

/** An exit signal as reported by the `exit_signal` event. */
export interface MockExitSignal {
  position_id: number;
  wallet_pubkey: string;
  reason: string;
  sell_tokens: bigint | undefined;
  level_index: number | undefined;
  position_tokens: bigint;
  profit_units: bigint;
  unsigned_tx_b64: string;
}

/** Events of {@link MockStreamServer} (eventemitter3). */
export interface MockStreamServerEvents {
  /** A socket was accepted (before the handshake). */
  connection: [connection: MockConnection];
  /** `configure` accepted and `hello_ok` sent. */
  handshake: [connection: MockConnection];
  disconnect: [connection: MockConnection, code: number, reason: string];
  /** A valid client message (aliases normalised). */
  message: [connection: MockConnection, message: ClientMessage];
  /** An `error` frame was sent in answer to a client frame. */
  refused: [connection: MockConnection, refusal: MockRefusal];
  /** An upgrade was refused (401 for a bad or missing key, 404 for a wrong path). The key is never included. */
  rejected: [info: { status: number; reason: string }];
  position_opened: [position: MockPositionInfo];
  position_closed: [position: MockPositionInfo, reason: string];
  exit_signal: [signal: MockExitSignal];
  /** The RPC accepted a signed transaction. */
  submitted: [info: { signature: string; position_id: number | undefined; kind: "exit" | "mirror_buy" | "buy" }];
  /**
   * A submission did not sell: `drop` and `expired` (its blockhash expired before it could land)
   * never land; `fail` landed with an on-chain error (see `failNextSubmissions`).
   */
  submission_fault: [info: { signature: string; position_id: number; kind: "drop" | "expired" | "fail" }];
  /** A sale settled: `balance_update` (and `position_closed` when empty) were sent. */
  settled: [info: { position_id: number; reason: string; sold: bigint; tokens_left: bigint; signature: string }];
  graduated: [position: MockPositionInfo];
  mirror_buy_signal: [info: { watched_wallet: string; user_wallet: string; mint: string }];
  mirror_buy_failed: [info: { watched_wallet: string; mint: string; reason: string }];
  mirror_wallet_auto_disabled: [info: { watched_wallet: string; loss_count: number }];
  /** A `POST /v1/wallets/register` was answered (accepted or refused). Never contains the API key. */
  registration: [attempt: MockRegistration];
  /** Internal trouble that did not stop the server (socket errors). Never contains the API key. */
  debug: [message: string];
}

/** Defaults of the options. */
export const DEFAULTS = {
  host: "127.0.0.1",
  helloOrder: "after_configure",
  tier: 1,
  pnlFlushMs: 100,
  settleMs: 200,
  blockhashValiditySlots: 150,
  volatility: 0.01,
  tradeTickProbability: 0.2,
  guardSlippageBps: 500,
} as const;

/**
 * @internal How the server's parts (`server/*.ts`) report to it: `emit` emits a server event and
 * re-checks the pending `waitFor*` probes; `trace` only emits (for events a re-check follows
 * anyway, and `debug`); `notify` only re-checks.
 */
export interface ServerOutlet {
  emit<K extends keyof MockStreamServerEvents>(event: K, ...args: MockStreamServerEvents[K]): void;
  trace<K extends keyof MockStreamServerEvents>(event: K, ...args: MockStreamServerEvents[K]): void;
  notify(): void;
}

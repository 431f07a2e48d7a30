/**
 * Per-connection protocol state of the mock server: the socket, the handshake status, the
 * configured wallets, strategy, watch wallets and mirror config, the positions announced on this
 * connection and every frame the client sent. Also the tier limits and the configure checks.
 */
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { StreamValidationError } from "../errors.js";
import {
  validateStrategy,
  writeJson,
  type ClientMessage,
  type MirrorConfig,
  type StrategyConfig,
  type WatchWalletEntry,
} from "../protocol/index.js";

/** A tier of the LaserSell service (protocol.md section 9.1). */
export type MockTier = 0 | 1 | 2;

/** The `limits` object of `hello_ok`. */
export interface MockLimits {
  hi_capacity: number;
  pnl_flush_ms: number;
  max_positions_per_session: number;
  max_wallets_per_session: number;
  max_positions_per_wallet: number;
  max_sessions_per_api_key: number;
  max_watch_wallets_per_session: number;
}

/**
 * The limits of each tier (protocol.md section 9.1). `max_watch_wallets_per_session` is not
 * published: 0 / 10 / 50 are mock conventions (watch wallets are a Tier 1+ feature).
 */
export function tierLimits(tier: MockTier, pnlFlushMs: number): MockLimits {
  const base = { hi_capacity: 256, pnl_flush_ms: pnlFlushMs, max_sessions_per_api_key: 1 };
  switch (tier) {
    case 0:
      return { ...base, max_positions_per_session: 2, max_wallets_per_session: 1, max_positions_per_wallet: 2, max_watch_wallets_per_session: 0 };
    case 1:
      return { ...base, max_positions_per_session: 500, max_wallets_per_session: 5, max_positions_per_wallet: 100, max_watch_wallets_per_session: 10 };
    case 2:
      return { ...base, max_positions_per_session: 20_000, max_wallets_per_session: 200, max_positions_per_wallet: 100, max_watch_wallets_per_session: 50 };
  }
}

/**
 * `error.code` values the mock sends. These are mock conventions: LaserSell publishes no list
 * (protocol.md section 9.4).
 */
export type MockErrorCode =
  | "invalid_message"
  | "invalid_strategy"
  | "too_many_wallets"
  | "too_many_watch_wallets"
  | "tier_required"
  | "not_configured"
  | "already_configured"
  | "position_not_found"
  | "wallet_not_registered";

/** A refused client message: the `error` frame to send. */
export interface MockRefusal {
  /** A {@link MockErrorCode}, or any code given to `server.refuseConfigure()`. */
  code: MockErrorCode | (string & {});
  message: string;
}

/**
 * Checks a strategy as the mock does (the project's `validateStrategy` plus tier gates).
 * `allowEmpty` accepts a strategy whose thresholds are all 0 (a timeout-only strategy, whose
 * deadline lives in the client) when nothing else is wrong with it.
 */
export function checkStrategy(strategy: StrategyConfig, tier: MockTier, allowEmpty = false): MockRefusal | undefined {
  try {
    validateStrategy(strategy);
  } catch (err) {
    const onlyEmpty = err instanceof StreamValidationError && err.issues.every((i) => i.path === "strategy");
    if (!(allowEmpty && onlyEmpty)) return { code: "invalid_strategy", message: (err as Error).message };
  }
  if (tier === 0 && (strategy.take_profit_levels?.length ?? 0) > 0) {
    return { code: "tier_required", message: "take_profit_levels (exit ladder) requires tier 1 or higher" };
  }
  return undefined;
}

/** Checks a wallet list against the tier. */
export function checkWallets(wallets: readonly string[], limits: MockLimits): MockRefusal | undefined {
  if (wallets.length > limits.max_wallets_per_session) {
    return {
      code: "too_many_wallets",
      message: `${wallets.length} wallets exceed the tier limit of ${limits.max_wallets_per_session} per session`,
    };
  }
  return undefined;
}

/**
 * With `requireRegistration`: the first wallet of the list not registered to the connection's
 * API key, as a `wallet_not_registered` refusal naming it.
 */
export function checkRegistered(wallets: readonly string[], isRegistered: (wallet: string) => boolean): MockRefusal | undefined {
  const missing = wallets.find((w) => !isRegistered(w));
  if (missing === undefined) return undefined;
  return {
    code: "wallet_not_registered",
    message: `wallet ${missing} is not registered to this API key; register it first (POST /v1/wallets/register)`,
  };
}

/** Checks a watch-wallet list against the tier. */
export function checkWatchWallets(entries: readonly WatchWalletEntry[], limits: MockLimits): MockRefusal | undefined {
  if (entries.length === 0) return undefined;
  if (limits.max_watch_wallets_per_session === 0) {
    return { code: "tier_required", message: "watch_wallets requires tier 1 or higher" };
  }
  if (entries.length > limits.max_watch_wallets_per_session) {
    return {
      code: "too_many_watch_wallets",
      message: `${entries.length} watch wallets exceed the tier limit of ${limits.max_watch_wallets_per_session} per session`,
    };
  }
  return undefined;
}

/**
 * Serialises a server frame. `JSON.stringify` when the frame holds no `bigint` (the common case,
 * and several times faster), else the lossless writer, which writes bigints as bare integers.
 */
export function frameText(frame: object): string {
  try {
    return JSON.stringify(frame);
  } catch {
    return writeJson(frame);
  }
}

/** One frame a client sent: parsed when valid, with the refusal reason otherwise. */
export interface ReceivedFrame {
  /** {@link MockConnection.id} of the sender. */
  connectionId: number;
  /** The frame text (binary frames are decoded as UTF-8). */
  raw: string;
  /** The parsed message (aliases normalised), when the frame was valid. */
  message?: ClientMessage;
  /** Why the frame was refused, when it was. */
  error?: string;
}

/**
 * One client connection of the mock server. Tests get these from `server.connections`,
 * `server.waitForConnection()` and the server's events.
 */
export class MockConnection {
  /** True once a valid `configure` was accepted. */
  configured = false;
  /** True while {@link stall} is in effect. */
  stalled = false;
  /** Set once the socket closed. */
  closedWith: { code: number; reason: string } | undefined;
  wallets = new Set<string>();
  strategy: StrategyConfig | undefined;
  watchWallets: WatchWalletEntry[] = [];
  mirrorConfig: MirrorConfig | undefined;
  sendMode: string | undefined;
  tipLamports: number | bigint | undefined;
  /** Positions announced (`position_opened`) on this connection and still open. */
  readonly announced = new Set<number>();
  /** Every frame this client sent, in order. */
  readonly received: ReceivedFrame[] = [];
  /** When `configure` was accepted (for "most recent session wins"). */
  configuredAt = 0;

  /** Connection number, from 1, in accept order. */
  readonly id: number;
  /** The `session_id` sent in `hello_ok`. */
  readonly sessionId: number;
  readonly #ws: WebSocket;
  readonly #socket: Duplex;
  /** Frames that arrived while stalled (runtimes whose `ws` keeps reading a paused socket, e.g. Bun). */
  readonly #held: { data: Buffer; isBinary: boolean }[] = [];
  #onFrame: (data: Buffer, isBinary: boolean) => void = () => {};

  /** @internal Built by the server for each accepted socket. */
  constructor(id: number, sessionId: number, ws: WebSocket, socket: Duplex) {
    this.id = id;
    this.sessionId = sessionId;
    this.#ws = ws;
    this.#socket = socket;
    // Pings are answered here, not by `ws` (`autoPong: false`), so a stalled link stays silent on
    // every runtime: Bun's `ws` answers pings and reads frames even when the socket is paused.
    ws.on("ping", (data) => {
      if (!this.stalled && this.open) ws.pong(data);
    });
  }

  /** @internal Routes each inbound frame to the server; frames that arrive while stalled wait for {@link resume}. */
  onFrame(handler: (data: Buffer, isBinary: boolean) => void): void {
    this.#onFrame = handler;
    this.#ws.on("message", (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (this.stalled) this.#held.push({ data: bytes, isBinary });
      else handler(bytes, isBinary);
    });
  }

  /** True while the socket is open. */
  get open(): boolean {
    return this.#ws.readyState === this.#ws.OPEN;
  }

  /** Wallets watched through `watch_wallets`. */
  watches(wallet: string): WatchWalletEntry | undefined {
    return this.watchWallets.find((w) => w.pubkey === wallet);
  }

  /**
   * Sends a frame: an object (written with the bigint-safe `writeJson`) or a raw string, as is.
   * Nothing is sent while stalled or after close. Returns whether it was written.
   */
  send(frame: object | string): boolean {
    if (this.stalled || !this.open) return false;
    this.#ws.send(typeof frame === "string" ? frame : frameText(frame));
    return true;
  }

  /** Closes with a close frame. */
  close(code = 1000, reason = ""): void {
    if (this.#ws.readyState === this.#ws.CLOSED) return;
    this.#ws.close(code, reason);
  }

  /** Drops the TCP connection without a close frame. */
  terminate(): void {
    this.#ws.terminate();
  }

  /**
   * Simulates a dead link: stops reading the socket (so WebSocket pings go unanswered and client
   * frames are not processed) and stops sending.
   */
  stall(): void {
    this.stalled = true;
    this.#socket.pause();
  }

  /** Ends {@link stall}: reading and sending resume; frames the client sent meanwhile are processed. */
  resume(): void {
    this.stalled = false;
    for (const frame of this.#held.splice(0)) {
      if (this.stalled) {
        this.#held.unshift(frame);
        break;
      }
      this.#onFrame(frame.data, frame.isBinary);
    }
    this.#socket.resume();
  }
}

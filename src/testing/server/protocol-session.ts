/**
 * The protocol side of one client socket of {@link MockStreamServer}: parses each frame, records
 * it, refuses what protocol.md refuses (an `error` frame, and close 1008 before the handshake),
 * completes the handshake on a valid `configure`, and dispatches every later message to the
 * server's positions. One per socket; the API key of the socket stays here, off every event.
 */
import { parseClientMessage, type ClientMessage, type ClientMessageOf, type StrategyConfig } from "../../protocol/index.js";
import type { ReplayPlayer } from "../replay.js";
import { isPubkey, type MockPosition } from "../positions.js";
import type { ServerOutlet } from "../options.js";
import {
  checkRegistered,
  checkStrategy,
  checkWallets,
  checkWatchWallets,
  type MockConnection,
  type MockLimits,
  type MockRefusal,
  type MockTier,
  type ReceivedFrame,
} from "../session.js";
import type { PositionSelector } from "./book.js";

/** The server's rules for client messages. */
export interface ProtocolRules {
  readonly tier: MockTier;
  readonly limits: MockLimits;
  readonly allowEmptyStrategy: boolean | undefined;
  readonly helloOrder: "after_configure" | "on_connect";
}

/** What client messages may do to positions. */
export interface PositionDesk {
  select(conn: MockConnection, sel: PositionSelector): MockPosition | undefined;
  /** Announces every open position `conn` tracks and was not told about yet. */
  announceTracked(conn: MockConnection): void;
  override(p: MockPosition, strategy: StrategyConfig): void;
  close(p: MockPosition, reason: string): void;
  requestExit(p: MockPosition, conn: MockConnection): void;
  mirrorResult(conn: MockConnection, mint: string, success: boolean): void;
}

/** What a protocol session needs from the server. */
export interface SessionHost {
  readonly rules: ProtocolRules;
  readonly events: ServerOutlet;
  readonly positions: PositionDesk;
  /** The refusal given to `server.refuseConfigure()`, if any. */
  forcedRefusal(): MockRefusal | undefined;
  /** With `requireRegistration`: whether `wallet` is registered to `apiKey`; undefined otherwise. */
  readonly isRegistered: ((wallet: string, apiKey: string) => boolean) | undefined;
  /** Appends to the server's `received`. */
  record(entry: ReceivedFrame): void;
  /** The running replay, if any: it answers `configure` instead of the normal `hello_ok`. */
  player(): ReplayPlayer | undefined;
  /** The order stamp of an accepted `configure` ("most recent session wins"). */
  nextConfigureSeq(): number;
  /** The handshake completed (counted for `waitForConnection`). */
  handshaken(conn: MockConnection): void;
}

/** The `hello_ok` frame of a connection. */
export function helloFrame(conn: MockConnection, limits: MockLimits): Record<string, unknown> {
  return { type: "hello_ok", session_id: conn.sessionId, server_time_ms: Date.now(), limits };
}

const notFound = (selector: unknown): MockRefusal => ({ code: "position_not_found", message: `no open position ${String(selector)} on this session` });

function badPubkeys(list: readonly unknown[], field: string): MockRefusal | undefined {
  const bad = list.findIndex((w) => !isPubkey(w));
  if (bad < 0) return undefined;
  return { code: "invalid_message", message: `${field}.${bad}: not a base58 public key` };
}

function checkWatchList(entries: ClientMessageOf<"update_watch_wallets">["watch_wallets"], limits: MockLimits): MockRefusal | undefined {
  const keys = entries.flatMap((e) => (e.auto_buy === undefined ? [e.pubkey] : [e.pubkey, e.auto_buy.wallet_pubkey]));
  return badPubkeys(keys, "watch_wallets") ?? checkWatchWallets(entries, limits);
}

/** @internal The protocol session of one socket; built by the server when a socket is accepted. */
export class ProtocolSession {
  readonly #conn: MockConnection;
  readonly #apiKey: string;
  readonly #host: SessionHost;
  /** The client frame being handled, so a refusal is recorded on it. */
  #current: ReceivedFrame | undefined;

  constructor(conn: MockConnection, apiKey: string, host: SessionHost) {
    this.#conn = conn;
    this.#apiKey = apiKey;
    this.#host = host;
    conn.onFrame((data, isBinary) => this.#onFrame(data, isBinary));
  }

  /** The socket opened: with `helloOrder: "on_connect"` (and no replay), `hello_ok` goes out now. */
  opened(): void {
    if (this.#host.rules.helloOrder === "on_connect" && this.#host.player() === undefined) this.#conn.send(helloFrame(this.#conn, this.#host.rules.limits));
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    const raw = data.toString("utf8");
    try {
      this.#handleFrame(raw, isBinary);
    } catch (err) {
      // A bug must not take the server down; the client learns through an `error` frame.
      this.#host.events.trace("debug", `internal error on connection ${this.#conn.id}: ${(err as Error).message}`);
      this.#conn.send({ type: "error", code: "internal", message: "internal mock server error" });
    }
    this.#host.events.notify();
  }

  #handleFrame(raw: string, isBinary: boolean): void {
    const conn = this.#conn;
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
    this.#host.record(entry);
    this.#current = entry;
    try {
      if (message === undefined) {
        this.#refuse(refusal ?? { code: "invalid_message", message: "invalid message" }, !conn.configured);
        return;
      }
      this.#host.events.trace("message", conn, message);
      if (!conn.configured) {
        if (message.type === "configure") this.#onConfigure(message);
        else if (message.type === "ping" && this.#host.rules.helloOrder === "on_connect") this.#pong();
        else this.#refuse({ code: "not_configured", message: `expected configure first, got ${message.type}` }, true);
        return;
      }
      this.#dispatch(message);
    } finally {
      this.#current = undefined;
    }
  }

  /** Sends an `error` frame; before the handshake completes, also closes with 1008 (mock convention). */
  #refuse(refusal: MockRefusal, close: boolean): void {
    if (this.#current !== undefined) this.#current.error = `${refusal.code}: ${refusal.message}`;
    this.#conn.send({ type: "error", code: refusal.code, message: refusal.message });
    this.#host.events.trace("refused", this.#conn, refusal);
    if (close) this.#conn.close(1008, refusal.code);
  }

  #pong(): void {
    this.#conn.send({ type: "pong", server_time_ms: Date.now() });
  }

  #checkStrategy(strategy: StrategyConfig): MockRefusal | undefined {
    return checkStrategy(strategy, this.#host.rules.tier, this.#host.rules.allowEmptyStrategy);
  }

  /** With `requireRegistration`, the first wallet not registered to this socket's key. */
  #checkRegistration(wallets: readonly string[]): MockRefusal | undefined {
    const isRegistered = this.#host.isRegistered;
    if (isRegistered === undefined) return undefined;
    return checkRegistered(wallets, (w) => isRegistered(w, this.#apiKey));
  }

  #onConfigure(msg: ClientMessageOf<"configure">): void {
    const { limits } = this.#host.rules;
    const conn = this.#conn;
    const refusal =
      this.#host.forcedRefusal() ??
      badPubkeys(msg.wallet_pubkeys, "wallet_pubkeys") ??
      checkWallets(msg.wallet_pubkeys, limits) ??
      this.#checkRegistration(msg.wallet_pubkeys) ??
      this.#checkStrategy(msg.strategy) ??
      checkWatchList(msg.watch_wallets ?? [], limits);
    if (refusal !== undefined) {
      this.#refuse(refusal, true);
      return;
    }
    conn.configured = true;
    conn.configuredAt = this.#host.nextConfigureSeq();
    conn.wallets = new Set(msg.wallet_pubkeys);
    conn.strategy = msg.strategy;
    conn.watchWallets = msg.watch_wallets ?? [];
    conn.mirrorConfig = msg.mirror_config;
    conn.sendMode = msg.send_mode ?? undefined;
    conn.tipLamports = msg.tip_lamports ?? undefined;
    const player = this.#host.player();
    if (player !== undefined) player.onConfigure(conn);
    else if (this.#host.rules.helloOrder === "after_configure") conn.send(helloFrame(conn, limits));
    this.#host.handshaken(conn);
    this.#host.positions.announceTracked(conn);
    this.#host.events.emit("handshake", conn);
  }

  #dispatch(msg: ClientMessage): void {
    const conn = this.#conn;
    const positions = this.#host.positions;
    switch (msg.type) {
      case "ping":
        this.#pong();
        return;
      case "configure":
        this.#refuse({ code: "already_configured", message: "configure may be sent once per connection; use update_* messages" }, false);
        return;
      case "update_strategy": {
        const refusal = this.#checkStrategy(msg.strategy);
        if (refusal !== undefined) this.#refuse(refusal, false);
        else conn.strategy = msg.strategy;
        return;
      }
      case "update_position_strategy": {
        const p = positions.select(conn, { position_id: msg.position_id });
        const refusal = p === undefined ? notFound(msg.position_id) : this.#checkStrategy(msg.strategy);
        if (refusal !== undefined) this.#refuse(refusal, false);
        else if (p !== undefined) positions.override(p, msg.strategy);
        return;
      }
      case "close_position": {
        const p = positions.select(conn, msg);
        if (p === undefined) this.#refuse(notFound(msg.position_id ?? msg.token_account), false);
        else positions.close(p, "closed");
        return;
      }
      case "request_exit_signal": {
        const p = positions.select(conn, msg);
        if (p === undefined) this.#refuse(notFound(msg.position_id ?? msg.token_account), false);
        else positions.requestExit(p, conn);
        return;
      }
      case "update_wallets": {
        const refusal = badPubkeys(msg.wallet_pubkeys, "wallet_pubkeys") ?? checkWallets(msg.wallet_pubkeys, this.#host.rules.limits) ?? this.#checkRegistration(msg.wallet_pubkeys);
        if (refusal !== undefined) {
          this.#refuse(refusal, false);
          return;
        }
        // Positions of removed wallets stay tracked until they close (protocol.md section 3.6).
        conn.wallets = new Set(msg.wallet_pubkeys);
        positions.announceTracked(conn);
        return;
      }
      case "update_watch_wallets": {
        const refusal = checkWatchList(msg.watch_wallets, this.#host.rules.limits);
        if (refusal !== undefined) {
          this.#refuse(refusal, false);
          return;
        }
        conn.watchWallets = msg.watch_wallets;
        positions.announceTracked(conn);
        return;
      }
      case "mirror_buy_result":
        positions.mirrorResult(conn, msg.mint, msg.success);
        return;
    }
  }
}

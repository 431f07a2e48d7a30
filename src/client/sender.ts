/**
 * `StreamSender`: one method per client message, the official SDK's position selectors, and
 * nothing else. Validation, queuing and state recording happen in the connection's `submit`.
 */
import { StreamValidationError } from "../errors.js";
import type { ClientMessage, StrategyConfig, WatchWalletEntry } from "../protocol/index.js";
import type { PositionSelector, StreamSender } from "./types.js";

/** What a sender writes to: the connection. */
export interface SenderTarget {
  /** Validates, records and queues one message; throws synchronously if it cannot be sent. */
  submit(message: ClientMessage, deadlineTimeoutSec?: number): void;
}

type Selected = { position_id: number | bigint } | { token_account: string };

/** Resolves a selector to exactly one of `position_id` / `token_account`. */
export function selectPosition(selector: PositionSelector): Selected {
  if (typeof selector === "string") return { token_account: selector };
  if (typeof selector === "number" || typeof selector === "bigint") return { position_id: selector };
  if (selector !== null && typeof selector === "object") {
    const s = selector as Record<string, unknown>;
    const id = s["position_id"] ?? s["positionId"];
    const account = s["token_account"] ?? s["tokenAccount"];
    if (id !== undefined && account === undefined && (typeof id === "number" || typeof id === "bigint")) {
      return { position_id: id };
    }
    if (account !== undefined && id === undefined && typeof account === "string") return { token_account: account };
  }
  throw new StreamValidationError(
    "position selector must be a token account string, a position id, or an object with exactly one of position_id / token_account",
    [{ path: "selector", message: "expected exactly one of position_id or token_account" }],
  );
}

/** Builds the sender of a connection. */
export function createSender(target: SenderTarget): StreamSender {
  return {
    send(message: ClientMessage): void {
      target.submit(message);
    },
    ping(clientTimeMs: number = Date.now()): void {
      target.submit({ type: "ping", client_time_ms: clientTimeMs });
    },
    updateStrategy(strategy: StrategyConfig, deadlineTimeoutSec?: number): void {
      target.submit({ type: "update_strategy", strategy } as ClientMessage, deadlineTimeoutSec);
    },
    closePosition(selector: PositionSelector): void {
      target.submit({ type: "close_position", ...selectPosition(selector) });
    },
    closeById(positionId: number | bigint): void {
      target.submit({ type: "close_position", position_id: positionId });
    },
    requestExitSignal(selector: PositionSelector, slippageBps?: number): void {
      const message: ClientMessage = { type: "request_exit_signal", ...selectPosition(selector) };
      if (slippageBps !== undefined) message.slippage_bps = slippageBps;
      target.submit(message);
    },
    requestExitSignalById(positionId: number | bigint, slippageBps?: number): void {
      const message: ClientMessage = { type: "request_exit_signal", position_id: positionId };
      if (slippageBps !== undefined) message.slippage_bps = slippageBps;
      target.submit(message);
    },
    updateWallets(walletPubkeys: string[]): void {
      target.submit({ type: "update_wallets", wallet_pubkeys: walletPubkeys });
    },
    updateWatchWallets(watchWallets: WatchWalletEntry[]): void {
      target.submit({ type: "update_watch_wallets", watch_wallets: watchWallets } as ClientMessage);
    },
    updatePositionStrategy(positionId: number | bigint, strategy: StrategyConfig): void {
      target.submit({ type: "update_position_strategy", position_id: positionId, strategy } as ClientMessage);
    },
    mirrorBuyResult(mint: string, success: boolean): void {
      target.submit({ type: "mirror_buy_result", mint, success });
    },
  };
}

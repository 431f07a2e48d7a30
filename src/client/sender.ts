/**
 * `StreamSender`: one method per client message, the official SDK's position selectors, and the
 * validation every outgoing message passes (strategy rules, then the strict schema). Queuing and
 * state recording happen in the target's `submit`.
 */
import { StreamValidationError } from "../errors.js";
import {
  stringifyClientMessage,
  validateStrategy,
  type ClientMessage,
  type StrategyConfig,
  type WatchWalletEntry,
} from "../protocol/index.js";
import type { PositionSelector, StreamSender } from "./types.js";

/** What a sender writes to: the connection (or a test double). */
export interface SenderTarget {
  /** The deadline in force: a strategy sent without a new deadline is validated against it. */
  readonly deadlineTimeoutSec: number | undefined;
  /**
   * Records and queues one message that passed validation, as `text`; with `deadlineTimeoutSec`,
   * that deadline becomes the one in force. Throws synchronously if it cannot be sent (closed).
   */
  submit(message: ClientMessage, text: string, deadlineTimeoutSec?: number): void;
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
    "position selector must be a token account string, a position id, or an object with exactly one of position_id / token_account", { issues: [{ path: "selector", message: "expected exactly one of position_id or token_account" }] }
  );
}

/** Builds the sender of a connection: validates each message, then hands it to `target`. */
export function createSender(target: SenderTarget): StreamSender {
  const submit = (message: ClientMessage, deadlineTimeoutSec?: number): void => {
    if (message?.type === "update_strategy" || message?.type === "configure") {
      validateStrategy(message.strategy, deadlineTimeoutSec ?? target.deadlineTimeoutSec);
    }
    target.submit(message, stringifyClientMessage(message), deadlineTimeoutSec);
  };
  return {
    send(message: ClientMessage): void {
      submit(message);
    },
    ping(clientTimeMs: number = Date.now()): void {
      submit({ type: "ping", client_time_ms: clientTimeMs });
    },
    updateStrategy(strategy: StrategyConfig, deadlineTimeoutSec?: number): void {
      submit({ type: "update_strategy", strategy }, deadlineTimeoutSec);
    },
    closePosition(selector: PositionSelector): void {
      submit({ type: "close_position", ...selectPosition(selector) });
    },
    closeById(positionId: number | bigint): void {
      submit({ type: "close_position", position_id: positionId });
    },
    requestExitSignal(selector: PositionSelector, slippageBps?: number): void {
      const message: ClientMessage = { type: "request_exit_signal", ...selectPosition(selector) };
      if (slippageBps !== undefined) message.slippage_bps = slippageBps;
      submit(message);
    },
    requestExitSignalById(positionId: number | bigint, slippageBps?: number): void {
      const message: ClientMessage = { type: "request_exit_signal", position_id: positionId };
      if (slippageBps !== undefined) message.slippage_bps = slippageBps;
      submit(message);
    },
    updateWallets(walletPubkeys: string[]): void {
      submit({ type: "update_wallets", wallet_pubkeys: walletPubkeys });
    },
    updateWatchWallets(watchWallets: WatchWalletEntry[]): void {
      submit({ type: "update_watch_wallets", watch_wallets: watchWallets });
    },
    updatePositionStrategy(positionId: number | bigint, strategy: StrategyConfig): void {
      submit({ type: "update_position_strategy", position_id: positionId, strategy });
    },
    mirrorBuyResult(mint: string, success: boolean): void {
      submit({ type: "mirror_buy_result", mint, success });
    },
  };
}

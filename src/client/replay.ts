/**
 * Replay state: the latest configuration the user set, so a reconnect restores it (not the
 * original configure). Records wallets, strategy, watch wallets, mirror config, send mode, tip and
 * per-position strategy overrides; overrides are forgotten when their position closes.
 */
import type { ClientMessage, Configure, StrategyConfig, UpdatePositionStrategy } from "../protocol/index.js";
import { positionKey, type PositionKey } from "./inbound.js";
import type { ReplayState, StreamConfigure } from "./types.js";

/** Messages folded into the replayed `configure`: a queued one older than it need not be sent. */
export const CONFIGURE_KINDS: ReadonlySet<string> = new Set([
  "configure",
  "update_strategy",
  "update_wallets",
  "update_watch_wallets",
]);

type ConfigureFields = Omit<Configure, "type">;

export class ReplayStore {
  #configure: ConfigureFields;
  /** The last non-empty wallet list: `configure` needs one even after `update_wallets([])`. */
  #lastWallets: string[];
  readonly #overrides = new Map<PositionKey, { id: number | bigint; strategy: StrategyConfig }>();
  #version = 0;
  deadlineTimeoutSec: number | undefined;

  constructor(configure: StreamConfigure) {
    const { deadline_timeout_sec, ...fields } = structuredClone(configure);
    this.#configure = fields as ConfigureFields;
    this.#lastWallets = [...configure.wallet_pubkeys];
    this.deadlineTimeoutSec = deadline_timeout_sec;
  }

  /** Version of the configure-relevant state; bumps on every configure-kind message. */
  get version(): number {
    return this.#version;
  }

  /** Records a validated outgoing message; returns the state version it produced. */
  record(message: ClientMessage): number {
    switch (message.type) {
      case "configure": {
        const { type: _type, ...fields } = structuredClone(message);
        this.#configure = fields as ConfigureFields;
        this.#setWallets(fields.wallet_pubkeys);
        this.#overrides.clear();
        return ++this.#version;
      }
      case "update_strategy":
        this.#configure.strategy = structuredClone(message.strategy);
        return ++this.#version;
      case "update_wallets":
        this.#setWallets(message.wallet_pubkeys);
        return ++this.#version;
      case "update_watch_wallets":
        this.#configure.watch_wallets = structuredClone(message.watch_wallets);
        return ++this.#version;
      case "update_position_strategy":
        this.#overrides.set(positionKey(message.position_id), {
          id: message.position_id,
          strategy: structuredClone(message.strategy),
        });
        return this.#version;
      default:
        return this.#version;
    }
  }

  /** The position closed: its override is not replayed any more. */
  forgetPosition(id: number | bigint): void {
    if (this.#overrides.size > 0) this.#overrides.delete(positionKey(id));
  }

  /** The `configure` a (re)connect sends, built from the latest state. */
  configure(): Configure {
    const wallets = this.#configure.wallet_pubkeys.length > 0 ? this.#configure.wallet_pubkeys : this.#lastWallets;
    return { type: "configure", ...structuredClone(this.#configure), wallet_pubkeys: [...wallets] };
  }

  /** What follows `hello_ok`, before queued messages: an emptied wallet list, then each override. */
  afterHello(): ClientMessage[] {
    const messages: ClientMessage[] = [];
    if (this.#configure.wallet_pubkeys.length === 0) messages.push({ type: "update_wallets", wallet_pubkeys: [] });
    for (const { id, strategy } of this.#overrides.values()) {
      const message: UpdatePositionStrategy = { type: "update_position_strategy", position_id: id, strategy };
      messages.push(structuredClone(message));
    }
    return messages;
  }

  /** A read-only copy of the state. */
  snapshot(): ReplayState {
    const c = structuredClone(this.#configure);
    const state: ReplayState = {
      wallet_pubkeys: c.wallet_pubkeys,
      strategy: c.strategy,
      positionStrategies: new Map([...this.#overrides].map(([key, o]) => [key, structuredClone(o.strategy)])),
      version: this.#version,
    };
    if (this.deadlineTimeoutSec !== undefined) state.deadline_timeout_sec = this.deadlineTimeoutSec;
    if (c.watch_wallets !== undefined) state.watch_wallets = c.watch_wallets;
    if (c.mirror_config !== undefined) state.mirror_config = c.mirror_config;
    if (c.send_mode !== undefined && c.send_mode !== null) state.send_mode = c.send_mode;
    if (c.tip_lamports !== undefined && c.tip_lamports !== null) state.tip_lamports = c.tip_lamports;
    return state;
  }

  #setWallets(wallets: readonly string[]): void {
    this.#configure.wallet_pubkeys = [...wallets];
    if (wallets.length > 0) this.#lastWallets = [...wallets];
  }
}

/**
 * Copy trading on `StreamSession`: watch other wallets (`watch_wallets`), copy their buys
 * (`auto_buy`) and sell when they sell (`mirror_sell`), within the limits of `mirror_config`.
 *
 * - `mirror_buy_signal`: the server built a buy for your wallet. The bot checks it (its wallet,
 *   its input and amount, its slippage), signs it with the transaction guard of
 *   `signExitTransaction(m, keypair, guardFor(session))`: the buy may spend no more than the
 *   `auto_buy` amount the bot configured, plus its configured tip and a small fee allowance, submits it, then reports the outcome with `reportMirrorBuy(signal, ok)`
 *   (`mirror_buy_result`), which the server needs to track the copy.
 * - `mirror_buy_failed`: the server refused to copy (cooldown, limits, creator token...): logged.
 * - `mirror_wallet_auto_disabled`: too many losing copies in a row (`max_consecutive_losses`):
 *   the bot stops watching that wallet (`updateWatchWallets`), so it is not copied again after a
 *   reconnect either.
 * - exits of mirror positions (`mirror_source` set; `reason: "mirror_sell"` when the watched
 *   wallet sold) are signed and submitted like any other exit.
 *
 * Run it against the local mock server (ws://localhost:8082/v1/ws, RPC on /rpc):
 *   npx lasersell-stream mock &
 *   LASERSELL_API_KEY=dev WALLET_SECRET=<base58 secret key> WATCH=<wallet,...> npx tsx examples/copy-trading.ts
 * The mock command opens positions for your own wallets only, so copies need a watched wallet to
 * buy: the test drives one with `MockStreamServer` hooks (`openPosition({ wallet: watched })`,
 * `watchedSell(id)`).
 *
 * In an application, import from "lasersell-stream" and "lasersell-stream/tx".
 * Type-checked in CI and run against MockStreamServer by test/examples/copy-trading.test.ts.
 */
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import { pathToFileURL } from "node:url";
import { StreamClient, StreamSession, type MirrorBuySignal, type MirrorConfig, type WatchWalletEntry } from "../src/index.js";
import { guardFor, sendTargetRpc, signExitTransaction, submitTransaction, type SendTarget } from "../src/tx/index.js";

export interface CopyTraderOptions {
  apiKey: string;
  keypair: Keypair;
  /** Wallets to copy. */
  watch: string[];
  /** SOL (lamports) spent per copied buy. @defaultValue 100_000_000 (0.1 SOL) */
  buyLamports?: number;
  /** Refuse mirror buys with more slippage than this. @defaultValue 2500 */
  maxBuySlippageBps?: number;
  /** The server's copy limits. @defaultValue {@link DEFAULT_MIRROR_CONFIG} */
  mirrorConfig?: MirrorConfig;
  /** Stream endpoint; the production one when absent. */
  endpoint?: string;
  /** Where signed transactions go. */
  sendTarget: SendTarget | string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Copy at most 2 positions and 1 SOL per watched wallet, 30 s apart; stop after 3 losing copies in a row. */
export const DEFAULT_MIRROR_CONFIG: MirrorConfig = {
  buy_slippage_bps: 1_500,
  max_positions_per_wallet: 2,
  max_active_sol: 1,
  cooldown_sec: 30,
  skip_creator_tokens: true,
  max_consecutive_losses: 3,
};

export async function runCopyTrader(options: CopyTraderOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const wallet = options.keypair.publicKey.toBase58();
  const buyLamports = options.buyLamports ?? 100_000_000;
  const maxSlippageBps = options.maxBuySlippageBps ?? 2_500;
  let watching: WatchWalletEntry[] = options.watch.map((pubkey) => ({
    pubkey,
    auto_buy: { wallet_pubkey: wallet, amount_quote_units: buyLamports },
    mirror_sell: true,
  }));
  const client = new StreamClient(options.apiKey, options.endpoint === undefined ? {} : { endpoint: options.endpoint });
  const session = await StreamSession.connect(
    client,
    {
      wallet_pubkeys: [wallet],
      // Copies still get a stop loss and a take profit of their own; a watched sell exits earlier.
      strategy: { target_profit_pct: 50, stop_loss_pct: 15 },
      deadline_timeout_sec: 600,
      watch_wallets: watching,
      mirror_config: options.mirrorConfig ?? DEFAULT_MIRROR_CONFIG,
    },
    { signal: options.signal ?? AbortSignal.timeout(15_000) },
  );
  options.signal?.addEventListener("abort", () => void session.close(), { once: true });
  session.on("stream_error", (error) => log(`stream error [${error.code}]: ${error.message}`));

  /** Why a mirror buy is refused before signing, or `undefined` when it may go ahead. */
  const refusal = (m: MirrorBuySignal): string | undefined => {
    if (m.user_wallet !== wallet) return `it is for wallet ${m.user_wallet}`;
    if (!watching.some((w) => w.pubkey === m.watched_wallet)) return `${m.watched_wallet} is not watched any more`;
    if (m.input !== "SOL" || m.amount_quote_units > buyLamports) return `it spends ${m.amount_quote_units} ${m.input}`;
    if (m.slippage_bps > maxSlippageBps) return `slippage ${m.slippage_bps} bps`;
    return undefined;
  };

  for await (const event of session) {
    switch (event.type) {
      case "mirror_buy_signal": {
        const m = event.message;
        const no = refusal(m);
        if (no !== undefined) {
          log(`mirror buy of ${m.mint} refused: ${no}`);
          session.reportMirrorBuy(event, false);
          break;
        }
        let ok = false;
        try {
          // Guarded with the session's own configuration: the buy may spend at most the auto_buy
          // amount configured for this watched wallet, plus the configured tip and the fee.
          const { signedTxB64 } = signExitTransaction(m, options.keypair, guardFor(session));
          const signature = await submitTransaction(options.sendTarget, signedTxB64, { timeoutMs: 5_000 });
          ok = true;
          log(`mirror buy of ${m.mint} (copying ${m.watched_wallet}) submitted ${signature}`);
        } catch (error) {
          log(`mirror buy of ${m.mint} failed: ${(error as Error).message}`);
        }
        session.reportMirrorBuy(event, ok);
        break;
      }
      case "mirror_buy_failed":
        log(`not copying ${event.message.watched_wallet} on ${event.message.mint}: ${event.message.reason}`);
        break;
      case "mirror_wallet_auto_disabled": {
        const source = event.message.watched_wallet;
        log(`${source} auto-disabled after ${event.message.loss_count} losing copies (${event.message.reason}); unwatching`);
        watching = watching.filter((w) => w.pubkey !== source);
        session.updateWatchWallets(watching);
        break;
      }
      case "position_opened":
        if (event.handle.mirror_source !== undefined) {
          log(`copy of ${event.handle.mirror_source} opened: position ${event.handle.position_id}, ${event.handle.tokens} ${event.handle.mint}`);
        }
        break;
      case "exit_signal_with_tx": {
        const m = event.message;
        const copied = m.mirror_source ?? event.handle?.mirror_source;
        if (event.handle === undefined || event.handle.watched === true) break; // not ours to sell
        try {
          const { signedTxB64 } = signExitTransaction(m, options.keypair, guardFor(session));
          const signature = await submitTransaction(options.sendTarget, signedTxB64, { timeoutMs: 5_000 });
          log(`exit ${m.reason} of position ${m.position_id}${copied === undefined ? "" : ` (copy of ${copied})`} submitted ${signature}`);
        } catch (error) {
          log(`exit of position ${m.position_id} failed: ${(error as Error).message}`);
          if (session.position(m.position_id) !== undefined) session.requestExitSignal(event.handle, 2_000); // a fresh transaction, more slippage
        }
        break;
      }
      case "position_closed":
        if (event.handle?.watched !== true) log(`closed position ${event.message.position_id}: ${event.message.reason}`);
        break;
      default:
        break;
    }
  }
}

async function main(): Promise<void> {
  const apiKey = process.env["LASERSELL_API_KEY"];
  const secret = process.env["WALLET_SECRET"];
  const watch = (process.env["WATCH"] ?? "").split(",").filter((w) => w !== "");
  if (apiKey === undefined || secret === undefined || watch.length === 0) {
    console.error("set LASERSELL_API_KEY, WALLET_SECRET (base58 secret key) and WATCH (wallets to copy, comma-separated)");
    process.exitCode = 1;
    return;
  }
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  await runCopyTrader({
    apiKey,
    keypair: Keypair.fromSecretKey(bs58.decode(secret)),
    watch,
    endpoint: process.env["LASERSELL_ENDPOINT"] ?? "ws://localhost:8082/v1/ws",
    sendTarget: sendTargetRpc(process.env["LASERSELL_RPC"] ?? "http://localhost:8082/rpc"),
    signal: stop.signal,
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

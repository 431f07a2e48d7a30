/**
 * A complete auto-sell bot on `StreamSession`: it watches one wallet, signs every exit signal
 * after the transaction guard checked it, submits it, and asks for a fresh transaction with more
 * slippage when a submission fails. Type-checked in CI and run by test/session/example.test.ts.
 *
 * Run it against the local mock server (ws://localhost:8082/v1/ws, RPC on /rpc), which opens
 * positions for the configured wallet over time:
 *   npx lasersell-stream mock &
 *   LASERSELL_API_KEY=dev LASERSELL_LOCAL=1 WALLET_SECRET=<base58 secret key> npx tsx examples/auto-sell.ts
 *
 * In an application, import from "lasersell-stream" and "lasersell-stream/tx".
 */
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import { pathToFileURL } from "node:url";
import { StreamClient, StreamSession, type PositionHandle, type StreamConfigure } from "../src/index.js";
import { guardFor, sendTargetHeliusSender, sendTargetRpc, signExitTransaction, submitTransaction, type SendTarget } from "../src/tx/index.js";

export interface BotOptions {
  apiKey: string;
  keypair: Keypair;
  /** Stream endpoint; the production one when absent. */
  endpoint?: string;
  /** Where signed transactions go. */
  sendTarget: SendTarget | string;
  /** Sell whatever is still open after this many seconds. @defaultValue 120 */
  deadlineSec?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Slippage (bps) of each refreshed transaction after a failed submission. */
const REFRESH_SLIPPAGE_BPS = [500, 1_000, 2_000] as const;

export async function runBot(options: BotOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const wallet = options.keypair.publicKey.toBase58();
  const client = new StreamClient(options.apiKey, options.endpoint === undefined ? {} : { endpoint: options.endpoint });
  const configure: StreamConfigure = {
    wallet_pubkeys: [wallet],
    strategy: {
      target_profit_pct: 0,
      stop_loss_pct: 15,
      trailing_stop_pct: 8,
      take_profit_levels: [
        { profit_pct: 25, sell_pct: 50 },
        { profit_pct: 60, sell_pct: 100 },
      ],
    },
    deadline_timeout_sec: options.deadlineSec ?? 120,
    send_mode: "helius_sender",
    tip_lamports: 1_000,
  };
  const session = await StreamSession.connect(client, configure, {
    signal: options.signal ?? AbortSignal.timeout(15_000),
  });
  options.signal?.addEventListener("abort", () => void session.close(), { once: true });
  session.on("stream_error", (error) => log(`stream error [${error.code}]: ${error.message}`));
  const failures = new Map<string, number>();

  const sell = async (message: Parameters<typeof signExitTransaction>[0], handle: PositionHandle | undefined) => {
    // The guard's limits are the session's own configure: the 1,000-lamport tip, nothing else out.
    const { signedTxB64, signature } = signExitTransaction(message, options.keypair, guardFor(session));
    try {
      await submitTransaction(options.sendTarget, signedTxB64, { timeoutMs: 5_000 });
      log(`submitted ${signature}`);
    } catch (error) {
      if (handle === undefined) throw error;
      const key = String(handle.position_id);
      const attempt = failures.get(key) ?? 0;
      const bps = REFRESH_SLIPPAGE_BPS[attempt];
      log(`submission failed for position ${key}: ${(error as Error).message}`);
      if (bps !== undefined && session.position(handle.position_id) !== undefined) {
        failures.set(key, attempt + 1);
        session.requestExitSignal(handle, bps); // a fresh transaction with more slippage
      }
    }
  };

  for await (const event of session) {
    switch (event.type) {
      case "position_opened": {
        const h = event.handle;
        log(`opened ${h.token_symbol ?? h.mint}: ${h.tokens} tokens for ${h.entry_quote_units} lamports` +
          (h.deadline_at_ms === undefined ? "" : `, deadline ${new Date(h.deadline_at_ms).toISOString()}`));
        break;
      }
      case "exit_signal_with_tx": {
        const h = event.handle;
        const atFivePct = h === undefined ? undefined : session.getMaxSellAtSlippage(h, 500);
        log(`exit ${event.message.reason} for position ${event.message.position_id}` +
          (atFivePct === undefined ? "" : ` (sellable at 5 %: ${atFivePct})`));
        await sell(event.message, h);
        break;
      }
      case "deadline":
        log(`deadline reached for position ${event.handle.position_id}; exit requested`);
        break;
      case "position_closed":
        failures.delete(String(event.message.position_id));
        log(`closed position ${event.message.position_id}: ${event.message.reason}`);
        break;
      case "balance_update":
        if (event.handle !== undefined) log(`position ${event.handle.position_id} now holds ${event.handle.tokens}`);
        break;
      case "disconnected":
        log(`disconnected (${event.code}${event.willReconnect ? ", reconnecting" : ""})`);
        break;
      case "reconnected":
        log(`reconnected after ${event.attempt} attempt(s)`);
        break;
      case "error":
        log(`server error [${event.message.code}]: ${event.message.message}`);
        break;
      default:
        break; // pnl_update, liquidity_snapshot, trade_tick, mirror events, unknown...
    }
  }
}

async function main(): Promise<void> {
  const apiKey = process.env["LASERSELL_API_KEY"];
  const secret = process.env["WALLET_SECRET"];
  if (apiKey === undefined || secret === undefined) {
    console.error("set LASERSELL_API_KEY and WALLET_SECRET (base58 secret key)");
    process.exitCode = 1;
    return;
  }
  const local = process.env["LASERSELL_LOCAL"] === "1";
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  await runBot({
    apiKey,
    keypair: Keypair.fromSecretKey(bs58.decode(secret)),
    ...(local ? { endpoint: "ws://localhost:8082/v1/ws" } : {}),
    sendTarget: local ? sendTargetRpc("http://localhost:8082/rpc") : sendTargetHeliusSender(),
    signal: stop.signal,
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

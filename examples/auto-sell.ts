/**
 * A complete auto-sell bot: a `StreamSession` watches one wallet and `executeExits` (from
 * `lasersell-stream/tx`) lands every exit: it guards and signs each exit signal, submits it,
 * confirms it, and asks for a fresh transaction with more slippage when one is dropped, expires
 * or fails on chain. The loop below only logs. Type-checked in CI and run by
 * test/session/example.test.ts.
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
import { StreamClient, StreamSession } from "../src/index.js";
import { executeExits, sendTargetHeliusSender, sendTargetRpc, type SendTarget } from "../src/tx/index.js";

export interface BotOptions {
  apiKey: string;
  keypair: Keypair;
  /** Stream endpoint; the production one when absent. */
  endpoint?: string;
  /** Where signed transactions go. */
  sendTarget: SendTarget | string;
  /** JSON-RPC for confirmations (`getSignatureStatuses`, `getBlockHeight`, `getLatestBlockhash`). */
  rpc: string;
  /** Crash-safety journal file: exits in flight are confirmed first after a restart. */
  journal?: string;
  /** Sell whatever is still open after this many seconds. @defaultValue 120 */
  deadlineSec?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export async function runBot(options: BotOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const session = await StreamSession.connect(
    new StreamClient(options.apiKey, options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    {
      wallet_pubkeys: [options.keypair.publicKey.toBase58()],
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
    },
    { signal: options.signal ?? AbortSignal.timeout(15_000) },
  );
  const exits = executeExits(session, {
    signer: options.keypair,
    sendTarget: options.sendTarget,
    rpc: options.rpc,
    slippageStepsBps: [500, 1_000, 2_000], // each fresh transaction after a failed attempt
    ...(options.journal === undefined ? {} : { journal: options.journal }),
  });
  exits.on("submitted", (e) => log(`submitted ${e.signature} (position ${e.positionId}, attempt ${e.attempt})`));
  exits.on("confirmed", (e) => log(`landed ${e.signature} ${e.latencyMs} ms after the signal`));
  exits.on("failed", (e) => log(`attempt ${e.attempt} for position ${e.positionId}: ${e.outcome}`));
  exits.on("gave_up", (e) => log(`gave up on position ${e.positionId}: ${e.why}`));
  options.signal?.addEventListener("abort", () => void exits.stop().then(() => session.close()), { once: true });

  for await (const event of session) {
    if (event.type === "position_opened") {
      const h = event.handle;
      log(`opened ${h.token_symbol ?? h.mint}: ${h.tokens} tokens` +
        (h.deadline_at_ms === undefined ? "" : `, deadline ${new Date(h.deadline_at_ms).toISOString()}`));
    } else if (event.type === "exit_signal_with_tx") {
      log(`exit ${event.message.reason} for position ${event.message.position_id}`);
    } else if (event.type === "balance_update" && event.handle !== undefined) {
      log(`position ${event.handle.position_id} now holds ${event.handle.tokens}`);
    } else if (event.type === "position_closed") {
      log(`closed position ${event.message.position_id}: ${event.message.reason}`);
    } else if (event.type === "disconnected" || event.type === "reconnected") {
      log(event.type);
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
    rpc: local ? "http://localhost:8082/rpc" : (process.env["RPC_URL"] ?? "https://solana-rpc.publicnode.com"),
    journal: process.env["EXIT_JOURNAL"] ?? "./exits.journal",
    signal: stop.signal,
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

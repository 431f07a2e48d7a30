/**
 * A manual exit through the Exit API: the stream watches the wallet, and when a position opens
 * this bot sells a chosen share of it by hand, right away, instead of waiting for the strategy
 * (think of a "sell half now" button in a trading UI).
 *
 * 1. `StreamSession` tracks the wallet's positions (`PositionHandle`: mint, tokens, market context).
 * 2. `ExitApiClient.buildPartialSellTx(handle, amount, { slippageBps, tipLamports, sendMode })`
 *    builds the unsigned sell (with the position's `market_context`, so the server skips pool
 *    resolution); the amount is capped by what the pool can take within the slippage when a
 *    liquidity snapshot is there (`getMaxSellAtSlippage`).
 * 3. `signExitApiTransaction(built, request, keypair)` checks it with the same guard as exit
 *    signals (the wallet pays and signs, SOL leaves only as fee and tip), then signs.
 * 4. `submitTransaction` sends it; the stream's `balance_update` then shows the smaller position.
 *
 * Run it against the local mock server (stream, Exit API and RPC on port 8082):
 *   npx lasersell-stream mock &
 *   LASERSELL_API_KEY=dev WALLET_SECRET=<base58 secret key> npx tsx examples/manual-exit.ts
 *
 * In an application, import from "lasersell-stream" and "lasersell-stream/tx".
 * Type-checked in CI and run against MockStreamServer by test/examples/manual-exit.test.ts.
 */
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import { pathToFileURL } from "node:url";
import { ExitApiClient, StreamClient, StreamSession, type PositionHandle } from "../src/index.js";
import { sendTargetRpc, signExitApiTransaction, submitTransaction, type SendTarget } from "../src/tx/index.js";

export interface ManualExitOptions {
  apiKey: string;
  keypair: Keypair;
  /** Stream endpoint. @defaultValue the production one */
  endpoint?: string;
  /** REST base of the Exit API. @defaultValue the production one */
  apiBaseUrl?: string;
  sendTarget: SendTarget | string;
  /** Share of each new position to sell by hand, in percent. @defaultValue 50 */
  sellPct?: number;
  /** @defaultValue 500 (5 %) */
  slippageBps?: number;
  /** @defaultValue 1000 */
  tipLamports?: number;
  /** One line per event. @defaultValue console.log */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Runs until `signal` aborts or the session closes. */
export async function runManualExit(o: ManualExitOptions): Promise<void> {
  const log = o.log ?? ((line: string) => console.log(line));
  const wallet = o.keypair.publicKey.toBase58();
  const sellPct = o.sellPct ?? 50;
  const slippageBps = o.slippageBps ?? 500;
  const tipLamports = o.tipLamports ?? 1_000;
  const exitApi = new ExitApiClient({ apiKey: o.apiKey, ...(o.apiBaseUrl === undefined ? {} : { baseUrl: o.apiBaseUrl }) });
  const client = new StreamClient(o.apiKey, o.endpoint === undefined ? {} : { endpoint: o.endpoint });
  const session = await StreamSession.connect(client, {
    wallet_pubkeys: [wallet],
    strategy: { target_profit_pct: 0, stop_loss_pct: 20 }, // the stream still guards the rest (0 = off)
    send_mode: "rpc",
    tip_lamports: tipLamports,
  });
  o.signal?.addEventListener("abort", () => void session.close(), { once: true });

  const sellPart = async (h: PositionHandle): Promise<void> => {
    let amount = BigInt(Math.floor((h.tokens * sellPct) / 100));
    const poolCap = session.getMaxSellAtSlippage(h.position_id, slippageBps);
    if (poolCap !== undefined && BigInt(poolCap) < amount) amount = BigInt(poolCap);
    if (amount <= 0n) return;
    const built = await exitApi.buildPartialSellTx(h, amount, { slippageBps, tipLamports, sendMode: "rpc" });
    const { signedTxB64, signature } = signExitApiTransaction(built, { user_pubkey: wallet, tip_lamports: tipLamports }, o.keypair);
    await submitTransaction(o.sendTarget, signedTxB64, { timeoutMs: 5_000 });
    log(`sold ${amount} of ${h.tokens} tokens of position ${h.position_id} by hand: ${signature}`);
  };

  for await (const event of session) {
    if (event.type === "position_opened") {
      await sellPart(event.handle).catch((err: unknown) => log(`manual exit of ${event.handle.position_id} failed: ${(err as Error).message}`));
    } else if (event.type === "balance_update" && event.handle !== undefined) {
      log(`position ${event.handle.position_id} now holds ${event.handle.tokens} tokens`);
    } else if (event.type === "position_closed") {
      log(`position ${event.message.position_id} closed: ${event.message.reason}`);
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
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  await runManualExit({
    apiKey,
    keypair: Keypair.fromSecretKey(bs58.decode(secret)),
    endpoint: process.env["LASERSELL_ENDPOINT"] ?? "ws://localhost:8082/v1/ws",
    apiBaseUrl: process.env["LASERSELL_API"] ?? "http://localhost:8082",
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

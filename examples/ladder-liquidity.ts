/**
 * An exit ladder with liquidity-aware partial sells, on `StreamSession`. The server sells
 * `sell_pct` of the position at each `take_profit_levels` step (`chained_tp` exits carrying
 * `sell_tokens`), and `liquidity_guard` caps every sale at what its pool can take. Before signing
 * a ladder exit, this bot reads the position's last liquidity snapshot
 * (`getMaxSellAtSlippage`, `getSlippageBands`, `getLiquidityTrend`):
 *
 * 1. the pool can take `sell_tokens` within `slippageBudgetBps`: sign and submit;
 * 2. it cannot and the pool is draining: skip this level and log it (do not chase a leaving pool);
 * 3. it cannot, but a band up to `maxSlippageBps` covers the whole position: ask for a refreshed
 *    exit at that slippage (`requestExitSignal(handle, bps)`; a refreshed exit sells everything
 *    left, so the band must cover the whole position), and sign that exit when it comes;
 * 4. otherwise skip and log.
 *
 * Other exits (stop loss, trailing stop, deadline, the refreshed exit) are always signed: waiting
 * for liquidity is worse than slippage when the price is falling. Without a snapshot yet (tier 0, or
 * a position seconds old) the server's guard is the only check, and the bot signs.
 *
 * Run it against the local mock server (ws://localhost:8082/v1/ws, RPC on /rpc):
 *   npx lasersell-stream mock &
 *   LASERSELL_API_KEY=dev WALLET_SECRET=<base58 secret key> npx tsx examples/ladder-liquidity.ts
 *
 * In an application, import from "lasersell-stream" and "lasersell-stream/tx".
 * Type-checked in CI and run against MockStreamServer by test/examples/ladder-liquidity.test.ts.
 */
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import { pathToFileURL } from "node:url";
import { StreamClient, StreamSession, type ExitSignalWithTx, type PositionHandle, type StreamConfigure } from "../src/index.js";
import { guardFor, sendTargetRpc, signExitTransaction, submitTransaction, type SendTarget } from "../src/tx/index.js";

export interface LadderBotOptions {
  apiKey: string;
  keypair: Keypair;
  /** Stream endpoint; the production one when absent. */
  endpoint?: string;
  /** Where signed transactions go. */
  sendTarget: SendTarget | string;
  /** Price impact a ladder sale may have without asking. @defaultValue 200 (2 %) */
  slippageBudgetBps?: number;
  /** Highest slippage a refreshed exit may ask for. @defaultValue 1000 (10 %) */
  maxSlippageBps?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** What the bot does with one exit signal; exported for tests and for reuse. */
export type LadderDecision =
  | { action: "sign"; why: string }
  | { action: "refresh"; slippageBps: number; why: string }
  | { action: "skip"; why: string };

/**
 * The liquidity rule for one ladder exit (`chained_tp`), from the session's cached snapshot of
 * its position. Pure: reads the session, sends nothing.
 */
export function decideLadderExit(
  session: Pick<StreamSession, "getMaxSellAtSlippage" | "getSlippageBands" | "getLiquidityTrend">,
  message: ExitSignalWithTx,
  handle: PositionHandle,
  budgetBps: number,
  maxBps: number,
): LadderDecision {
  const want = Number(message.sell_tokens ?? message.position_tokens);
  const room = session.getMaxSellAtSlippage(handle, budgetBps);
  if (room === undefined) return { action: "sign", why: "no liquidity snapshot yet; the server's liquidity_guard capped it" };
  if (room >= want) return { action: "sign", why: `${want} tokens fit within ${budgetBps} bps (room ${room})` };
  const thin = `only ${room} of ${want} tokens fit within ${budgetBps} bps`;
  if (session.getLiquidityTrend(handle) === "draining") return { action: "skip", why: `${thin} and the pool is draining` };
  const whole = Number(handle.tokens);
  const band = (session.getSlippageBands(handle) ?? [])
    .filter((b) => b.slippage_bps > budgetBps && b.slippage_bps <= maxBps && Number(b.max_tokens) >= whole)
    .sort((a, b) => a.slippage_bps - b.slippage_bps)[0];
  if (band === undefined) return { action: "skip", why: `${thin}; no band up to ${maxBps} bps takes the whole position` };
  return { action: "refresh", slippageBps: band.slippage_bps, why: `${thin}; the ${band.slippage_bps} bps band takes all ${whole}` };
}

export async function runLadderBot(options: LadderBotOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const budgetBps = options.slippageBudgetBps ?? 200;
  const maxBps = options.maxSlippageBps ?? 1_000;
  const wallet = options.keypair.publicKey.toBase58();
  const client = new StreamClient(options.apiKey, options.endpoint === undefined ? {} : { endpoint: options.endpoint });
  const configure: StreamConfigure = {
    wallet_pubkeys: [wallet],
    strategy: {
      target_profit_pct: 0,
      stop_loss_pct: 20,
      take_profit_levels: [
        { profit_pct: 25, sell_pct: 50 },
        { profit_pct: 60, sell_pct: 50 },
        { profit_pct: 120, sell_pct: 100 },
      ],
      liquidity_guard: true,
    },
    deadline_timeout_sec: 300,
  };
  const session = await StreamSession.connect(client, configure, { signal: options.signal ?? AbortSignal.timeout(15_000) });
  options.signal?.addEventListener("abort", () => void session.close(), { once: true });
  session.on("stream_error", (error) => log(`stream error [${error.code}]: ${error.message}`));
  /** Positions waiting for the refreshed exit the bot asked for, with its slippage. */
  const refreshing = new Map<string, number>();

  for await (const event of session) {
    if (event.type === "position_closed") {
      refreshing.delete(String(event.message.position_id));
      log(`closed position ${event.message.position_id}: ${event.message.reason}`);
      continue;
    }
    if (event.type !== "exit_signal_with_tx") continue;
    const { message, handle } = event;
    if (handle === undefined) continue; // closed meanwhile: nothing to sell
    const key = String(handle.position_id);
    const askedBps = refreshing.get(key);
    const decision: LadderDecision =
      message.reason !== "chained_tp"
        ? { action: "sign", why: askedBps === undefined ? "protective exit" : `the refreshed exit asked for at ${askedBps} bps` }
        : askedBps !== undefined
          ? { action: "skip", why: `a refreshed exit of the whole position is on its way` }
          : decideLadderExit(session, message, handle, budgetBps, maxBps);
    if (message.reason !== "chained_tp") refreshing.delete(key);
    const level = message.level_index === undefined ? "" : ` level ${message.level_index}`;
    log(`${decision.action} ${message.reason}${level} of position ${key}: ${decision.why}`);
    if (decision.action === "refresh") {
      try {
        session.requestExitSignal(handle, decision.slippageBps);
        refreshing.set(key, decision.slippageBps);
      } catch (error) {
        log(`could not refresh position ${key}: ${(error as Error).message}`); // closed meanwhile
      }
      continue;
    }
    if (decision.action === "skip") continue;
    try {
      const { signedTxB64 } = signExitTransaction(message, options.keypair, guardFor(session));
      log(`submitted ${await submitTransaction(options.sendTarget, signedTxB64, { timeoutMs: 5_000 })}`);
    } catch (error) {
      log(`could not sell position ${key}: ${(error as Error).message}`);
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
  await runLadderBot({
    apiKey,
    keypair: Keypair.fromSecretKey(bs58.decode(secret)),
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

/**
 * Migrating from the official SDK (`@lasersell/lasersell-sdk`): its README's "Stream + auto-sell
 * flow", with only the import lines changed. The README's literals (API key, wallet, signer,
 * timeout, Helius Sender, console.log) became parameters so that the test suite can run it
 * against `MockStreamServer`; the API calls and the loop are the README's.
 *
 * Run it against the local mock server (ws://localhost:8082/v1/ws, RPC on /rpc):
 *   npx lasersell-stream mock &
 *   LASERSELL_API_KEY=dev WALLET_SECRET=<base58 secret key> npx tsx examples/migrate-from-official.ts
 *
 * In an application the two import lines read:
 *   import { StreamClient, StreamSession, singleWalletStreamConfigureOptional } from "lasersell-stream";
 *   import { signUnsignedTx, sendTransaction, sendTargetHeliusSender } from "lasersell-stream/tx";
 * (`lasersell-stream/tx` is a separate entry point: the stream never loads @solana/web3.js.)
 *
 * What the same code gains, with no change:
 * - replay: the latest configure, strategy, wallets and position overrides are sent again after
 *   every reconnect, and commands issued while offline are queued, not lost;
 * - heartbeat: a dead or stalled link is noticed (about 10 s by default) and reconnected with
 *   jittered backoff, instead of a silent socket waiting forever;
 * - `event.type` narrows `event.message` (the README's second check,
 *   `event.message.type === "exit_signal_with_tx"`, is kept for fidelity but is redundant);
 * - every frame is validated (typed `StreamProtocolError` with the failing fields), integers
 *   beyond 2^53 are never rounded (`ints: "bigint"`), and the API key never appears in errors;
 * - deadlines count from the server's `opened_at_ms`, survive reconnects, skip watched wallets and
 *   retry their exit request; `pnl_update` and other low-priority events are bounded for a slow
 *   consumer while exit signals are never dropped and served first;
 * - `close()` leaves no timer or socket keeping Node alive.
 *
 * The few renamed or changed things:
 * - `hello_ok`, `pong`, `error` and `balance_update` arrive under their own `event.type` instead
 *   of `"message"`; handles are frozen snapshots with more fields (`tokens` follows balances);
 * - `requestExitSignal(handleOrId, bps?)` and `closePosition(handleOrId)` are session methods that
 *   select by `position_id`; `reportMirrorBuy(signal, success)` sends `mirror_buy_result`;
 * - prefer `signExitTransaction(message, keypair, guardFor(session))` (checks fee payer, signer,
 *   programs, token authorities and SOL outflow against your own configuration before signing,
 *   and is several times faster) and `submitTransaction(target, b64, options)`
 *   (timeout, retries, typed `SubmitError`) over `signUnsignedTx` + `sendTransaction`, which are
 *   kept under their official names for this migration.
 * Type-checked in CI and run against MockStreamServer by test/examples/migrate-from-official.test.ts.
 */
import { StreamClient, StreamSession, singleWalletStreamConfigureOptional } from "../src/index.js";
import { signUnsignedTx, sendTransaction, sendTargetHeliusSender, sendTargetRpc, type SendTarget } from "../src/tx/index.js";
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import { pathToFileURL } from "node:url";

export interface OfficialLoopParams {
  /** The README's "REPLACE_WITH_API_KEY". */
  apiKey: string;
  /** The README's "REPLACE_WITH_WALLET_PUBKEY". */
  walletPubkey: string;
  /** The README's `Keypair.generate()`: the wallet's keypair. */
  signer: Keypair;
  /** Stream endpoint (`withEndpoint`); the production one when absent. */
  endpoint?: string;
  /** The README's `sendTargetHeliusSender`. @defaultValue sendTargetHeliusSender */
  sendTarget?: () => SendTarget;
  /** The README's timeout-only strategy. @defaultValue 45 */
  deadlineSec?: number;
  /** The README's `console.log`. */
  log?: (signature: string) => void;
  /** Closes the session, which ends the loop (`recv()` returns null). */
  signal?: AbortSignal;
}

export async function runOfficialLoop(params: OfficialLoopParams): Promise<void> {
  const sendTargetHeliusSenderOrLocal = params.sendTarget ?? sendTargetHeliusSender;
  const console = { log: params.log ?? ((s: string) => globalThis.console.log(s)) };
  // ---- from the official README (literals replaced by the parameters above) ----
  const client = new StreamClient(params.apiKey);
  if (params.endpoint !== undefined) client.withEndpoint(params.endpoint);
  const session = await StreamSession.connect(
    client,
    {
      ...singleWalletStreamConfigureOptional(
        params.walletPubkey,
        {},
        params.deadlineSec ?? 45, // timeout-only strategy is valid
      ),
      send_mode: "helius_sender",
      tip_lamports: 1000,
    },
  );
  params.signal?.addEventListener("abort", () => void session.close(), { once: true });

  const signer = params.signer;

  while (true) {
    const event = await session.recv();
    if (event === null) break;

    if (event.type === "exit_signal_with_tx" && event.message.type === "exit_signal_with_tx") {
      const signed = signUnsignedTx(event.message.unsigned_tx_b64, signer);
      const signature = await sendTransaction(sendTargetHeliusSenderOrLocal(), signed);
      console.log(signature);
    }
  }
  // ---- end of the README code ----
}

async function main(): Promise<void> {
  const apiKey = process.env["LASERSELL_API_KEY"];
  const secret = process.env["WALLET_SECRET"];
  if (apiKey === undefined || secret === undefined) {
    globalThis.console.error("set LASERSELL_API_KEY and WALLET_SECRET (base58 secret key)");
    process.exitCode = 1;
    return;
  }
  const signer = Keypair.fromSecretKey(bs58.decode(secret));
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  const rpc = process.env["LASERSELL_RPC"] ?? "http://localhost:8082/rpc";
  await runOfficialLoop({
    apiKey,
    walletPubkey: signer.publicKey.toBase58(),
    signer,
    endpoint: process.env["LASERSELL_ENDPOINT"] ?? "ws://localhost:8082/v1/ws",
    sendTarget: () => sendTargetRpc(rpc),
    signal: stop.signal,
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    globalThis.console.error(error);
    process.exitCode = 1;
  });
}

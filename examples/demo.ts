/**
 * `npm run demo`: a small exit bot on `StreamSession`, offline, against the in-process mock.
 *
 * It starts `MockStreamServer` (simulated buys, seeded random-walk prices, wallet registration
 * required as on the real service), registers a generated wallet with a proof of ownership
 * and connects (`proveOwnership` + `StreamSession.connectWithWallets`) a session
 * with a visible strategy, shows a live view of the positions (PnL, peak, liquidity trend,
 * deadline) and the events, hands every exit to the exit executor of `lasersell-stream/tx`
 * (guarded by the session's own configuration, signed with a generated keypair, submitted to
 * the mock's JSON-RPC, confirmed, and re-requested with more slippage when the mock drops or
 * fails it: a few such faults are injected), sells half of the first position by hand through
 * the Exit API (`ExitApiClient.buildPartialSellTx`, guarded by `signExitApiTransaction`), and
 * ends by itself with a summary.
 *
 *   npm run demo -- [--duration 20] [--seed N] [--tier 0|1|2]
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Keypair } from "@solana/web3.js";
import { ExitApiClient, StreamClient, StreamSession, type PositionHandle, type StrategyConfig } from "../src/index.js";
import { MockStreamServer, Prng, buildUnsignedTx } from "../src/testing/index.js";
import { executeExits, proveOwnership, signExitApiTransaction, signExitTransaction, submitTransaction } from "../src/tx/index.js";
import { recordSession } from "../src/record/index.js";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "20" },
    seed: { type: "string" },
    tier: { type: "string", default: "1" },
  },
});
const durationSec = Number(values.duration);
const tier = Number(values.tier);
const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
if (!(durationSec > 0) || !Number.isInteger(seed) || (tier !== 0 && tier !== 1 && tier !== 2)) {
  console.error("usage: npm run demo -- [--duration SECONDS] [--seed N] [--tier 0|1|2]");
  process.exit(1);
}

// ---- the strategy the bot runs (the ladder needs tier 1+) ----
const strategy: StrategyConfig = {
  target_profit_pct: 10,
  stop_loss_pct: 5,
  trailing_stop_pct: 4,
  ...(tier >= 1 ? { take_profit_levels: [{ profit_pct: 5, sell_pct: 50 }] } : {}),
};
const deadlineSec = 12;

const tty = process.stdout.isTTY === true;
const pct = (v: number): string => `${v >= 0 ? "+" : ""}${v.toFixed(1)}%`;
const short = (k: string): string => `${k.slice(0, 4)}…${k.slice(-4)}`;
const clock = (): string => new Date().toISOString().slice(11, 19);

// ---- state for the view and the summary ----
const events: string[] = [];
const opened = new Set<number>();
const closedBy = new Map<string, number>();
const exitsBy = new Map<string, number>();
const signLatenciesMs: number[] = [];
const triggerToSignedMs: number[] = [];

function log(line: string): void {
  const text = `${clock()} ${line}`;
  events.push(text);
  if (events.length > 8) events.shift();
  if (!tty) console.log(text);
}
const bump = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

/** PnL of a handle in percent of the cost of what it still holds (proceeds - profit). */
function pnlOf(h: PositionHandle): { now?: number; peak?: number } {
  if (h.profit_units === undefined || h.proceeds_units === undefined) return {};
  const cost = h.proceeds_units - h.profit_units;
  if (cost <= 0) return {};
  return {
    now: (h.profit_units / cost) * 100,
    ...(h.peak_profit_units === undefined ? {} : { peak: (h.peak_profit_units / cost) * 100 }),
  };
}

// ---- the mock, the wallet, the session ----
const server = await MockStreamServer.start({
  seed,
  tier: tier as 0 | 1 | 2,
  volatility: 0.012,
  settleMs: 150,
  blockhashValiditySlots: 15, // 1.5 s: a dropped submission expires quickly in a short demo
  simulateBuys: { everyMs: 1_500, maxOpenPerWallet: 3 },
  requireRegistration: true,
});
const keypair = Keypair.generate();
const wallet = keypair.publicKey.toBase58();
// Warm the signing path once (key import, JIT) so the latencies below are steady-state.
signExitTransaction({ wallet_pubkey: wallet, unsigned_tx_b64: buildUnsignedTx(wallet, "warm-up", new Prng(seed)).b64 }, keypair);

const client = new StreamClient("demo-api-key", { endpoint: server.url });
// The service streams only wallets registered to the API key: prove ownership (a local
// signature, no network); connectWithWallets registers the proof, then connects with it.
const session = await StreamSession.connectWithWallets(
  client,
  [proveOwnership(keypair)],
  // Exits come with a 1,000-lamport Helius Sender tip; guardFor(session) allows exactly that.
  { strategy, deadline_timeout_sec: deadlineSec, send_mode: "helius_sender", tip_lamports: 1_000 },
  { registration: { baseUrl: server.apiUrl, label: "demo" } },
);
// Everything the stream sends is recorded too, for `lasersell-stream backtest` at the end.
const recordingPath = join(tmpdir(), `lasersell-demo-${seed}.ndjson.gz`);
const recorder = recordSession(session, recordingPath);
console.log(`registered wallet ${short(wallet)} to the API key (POST ${server.apiUrl}/v1/wallets/register), then connected`);

const ladder = strategy.take_profit_levels?.map((l) => `+${l.profit_pct}% sells ${l.sell_pct}%`).join(", ");
const header = [
  `lasersell-stream demo: mock on ${server.url} (tier ${tier}, seed ${seed}), wallet ${short(wallet)}, ${durationSec}s`,
  `strategy: take profit +${strategy.target_profit_pct}%, stop loss -${strategy.stop_loss_pct}%, trailing ${strategy.trailing_stop_pct} pts` +
    `${ladder === undefined ? "" : `, ladder ${ladder}`}, deadline ${deadlineSec}s (client-side)`,
];
for (const line of header) console.log(line);

// ---- exits: the executor guards, signs, submits, confirms, and asks for a fresh transaction ----
// ---- with more slippage when one is dropped or fails on chain (faults injected below) ----
const exits = executeExits(session, { signer: keypair, sendTarget: server.rpcUrl, rpc: server.rpcUrl, pollIntervalMs: 100 });
const failuresBy = new Map<string, number>();
exits.on("signed", (e) => {
  if (e.attempt === 1) signLatenciesMs.push(e.latencyMs);
  const m = session.position(Number(e.positionId))?.last_exit;
  if (e.attempt === 1 && m !== undefined) triggerToSignedMs.push(Date.now() - m.triggered_at_ms);
  log(`signed  #${e.positionId} attempt ${e.attempt}`);
});
exits.on("failed", (e) => {
  bump(failuresBy, e.outcome);
  log(`failed  #${e.positionId} attempt ${e.attempt}: ${e.outcome}`);
});
exits.on("re_requested", (e) => log(`retry   #${e.positionId}: fresh transaction asked with ${e.slippageBps} bps slippage`));
exits.on("confirmed", (e) => log(`landed  #${e.positionId} attempt ${e.attempt}, ${e.latencyMs.toFixed(0)} ms after the signal`));
exits.on("gave_up", (e) => log(`gave up #${e.positionId}: ${e.why}`));
// The mock's RPC drops (accepts, never lands) or fails (slippage exceeded) some submissions.
server.dropNextSubmissions(1);
let faultCount = 0;
const faults = setInterval(() => (++faultCount % 2 === 1 ? server.failNextSubmissions(1) : server.dropNextSubmissions(1)), 3_000);

// ---- the live view (TTY only) ----
let drawn = 0;
function draw(): void {
  const now = Date.now();
  const rows = session.positions().map((h) => {
    const { now: pnl, peak } = pnlOf(h);
    const deadline = h.deadline_at_ms === undefined ? "-" : `${Math.max(0, (h.deadline_at_ms - now) / 1000).toFixed(1)}s`;
    return [
      String(h.position_id),
      h.token_symbol ?? "?",
      pnl === undefined ? "…" : pct(pnl),
      peak === undefined ? "…" : pct(peak),
      h.liquidity_trend ?? "-",
      deadline,
      h.last_exit === undefined ? "" : `exit: ${h.last_exit.reason}`,
    ];
  });
  const table = [["id", "token", "pnl", "peak", "trend", "deadline", ""], ...rows].map(
    (r) => `  ${r[0]?.padEnd(6)} ${r[1]?.padEnd(6)} ${r[2]?.padStart(7)} ${r[3]?.padStart(7)}  ${r[4]?.padEnd(9)} ${r[5]?.padStart(8)}  ${r[6]}`,
  );
  const block = [...table, "", ...events.map((e) => `  ${e}`)];
  process.stdout.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ""}${block.join("\n")}\n`);
  drawn = block.length;
}
const redraw = tty ? setInterval(draw, 200) : undefined;

// ---- the bot ----
let stopping = false;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// At the end: inject no more faults, let exits in flight land (up to 2 s), so the summary counts
// them; then stop the executor and close the session, which ends the loop.
const stopAt = setTimeout(() => {
  stopping = true;
  clearInterval(faults);
  void (async () => {
    const giveUp = Date.now() + 2_000;
    while (exits.stats().inFlight > 0 && Date.now() < giveUp) await sleep(25);
    await exits.stop();
    await session.close();
  })();
}, durationSec * 1000);

// ---- one manual exit: half of the first position, sold through the Exit API (guarded too) ----
const exitApi = new ExitApiClient({ apiKey: "demo-api-key", baseUrl: server.apiUrl });
let manualExitDone = false;
async function sellHalfManually(h: PositionHandle): Promise<void> {
  const amount = BigInt(Math.floor(h.tokens / 2));
  try {
    const built = await exitApi.buildPartialSellTx(h, amount, { slippageBps: 500, tipLamports: 1_000 });
    const { signedTxB64 } = signExitApiTransaction(built, { user_pubkey: h.wallet_pubkey, tip_lamports: 1_000 }, keypair);
    await submitTransaction(server.rpcUrl, signedTxB64, { timeoutMs: 3_000 });
    log(`manual  #${h.position_id}: sold half (${amount} raw units) through the Exit API`);
  } catch (err) {
    log(`manual  #${h.position_id} failed: ${(err as Error).message}`);
  }
}

for await (const event of session) {
  switch (event.type) {
    case "position_opened":
      if (!opened.has(event.handle.position_id)) {
        opened.add(event.handle.position_id);
        log(`open    #${event.handle.position_id} ${event.handle.token_symbol ?? ""} for ${(event.handle.entry_quote_units / 1e9).toFixed(2)} SOL`);
        if (!manualExitDone) {
          manualExitDone = true;
          void sellHalfManually(event.handle);
        }
      }
      break;
    case "exit_signal_with_tx": {
      // The executor signs and submits it; the loop only shows it.
      const m = event.message;
      if (stopping) break;
      bump(exitsBy, m.reason);
      const what = m.sell_tokens === undefined ? "all" : `${m.sell_tokens} tokens (level ${m.level_index})`;
      log(`exit    #${m.position_id} ${m.reason}, selling ${what}`);
      break;
    }
    case "balance_update":
      break;
    case "position_closed":
      bump(closedBy, event.message.reason);
      log(`closed  #${event.message.position_id} ${event.message.reason}`);
      break;
    case "deadline":
      log(`deadline #${event.handle.position_id}: ${deadlineSec}s elapsed, exit requested`);
      break;
    case "disconnected":
      log(`link down (${event.code}); ${event.willReconnect ? "reconnecting" : "over"}`);
      break;
    case "reconnected":
      log(`link back after ${event.attempt} attempt(s)`);
      break;
    default:
      break;
  }
}

// ---- the end ----
clearTimeout(stopAt);
clearInterval(faults);
if (redraw !== undefined) {
  clearInterval(redraw);
  draw();
}
await server.close();

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const list = (m: Map<string, number>): string => (m.size === 0 ? "none" : [...m].map(([k, n]) => `${k} ${n}`).join(", "));
console.log("");
console.log("summary");
console.log(`  positions opened     ${opened.size}`);
console.log(`  exit signals         ${[...exitsBy.values()].reduce((a, b) => a + b, 0)} (${list(exitsBy)})`);
const x = exits.stats();
console.log(
  `  exits landed         ${x.confirmed} of ${x.exits}, ${x.confirmedAfterRetry} needed a retry` +
    ` (failed attempts: ${list(failuresBy)}; ${x.reRequests} re-requested)${x.gaveUp > 0 ? `, ${x.gaveUp} given up` : ""}`,
);
console.log(`  positions closed     ${[...closedBy.values()].reduce((a, b) => a + b, 0)} (${list(closedBy)})`);
if (signLatenciesMs.length > 0) {
  console.log(
    `  signal -> signed     p50 ${quantile(signLatenciesMs, 0.5).toFixed(1)} ms, p99 ${quantile(signLatenciesMs, 0.99).toFixed(1)} ms` +
      ` (server trigger -> signed p50 ${quantile(triggerToSignedMs, 0.5).toFixed(0)} ms)`,
  );
}
if (x.latencyMs.count > 0) {
  console.log(`  signal -> confirmed  p50 ${x.latencyMs.p50?.toFixed(0)} ms, p90 ${x.latencyMs.p90?.toFixed(0)} ms, max ${x.latencyMs.max?.toFixed(0)} ms (confirmation polled every 100 ms)`);
}

// ---- the recording ----
await recorder.stop();
console.log(`  recording            ${recordingPath}`);
console.log(`  backtest it:         npm run backtest -- ${recordingPath} --strategy "tp=10,sl=5,trail=4" --strategy "tp=20,sl=10" --deadline ${deadlineSec}`);

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
 * the Exit API (`ExitApiClient.buildPartialSellTx`, guarded by `signExitApiTransaction`),
 * records the session for `lasersell-stream backtest`, and ends by itself with a summary.
 *
 *   npx lasersell-stream demo [--duration 20] [--seed N] [--tier 0|1|2]
 *   npm run demo -- [--duration 20] [--seed N] [--tier 0|1|2]      (from a checkout)
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Keypair } from "@solana/web3.js";
import { ExitApiClient, StreamClient, StreamSession, type PositionHandle, type StrategyConfig } from "../index.js";
import { recordSession } from "../record/index.js";
import { MockStreamServer, MockPrng, buildUnsignedTx } from "../testing/index.js";
import { executeExits, proveOwnership, signExitApiTransaction, signExitTransaction, submitTransaction } from "../tx/index.js";
import { CliError, intOption, numberOption, type CliIo, type Command } from "./command.js";
import { pct, pnlPercent, short, sol, tokens } from "./format.js";

const HELP = `Usage: lasersell-stream demo [--duration SEC] [--seed N] [--tier 0|1|2]

An offline exit bot on StreamSession against an in-process mock server: registers a generated
wallet, connects with take profit +10 %, stop loss -5 %, a 4-point trailing stop, a ladder level
(+5 % sells half) and a 12 s deadline, shows each position's PnL, peak, liquidity trend and
deadline as they move, and hands every exit to the exit executor: guarded by the session's own
configuration, signed, submitted to the mock's JSON-RPC, confirmed, and re-requested with more
slippage when the mock drops or fails it (a few such faults are injected). It also sells half of
the first position through the Exit API, records the session to a file you can backtest, and
ends with a summary. Needs no network and no key.

Options:
  --duration SEC        How long to run (default 20)
  --seed N              Seed of the simulated market (default random, printed)
  --tier 0|1|2          Tier limits of the mock; the ladder needs 1+ (default 1)
  -h, --help            Show this help

Examples:
  lasersell-stream demo
  lasersell-stream demo --duration 60 --seed 7
`;

/** \`lasersell-stream demo\`. */
export const demoCommand: Command = {
  name: "demo",
  summary: "Run an offline exit bot against an in-process mock, with a live view (no key, no network).",
  help: HELP,
  run: runDemo,
};

async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: "string", default: "20" },
      seed: { type: "string" },
      tier: { type: "string", default: "1" },
    },
  });
  const durationSec = numberOption("duration", values.duration) ?? 20;
  const tier = intOption("tier", values.tier, 1);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : intOption("seed", values.seed, 0);
  if (!(durationSec > 0)) throw new CliError("--duration must be > 0");
  if (tier !== 0 && tier !== 1 && tier !== 2) throw new CliError("--tier must be 0, 1 or 2");
  const println = (line: string): void => io.stdout(`${line}\n`);

  // ---- the strategy the bot runs (the ladder needs tier 1+) ----
  const strategy: StrategyConfig = {
    target_profit_pct: 10,
    stop_loss_pct: 5,
    trailing_stop_pct: 4,
    ...(tier >= 1 ? { take_profit_levels: [{ profit_pct: 5, sell_pct: 50 }] } : {}),
  };
  const deadlineSec = 12;

  const tty = io.tty;
  const clock = (): string => new Date().toISOString().slice(11, 19);

  // ---- state for the view and the summary ----
  const events: string[] = [];
  const opened = new Set<number>();
  const closedBy = new Map<string, number>();
  const exitsBy = new Map<string, number>();
  const signLatenciesMs: number[] = [];
  const triggerToSignedMs: number[] = [];
  const failuresBy = new Map<string, number>();

  function log(line: string): void {
    const text = `${clock()} ${line}`;
    events.push(text);
    if (events.length > 8) events.shift();
    if (!tty) println(text);
  }
  const bump = (map: Map<string, number>, key: string): void => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };

  /** PnL of a handle in percent of the cost of what it still holds (proceeds - profit). */
  function pnlOf(h: PositionHandle): { now?: number; peak?: number } {
    if (h.profit_units === undefined || h.proceeds_units === undefined) return {};
    const now = pnlPercent(h.profit_units, h.proceeds_units);
    if (now === undefined) return {};
    const cost = h.proceeds_units - h.profit_units;
    return { now, ...(h.peak_profit_units === undefined ? {} : { peak: (h.peak_profit_units / cost) * 100 }) };
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
  signExitTransaction({ wallet_pubkey: wallet, unsigned_tx_b64: buildUnsignedTx(wallet, "warm-up", new MockPrng(seed)).b64 }, keypair);

  const client = new StreamClient("demo-api-key", { endpoint: server.url });
  // The service streams only wallets registered to the API key: prove ownership (a local
  // signature, no network); connectWithWallets registers the proof, then connects with it.
  const session = await StreamSession.connectWithWallets(
    client,
    [proveOwnership(keypair)],
    // Exits come with a 1,000-lamport Helius Sender tip: the guard allows exactly that (its limits
    // are this configuration's, never the signal's).
    { strategy, deadline_timeout_sec: deadlineSec, send_mode: "helius_sender", tip_lamports: 1_000 },
    { registration: { baseUrl: server.apiUrl, label: "demo" } },
  );
  // Everything the stream sends is recorded too, for `lasersell-stream backtest` at the end.
  const recordingPath = join(tmpdir(), `lasersell-demo-${seed}.ndjson.gz`);
  const recorder = recordSession(session, recordingPath);
  println(`registered wallet ${short(wallet)} to the API key (POST ${server.apiUrl}/v1/wallets/register), then connected`);

  const ladder = strategy.take_profit_levels?.map((l) => `+${l.profit_pct}% sells ${l.sell_pct}%`).join(", ");
  const header = [
    `lasersell-stream demo: mock on ${server.url} (tier ${tier}, seed ${seed}), wallet ${short(wallet)}, ${durationSec}s`,
    `strategy: take profit +${strategy.target_profit_pct}%, stop loss -${strategy.stop_loss_pct}%, trailing ${strategy.trailing_stop_pct} pts` +
      `${ladder === undefined ? "" : `, ladder ${ladder}`}, deadline ${deadlineSec}s (client-side)`,
  ];
  for (const line of header) println(line);

  // ---- exits: the executor guards, signs, submits, confirms, and asks for a fresh transaction ----
  // ---- with more slippage when one is dropped or fails on chain (faults injected below) ----
  const exits = executeExits(session, { signer: keypair, sendTarget: server.rpcUrl, rpc: server.rpcUrl, pollIntervalMs: 100 });
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

  // ---- one manual exit: half of the first position, sold through the Exit API (guarded too) ----
  const exitApi = new ExitApiClient({ apiKey: "demo-api-key", baseUrl: server.apiUrl });
  let manualExitDone = false;
  async function sellHalfManually(h: PositionHandle): Promise<void> {
    const amount = BigInt(Math.floor(h.tokens / 2));
    try {
      const built = await exitApi.buildPartialSellTx(h, amount, { slippageBps: 500, tipLamports: 1_000 });
      const { signedTxB64 } = signExitApiTransaction(built, { user_pubkey: h.wallet_pubkey, tip_lamports: 1_000 }, keypair);
      await submitTransaction(server.rpcUrl, signedTxB64, { timeoutMs: 3_000 });
      log(`manual  #${h.position_id}: sold half (${tokens(amount, h.token_decimals)} tokens) through the Exit API`);
    } catch (err) {
      log(`manual  #${h.position_id} failed: ${(err as Error).message}`);
    }
  }

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
    io.stdout(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ""}${block.join("\n")}\n`);
    drawn = block.length;
  }
  const redraw = tty ? setInterval(draw, 200) : undefined;

  // ---- the bot ----
  let stopping = false;
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  // At the end: inject no more faults, let exits in flight land (up to 2 s), so the summary
  // counts them; then stop the executor and close the session, which ends the loop.
  const finish = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(faults);
    void (async () => {
      const giveUp = Date.now() + 2_000;
      while (exits.stats().inFlight > 0 && Date.now() < giveUp) await sleep(25);
      await exits.stop();
      await session.close();
    })();
  };
  const stopAt = setTimeout(finish, durationSec * 1000);
  io.signal.addEventListener("abort", finish, { once: true });

  for await (const event of session) {
    switch (event.type) {
      case "position_opened":
        if (!opened.has(event.handle.position_id)) {
          opened.add(event.handle.position_id);
          log(`open    #${event.handle.position_id} ${event.handle.token_symbol ?? ""} for ${sol(event.handle.entry_quote_units, 2)}`);
          if (!manualExitDone) {
            manualExitDone = true;
            void sellHalfManually(event.handle);
          }
        }
        break;
      case "exit_signal_with_tx": {
        // The executor guards, signs and submits it; the loop only shows it.
        const m = event.message;
        if (stopping) break;
        bump(exitsBy, m.reason);
        const what = m.sell_tokens === undefined ? "all" : `${tokens(m.sell_tokens, event.handle?.token_decimals)} tokens (level ${m.level_index})`;
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
  println("");
  println("summary");
  println(`  positions opened     ${opened.size}`);
  println(`  exit signals         ${[...exitsBy.values()].reduce((a, b) => a + b, 0)} (${list(exitsBy)})`);
  const x = exits.stats();
  println(
    `  exits landed         ${x.confirmed} of ${x.exits}, ${x.confirmedAfterRetry} needed a retry` +
      ` (failed attempts: ${list(failuresBy)}; ${x.reRequests} re-requested)${x.gaveUp > 0 ? `, ${x.gaveUp} given up` : ""}`,
  );
  println(`  positions closed     ${[...closedBy.values()].reduce((a, b) => a + b, 0)} (${list(closedBy)})`);
  if (signLatenciesMs.length > 0) {
    println(
      `  signal -> signed     p50 ${quantile(signLatenciesMs, 0.5).toFixed(1)} ms, p99 ${quantile(signLatenciesMs, 0.99).toFixed(1)} ms` +
        ` (server trigger -> signed p50 ${quantile(triggerToSignedMs, 0.5).toFixed(0)} ms)`,
    );
  }
  if (x.latencyMs.count > 0) {
    println(`  signal -> confirmed  p50 ${x.latencyMs.p50?.toFixed(0)} ms, p90 ${x.latencyMs.p90?.toFixed(0)} ms, max ${x.latencyMs.max?.toFixed(0)} ms (confirmation polled every 100 ms)`);
  }

  // ---- the recording ----
  await recorder.stop();
  println(`  recording            ${recordingPath}`);
  println(`  backtest it:         npx lasersell-stream backtest ${recordingPath} --strategy "tp=10,sl=5,trail=4" --strategy "tp=20,sl=10" --deadline ${deadlineSec}`);
  println(`                       (from a checkout: npm run backtest -- ${recordingPath} ...)`);
  return 0;
}

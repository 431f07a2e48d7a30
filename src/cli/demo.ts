/**
 * `npm run demo`: a small exit bot on `StreamSession`, offline, against the in-process mock.
 *
 * It starts `MockStreamServer` (simulated buys, seeded random-walk prices, wallet registration
 * required as on the real service), registers a generated wallet with a proof of ownership
 * and connects (`proveOwnership` + `StreamSession.connectWithWallets`) a session
 * with a visible strategy, shows a live view of the positions (PnL, peak, liquidity trend,
 * deadline) and the events, signs every exit with a generated keypair through
 * `lasersell-stream/tx` (guarded), submits it to the mock's JSON-RPC, and ends by itself with a
 * summary.
 *
 *   npx lasersell-stream demo [--duration 20] [--seed N] [--tier 0|1|2]
 *   npm run demo -- [--duration 20] [--seed N] [--tier 0|1|2]      (from a checkout)
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Keypair } from "@solana/web3.js";
import { StreamClient, StreamSession, type PositionHandle, type StrategyConfig } from "../index.js";
import { MockStreamServer, Prng, buildUnsignedTx } from "../testing/index.js";
import { proveOwnership, signExitTransaction, submitTransaction } from "../tx/index.js";
import { CliError, intOption, numberOption, type CliIo, type Command } from "./command.js";
import { pct, pnlPercent, short, sol, tokens } from "./format.js";

const HELP = `Usage: lasersell-stream demo [--duration SEC] [--seed N] [--tier 0|1|2]

An offline exit bot on StreamSession against an in-process mock server: registers a generated
wallet, connects with take profit +10 %, stop loss -5 %, a 4-point trailing stop, a ladder level
(+5 % sells half) and a 12 s deadline, shows each position's PnL, peak, liquidity trend and
deadline as they move, signs every exit through the guard, submits it to the mock's JSON-RPC and
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
  const signLatenciesUs: number[] = [];
  const triggerToSignedMs: number[] = [];
  let submitted = 0;
  let submitFailures = 0;
  let guardRefusals = 0;

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
    { strategy, deadline_timeout_sec: deadlineSec },
    { registration: { baseUrl: server.apiUrl, label: "demo" } },
  );
  println(`registered wallet ${short(wallet)} to the API key (POST ${server.apiUrl}/v1/wallets/register), then connected`);

  const ladder = strategy.take_profit_levels?.map((l) => `+${l.profit_pct}% sells ${l.sell_pct}%`).join(", ");
  const header = [
    `lasersell-stream demo: mock on ${server.url} (tier ${tier}, seed ${seed}), wallet ${short(wallet)}, ${durationSec}s`,
    `strategy: take profit +${strategy.target_profit_pct}%, stop loss -${strategy.stop_loss_pct}%, trailing ${strategy.trailing_stop_pct} pts` +
      `${ladder === undefined ? "" : `, ladder ${ladder}`}, deadline ${deadlineSec}s (client-side)`,
  ];
  for (const line of header) println(line);

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
  const inflight = new Set<Promise<unknown>>();
  const awaitingClose = new Set<number>();
  let stopping = false;
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  // At the end: sign nothing new, let submissions in flight land and their sales settle (up to
  // 2 s), so the summary counts their closes; then close the session, which ends the loop.
  const finish = (): void => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      const giveUp = Date.now() + 2_000;
      while ((inflight.size > 0 || awaitingClose.size > 0) && Date.now() < giveUp) await sleep(25);
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
        }
        break;
      case "exit_signal_with_tx": {
        const received = performance.now();
        const m = event.message;
        if (stopping) break;
        bump(exitsBy, m.reason);
        try {
          const { signedTxB64 } = signExitTransaction(m, keypair);
          signLatenciesUs.push((performance.now() - received) * 1000);
          triggerToSignedMs.push(Date.now() - m.triggered_at_ms);
          const what = m.sell_tokens === undefined ? "all" : `${tokens(m.sell_tokens, event.handle?.token_decimals)} tokens (level ${m.level_index})`;
          log(`exit    #${m.position_id} ${m.reason}, selling ${what}: signed`);
          submitted += 1;
          if (m.sell_tokens === undefined) awaitingClose.add(m.position_id);
          const submission = submitTransaction(server.rpcUrl, signedTxB64, { timeoutMs: 3_000 })
            .catch((err: unknown) => {
              submitFailures += 1;
              log(`submit  #${m.position_id} failed: ${(err as Error).message}`);
            })
            .finally(() => inflight.delete(submission));
          inflight.add(submission);
        } catch (err) {
          guardRefusals += 1;
          log(`exit    #${m.position_id} refused by the guard: ${(err as Error).message}`);
        }
        break;
      }
      case "balance_update":
        break;
      case "position_closed":
        bump(closedBy, event.message.reason);
        awaitingClose.delete(event.message.position_id);
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
  println(`  signed and submitted ${submitted}${submitFailures > 0 ? `, ${submitFailures} failed` : ""}${guardRefusals > 0 ? `, ${guardRefusals} refused by the guard` : ""}`);
  println(`  positions closed     ${[...closedBy.values()].reduce((a, b) => a + b, 0)} (${list(closedBy)})`);
  if (signLatenciesUs.length > 0) {
    println(
      `  signal -> signed     p50 ${quantile(signLatenciesUs, 0.5).toFixed(0)} µs, p99 ${quantile(signLatenciesUs, 0.99).toFixed(0)} µs` +
        ` (server trigger -> signed p50 ${quantile(triggerToSignedMs, 0.5).toFixed(0)} ms)`,
    );
  }
  return 0;
}

/**
 * `lasersell-stream mock`: runs a {@link MockStreamServer} with simulated buys and logs one
 * readable line per event.
 */
import { parseArgs } from "node:util";
import { MockStreamServer, type MockStreamServerOptions } from "../testing/index.js";
import { recordSynthetic } from "./record.js";
import { CliError, intOption, untilAborted, type Command } from "./command.js";
import { clock, pct, short, sol, tokens } from "./format.js";

/** Wires one log line per server event. `write` receives lines without a trailing newline. */
export function logEvents(server: MockStreamServer, write: (line: string) => void): void {
  const line = (event: string, text: string): void => write(`${clock()} ${event.padEnd(10)} ${text}`);
  const decimals = (id: number): number | undefined => server.position(id)?.token_decimals;
  server.on("connection", (c) => line("connect", `#${c.id}`));
  server.on("handshake", (c) => {
    const s = c.strategy;
    const rules = s === undefined ? "" : ` tp ${s.target_profit_pct}% sl ${s.stop_loss_pct}%${s.trailing_stop_pct ? ` trail ${s.trailing_stop_pct}%` : ""}${s.take_profit_levels?.length ? ` ladder ${s.take_profit_levels.length}` : ""}`;
    line("configure", `#${c.id} session ${c.sessionId}, wallets ${[...c.wallets].map(short).join(",")}${rules}`);
  });
  server.on("disconnect", (c, code, reason) => line("disconnect", `#${c.id} code ${code}${reason ? ` ${reason}` : ""}`));
  server.on("message", (c, m) => {
    if (m.type !== "configure" && m.type !== "ping") line("recv", `#${c.id} ${m.type}`);
  });
  server.on("refused", (c, r) => line("error", `#${c.id} ${r.code}: ${r.message}`));
  server.on("rejected", (r) => line("rejected", `HTTP ${r.status} (${r.reason})`));
  server.on("position_opened", (p) =>
    line(
      "open",
      `position ${p.position_id} ${p.watched ? "watched " : ""}wallet ${short(p.wallet_pubkey)} mint ${short(p.mint)} ${tokens(p.tokens, p.token_decimals)} tokens for ${sol(p.entry_quote_units, 3)}`,
    ),
  );
  server.on("exit_signal", (e) =>
    line(
      "exit",
      `position ${e.position_id} ${e.reason}${e.level_index === undefined ? "" : ` level ${e.level_index}`} sell ${e.sell_tokens === undefined ? "all" : tokens(e.sell_tokens, decimals(e.position_id))} profit ${sol(e.profit_units, 3, true)}`,
    ),
  );
  server.on("submitted", (s) => line("submit", `${s.kind} position ${s.position_id ?? "-"} signature ${short(s.signature)}`));
  server.on("settled", (s) => line("settled", `position ${s.position_id} sold ${tokens(s.sold, decimals(s.position_id))}, ${tokens(s.tokens_left, decimals(s.position_id))} left`));
  server.on("position_closed", (p, reason) => line("closed", `position ${p.position_id} ${reason} at ${pct(p.pnl_pct, 2)}`));
  server.on("graduated", (p) => line("graduated", `position ${p.position_id} now ${p.market_type}`));
  server.on("mirror_buy_signal", (m) => line("mirror", `buy signal ${short(m.mint)} for ${short(m.user_wallet)} (watched ${short(m.watched_wallet)})`));
  server.on("mirror_buy_failed", (m) => line("mirror", `buy failed ${short(m.mint)}: ${m.reason}`));
  server.on("registration", (r) =>
    line(
      "register",
      r.ok
        ? `wallet ${short(r.wallet_pubkey ?? "?")} registered${r.label === undefined ? "" : ` (${r.label})`}`
        : `refused HTTP ${r.status}${r.wallet_pubkey === undefined ? "" : ` wallet ${short(r.wallet_pubkey)}`}: ${r.reason ?? r.code ?? ""}`,
    ),
  );
  server.on("mirror_wallet_auto_disabled", (m) => line("mirror", `auto-disabled ${short(m.watched_wallet)} after ${m.loss_count} losses`));
}

export interface MockCommandOptions extends MockStreamServerOptions {
  /** Simulated buy period. */
  buyEveryMs: number;
  maxOpenPerWallet: number;
}

/** Starts the server for the CLI and logs a banner. */
export async function startMock(options: MockCommandOptions, write: (line: string) => void): Promise<MockStreamServer> {
  const { buyEveryMs, maxOpenPerWallet, ...serverOptions } = options;
  const server = await MockStreamServer.start({
    allowEmptyStrategy: true,
    ...serverOptions,
    simulateBuys: { everyMs: buyEveryMs, maxOpenPerWallet },
  });
  logEvents(server, write);
  const host = options.host ?? "127.0.0.1";
  const local = host === "127.0.0.1" || host === "localhost" ? `ws://localhost:${server.port}/v1/ws` : server.url;
  write(`lasersell-stream mock listening on ${local} (tier ${server.tier}, seed ${server.seed})`);
  write(`  stream  ${server.url}   any non-empty x-api-key${options.apiKeys ? " from --api-key" : ""}`);
  write(`  rpc     ${server.rpcUrl}   sendTransaction settles exits`);
  write(
    `  wallets ${server.apiUrl}/v1/wallets/register   ${options.requireRegistration === true ? "registration required before configure" : "registration accepted, not required (--require-registration)"}`,
  );
  write(`  exit api ${server.apiUrl}/v1/sell, /v1/buy, /v1/account, /v1/history   ExitApiClient with local: true`);
  write(`  positions open every ${buyEveryMs} ms per configured wallet (up to ${maxOpenPerWallet}); Ctrl-C stops`);
  return server;
}

const HELP = `Usage: lasersell-stream mock [options]

Runs a local LaserSell stream server with a simulated market: positions open by themselves for
every configured wallet, prices move, your exit strategy fires, and the transactions you sign and
send to its JSON-RPC settle. Stream, RPC and wallet registration share one port. Ctrl-C stops it.

Options:
  --port N              Port (default 8082, where StreamClient's { local: true } connects; 0 picks a free one)
  --host H              Interface to bind (default 127.0.0.1)
  --tier 0|1|2          Tier limits; liquidity snapshots and ladders on 1+ (default 1)
  --seed N              Seed of prices, ids and accounts (default random, printed)
  --api-key KEY         Accept only this key (repeatable; default any non-empty key)
  --hello-order O       after_configure (default) or on_connect
  --pnl-flush-ms N      Simulator period (default 100)
  --settle-ms N         Delay before a submitted exit settles (default 200)
  --buy-every-ms N      Simulated buy period per configured wallet (default 5000)
  --max-open N          Open positions per wallet the simulation keeps (default 3)
  --require-registration
                        Refuse configure for wallets not registered to the API key
                        (POST /v1/wallets/register on the same port), as the real service does
  --replay FILE         Serve a recording (lasersell-stream record) instead of the simulated market
  --speed N             Replay speed (default 1; 10 = ten times faster)
  --loop                Start the replay over when it ends
  --record FILE         Write a synthetic recording of --duration seconds of the simulated
                        market (what a connected client receives) and exit
  --duration SEC        Length of --record (default 60)
  -h, --help            Show this help

Examples:
  lasersell-stream mock
  lasersell-stream mock --seed 7 --buy-every-ms 1000 --max-open 5
  lasersell-stream mock --port 0 --require-registration --api-key my-test-key
  lasersell-stream mock --record synthetic.ndjson.gz --duration 60 --seed 7
  lasersell-stream mock --replay session.ndjson.gz --speed 10
`;

/** `lasersell-stream mock`. */
export const mockCommand: Command = {
  name: "mock",
  summary: "Run a local stream server with a simulated market (ws://localhost:8082/v1/ws).",
  help: HELP,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        tier: { type: "string" },
        seed: { type: "string" },
        "api-key": { type: "string", multiple: true },
        "hello-order": { type: "string" },
        "pnl-flush-ms": { type: "string" },
        "settle-ms": { type: "string" },
        "buy-every-ms": { type: "string" },
        "max-open": { type: "string" },
        "require-registration": { type: "boolean" },
        replay: { type: "string" },
        speed: { type: "string" },
        loop: { type: "boolean" },
        record: { type: "string" },
        duration: { type: "string" },
      },
    });
    const tier = intOption("tier", values.tier, 1);
    if (tier > 2) throw new CliError("--tier must be 0, 1 or 2");
    const write = (line: string): void => io.stdout(`${line}\n`);
    if (values.record !== undefined) {
      const durationSec = values.duration === undefined ? 60 : Number(values.duration);
      if (!(durationSec > 0)) throw new CliError(`--duration must be a number of seconds > 0, got ${values.duration}`);
      const seed = values.seed === undefined ? undefined : intOption("seed", values.seed, 0);
      await recordSynthetic(
        { out: values.record, durationSec, seed, tier: tier as 0 | 1 | 2, pnlFlushMs: intOption("pnl-flush-ms", values["pnl-flush-ms"], 100, 1), signal: io.signal },
        write,
      );
      return 0;
    }
    const helloOrder = values["hello-order"] ?? "after_configure";
    if (helloOrder !== "after_configure" && helloOrder !== "on_connect") {
      throw new CliError("--hello-order must be after_configure or on_connect");
    }
    const seed = values.seed === undefined ? undefined : intOption("seed", values.seed, 0);
    const apiKeys = values["api-key"];
    const server = await startMock(
      {
        port: intOption("port", values.port, 8082),
        host: values.host ?? "127.0.0.1",
        tier: tier as 0 | 1 | 2,
        helloOrder,
        pnlFlushMs: intOption("pnl-flush-ms", values["pnl-flush-ms"], 100, 1),
        settleMs: intOption("settle-ms", values["settle-ms"], 200),
        buyEveryMs: intOption("buy-every-ms", values["buy-every-ms"], 5_000, 1),
        maxOpenPerWallet: intOption("max-open", values["max-open"], 3, 1),
        ...(seed === undefined ? {} : { seed }),
        ...(apiKeys === undefined ? {} : { apiKeys }),
        ...(values["require-registration"] === true ? { requireRegistration: true } : {}),
      },
      write,
    );
    if (values.replay !== undefined) {
      const speed = values.speed === undefined ? 1 : Number(values.speed);
      if (!(speed > 0)) throw new CliError(`--speed must be a number > 0, got ${values.speed}`);
      const replay = await server.replay(values.replay, { speed, loop: values.loop === true });
      write(`  replaying ${values.replay} (${replay.total} frames, speed ${speed}${values.loop === true ? ", looping" : ""}) to each client that configures`);
    }
    await untilAborted(io.signal);
    const reason: unknown = io.signal.reason;
    if (typeof reason === "string") write(`${reason}: stopping`);
    await server.close();
    write("stopped");
    return 0;
  },
};

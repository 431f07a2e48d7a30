/**
 * The `lasersell-stream` command line.
 *
 *   lasersell-stream tail --wallet PUBKEY [--api-key KEY] [--endpoint URL | --local] [--tp --sl --trailing --deadline] [--json]
 *   lasersell-stream mock [--port 8082] [--host 127.0.0.1] [--tier 1] [--seed N] [--api-key KEY]...
 *                         [--hello-order after_configure|on_connect] [--pnl-flush-ms 100]
 *                         [--settle-ms 200] [--buy-every-ms 5000] [--max-open 3] [--require-registration]
 *                         [--replay FILE [--speed N] [--loop]] | [--record FILE --duration SEC]
 *   lasersell-stream record --out FILE --wallet PUBKEY [...]
 *   lasersell-stream backtest FILE --strategy SPEC [...] [--deadline SEC] [--html FILE]
 */
import { parseArgs } from "node:util";
import { startMock } from "./mock.js";
import { TAIL_USAGE, runTail } from "./tail.js";
import { RECORD_USAGE, recordSynthetic, runRecord } from "./record.js";
import { BACKTEST_USAGE, runBacktest } from "./backtest.js";

const USAGE = `Usage: lasersell-stream <command> [options]

Commands:
  mock      Run a local LaserSell stream server (ws://localhost:8082/v1/ws) with a simulated market.
  tail      Connect a session and print every event (see 'lasersell-stream tail --help').
  record    Record a live session to a file (see 'lasersell-stream record --help').
  backtest  Compare exit strategies on a recording (see 'lasersell-stream backtest --help').

Options of mock:
  --port N              Port (default 8082; 0 picks a free one)
  --host H              Interface to bind (default 127.0.0.1)
  --tier 0|1|2          Tier limits; liquidity snapshots on 1+ (default 1)
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
  --replay FILE         Serve a recording instead of the simulated market
  --speed N             Replay speed (default 1; 10 = ten times faster)
  --loop                Start the replay over when it ends
  --record FILE         Write a synthetic recording of --duration seconds of the simulated
                        market (what a connected client receives) and exit
  --duration SEC        Length of --record (default 60)
  -h, --help            Show this help
`;

function int(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${value}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "tail") {
    if (argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write(TAIL_USAGE);
      return 0;
    }
    return runTail(argv.slice(1));
  }
  // Each subcommand module parses its own options.
  const modules: Record<string, { usage: string; run: (args: string[]) => Promise<number> }> = {
    record: { usage: RECORD_USAGE, run: (args) => runRecord(args, (line) => process.stdout.write(`${line}\n`)) },
    backtest: { usage: BACKTEST_USAGE, run: (args) => runBacktest(args, (text) => process.stdout.write(text)) },
  };
  const sub = argv[0] === undefined ? undefined : modules[argv[0]];
  if (sub !== undefined) {
    // The reader went away (e.g. `| head`): stop quietly instead of crashing on EPIPE.
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    });
    if (argv.includes("--help") || argv.includes("-h")) {
      process.stdout.write(sub.usage);
      return 0;
    }
    return sub.run(argv.slice(1));
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
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
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals[0];
  if (values.help === true || command === undefined || command === "help") {
    process.stdout.write(USAGE);
    return command === undefined && values.help !== true ? 1 : 0;
  }
  if (command !== "mock") {
    process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
    return 1;
  }
  const tier = int("tier", values.tier, 1);
  if (tier > 2) throw new Error("--tier must be 0, 1 or 2");
  if (values.record !== undefined) {
    const durationSec = values.duration === undefined ? 60 : Number(values.duration);
    if (!(durationSec > 0)) throw new Error(`--duration must be a number of seconds > 0, got ${values.duration}`);
    const seed = values.seed === undefined ? undefined : int("seed", values.seed, 0);
    await recordSynthetic(
      { out: values.record, durationSec, seed, tier: tier as 0 | 1 | 2, pnlFlushMs: int("pnl-flush-ms", values["pnl-flush-ms"], 100, 1) },
      (line) => process.stdout.write(`${line}\n`),
    );
    return 0;
  }
  const helloOrder = values["hello-order"] ?? "after_configure";
  if (helloOrder !== "after_configure" && helloOrder !== "on_connect") {
    throw new Error("--hello-order must be after_configure or on_connect");
  }
  const seed = values.seed === undefined ? undefined : int("seed", values.seed, 0);
  const apiKeys = values["api-key"];
  const write = (line: string): void => {
    if (process.stdout.writable) process.stdout.write(`${line}\n`);
  };
  const server = await startMock(
    {
      port: int("port", values.port, 8082),
      host: values.host ?? "127.0.0.1",
      tier: tier as 0 | 1 | 2,
      helloOrder,
      pnlFlushMs: int("pnl-flush-ms", values["pnl-flush-ms"], 100, 1),
      settleMs: int("settle-ms", values["settle-ms"], 200),
      buyEveryMs: int("buy-every-ms", values["buy-every-ms"], 5_000, 1),
      maxOpenPerWallet: int("max-open", values["max-open"], 3, 1),
      ...(seed === undefined ? {} : { seed }),
      ...(apiKeys === undefined ? {} : { apiKeys }),
      ...(values["require-registration"] === true ? { requireRegistration: true } : {}),
    },
    write,
  );
  if (values.replay !== undefined) {
    const speed = values.speed === undefined ? 1 : Number(values.speed);
    if (!(speed > 0)) throw new Error(`--speed must be a number > 0, got ${values.speed}`);
    const replay = await server.replay(values.replay, { speed, loop: values.loop === true });
    write(`  replaying ${values.replay} (${replay.total} frames, speed ${speed}${values.loop === true ? ", looping" : ""}) to each client that configures`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      write(`${signal}: stopping`);
      void server.close().then(() => {
        write("stopped");
        resolve();
      });
    };
    const onInt = (): void => stop("SIGINT");
    const onTerm = (): void => stop("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    // The reader went away (e.g. `| head`): stop quietly instead of crashing on EPIPE.
    process.stdout.on("error", () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      void server.close().then(() => resolve());
    });
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`lasersell-stream: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);

/**
 * `lasersell-stream record` (a live session to a file) and `lasersell-stream mock --record`
 * (a synthetic recording from the mock's seeded market).
 */
import { numberOption, STREAM_FLAGS, strategyFromFlags, type Command } from "./command.js";
import { parseArgs } from "node:util";
import { Keypair } from "@solana/web3.js";
import WebSocket from "ws";
import { StreamClient } from "../client/index.js";
import { parseServerMessage, stringifyClientMessage, type StrategyConfig } from "../protocol/index.js";
import { recordSession } from "../record/index.js";
import { RecordingWriter } from "../record/writer.js";
import { MockStreamServer } from "../testing/index.js";
import { signExitTransaction, submitTransaction } from "../tx/index.js";

export const RECORD_USAGE = `Usage: lasersell-stream record --out FILE --wallet PUBKEY [--wallet PUBKEY]... [options]

Records every frame of a live session to FILE (NDJSON; gzip when FILE ends in .gz): frames as
received with their local time, what the client sent, disconnects and reconnects. The API key is
never written. Safe to stop at any moment (Ctrl-C, kill): the file stays readable.

Options of record:
  --out FILE            Recording to write (required)
  --api-key KEY         API key (default: $LASERSELL_API_KEY); never printed or written
  --wallet PUBKEY       Wallet to record (repeatable, required)
  --endpoint URL        Stream endpoint (default wss://stream.lasersell.io/v1/ws)
  --local               Use ws://localhost:8082/v1/ws (where 'lasersell-stream mock' listens)
  --tp PCT --sl PCT --trailing PCT --deadline SEC
                        The strategy configured for the session (0 or absent: off;
                        at least one is needed)
  --duration SEC        Stop after this long (default: until Ctrl-C)
  -h, --help            Show this help

Examples:
  lasersell-stream record --local --wallet <PUBKEY> --sl 10 --out session.ndjson.gz --duration 600
  LASERSELL_API_KEY=... lasersell-stream record --wallet <PUBKEY> --tp 20 --sl 10 --out live.ndjson.gz
`;


/** Resolves after `durationSec` (when > 0) or when `signal` aborts (Ctrl-C, SIGTERM, closed output). */
function stopped(durationSec: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = durationSec > 0 ? setTimeout(done, durationSec * 1000) : undefined;
    if (signal.aborted) done();
    else signal.addEventListener("abort", done, { once: true });
  });
}

/** `lasersell-stream record`: resolves with the exit code. */
export async function runRecord(argv: string[], write: (line: string) => void, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...STREAM_FLAGS, out: { type: "string" }, duration: { type: "string" } },
  });
  if (values.out === undefined) throw new Error("--out FILE is required");
  const apiKey = values["api-key"] ?? env["LASERSELL_API_KEY"];
  if (apiKey === undefined || apiKey.trim() === "") throw new Error("an API key is required: --api-key or LASERSELL_API_KEY");
  const wallets = values.wallet ?? [];
  if (wallets.length === 0) throw new Error("at least one --wallet is required");
  const { strategy, deadlineSec } = strategyFromFlags("record", values, undefined);
  const client = new StreamClient(apiKey, {
    ints: "bigint",
    ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
    ...(values.local === true ? { local: true } : {}),
  });
  const connection = await client.connect({
    wallet_pubkeys: wallets,
    strategy,
    ...(deadlineSec > 0 ? { deadline_timeout_sec: deadlineSec } : {}),
  });
  const recorder = recordSession(connection, values.out);
  write(`recording to ${values.out} (Ctrl-C stops)`);
  // Drain the connection: the recorder listens to the raw frames, nobody reads the messages.
  const drain = (async () => {
    while ((await connection.recv()) !== null) {
      /* recorded by the tap */
    }
  })();
  await stopped(numberOption("duration", values.duration) ?? 0, signal);
  await connection.close();
  await drain;
  await recorder.stop();
  const { lines, dropped } = recorder.stats;
  write(`recorded ${lines - 1} line(s) to ${values.out}${dropped > 0 ? ` (${dropped} dropped: the disk fell behind)` : ""}`);
  return 0;
}

/** Options of {@link recordSynthetic}. */
export interface SyntheticOptions {
  out: string;
  durationSec: number;
  /** Stops early (the CLI's Ctrl-C). */
  signal?: AbortSignal | undefined;
  seed?: number | undefined;
  tier?: 0 | 1 | 2;
  pnlFlushMs?: number;
  /** The strategy the simulated bot runs (exits fire, get signed and settle). */
  strategy?: StrategyConfig;
}

/** The strategy of synthetic recordings: wide, so the paths run long enough to compare strategies on. */
export const SYNTHETIC_STRATEGY: StrategyConfig = { target_profit_pct: 40, stop_loss_pct: 25 };

/**
 * Runs the mock's seeded market for `durationSec` with two simulated wallets, a client that signs
 * and submits every exit, and writes exactly what that client received (the first `hello_ok`
 * included) to `out`. Resolves with the recording's counters.
 */
export async function recordSynthetic(options: SyntheticOptions, write: (line: string) => void = () => {}): Promise<{ lines: number; exits: number; seed: number }> {
  const server = await MockStreamServer.start({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    tier: options.tier ?? 1,
    pnlFlushMs: options.pnlFlushMs ?? 100,
    settleMs: 100,
    simulateBuys: { everyMs: 700, maxOpenPerWallet: 3 },
  });
  const keypairs = [Keypair.generate(), Keypair.generate()];
  const configure = {
    type: "configure" as const,
    wallet_pubkeys: keypairs.map((k) => k.publicKey.toBase58()),
    strategy: options.strategy ?? SYNTHETIC_STRATEGY,
  };
  const configureText = stringifyClientMessage(configure);
  const writer = new RecordingWriter(options.out, { source: "mock", configure: configureText, note: `mock seed ${server.seed}` });
  write(`recording ${options.durationSec} s of the mock market (seed ${server.seed}) to ${options.out}`);
  let exits = 0;
  const ws = new WebSocket(server.url, { headers: { "x-api-key": "synthetic" } });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => {
        ws.send(configureText);
        writer.frame("out", configureText);
        resolve();
      });
      ws.once("error", reject);
    });
    ws.on("message", (data: WebSocket.RawData) => {
      const text = Buffer.isBuffer(data) ? data.toString() : Buffer.from(data as ArrayBuffer).toString();
      writer.frame("in", text);
      const r = parseServerMessage(text, { ints: "bigint" });
      if (r.kind !== "message" || r.message.type !== "exit_signal_with_tx") return;
      const m = r.message;
      const keypair = keypairs.find((k) => k.publicKey.toBase58() === m.wallet_pubkey);
      if (keypair === undefined) return;
      exits++;
      const { signedTxB64 } = signExitTransaction(m, keypair);
      submitTransaction(server.rpcUrl, signedTxB64, { timeoutMs: 3_000 }).catch(() => {
        /* a refused settlement stays in the recording as an unsettled exit */
      });
    });
    await stopped(options.durationSec, options.signal ?? new AbortController().signal);
  } finally {
    ws.terminate();
    await server.close();
    await writer.close();
  }
  write(`wrote ${writer.stats.lines} line(s), ${exits} exit(s); backtest it: lasersell-stream backtest ${options.out} --strategy "tp=20,sl=10"`);
  return { lines: writer.stats.lines, exits, seed: server.seed };
}

/** `lasersell-stream record`. */
export const recordCommand: Command = {
  name: "record",
  summary: "Record a live session (every frame, exactly as received) to an NDJSON file (.gz: gzip).",
  help: RECORD_USAGE,
  run: (argv, io) => runRecord(argv, (line) => io.stdout(`${line}\n`), io.env, io.signal),
};

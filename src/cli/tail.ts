/**
 * `lasersell-stream tail`: connects a `StreamSession` and prints every event as one readable line
 * (or NDJSON with `--json`), with a one-line live status on a terminal. The API key comes from
 * `--api-key` or `LASERSELL_API_KEY` and is never printed. With `--local` it needs nothing else:
 * the mock accepts any key, a wallet is generated and a default strategy is used.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import bs58 from "bs58";
import { StreamClient } from "../client/index.js";
import { writeJson } from "../protocol/index.js";
import { StreamSession, type StreamEvent } from "../session/index.js";
import { inspectTransaction } from "../tx/inspect.js";
import { isLoopbackHost } from "../util/net.js";
import { CliError, numberOption, STREAM_FLAGS, strategyFromFlags, type CliIo, type Command } from "./command.js";
import { clock, pct, pnlPercent, sol, tokens } from "./format.js";

/** The API key `tail --local` sends when none is given (the mock accepts any non-empty key). */
export const LOCAL_API_KEY = "local-mock-key";
/** The strategy `tail --local` uses when no rule flag is given: `--tp 10 --sl 5`. */
export const LOCAL_DEFAULT_STRATEGY = { target_profit_pct: 10, stop_loss_pct: 5 } as const;

export const TAIL_USAGE = `Usage: lasersell-stream tail [--wallet PUBKEY]... [options]

Connects a session and prints every event as one line (PnL in SOL and %, token amounts with their
decimals), with a live status line on a terminal. Signs nothing.

Options:
  --api-key KEY         API key (default: $LASERSELL_API_KEY); never printed
  --wallet PUBKEY       Wallet to watch (repeatable)
  --endpoint URL        Stream endpoint (default wss://stream.lasersell.io/v1/ws)
  --local               Use ws://localhost:8082/v1/ws (where 'lasersell-stream mock' listens)
  --tp PCT              Take profit at +PCT % (0 or absent: off)
  --sl PCT              Stop loss at -PCT % (0 or absent: off)
  --trailing PCT        Trailing stop, PCT points below the peak (0 or absent: off)
  --deadline SEC        Client-side deadline per position (0 or absent: off)
                        At least one of --tp, --sl, --trailing, --deadline is needed.
  --only WHAT           exits (exit signals, deadlines, closes), positions (also opens and
                        balances) or all (default; also PnL, liquidity and trade ticks).
                        Connection events and errors are always shown.
  --json                One JSON object per event (NDJSON), integers exact
  --duration SEC        Stop after this long (default: until Ctrl-C)
  -h, --help            Show this help

With --local (or a loopback --endpoint, i.e. a mock) nothing is required: the key defaults to
'${LOCAL_API_KEY}', a generated wallet is watched, and the strategy to --tp 10 --sl 5.

Examples:
  lasersell-stream mock &                       # in another terminal
  lasersell-stream tail --local
  lasersell-stream tail --local --tp 20 --sl 10 --only exits
  LASERSELL_API_KEY=... lasersell-stream tail --wallet <PUBKEY> --sl 10 --json | head -1
`;

/** Writes lines; the status line is redrawn in place on a terminal. */
interface Output {
  line(text: string): void;
  status(text: string): void;
}

function terminalOutput(io: CliIo): Output {
  let status = "";
  return {
    line(text) {
      io.stdout(io.tty && status !== "" ? `\r\x1b[2K${text}\n${status}` : `${text}\n`);
    },
    status(text) {
      if (!io.tty) return;
      status = text;
      io.stdout(`\r\x1b[2K${text}`);
    },
  };
}

/** Which events `--only` keeps. Connection events and errors always pass. */
export type TailFilter = "exits" | "positions" | "all";

const EXIT_EVENTS = new Set(["exit_signal_with_tx", "deadline", "position_closed"]);
const POSITION_EVENTS = new Set([...EXIT_EVENTS, "position_opened", "balance_update"]);
const ALWAYS = new Set(["hello_ok", "error", "disconnected", "reconnected", "unknown"]);

/** True when `--only filter` prints events of this type. */
export function shows(filter: TailFilter, type: string): boolean {
  if (filter === "all" || ALWAYS.has(type)) return true;
  return (filter === "exits" ? EXIT_EVENTS : POSITION_EVENTS).has(type);
}

/** The exit's top-level programs, named when known (an unknown one is what the guard would refuse). */
function programsOf(unsignedTxB64: string): string {
  try {
    return inspectTransaction(unsignedTxB64).programs.map((p) => p.name ?? `UNKNOWN ${p.id}`).join(", ");
  } catch (err) {
    return `(undecodable: ${(err as Error).message})`;
  }
}

/** PnL as `+0.0123 SOL (+12.3%)`. */
function pnl(profit: bigint, proceeds: bigint): string {
  const percent = pnlPercent(profit, proceeds);
  return `${sol(profit, 4, true)}${percent === undefined ? "" : ` (${pct(percent)})`}`;
}

/** One readable line per event. */
export function describeEvent(event: StreamEvent<"bigint">): string {
  const time = clock();
  const pad = (s: string): string => `${time} ${s.padEnd(20)}`;
  const decimals = "handle" in event ? event.handle?.token_decimals : undefined;
  switch (event.type) {
    case "exit_signal_with_tx": {
      const m = event.message;
      const level = m.level_index === undefined ? "" : ` level ${m.level_index}`;
      const sell = m.sell_tokens === undefined ? "all" : tokens(m.sell_tokens, decimals);
      return `${pad(event.type)} position ${m.position_id} ${m.reason}${level} sell ${sell} profit ${sol(m.profit_units, 4, true)} programs ${programsOf(m.unsigned_tx_b64)}`;
    }
    case "pnl_update":
      return `${pad(event.type)} position ${event.message.position_id} profit ${pnl(event.message.profit_units, event.message.proceeds_units)} proceeds ${sol(event.message.proceeds_units)}`;
    case "position_opened": {
      const m = event.message;
      return `${pad(event.type)} position ${m.position_id} ${m.token_symbol ?? m.mint} ${tokens(m.tokens, m.token_decimals)} tokens for ${sol(m.entry_quote_units)}${m.watched ? " (watched)" : ""}`;
    }
    case "position_closed":
      return `${pad(event.type)} position ${event.message.position_id} ${event.message.reason}`;
    case "liquidity_snapshot":
      return `${pad(event.type)} position ${event.message.position_id} ${event.message.liquidity_trend}, ${event.message.bands.length} bands`;
    case "trade_tick":
      return `${pad(event.type)} position ${event.message.position_id} ${event.message.side} ${tokens(event.message.token_amount, decimals)} for ${sol(event.message.quote_amount)}`;
    case "balance_update":
      return `${pad(event.type)} ${event.message.wallet_pubkey} ${event.message.mint} ${tokens(event.message.tokens, decimals)}${decimals === undefined ? " (raw units)" : ""}`;
    case "hello_ok":
      return `${pad(event.type)} session ${event.message.session_id}`;
    case "error":
      return `${pad(event.type)} ${event.message.code}: ${event.message.message}`;
    case "disconnected":
      return `${pad(event.type)} code ${event.code}${event.reason === "" ? "" : ` ${event.reason}`}${event.willReconnect ? ", reconnecting" : ""}`;
    case "reconnected":
      return `${pad(event.type)} attempt ${event.attempt}, session ${event.hello.session_id}`;
    case "deadline":
      return `${pad(event.type)} position ${event.handle.position_id}: exit requested`;
    case "unknown":
      return `${pad(event.type)} ${event.messageType}`;
    default:
      return `${pad(event.type)} ${writeJson(event.message)}`;
  }
}

/** An event as one JSON object: `{ "event": type, ...fields }`, integers exact. */
export function eventJson(event: StreamEvent<"bigint">): string {
  switch (event.type) {
    case "disconnected":
    case "reconnected":
      return writeJson(event);
    case "deadline":
      return writeJson({ type: "deadline", position_id: event.handle.position_id });
    case "unknown":
      return writeJson({ type: "unknown", message: event.value });
    default:
      return writeJson({ type: event.type, message: event.message });
  }
}

function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    return isLoopbackHost(new URL(endpoint).hostname);
  } catch {
    return false; // StreamClient reports the bad URL
  }
}

/**
 * Runs `tail` until Ctrl-C, `--duration` or `signal`; resolves with the exit code. `out` receives
 * the lines (tests pass their own).
 */
export async function runTail(argv: string[], env: NodeJS.ProcessEnv, out: Output, signal?: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...STREAM_FLAGS,
      only: { type: "string" },
      json: { type: "boolean" },
      duration: { type: "string" },
    },
  });
  // The mock's defaults (any key, a generated wallet, a default strategy) apply to --local and to
  // any loopback endpoint: nothing there is real money.
  const local = values.endpoint === undefined ? values.local === true : isLoopbackEndpoint(values.endpoint);
  const only = values.only ?? "all";
  if (only !== "exits" && only !== "positions" && only !== "all") throw new CliError(`--only must be exits, positions or all, got ${only}`);
  const { strategy, deadlineSec } = strategyFromFlags("tail", values, local ? LOCAL_DEFAULT_STRATEGY : undefined);
  const duration = numberOption("duration", values.duration) ?? 0;
  const apiKey = values["api-key"] ?? env["LASERSELL_API_KEY"] ?? (local ? LOCAL_API_KEY : undefined);
  if (apiKey === undefined || apiKey.trim() === "") throw new CliError("an API key is required: --api-key or LASERSELL_API_KEY (or --local for the mock)");
  const wallets = values.wallet ?? [];
  if (wallets.length === 0) {
    if (!local) throw new CliError("at least one --wallet is required (or --local, which watches a generated wallet)");
    wallets.push(bs58.encode(randomBytes(32)));
    out.line(`watching generated wallet ${wallets[0]} (local mock)`);
  }

  const client = new StreamClient(apiKey, {
    ints: "bigint",
    ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
    ...(values.local === true ? { local: true } : {}),
  });
  const session = await StreamSession.connect(client, { wallet_pubkeys: wallets, strategy, deadline_timeout_sec: deadlineSec });

  let online = true;
  let lastPnl = "";
  const drawStatus = (): void => {
    const stats = session.stats();
    out.status(
      `[${online ? "connected" : "reconnecting"}] positions ${session.positions().length}${lastPnl} | dropped ${JSON.stringify(stats.dropped)}`,
    );
  };

  const stop = new AbortController();
  const onStop = (): void => stop.abort();
  const timer = duration > 0 ? setTimeout(onStop, duration * 1000) : undefined;
  stop.signal.addEventListener("abort", () => void session.close(), { once: true });
  if (signal?.aborted === true) onStop();
  signal?.addEventListener("abort", onStop, { once: true });

  try {
    for await (const event of session) {
      if (event.type === "disconnected") online = false;
      if (event.type === "reconnected" || event.type === "hello_ok") online = true;
      if (event.type === "pnl_update") lastPnl = ` | last PnL #${event.message.position_id} ${pnl(event.message.profit_units, event.message.proceeds_units)}`;
      if (shows(only, event.type)) out.line(values.json === true ? eventJson(event) : describeEvent(event));
      drawStatus();
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onStop);
    await session.close();
    out.status("");
  }
  return 0;
}

/** `lasersell-stream tail`. */
export const tailCommand: Command = {
  name: "tail",
  summary: "Connect a session and print every event (PnL, exits, closes); signs nothing.",
  help: TAIL_USAGE,
  run: (argv, io) => runTail(argv, io.env, terminalOutput(io), io.signal),
};

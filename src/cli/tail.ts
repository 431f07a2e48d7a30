/**
 * `lasersell-stream tail`: connects a `StreamSession` and prints every event as one readable line
 * (or NDJSON with `--json`), with a one-line live status on a terminal. The API key comes from
 * `--api-key` or `LASERSELL_API_KEY` and is never printed.
 */
import { parseArgs } from "node:util";
import { StreamClient } from "../client/index.js";
import { writeJson } from "../protocol/index.js";
import { StreamSession, type StreamEvent } from "../session/index.js";
import { inspectTransaction } from "../tx/inspect.js";

export const TAIL_USAGE = `Usage: lasersell-stream tail --wallet PUBKEY [--wallet PUBKEY]... [options]

Options of tail:
  --api-key KEY         API key (default: $LASERSELL_API_KEY); never printed
  --wallet PUBKEY       Wallet to watch (repeatable, required)
  --endpoint URL        Stream endpoint (default wss://stream.lasersell.io/v1/ws)
  --local               Use ws://localhost:8082/v1/ws (where 'lasersell-stream mock' listens)
  --tp PCT              Take profit % (default 0: off)
  --sl PCT              Stop loss % (default 0: off)
  --trailing PCT        Trailing stop % (default 0: off)
  --deadline SEC        Client-side deadline per position (default 0: off)
  --json                One JSON object per event (NDJSON), integers exact
  --duration SEC        Stop after this long (default: until Ctrl-C)
`;

/** Writes lines; the status line is redrawn in place on a terminal. */
interface Output {
  line(text: string): void;
  status(text: string): void;
}

function terminalOutput(): Output {
  const tty = process.stdout.isTTY === true;
  let status = "";
  const write = (s: string): void => {
    if (process.stdout.writable) process.stdout.write(s);
  };
  return {
    line(text) {
      write(tty && status !== "" ? `\r\x1b[2K${text}\n${status}` : `${text}\n`);
    },
    status(text) {
      if (!tty) return;
      status = text;
      write(`\r\x1b[2K${text}`);
    },
  };
}

function num(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got ${value}`);
  return n;
}

/** The exit's top-level programs, named when known (an unknown one is what the guard would refuse). */
function programsOf(unsignedTxB64: string): string {
  try {
    return inspectTransaction(unsignedTxB64).programs.map((p) => p.name ?? `UNKNOWN ${p.id}`).join(", ");
  } catch (err) {
    return `(undecodable: ${(err as Error).message})`;
  }
}

const sol = (units: bigint): string => `${(Number(units) / 1e9).toFixed(4)} SOL`;

/** One readable line per event. */
export function describeEvent(event: StreamEvent<"bigint">): string {
  const time = new Date().toISOString().slice(11, 23);
  const pad = (s: string): string => `${time} ${s.padEnd(20)}`;
  switch (event.type) {
    case "exit_signal_with_tx": {
      const m = event.message;
      const level = m.level_index === undefined ? "" : ` level ${m.level_index}`;
      const sell = m.sell_tokens === undefined ? "all" : String(m.sell_tokens);
      return `${pad(event.type)} position ${m.position_id} ${m.reason}${level} sell ${sell} profit ${sol(m.profit_units)} programs ${programsOf(m.unsigned_tx_b64)}`;
    }
    case "pnl_update":
      return `${pad(event.type)} position ${event.message.position_id} profit ${sol(event.message.profit_units)} proceeds ${sol(event.message.proceeds_units)}`;
    case "position_opened": {
      const m = event.message;
      return `${pad(event.type)} position ${m.position_id} ${m.token_symbol ?? m.mint} ${m.tokens} tokens for ${sol(m.entry_quote_units)}${m.watched ? " (watched)" : ""}`;
    }
    case "position_closed":
      return `${pad(event.type)} position ${event.message.position_id} ${event.message.reason}`;
    case "liquidity_snapshot":
      return `${pad(event.type)} position ${event.message.position_id} ${event.message.liquidity_trend}, ${event.message.bands.length} bands`;
    case "trade_tick":
      return `${pad(event.type)} position ${event.message.position_id} ${event.message.side} ${event.message.token_amount} for ${sol(event.message.quote_amount)}`;
    case "balance_update":
      return `${pad(event.type)} ${event.message.wallet_pubkey} ${event.message.mint} ${event.message.tokens}`;
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

/** Runs `tail` until Ctrl-C, `--duration` or `signal`; resolves with the exit code. */
export async function runTail(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: Output = terminalOutput(),
  signal?: AbortSignal,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "api-key": { type: "string" },
      wallet: { type: "string", multiple: true },
      endpoint: { type: "string" },
      local: { type: "boolean" },
      tp: { type: "string" },
      sl: { type: "string" },
      trailing: { type: "string" },
      deadline: { type: "string" },
      json: { type: "boolean" },
      duration: { type: "string" },
    },
  });
  const apiKey = values["api-key"] ?? env["LASERSELL_API_KEY"];
  if (apiKey === undefined || apiKey.trim() === "") throw new Error("an API key is required: --api-key or LASERSELL_API_KEY");
  const wallets = values.wallet ?? [];
  if (wallets.length === 0) throw new Error("at least one --wallet is required");

  const client = new StreamClient(apiKey, {
    ints: "bigint",
    ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }),
    ...(values.local === true ? { local: true } : {}),
  });
  const trailing = num("trailing", values.trailing);
  const session = await StreamSession.connect(client, {
    wallet_pubkeys: wallets,
    strategy: {
      target_profit_pct: num("tp", values.tp),
      stop_loss_pct: num("sl", values.sl),
      ...(trailing > 0 ? { trailing_stop_pct: trailing } : {}),
    },
    deadline_timeout_sec: num("deadline", values.deadline),
  });

  let online = true;
  let lastPnl = "";
  const drawStatus = (): void => {
    const stats = session.stats();
    out.status(
      `[${online ? "connected" : "reconnecting"}] positions ${session.positions().length}${lastPnl} | dropped ${JSON.stringify(stats.dropped)}`,
    );
  };

  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const duration = num("duration", values.duration);
  const timer = duration > 0 ? setTimeout(onSignal, duration * 1000) : undefined;
  stop.signal.addEventListener("abort", () => void session.close(), { once: true });
  if (signal?.aborted === true) onSignal();
  signal?.addEventListener("abort", onSignal, { once: true });

  try {
    for await (const event of session) {
      if (event.type === "disconnected") online = false;
      if (event.type === "reconnected" || event.type === "hello_ok") online = true;
      if (event.type === "pnl_update") lastPnl = ` | last PnL #${event.message.position_id} ${sol(event.message.profit_units)}`;
      out.line(values.json === true ? eventJson(event) : describeEvent(event));
      drawStatus();
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onSignal);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await session.close();
    out.status("");
  }
  return 0;
}

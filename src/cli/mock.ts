/**
 * `lasersell-stream mock`: runs a {@link MockStreamServer} with simulated buys and logs one
 * readable line per event.
 */
import { MockStreamServer, type MockStreamServerOptions } from "../testing/index.js";

/** Shortens a base58 key for logs: `6anb…8Zhi`. */
export function short(key: string): string {
  return key.length > 10 ? `${key.slice(0, 4)}…${key.slice(-4)}` : key;
}

function sol(lamports: bigint | number): string {
  return `${(Number(lamports) / 1e9).toFixed(3)} SOL`;
}

function pct(value: number): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(2)}%`;
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

/** Wires one log line per server event. `write` receives lines without a trailing newline. */
export function logEvents(server: MockStreamServer, write: (line: string) => void): void {
  const line = (event: string, text: string): void => write(`${clock()} ${event.padEnd(10)} ${text}`);
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
      `position ${p.position_id} ${p.watched ? "watched " : ""}wallet ${short(p.wallet_pubkey)} mint ${short(p.mint)} ${p.tokens} tokens for ${sol(p.entry_quote_units)}`,
    ),
  );
  server.on("exit_signal", (e) =>
    line(
      "exit",
      `position ${e.position_id} ${e.reason}${e.level_index === undefined ? "" : ` level ${e.level_index}`} sell ${e.sell_tokens ?? "all"} profit ${sol(e.profit_units)}`,
    ),
  );
  server.on("submitted", (s) => line("submit", `${s.kind} position ${s.position_id ?? "-"} signature ${short(s.signature)}`));
  server.on("settled", (s) => line("settled", `position ${s.position_id} sold ${s.sold}, ${s.tokens_left} left`));
  server.on("position_closed", (p, reason) => line("closed", `position ${p.position_id} ${reason} at ${pct(p.pnl_pct)}`));
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

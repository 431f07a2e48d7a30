/**
 * The benchmark server: a raw `ws` server on 127.0.0.1 (random port) run in its own process, so
 * that the client under test has a core of its own. Every client library connects to it the
 * same way; the scenario is chosen by the URL's query string, which all clients pass through
 * untouched:
 *
 *   ?s=throughput&n=200000      n pnl_update frames (distinct positions), as fast as possible
 *   ?s=latency&n=500&flood=20   n exit signals, each after `flood` pnl_updates; profit_units
 *                               carries the send time in microseconds (wall clock, same machine)
 *   ?s=slow&n=100000&p=10       n pnl_update frames over p positions, as fast as possible
 *   ?s=steady&rate=2000&secs=5  pnl_update at a steady rate
 *   ?s=drop&k=KEY&times=5&up=2500  drop each connection `up` ms after hello_ok (longer than the
 *                               clients' minimum uptime, so each drop is the first after a stable
 *                               link); the time from the drop to the next configure is reported
 *   ?s=stall&k=KEY              stop reading and answering 300 ms after hello_ok; the time to the
 *                               next configure is reported on stdout
 *
 * Pre-framed scenarios: the WebSocket frames are built before the run and written to the TCP
 * socket as bytes (as a real server's kernel hands them over), so the server is never what is
 * measured:
 *
 *   ?s=sparse&n=400&gap=5&flood=0  one exit signal every `gap` ms (cold caches on every frame),
 *                               `flood` pnl_updates spread between two exits
 *   ?s=signed&n=400&gap=5       as sparse, but every exit carries a real LaserSell-shaped sell
 *                               (compute budget + router) for the bench keypair's wallet, so
 *                               each client can sign it (signal-to-signed)
 *   ?s=ingest&n=200000          n pnl_update frames of ~480 bytes over 256 positions, as fast as
 *                               the socket takes them, then one exit signal with position_id 0
 *                               as the final marker (a coalescing client is timed on what it
 *                               ingested, not on what it delivered)
 *
 * It prints `{"port":N}` when listening and `{"event":...}` lines for server-side measurements.
 */
import { performance } from "node:perf_hooks";
import { WebSocketServer, type WebSocket } from "ws";
import { Keypair } from "@solana/web3.js";
import { buildSellTx, MockPrng } from "../src/testing/index.js";
import { BENCH_SEED } from "./keys.js";

const TX =
  "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAUBxswmLCR5nrkejg9TroSHjnvIxhvijw4/MEYKxRmBc48HwuTpEHFTnPmBm4MzsUZzgojOeoHxP7KF4ODx7ULsj+TxM9dyI2ofZHFQEqs9bRI2q03IH+XGJ/C3pKldJEDiI/d3OL/zGGXifCn9qtU5KbRu/oNnVmsyW1EXuF0EVo11cLQEYlSEn0uD9RAc/OvJOvjgGhVDRQrnxy5FwSHRbNnprdHyQmcmieuDkn6zUxZHDsywLmzlEkTwBKIWzUIVm9s4EUPcH3QCVv6Nau3qRJ8hC4a1PfAc+ClDDC4z7gNPoE6HwjRKcoCsLUVYzQT+QAkDBLuBjfowg3k+73IbqNGmbqh+i9Xj";
const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
const MINT = "B1rADWGjAKbZYVHMYhS5ZKyMbqFB65vmNNxUXdgFpump";

const nowUs = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);
const report = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};

const hello = (): string =>
  JSON.stringify({
    type: "hello_ok",
    session_id: 1,
    server_time_ms: Date.now(),
    limits: { hi_capacity: 256, pnl_flush_ms: 100, max_positions_per_session: 500 },
  });
const pnl = (id: number): string =>
  `{"type":"pnl_update","position_id":${id},"profit_units":65000000,"proceeds_units":565000000,"server_time_ms":1773792013300,"token_price_quote":32,"market_cap_quote":32000000000}`;
const exit = (id: number): string =>
  `{"type":"exit_signal_with_tx","session_id":1,"position_id":${id},"wallet_pubkey":"${WALLET}","mint":"${MINT}","position_tokens":17543859649123,"profit_units":${nowUs()},"reason":"stop_loss","triggered_at_ms":1773792051877,"market_context":{"market_type":"pump_fun","pumpfun":{}},"unsigned_tx_b64":"${TX}"}`;

/** The bench keypair's wallet and a real sell of its position (built once). */
const SIGNER = Keypair.fromSeed(BENCH_SEED).publicKey.toBase58();
const SELL_TX = buildSellTx(
  { wallet: SIGNER, mint: MINT, marketType: "pump_fun", marketContext: { market_type: "pump_fun", pumpfun: {} }, amount: 17_543_859_649_123n },
  new MockPrng(7),
).b64;
const signableExit = (id: number): string =>
  `{"type":"exit_signal_with_tx","session_id":1,"position_id":${id},"wallet_pubkey":"${SIGNER}","mint":"${MINT}","position_tokens":17543859649123,"profit_units":${nowUs()},"reason":"stop_loss","triggered_at_ms":1773792051877,"market_context":{"market_type":"pump_fun","pumpfun":{}},"unsigned_tx_b64":"${SELL_TX}"}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends frames from `make(i)` for i in [0, n) as fast as the socket takes them. */
async function blast(ws: WebSocket, n: number, make: (i: number) => string): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(make(i));
    if (ws.bufferedAmount > 1 << 22) {
      while (ws.bufferedAmount > 1 << 20 && ws.readyState === ws.OPEN) await sleep(1);
    }
  }
}

/** An unmasked server-to-client text frame (RFC 6455 5.2). */
function wsFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, n]) : n < 65_536 ? Buffer.from([0x81, 126, n >> 8, n & 255]) : Buffer.alloc(10);
  if (n >= 65_536) {
    head[0] = 0x81;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

type RawSocket = { write(b: Buffer): boolean; once(e: "drain", f: () => void): void; destroyed: boolean };
const rawSocket = (ws: WebSocket): RawSocket => (ws as unknown as { _socket: RawSocket })._socket;

/** Writes pre-built bytes, waiting for the kernel buffer to drain when it is full. */
async function writeRaw(ws: WebSocket, chunks: Buffer[]): Promise<void> {
  const socket = rawSocket(ws);
  for (const chunk of chunks) {
    if (socket.destroyed) return;
    if (!socket.write(chunk)) await new Promise<void>((resolve) => socket.once("drain", resolve));
  }
}

/** ~480-byte pnl_update frames, as the ingest regime (prices, caps, a mirror source). */
const pnl480 = (id: number, i: number): string =>
  `{"type":"pnl_update","position_id":${id},"profit_units":${65_000_000 + i},"proceeds_units":565000000,"server_time_ms":${1_773_792_013_300 + i},"token_price_quote":32,"market_cap_quote":32000000000,"watched":false,"mirror_source":"${WALLET}","wallet_pubkey":"${WALLET}","mint":"${MINT}","token_account":"3wEbogFD59ihp6BMG3fSWN3pmJZz7aHZWo1TQrbsLuMD","token_program":"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA","note":"pnl"}`;

let ingestCache: { n: number; chunks: Buffer[] } | undefined;
function ingestChunks(n: number): Buffer[] {
  if (ingestCache?.n === n) return ingestCache.chunks;
  const chunks: Buffer[] = [];
  for (let i = 0; i < n; i += 512) {
    const frames: Buffer[] = [];
    for (let j = i; j < Math.min(n, i + 512); j++) frames.push(wsFrame(pnl480((j % 256) + 1, j)));
    chunks.push(Buffer.concat(frames));
  }
  ingestCache = { n, chunks };
  return chunks;
}

const dropTimes = new Map<string, number>();
const dropCounts = new Map<string, number>();

async function run(ws: WebSocket, q: URLSearchParams): Promise<void> {
  const s = q.get("s");
  const n = Number(q.get("n") ?? 1000);
  const key = q.get("k") ?? "";
  switch (s) {
    case "throughput":
      await blast(ws, n, (i) => pnl(i + 1));
      break;
    case "slow": {
      const p = Number(q.get("p") ?? 10);
      await blast(ws, n, (i) => pnl((i % p) + 1));
      report({ event: "slow_sent", n });
      break;
    }
    case "latency": {
      const flood = Number(q.get("flood") ?? 0);
      for (let i = 0; i < n && ws.readyState === ws.OPEN; i++) {
        for (let f = 0; f < flood; f++) ws.send(pnl((f % 10) + 1));
        ws.send(exit(1000 + i));
        await sleep(2);
      }
      break;
    }
    case "sparse":
    case "signed": {
      const make = s === "signed" ? signableExit : exit;
      const gap = Number(q.get("gap") ?? 5);
      const flood = Number(q.get("flood") ?? 0);
      const pnls = Array.from({ length: flood }, (_, f) => wsFrame(pnl480((f % 10) + 1, f)));
      await sleep(50);
      const start = performance.now();
      for (let i = 0; i < n && ws.readyState === ws.OPEN; i++) {
        // The flood is spread over the gap; the exit leaves at its own time.
        for (let f = 0; f < flood; f++) {
          await writeRaw(ws, [pnls[f] as Buffer]);
          if (f % 5 === 4) await sleep(gap / (flood / 5 + 1));
        }
        const due = start + (i + 1) * gap;
        await sleep(Math.max(0, due - performance.now()));
        await writeRaw(ws, [wsFrame(make(1000 + i))]);
      }
      break;
    }
    case "ingest": {
      const chunks = ingestChunks(n);
      await sleep(50);
      await writeRaw(ws, chunks);
      await writeRaw(ws, [wsFrame(exit(0))]);
      break;
    }
    case "steady": {
      const rate = Number(q.get("rate") ?? 2000);
      const secs = Number(q.get("secs") ?? 5);
      const perTick = rate / 100;
      const start = performance.now();
      for (let tick = 0; tick < secs * 100 && ws.readyState === ws.OPEN; tick++) {
        for (let j = 0; j < perTick; j++) ws.send(pnl((j % 10) + 1));
        const next = start + (tick + 1) * 10;
        await sleep(Math.max(0, next - performance.now()));
      }
      report({ event: "steady_done" });
      break;
    }
    case "drop": {
      const times = Number(q.get("times") ?? 5);
      const count = dropCounts.get(key) ?? 0;
      if (count >= times) break;
      dropCounts.set(key, count + 1);
      await sleep(Number(q.get("up") ?? 2500));
      dropTimes.set(key, performance.now());
      ws.terminate();
      break;
    }
    case "stall": {
      if (dropCounts.get(key) !== undefined) break;
      dropCounts.set(key, 1);
      await sleep(300);
      dropTimes.set(key, performance.now());
      const raw = (ws as unknown as { _socket: { pause(): void } })._socket;
      raw.pause();
      break;
    }
    default:
      break;
  }
}

const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/v1/ws" });
wss.on("connection", (ws, req) => {
  const q = new URL(req.url ?? "/", "http://x").searchParams;
  let configured = false;
  ws.on("message", (data) => {
    if (configured) return;
    const text = data.toString();
    if (!text.includes('"configure"')) return;
    configured = true;
    const key = q.get("k") ?? "";
    const dropped = dropTimes.get(key);
    if (dropped !== undefined) {
      report({ event: "reconnect", scenario: q.get("s"), key, ms: performance.now() - dropped });
      dropTimes.delete(key);
    }
    ws.send(hello());
    void run(ws, q);
  });
  ws.on("error", () => undefined);
});
wss.on("listening", () => {
  const address = wss.address();
  if (typeof address === "object" && address !== null) report({ port: address.port });
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

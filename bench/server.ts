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
 * It prints `{"port":N}` when listening and `{"event":...}` lines for server-side measurements.
 */
import { performance } from "node:perf_hooks";
import { WebSocketServer, type WebSocket } from "ws";

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

/**
 * Connection-layer numbers, printed as a table (not a test):
 * - reconnect delay after a server drop (default backoff), ours vs the official SDK;
 * - time to detect a stalled peer with default heartbeat settings (ours; the official SDK has
 *   no detection);
 * - heap growth with a consumer that does not read, over 100k pnl_updates (ours vs official);
 * - inbound throughput through recv(): raw ws + JSON.parse vs ours.
 *
 * Run: node --expose-gc --import tsx bench/client-numbers.ts [--quick]
 */
import { StreamClient as OfficialClient } from "@lasersell/lasersell-sdk";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { StreamClient } from "../src/client/index.js";
import { parseServerMessage } from "../src/protocol/index.js";
import { ScriptedServer, waitFor } from "../test/helpers/scripted-server.js";
import { configure, exitSignal, pnlUpdate } from "../test/helpers/frames.js";

const quick = process.argv.includes("--quick");
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows: Array<[string, string, string]> = [];
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const { send_mode: _s, tip_lamports: _t, ...CONFIGURE } = configure({ deadline_timeout_sec: 0 });

/** Server-to-client text frames (unmasked), pre-encoded so the server side costs nothing. */
function encodeFrames(texts: string[]): Buffer {
  return Buffer.concat(
    texts.map((text) => {
      const payload = Buffer.from(text);
      const n = payload.length;
      const header = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 255]) : undefined;
      if (header === undefined) throw new Error("frame too large for this bench");
      return Buffer.concat([header, payload]);
    }),
  );
}

async function reconnectDelay(): Promise<void> {
  const runs = quick ? 5 : 20;
  const ours: number[] = [];
  const official: number[] = [];
  for (let i = 0; i < runs; i++) {
    const server = await ScriptedServer.start();
    const connection = await new StreamClient("bench", { endpoint: server.url }).connect(CONFIGURE);
    await sleep(2100); // past minUptimeMs, so the drop starts a fresh backoff
    const dropAt = Date.now();
    const back = new Promise<number>((resolve) => connection.once("reconnected", () => resolve(Date.now() - dropAt)));
    server.connection(0).drop(1011);
    ours.push(await back);
    await connection.close();
    await server.close();
    if (quick && i >= 2) break;
  }
  for (let i = 0; i < (quick ? 3 : 10); i++) {
    const server = await ScriptedServer.start();
    const conn = await new OfficialClient("bench").withEndpoint(server.url).connect(CONFIGURE as never);
    await conn.recv();
    const dropAt = Date.now();
    server.connection(0).drop(1011);
    await server.waitForReady(1, 10_000);
    official.push(Date.now() - dropAt);
    conn.close();
    await server.close();
  }
  rows.push(["reconnect delay after a drop (p50 / max)", `${fmt(pct(ours, 50))} / ${fmt(Math.max(...ours))}`, `${fmt(pct(official, 50))} / ${fmt(Math.max(...official))}`]);
}

async function stalledPeer(): Promise<void> {
  const server = await ScriptedServer.start();
  const connection = await new StreamClient("bench", { endpoint: server.url }).connect(CONFIGURE);
  await sleep(50);
  const stalledAt = Date.now();
  const detected = new Promise<number>((resolve) => connection.once("disconnected", () => resolve(Date.now() - stalledAt)));
  server.connection(0).stall();
  const ms = await detected;
  await connection.close();
  await server.close();
  rows.push(["stalled peer detected (default heartbeat)", fmt(ms), "never (no detection)"]);
}

async function heapSlowConsumer(): Promise<void> {
  const total = 100_000;
  const frames = Array.from({ length: total }, (_, i) => JSON.stringify(pnlUpdate(1 + (i % 4), i)));
  async function measure(kind: "ours" | "official" | "raw"): Promise<number> {
    const server = await ScriptedServer.start();
    let received: () => number;
    let close: () => Promise<void> | void;
    let before = 0;
    if (kind === "ours") {
      const connection = await new StreamClient("bench", { endpoint: server.url }).connect(CONFIGURE);
      received = () => connection.stats().received;
      close = () => connection.close();
    } else if (kind === "raw") {
      // control: a client that parses and discards every frame (what the process itself costs)
      const ws = new WebSocket(server.url, { headers: { "x-api-key": "bench" }, perMessageDeflate: false });
      let count = 0;
      ws.on("message", (data) => {
        JSON.parse(data.toString());
        count++;
      });
      await new Promise((r) => ws.once("open", r));
      ws.send(JSON.stringify({ type: "configure", ...CONFIGURE }));
      await server.waitForReady(0);
      received = () => count;
      close = () => ws.terminate();
    } else {
      const conn = await new OfficialClient("bench").withEndpoint(server.url).connect(CONFIGURE as never);
      let count = 1;
      server.connection(0).ws.on("message", () => {});
      // the official SDK has no counter: count frames at the server's socket writes instead
      received = () => count;
      const socket = server.connection(0);
      const original = socket.push.bind(socket);
      socket.push = (f) => {
        count++;
        original(f);
      };
      close = () => conn.close();
    }
    const conn = server.connection(0);
    await sleep(100);
    for (let i = 0; i < 3; i++) gc();
    before = process.memoryUsage().heapUsed;
    for (let i = 0; i < total; i += 10_000) {
      for (let j = i; j < i + 10_000; j++) conn.push(frames[j] as string);
      await waitFor(() => received() >= i + 10_001, 30_000);
      await sleep(kind === "official" ? 50 : 0);
    }
    await sleep(200);
    for (let i = 0; i < 3; i++) gc();
    const after = process.memoryUsage().heapUsed;
    await close();
    await server.close();
    return (after - before) / 1024 / 1024;
  }
  const heapArg = process.argv.find((a) => a.startsWith("--heap="));
  if (heapArg !== undefined) {
    process.stdout.write(`${await measure(heapArg.slice(7) as "ours" | "official" | "raw")}\n`);
    process.exit(0);
  }
  // Each measure in a fresh process, so earlier stages and JIT warm-up do not blur the heap.
  const inChild = (kind: string): number => {
    const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), `--heap=${kind}`]);
    return Number(out.toString().trim().split("\n").at(-1));
  };
  const control = inChild("raw");
  const ours = inChild("ours");
  const official = inChild("official");
  const mib = (v: number) => `${(v - control).toFixed(1)} MiB`;
  rows.push(["heap retained, 100k pnl_updates unread (vs a discarding client)", mib(ours), mib(official)]);
}

async function throughput(): Promise<void> {
  const total = quick ? 50_000 : 200_000;
  const frames = Array.from({ length: total }, (_, i) => JSON.stringify(exitSignal(1 + (i % 50), { profit_units: i })));
  const wire = encodeFrames(frames);
  async function run(kind: "raw" | "decode" | "ours"): Promise<number> {
    const server = await ScriptedServer.start();
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    let count = 0;
    let started = 0;
    if (kind === "raw" || kind === "decode") {
      const ws = new WebSocket(server.url, { headers: { "x-api-key": "bench" }, perMessageDeflate: false });
      await new Promise((r) => ws.once("open", r));
      ws.send(JSON.stringify({ type: "configure", ...CONFIGURE, deadline_timeout_sec: undefined }));
      await server.waitForReady(0);
      ws.on("message", (data) => {
        const text = data.toString();
        const type =
          kind === "raw"
            ? (JSON.parse(text) as { type: string }).type
            : (parseServerMessage(text) as { message: { type: string } }).message.type;
        if (type !== "hello_ok" && ++count === total) done();
      });
      await sleep(20);
      started = performance.now();
      server.connection(0).socket.write(wire);
      await finished;
      ws.terminate();
    } else {
      const connection = await new StreamClient("bench", { endpoint: server.url }).connect(CONFIGURE);
      await connection.recv();
      const reader = (async () => {
        for await (const m of connection) {
          if (m.type === "exit_signal_with_tx" && ++count === total) return;
        }
      })();
      started = performance.now();
      server.connection(0).socket.write(wire);
      await reader;
      await connection.close();
    }
    const ms = performance.now() - started;
    await server.close();
    return (total / ms) * 1000;
  }
  const raw: number[] = [];
  const decode: number[] = [];
  const ours: number[] = [];
  await run("raw"); // warm-up: JIT and socket buffers
  await run("decode");
  await run("ours");
  for (let i = 0; i < 3; i++) {
    raw.push(await run("raw"));
    decode.push(await run("decode"));
    ours.push(await run("ours"));
  }
  const k = (v: number) => `${(v / 1000).toFixed(0)}k msg/s`;
  rows.push([
    `inbound throughput, ${total / 1000}k exit signals via for-await (best of 3, after warm-up)`,
    `${k(Math.max(...ours))} (raw ws+JSON.parse: ${k(Math.max(...raw))}; raw ws+parseServerMessage: ${k(Math.max(...decode))})`,
    "-",
  ]);
}

if (process.argv.some((a) => a.startsWith("--heap="))) await heapSlowConsumer();
await reconnectDelay();
await stalledPeer();
await heapSlowConsumer();
await throughput();

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), ["measure", "lasersell-stream", "official SDK 1.1.0"][i]!.length));
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(" | ");
console.log(line(["measure", "lasersell-stream", "official SDK 1.1.0"]));
console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
for (const r of rows) console.log(line(r));
process.exit(0);

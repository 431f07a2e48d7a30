/**
 * `npm run bench`: this SDK, the official SDK and the raw-ws floor, side by side on the same local
 * server (a separate process), in one run. Prints tables with medians and ratios and writes them to
 * bench/RESULTS.md. A program that measures, not a timed test.
 *
 * Options: `--quick` (fewer runs and messages, for a smoke check), `--no-write`, `--exit-path` (only
 * the exit-path tables: sparse exits, stages, ingest, targets).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import WebSocket from "ws";
import { floor, officialConnection, officialSession, type Contender } from "./adapters.js";
import { oursConnection, oursSession } from "./ours.js";
import { fastAccepts } from "../src/protocol/fast.js";
import { holdsUnsafeNumber } from "../src/protocol/json.js";
import { parseServerMessage } from "../src/protocol/index.js";

const quick = process.argv.includes("--quick");
/** RESULTS.md keeps everything from this line on when the tables are rewritten. */
const NOTES_MARKER = "<!-- notes: kept across runs -->";
const RUNS = quick ? 1 : 3;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface BenchServer {
  port: number;
  events: Record<string, unknown>[];
  waitEvent(pred: (e: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown> | null>;
  stop(): void;
}

async function startServer(): Promise<BenchServer> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", new URL("./server.ts", import.meta.url).pathname], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const events: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve) => {
    lines.on("line", (line) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (typeof e["port"] === "number") resolve(e["port"]);
      else {
        events.push(e);
        for (const l of listeners) l();
      }
    });
  });
  return {
    port,
    events,
    waitEvent(pred, timeoutMs) {
      return new Promise((resolve) => {
        const check = (): void => {
          const i = events.findIndex(pred);
          if (i >= 0) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(events.splice(i, 1)[0] ?? null);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          resolve(null);
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    stop() {
      child.stdin?.end();
      child.kill();
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// In-process timing: every contender reads through the same `ws` class, so one stamp taken as
// `ws` emits "message" (before any client code runs) starts the clock for all of them alike.

const stamps = { on: false, first: 0, exits: [] as number[] };
const wsEmit = WebSocket.prototype.emit;
WebSocket.prototype.emit = function (this: WebSocket, event: string | symbol, ...args: unknown[]): boolean {
  if (event === "message" && stamps.on) {
    const t = performance.now();
    if (stamps.first === 0) stamps.first = t;
    const data = args[0];
    // `{"type":"ex...`: an exit signal (the bench server's frames all start with the type).
    if (Buffer.isBuffer(data) && data[9] === 0x65 && data[10] === 0x78) stamps.exits.push(t);
  }
  return wsEmit.call(this, event, ...args);
} as typeof wsEmit;

/**
 * Sparse exits (one every 5 ms, optionally between pnl floods): µs from the frame's "message" event
 * to delivery. With `sign`, the exits carry a real sell for the bench keypair and the clock stops
 * when the client's signing call returned (signal to signed: ours `signExitTransaction` with the
 * guard from the connection's own configuration; official `signUnsignedTxB64Fast`; floor base64 +
 * native Ed25519 + base64, no checks).
 */
async function sparse(c: Contender, port: number, n: number, flood: number, sign = false): Promise<number[]> {
  const client = await c.open(`ws://127.0.0.1:${port}/v1/ws?s=${sign ? "signed" : "sparse"}&n=${n}&gap=5&flood=${flood}`);
  stamps.exits.length = 0;
  stamps.on = true;
  const out: number[] = [];
  while (out.length < n) {
    const d = await withTimeout(client.next(), 10_000);
    if (d === "timeout" || d === null) break;
    if (d.type !== "exit_signal_with_tx") continue;
    if (sign) client.sign(d.message);
    const at = stamps.exits.shift();
    if (at !== undefined) out.push((performance.now() - at) * 1000);
  }
  stamps.on = false;
  await client.close();
  return out;
}

/** Signal to signed: {@link sparse} with real sells, timed until the signing call returned. */
const signed = (c: Contender, port: number, n: number): Promise<number[]> => sparse(c, port, n, 0, true);

/** Ingest: n pre-framed pnl_updates then a final exit marker; msg/s from the first frame to the marker's delivery. */
async function ingest(c: Contender, port: number, n: number): Promise<{ rate: number; timers: number }> {
  // Timers are process-wide: count this client's own (another library's leftovers may still run).
  const timersBefore = liveTimers();
  const client = await c.open(`ws://127.0.0.1:${port}/v1/ws?s=ingest&n=${n}`);
  stamps.first = 0;
  stamps.exits.length = 0;
  stamps.on = true;
  let end = 0;
  for (;;) {
    const d = await withTimeout(client.next(), 30_000);
    if (d === "timeout" || d === null) break;
    if (d.type === "exit_signal_with_tx" && d.message["position_id"] === 0) {
      end = performance.now();
      break;
    }
  }
  stamps.on = false;
  const timers = Math.max(0, liveTimers() - timersBefore);
  await client.close();
  return { rate: end === 0 ? Number.NaN : (n / (end - stamps.first)) * 1000, timers };
}

/** Our decode stages on sparse, cold frames (one every 5 ms), µs p50: JSON.parse, long-integer walk, check, whole decode. */
async function stages(n: number): Promise<Record<string, number>> {
  const frame = (i: number): string =>
    `{"type":"exit_signal_with_tx","session_id":1,"position_id":${5000 + i},"wallet_pubkey":"6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi","mint":"B1rADWGjAKbZYVHMYhS5ZKyMbqFB65vmNNxUXdgFpump","position_tokens":17543859649123,"profit_units":${i},"reason":"stop_loss","triggered_at_ms":1773792051877,"market_context":{"market_type":"pump_fun","pumpfun":{}},"unsigned_tx_b64":"${"A".repeat(500)}"}`;
  const xs: Record<string, number[]> = { parse: [], walk: [], check: [], decode: [] };
  for (let i = 0; i < n; i++) {
    await sleep(5);
    const text = frame(i);
    if (i % 2 === 0) {
      const t0 = performance.now();
      const obj = JSON.parse(text) as Record<string, unknown>;
      const t1 = performance.now();
      holdsUnsafeNumber(obj);
      const t2 = performance.now();
      fastAccepts("exit_signal_with_tx", obj);
      const t3 = performance.now();
      xs["parse"]?.push((t1 - t0) * 1000);
      xs["walk"]?.push((t2 - t1) * 1000);
      xs["check"]?.push((t3 - t2) * 1000);
    } else {
      const t0 = performance.now();
      parseServerMessage(text);
      xs["decode"]?.push((performance.now() - t0) * 1000);
    }
  }
  return Object.fromEntries(Object.entries(xs).map(([k, v]) => [k, pct(v, 0.5)]));
}

/**
 * Runs `measure` for every contender, round-robin, `2 * RUNS` rounds: the machine's drift (other
 * tenants, CPU frequency) then falls on every contender alike instead of on whoever ran during it.
 */
async function interleaved(contenders: Contender[], measure: (c: Contender) => Promise<number[]>): Promise<Map<Contender, number[]>> {
  const all = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  for (let round = 0; round < 2 * RUNS; round++) {
    for (const c of contenders) {
      gc();
      all.get(c)?.push(...(await measure(c)));
    }
  }
  return all;
}

const liveTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

async function slowConsumer(c: Contender, server: BenchServer, n: number): Promise<{ peakMb: number; retainedMb: number; delivered: number }> {
  gc();
  await sleep(50);
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 20);
  const client = await c.open(`ws://127.0.0.1:${server.port}/v1/ws?s=slow&n=${n}&p=10`);
  const sent = server.waitEvent((e) => e["event"] === "slow_sent", 60_000);
  let done = false;
  let delivered = 0;
  void sent.then(() => (done = true));
  const consumer = (async () => {
    while (!done) {
      const d = await withTimeout(client.next(), 1_000);
      if (d === null) break;
      if (d !== "timeout") delivered++;
      await sleep(1);
    }
  })();
  await sent;
  await sleep(500);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  gc();
  const retained = process.memoryUsage().heapUsed - base;
  clearInterval(sampler);
  await consumer;
  await client.close();
  return { peakMb: (peak - base) / 2 ** 20, retainedMb: retained / 2 ** 20, delivered };
}

async function steadyCpu(c: Contender, server: BenchServer): Promise<number> {
  const rate = 2000;
  const secs = quick ? 2 : 5;
  const client = await c.open(`ws://127.0.0.1:${server.port}/v1/ws?s=steady&rate=${rate}&secs=${secs}`);
  const doneEvent = server.waitEvent((e) => e["event"] === "steady_done", (secs + 10) * 1000);
  let done = false;
  void doneEvent.then(() => (done = true));
  const cpu0 = process.cpuUsage();
  while (!done) {
    const d = await withTimeout(client.next(), 200);
    if (d === null) break;
  }
  const cpu = process.cpuUsage(cpu0);
  await client.close();
  // Per message SENT: a client that coalesces superseded PnL delivers fewer, and must not look
  // more expensive for it.
  return (cpu.user + cpu.system) / (rate * secs);
}

async function reconnect(c: Contender, server: BenchServer, times: number): Promise<number[]> {
  const key = `${c.name}-${Math.random()}`;
  const client = await c.open(`ws://127.0.0.1:${server.port}/v1/ws?s=drop&k=${encodeURIComponent(key)}&times=${times}`);
  const out: number[] = [];
  const pump = (async () => {
    for (;;) {
      const d = await client.next();
      if (d === null) break;
    }
  })();
  for (let i = 0; i < times; i++) {
    const e = await server.waitEvent((x) => x["event"] === "reconnect" && x["key"] === key, 20_000);
    if (e === null) break;
    out.push(e["ms"] as number);
  }
  await client.close();
  await withTimeout(pump, 2_000);
  return out;
}

async function deadLink(c: Contender, server: BenchServer, capMs: number): Promise<number | null> {
  const key = `${c.name}-${Math.random()}`;
  const client = await c.open(`ws://127.0.0.1:${server.port}/v1/ws?s=stall&k=${encodeURIComponent(key)}`);
  const pump = (async () => {
    for (;;) {
      const d = await client.next();
      if (d === null) break;
    }
  })();
  const e = await server.waitEvent((x) => x["event"] === "reconnect" && x["key"] === key, capMs);
  await client.close();
  await withTimeout(pump, 2_000);
  return e === null ? null : (e["ms"] as number);
}

function importTime(spec: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const code = `const t=performance.now();await import(${JSON.stringify(spec)});console.log(performance.now()-t)`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (status) => (status === 0 ? resolve(Number(out.trim())) : reject(new Error(`import ${spec} failed`))));
  });
}

// ---------------------------------------------------------------------------------------------

const fmt = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || Number.isNaN(x) ? "n/a" : x.toFixed(digits);
const ratio = (a: number | null | undefined, b: number | null | undefined): string =>
  a === null || a === undefined || b === null || b === undefined || Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "n/a" : `${(a / b).toFixed(2)}x`;

function table(title: string, head: string[], rows: (string | number)[][]): string {
  const lines = [`### ${title}`, "", `| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const server = await startServer();
  // The official SDK leaks timers that outlive its run: it goes last so no one else is charged for them.
  const contenders: Contender[] = [oursSession, oursConnection, floor, officialSession, officialConnection];
  const out: string[] = [];
  const emit = (s: string): void => {
    out.push(s);
    process.stdout.write(`${s}\n`);
  };

  // The exit path (issue 13): sparse exits, in-process, from ws "message" to delivery.
  const sn0 = quick ? 100 : 400;
  // One short discarded run each first, so no contender is charged for loading and compiling its code.
  for (const c of contenders) {
    await sparse(c, server.port, 30, 0);
    await signed(c, server.port, 30);
    await ingest(c, server.port, 10_000);
  }
  const sparseRows: (string | number)[][] = [];
  const sp = new Map<string, { p50: number; p99: number }>();
  for (const flood of [0, 20]) {
    const all = await interleaved(contenders, (c) => sparse(c, server.port, sn0 / 2, flood));
    for (const c of contenders) {
      const xs = all.get(c) ?? [];
      const r = { p50: pct(xs, 0.5), p99: pct(xs, 0.99) };
      sp.set(`${c.name}/${flood}`, r);
      sparseRows.push([c.name, flood === 0 ? "sparse" : `sparse + ${flood} pnl/exit`, fmt(r.p50, 0), fmt(r.p99, 0), xs.length]);
    }
  }
  emit(table(`Exit signal in-process, µs from the ws "message" event to recv() (one exit every 5 ms, ${sn0 / 2} x ${2 * RUNS} interleaved rounds, pre-framed server)`, ["client", "regime", "p50", "p99", "signals"], sparseRows));
  const st = await stages(quick ? 200 : 800);
  const oursSp = sp.get(`${oursSession.name}/0`);
  emit(
    table("Our decode stages on a sparse exit frame, isolated, µs p50 (one frame every 5 ms; on the live path each costs several times more, see the notes)", ["JSON.parse", "-> long-integer walk", "-> validated (check)", "whole decode", "session p50 - isolated decode"], [
      [fmt(st["parse"]), fmt(st["walk"]), fmt(st["check"]), fmt(st["decode"]), fmt((oursSp?.p50 ?? Number.NaN) - (st["decode"] ?? Number.NaN))],
    ]),
  );
  const sig = new Map<string, { p50: number; p99: number }>();
  const signedAll = await interleaved(contenders, (c) => signed(c, server.port, sn0 / 2));
  for (const c of contenders) {
    const xs = signedAll.get(c) ?? [];
    sig.set(c.name, { p50: pct(xs, 0.5), p99: pct(xs, 0.99) });
  }
  emit(
    table(
      `Signal to signed, µs from the ws "message" event to the signing call's return (real sells, one every 5 ms, ${sn0 / 2} x ${2 * RUNS} interleaved rounds; ours includes the guard)`,
      ["client", "p50", "p99", "p50 vs floor"],
      contenders.map((c) => [c.name, fmt(sig.get(c.name)?.p50, 0), fmt(sig.get(c.name)?.p99, 0), `+${fmt((sig.get(c.name)?.p50 ?? 0) - (sig.get(floor.name)?.p50 ?? 0), 0)}`]),
    ),
  );
  const ingestN = quick ? 50_000 : 200_000;
  const ing = new Map<string, number>();
  const timers = new Map<string, number>();
  const rates = new Map<Contender, number[]>();
  for (let i = 0; i < RUNS; i++) {
    for (const c of contenders) {
      gc();
      const r = await ingest(c, server.port, ingestN);
      rates.set(c, [...(rates.get(c) ?? []), r.rate]);
      timers.set(c.name, Math.max(timers.get(c.name) ?? 0, r.timers));
    }
  }
  for (const c of contenders) ing.set(c.name, median(rates.get(c) ?? []));
  emit(
    table(
      `Ingest: ${ingestN.toLocaleString("en")} pre-framed pnl_update (~500 B, 256 positions) + a final marker, msg/s (median of ${RUNS} interleaved rounds)`,
      ["client", "msg/s", "vs floor", "vs official session", "timers it added (live, before close)"],
      contenders.map((c) => [c.name, fmt(ing.get(c.name), 0), ratio(ing.get(c.name), ing.get(floor.name)), ratio(ing.get(c.name), ing.get(officialSession.name)), timers.get(c.name) ?? "n/a"]),
    ),
  );
  const f0 = sp.get(`${floor.name}/0`);
  const f20 = sp.get(`${floor.name}/20`);
  const o20 = sp.get(`${oursSession.name}/20`);
  emit(
    table("Issue 13 targets (ours = StreamSession)", ["target", "measured", "met"], [
      ["sparse p50 <= floor + 10 µs", `${fmt(oursSp?.p50, 0)} vs ${fmt(f0?.p50, 0)} (+${fmt((oursSp?.p50 ?? 0) - (f0?.p50 ?? 0), 0)})`, (oursSp?.p50 ?? Infinity) <= (f0?.p50 ?? 0) + 10 ? "yes" : "no"],
      ["sparse p99 <= 1.5x floor", ratio(oursSp?.p99, f0?.p99), (oursSp?.p99 ?? Infinity) <= 1.5 * (f0?.p99 ?? 0) ? "yes" : "no"],
      ["20:1 flood p50 <= floor + 10 µs", `${fmt(o20?.p50, 0)} vs ${fmt(f20?.p50, 0)}`, (o20?.p50 ?? Infinity) <= (f20?.p50 ?? 0) + 10 ? "yes" : "no"],
      ["20:1 flood p99 <= 1.5x floor", ratio(o20?.p99, f20?.p99), (o20?.p99 ?? Infinity) <= 1.5 * (f20?.p99 ?? 0) ? "yes" : "no"],
      ["ingest >= 1.2x official session", ratio(ing.get(oursSession.name), ing.get(officialSession.name)), (ing.get(oursSession.name) ?? 0) >= 1.2 * (ing.get(officialSession.name) ?? Infinity) ? "yes" : "no"],
      ["ingest >= 0.9x floor", ratio(ing.get(oursSession.name), ing.get(floor.name)), (ing.get(oursSession.name) ?? 0) >= 0.9 * (ing.get(floor.name) ?? Infinity) ? "yes" : "no"],
      ["signal-to-signed p50 <= floor + 150 µs", `${fmt(sig.get(oursSession.name)?.p50, 0)} vs ${fmt(sig.get(floor.name)?.p50, 0)}`, (sig.get(oursSession.name)?.p50 ?? Infinity) <= (sig.get(floor.name)?.p50 ?? 0) + 150 ? "yes" : "no"],
      ["no timers added per message (ingest)", `${timers.get(oursSession.name) ?? "n/a"} live timers after ${ingestN.toLocaleString("en")} messages`, (timers.get(oursSession.name) ?? Infinity) <= 2 ? "yes" : "no"],
    ]),
  );

  if (process.argv.includes("--exit-path")) {
    server.stop();
    return;
  }

  // Slow consumer
  const sn = quick ? 20_000 : 100_000;
  const memRows: (string | number)[][] = [];
  for (const c of contenders) {
    const r = await slowConsumer(c, server, sn);
    memRows.push([c.name, fmt(r.peakMb), fmt(r.retainedMb), r.delivered]);
  }
  emit(table(`Slow consumer (1 ms per event, ${sn.toLocaleString("en")} pnl_update over 10 positions): heap growth`, ["client", "peak MB", "retained MB (after GC)", "delivered while sending"], memRows));

  // CPU per message at a steady rate
  const cpu = new Map<string, number>();
  const cpuRuns = new Map<Contender, number[]>();
  for (let i = 0; i < RUNS; i++) {
    for (const c of contenders) cpuRuns.set(c, [...(cpuRuns.get(c) ?? []), await steadyCpu(c, server)]);
  }
  for (const c of contenders) cpu.set(c.name, median(cpuRuns.get(c) ?? []));
  emit(table(`CPU per message at a steady 2,000 msg/s (median of ${RUNS} interleaved rounds)`, ["client", "µs CPU / msg", "vs floor"], contenders.map((c) => [c.name, fmt(cpu.get(c.name), 2), ratio(cpu.get(c.name), cpu.get(floor.name))])));

  // Reconnect and dead link
  const recRows: (string | number)[][] = [];
  for (const c of [oursSession, officialSession]) {
    const r = await reconnect(c, server, quick ? 3 : 5);
    const dead = await deadLink(c, server, quick ? 15_000 : 30_000);
    recRows.push([c.name, fmt(median(r)), r.length, dead === null ? `not detected in ${quick ? 15 : 30} s` : fmt(dead / 1000, 2)]);
  }
  emit(table("Reconnect after a server drop (default settings)", ["client", "median drop -> configure ms (stable link dropped)", "samples", "stalled peer detected after s"], recRows));
  const oursMem = memRows.find((r) => r[0] === oursSession.name);
  const oursRec = recRows.find((r) => r[0] === oursSession.name);
  emit(
    table("Issue 13 targets, the rest (ours = StreamSession)", ["target", "measured", "met"], [
      ["CPU per message at 2,000 msg/s <= 1.1x floor", ratio(cpu.get(oursSession.name), cpu.get(floor.name)), (cpu.get(oursSession.name) ?? Infinity) <= 1.1 * (cpu.get(floor.name) ?? 0) ? "yes" : "no"],
      ["slow-consumer heap peak < 16 MB", `${oursMem?.[1] ?? "n/a"} MB`, Number(oursMem?.[1]) < 16 ? "yes" : "no"],
      ["reconnect p50 <= 80 ms", `${oursRec?.[1] ?? "n/a"} ms`, Number(oursRec?.[1]) <= 80 ? "yes" : "no"],
    ]),
  );

  // Import time
  const imp = async (spec: string): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) xs.push(await importTime(spec));
    return median(xs);
  };
  const ours = await imp("lasersell-stream");
  const oursTx = await imp("lasersell-stream/tx").catch(() => Number.NaN);
  const off = await imp("@lasersell/lasersell-sdk");
  emit(
    table("Cold import time (median of 5, fresh process)", ["entry", "ms", "vs official"], [
      ["lasersell-stream", fmt(ours), ratio(ours, off)],
      ["lasersell-stream/tx", fmt(oursTx), ratio(oursTx, off)],
      ["@lasersell/lasersell-sdk", fmt(off), "1.00x"],
    ]),
  );

  server.stop();
  if (!process.argv.includes("--no-write") && !quick) {
    const cpu0 = cpus()[0];
    const header = `# Benchmark results\n\nMachine: ${cpus().length} x ${cpu0?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}.\nProduced by \`npm run bench\` (bench/run.ts); the server runs in its own process.\n\n`;
    // Hand-written analysis below the notes marker survives a re-run.
    const file = new URL("./RESULTS.md", import.meta.url);
    const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
    const at = previous.indexOf(NOTES_MARKER);
    writeFileSync(file, header + out.join("\n") + (at >= 0 ? `\n${previous.slice(at)}` : ""));
  }
}

await main();
process.exit(0);

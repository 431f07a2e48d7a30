/**
 * Recorder and backtest throughput: `node --expose-gc --import tsx bench/record.ts`.
 * - the recorder's cost per frame on the caller's path (the `frame` listener), plain and gzip;
 * - heap growth while recording (bounded: lines wait in the stream, then are dropped);
 * - backtest speed (points x strategies per second).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backtestRecording, loadRecording } from "../src/record/index.js";
import { RecordingWriter } from "../src/record/writer.js";

const dir = mkdtempSync(join(tmpdir(), "ls-bench-record-"));
const N = 100_000;
const frame = (i: number): string =>
  `{"type":"pnl_update","position_id":${1000 + (i % 8)},"profit_units":${(i % 997) * 1000 - 400000},"proceeds_units":${1000000000 + (i % 997) * 1000},"server_time_ms":${1764495123012 + i},"token_price_quote":25,"market_cap_quote":25000000000}`;

async function writeFrames(name: string): Promise<void> {
  const file = join(dir, name);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const w = new RecordingWriter(file, { source: "mock", configure: null });
  if (name.includes("open")) w.frame("in", `{"type":"position_opened","position_id":1000,"wallet_pubkey":"11111111111111111111111111111111","mint":"So11111111111111111111111111111111111111112","token_account":"So11111111111111111111111111111111111111112","token_program":"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA","tokens":1000000,"entry_quote_units":1000000000,"slot":1,"market_context":{"market_type":"pump_fun"},"token_decimals":6}`, 0);
  const t0 = process.hrtime.bigint();
  let peak = 0;
  // Frames arrive in bursts of 100 every 2 ms (up to ~50,000 frames/s, far above a live stream);
  // only the recorder's own call is timed.
  const texts = Array.from({ length: 1000 }, (_, i) => frame(i));
  let spent = 0n;
  for (let i = 0; i < N; i += 100) {
    const a = process.hrtime.bigint();
    for (let j = i; j < i + 100; j++) w.frame("in", texts[j % 1000] as string, 1764495123012 + j * 10);
    spent += process.hrtime.bigint() - a;
    if (i % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - heap0);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const t0n = 0n;
  const t1 = t0 + spent + t0n;
  await w.close();
  console.log(
    `${name.padEnd(24)} ${(Number(t1 - t0) / N).toFixed(0).padStart(5)} ns/frame on the caller, heap growth peak ${(peak / 1e6).toFixed(1)} MB, dropped ${w.stats.dropped}, file ${(statSync(file).size / 1e6).toFixed(1)} MB`,
  );
}

await writeFrames("frames.ndjson");
await writeFrames("frames.ndjson.gz");
await writeFrames("open+frames.ndjson.gz");
const t0 = performance.now();
const rec = await loadRecording(join(dir, "open+frames.ndjson.gz"));
const t1 = performance.now();
const report = backtestRecording(rec, ["tp=20,sl=10", "tp=30,sl=10,trail=5", "sl=15,ladder=10:50/25:100"]);
const t2 = performance.now();
const points = report.positions.reduce((n, p) => n + p.points.length, 0);
console.log(`load ${rec.entries.length} entries: ${(t1 - t0).toFixed(0)} ms; backtest ${points} points x 3 strategies: ${(t2 - t1).toFixed(0)} ms`);
rmSync(dir, { recursive: true, force: true });

/**
 * Codec benchmark: ns per frame of plain `JSON.parse` against `parseServerMessage` (parse and
 * validate) for fixture frames. Run with `npm run bench:codec` (or `npx tsx bench/codec.ts`).
 *
 * Not a test: it prints a table and asserts nothing. The target is `pnl_update`
 * parse+validate <= 1.5x `JSON.parse` in the default mode.
 */
import { readFileSync } from "node:fs";
import { parseServerMessage } from "../src/protocol/index.js";

const fixtures = readFileSync(new URL("../test/fixtures/server-messages.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "");

function fixture(type: string, nth = 0): string {
  const found = fixtures.filter((l) => (JSON.parse(l) as { type: string }).type === type)[nth];
  if (found === undefined) throw new Error(`no ${type} fixture`);
  return found;
}

// Keeps results alive so the optimiser cannot drop the work.
let sink: unknown;

/** ns/op of one timed batch. */
function batch(run: (frame: string) => unknown, frame: string, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = run(frame);
  return Number(process.hrtime.bigint() - start) / iterations;
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/**
 * Rounds interleave the contenders (JSON.parse, number mode, bigint mode), so a machine busy with
 * other work slows all of them alike; ratios are taken per round, then the median is reported.
 */
function compare(frame: string, runs: ((f: string) => unknown)[], iterations: number, rounds: number) {
  for (const run of runs) batch(run, frame, iterations); // warm-up
  const times: number[][] = runs.map(() => []);
  for (let r = 0; r < rounds; r++) runs.forEach((run, i) => times[i]?.push(batch(run, frame, iterations)));
  const base = times[0] ?? [];
  return times.map((t) => ({ ns: median(t), ratio: median(t.map((v, r) => v / (base[r] ?? Number.NaN))) }));
}

const pnl = fixture("pnl_update");
const exit = fixture("exit_signal_with_tx", 1);
const big = fixture("balance_update", 1); // tokens: 25000000000000001 (> 2^53)

const jsonParse = (f: string): unknown => JSON.parse(f);
const parseNumber = (f: string): unknown => {
  const r = parseServerMessage(f);
  if (r.kind !== "message") throw new Error(`bench frame did not parse: ${r.kind}`);
  return r;
};
const parseBigint = (f: string): unknown => {
  const r = parseServerMessage(f, { ints: "bigint" });
  if (r.kind !== "message") throw new Error(`bench frame did not parse: ${r.kind}`);
  return r;
};

const groups: { label: string; frame: string }[] = [
  { label: "pnl_update", frame: pnl },
  { label: "exit_signal_with_tx", frame: exit },
  { label: "balance_update >2^53", frame: big },
];

const iterations = Number(process.env["BENCH_ITERATIONS"] ?? 50_000);
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 21);
const rows: string[][] = [];
for (const g of groups) {
  const [base, num, bi] = compare(g.frame, [jsonParse, parseNumber, parseBigint], iterations, rounds);
  if (base === undefined || num === undefined || bi === undefined) throw new Error("unreachable");
  rows.push([
    g.label,
    String(g.frame.length),
    base.ns.toFixed(0),
    num.ns.toFixed(0),
    num.ratio.toFixed(2),
    bi.ns.toFixed(0),
    bi.ratio.toFixed(2),
  ]);
}

const header = ["frame", "bytes", "JSON.parse ns", "parse ns", "ratio", "bigint ns", "ratio"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ");
process.stdout.write(
  `Node ${process.version}, ${rounds} interleaved rounds of ${iterations}, median ns/frame and ratio to JSON.parse\n` +
    `${line(header)}\n${rows.map(line).join("\n")}\n` +
    `target: pnl_update parse ratio <= 1.50\n`,
);
void sink;

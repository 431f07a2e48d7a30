/**
 * `lasersell-stream backtest FILE --strategy SPEC... [--deadline SEC] [--html report.html] [--json]`.
 */
import type { Command } from "./command.js";
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { parseStrategySpec } from "../backtest/spec.js";
import { backtest, formatReport, renderHtmlReport, reportJson, type EngineReadings } from "../record/index.js";
import { READING_CHOICES } from "../testing/strategy-engine.js";

export const BACKTEST_USAGE = `Usage: lasersell-stream backtest FILE --strategy SPEC [--strategy SPEC]... [options]

Re-runs the strategy engine (the mock's) over every position recorded in FILE, once per strategy,
and reports per strategy: exits by reason, realised profit (SOL and %), hit rate, worst drawdown,
median hold time, and where each strategy exited each position.

SPEC: comma-separated, e.g. "tp=20,sl=10" or "tp=30,sl=10,trail=5,name=wide"
  tp=PCT sl=PCT trail=PCT be=PCT   take profit, stop loss, trailing stop, breakeven trail
  ladder=P:S[:T]/P:S[:T]...        exit ladder: at +P % sell S % (then trail T)
  deadline=SEC guard grad name=TEXT

Options of backtest:
  --strategy SPEC       A strategy to test (repeatable, required)
  --deadline SEC        Deadline for strategies without their own
  --slippage-bps N      Liquidity snapshots cap each sale at this band (default 500)
  --reading K=V         A reading of a rule the sources disagree on (repeatable):
${Object.entries(READING_CHOICES).map(([k, v]) => `                          ${k}=${v.join("|")}`).join("\n")}
  --html FILE           Also write a self-contained HTML report (charts per position)
  --json                Print the report as JSON instead of text
  -h, --help            Show this help

Examples:
  lasersell-stream backtest session.ndjson.gz --strategy "tp=20,sl=10" --strategy "tp=30,sl=10,trail=5"
  lasersell-stream backtest session.ndjson.gz --strategy "tp=20,sl=10" --deadline 120 --html report.html
`;

/** `lasersell-stream backtest`: resolves with the exit code. */
export async function runBacktest(argv: string[], write: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      strategy: { type: "string", multiple: true },
      deadline: { type: "string" },
      "slippage-bps": { type: "string" },
      reading: { type: "string", multiple: true },
      html: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const file = positionals[0];
  if (file === undefined) throw new Error("a recording FILE is required");
  const specs = values.strategy ?? [];
  if (specs.length === 0) throw new Error('at least one --strategy is required, e.g. --strategy "tp=20,sl=10"');
  const deadline = values.deadline === undefined ? undefined : Number(values.deadline);
  if (deadline !== undefined && !(deadline > 0)) throw new Error(`--deadline must be a number of seconds > 0, got ${values.deadline}`);
  const slippage = values["slippage-bps"] === undefined ? 500 : Number(values["slippage-bps"]);
  if (!Number.isInteger(slippage) || slippage <= 0) throw new Error(`--slippage-bps must be a positive integer, got ${values["slippage-bps"]}`);
  const readings: Partial<Record<string, string>> = {};
  for (const r of values.reading ?? []) {
    const [key = "", value = ""] = r.split("=", 2);
    const choices = (READING_CHOICES as Record<string, readonly string[]>)[key];
    if (choices === undefined) throw new Error(`--reading ${r}: unknown rule (${Object.keys(READING_CHOICES).join(", ")})`);
    if (!choices.includes(value)) throw new Error(`--reading ${r}: ${key} is one of ${choices.join(", ")}`);
    readings[key] = value;
  }
  const report = await backtest(file, specs.map((s) => parseStrategySpec(s)), {
    readings: readings as Partial<EngineReadings>,
    slippageBps: slippage,
    ...(deadline === undefined ? {} : { deadlineSec: deadline }),
  });
  write(values.json === true ? `${reportJson(report)}\n` : formatReport(report));
  if (values.html !== undefined) {
    writeFileSync(values.html, renderHtmlReport(report, `LaserSell backtest: ${basename(file)}`));
    if (values.json !== true) write(`HTML report: ${values.html}\n`);
  }
  return 0;
}

/** `lasersell-stream backtest`. */
export const backtestCommand: Command = {
  name: "backtest",
  summary: "Compare exit strategies on a recording (text, --json or a self-contained --html report).",
  help: BACKTEST_USAGE,
  run: (argv, io) => runBacktest(argv, io.stdout),
};

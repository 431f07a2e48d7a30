/**
 * What every `lasersell-stream` subcommand is: a name, a one-line summary, its help text (with
 * examples) and a `run` function. Subcommands are registered in one table (`commands.ts`).
 */

import type { StrategyConfig } from "../protocol/index.js";

/** What a command gets from the process. Commands never touch `process.stdout` directly. */
export interface CliIo {
  /** Writes text to standard output (a broken pipe is handled by the entry point). */
  stdout(text: string): void;
  /** Writes text to standard error. */
  stderr(text: string): void;
  /** Environment variables (`LASERSELL_API_KEY`, ...). */
  env: NodeJS.ProcessEnv;
  /** True when standard output is a terminal (live views, status lines). */
  tty: boolean;
  /** Aborted on Ctrl-C, SIGTERM or when the reader of standard output went away (`| head`). */
  signal: AbortSignal;
}

/** One subcommand. */
export interface Command {
  /** The word after `lasersell-stream`. */
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** Full help: usage, options and examples; printed by `lasersell-stream <name> --help`. */
  help: string;
  /** Runs the command; resolves with the process exit code. Throws `CliError` for bad usage. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Bad usage: the entry point prints the message and `Run 'lasersell-stream <command> --help'`. */
export class CliError extends Error {
  override name = "CliError";
}

/** An integer option (`--port 8082`); `fallback` when absent. */
export function intOption(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} must be an integer >= ${min}, got ${value}`);
  return n;
}

/** A non-negative number option (`--tp 12.5`); `undefined` when absent. */
export function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new CliError(`--${name} must be a number >= 0, got ${value}`);
  return n;
}

/** Resolves once `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** The flags `tail` and `record` share: where to connect and which exit strategy to configure. */
export const STREAM_FLAGS = {
  "api-key": { type: "string" },
  wallet: { type: "string", multiple: true },
  endpoint: { type: "string" },
  local: { type: "boolean" },
  tp: { type: "string" },
  sl: { type: "string" },
  trailing: { type: "string" },
  deadline: { type: "string" },
} as const;

/**
 * The strategy of `--tp/--sl/--trailing` and the client-side `--deadline`. With none of them,
 * `fallback` (a mock's default) or a usage error naming the flags (never wire fields).
 */
export function strategyFromFlags(
  command: string,
  values: { tp?: string | undefined; sl?: string | undefined; trailing?: string | undefined; deadline?: string | undefined },
  fallback: StrategyConfig | undefined,
): { strategy: StrategyConfig; deadlineSec: number } {
  const tp = numberOption("tp", values.tp) ?? 0;
  const sl = numberOption("sl", values.sl) ?? 0;
  const trailing = numberOption("trailing", values.trailing) ?? 0;
  const deadlineSec = numberOption("deadline", values.deadline) ?? 0;
  if (tp === 0 && sl === 0 && trailing === 0 && deadlineSec === 0) {
    if (fallback !== undefined) return { strategy: { ...fallback }, deadlineSec };
    throw new CliError(`${command} needs at least one exit rule: --tp PCT, --sl PCT, --trailing PCT or --deadline SEC (e.g. --sl 10)`);
  }
  return {
    strategy: { target_profit_pct: tp, stop_loss_pct: sl, ...(trailing > 0 ? { trailing_stop_pct: trailing } : {}) },
    deadlineSec,
  };
}

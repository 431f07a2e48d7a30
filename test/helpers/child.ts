/**
 * The one way tests run a child process: bounded in time (SIGKILL after `timeoutMs`, reported as
 * `code: "hung"`), killed when the test that started it finishes, its output collected, and
 * waits on its output that end with the child (no waiting on a line that can no longer come).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { onTestFinished } from "vitest";

export interface ChildOptions {
  /** SIGKILL the child if it has not exited by then; it then exits with `code: "hung"`. */
  timeoutMs: number;
  /** The program to run (default: this Node). */
  command?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** `"pipe"` to write to the child's stdin (`child.process.stdin`); default `"ignore"`. */
  stdin?: "ignore" | "pipe";
}

export interface ChildExit {
  /** The exit code, null when a signal ended it, or "hung" when `timeoutMs` ran out. */
  code: number | null | "hung";
  signal: NodeJS.Signals | null;
  /** `Date.now()` when the exit was seen. */
  at: number;
}

export interface Child {
  readonly process: ChildProcess;
  /** Standard output so far. */
  out(): string;
  /** Standard error so far, npm's warnings removed. */
  err(): string;
  /** Resolves (never rejects) when the child has exited. */
  readonly exited: Promise<ChildExit>;
  /**
   * Resolves with the first match of `re` in standard output (or `stream`), as soon as it
   * appears; rejects if the child exits without it or after `timeoutMs`.
   */
  waitFor(re: RegExp, options?: { timeoutMs?: number; stream?: "stdout" | "stderr" }): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM) unless the child already exited, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<ChildExit>;
}

/** Node arguments that run a TypeScript file. */
export const tsx = (script: string, ...args: string[]): string[] => ["--import", "tsx", script, ...args];
/** Node arguments that run the `lasersell-stream` CLI from source. */
export const cli = (...args: string[]): string[] => tsx("src/cli/index.ts", ...args);

export function startChild(args: string[], options: ChildOptions): Child {
  const child = spawn(options.command ?? process.execPath, args, {
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const text = { stdout: "", stderr: "" };
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of [...listeners]) l();
  };
  child.stdout?.on("data", (d: Buffer) => {
    text.stdout += d.toString();
    changed();
  });
  child.stderr?.on("data", (d: Buffer) => {
    text.stderr += d.toString();
    changed();
  });
  let hung = false;
  const killer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, options.timeoutMs);
  let ended = false;
  const exited = new Promise<ChildExit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(killer);
      ended = true;
      resolve({ code: hung ? "hung" : code, signal, at: Date.now() });
      changed();
    };
    // "close" (not "exit"): the output streams are complete by then.
    child.once("close", done);
    child.once("error", (e) => {
      text.stderr += `spawn failed: ${e.message}\n`;
      done(null, null);
    });
  });
  const err = (): string => text.stderr.replace(/npm warn.*\n/g, "");
  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<ChildExit> => {
    if (!ended) child.kill(signal);
    return exited;
  };
  const waitFor = (re: RegExp, { timeoutMs = 10_000, stream = "stdout" as "stdout" | "stderr" } = {}): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const finish = (): void => {
        listeners.delete(check);
        clearTimeout(timer);
      };
      const check = (): void => {
        const m = re.exec(text[stream]);
        if (m !== null) {
          finish();
          resolve(m);
        } else if (ended) {
          finish();
          reject(new Error(`child exited without ${re} in its ${stream}; stdout: ${text.stdout} stderr: ${err()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${re} in the child's ${stream} within ${timeoutMs} ms; stdout: ${text.stdout} stderr: ${err()}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  try {
    onTestFinished(async () => {
      await stop("SIGKILL");
    });
  } catch {
    // Started outside a test (a beforeAll): the caller stops it; `timeoutMs` bounds it anyway.
  }
  return { process: child, out: () => text.stdout, err, exited, waitFor, stop };
}

export interface ChildResult {
  code: number | null | "hung";
  out: string;
  /** Standard error, npm's warnings removed. */
  err: string;
}

/** Runs a child process to its end (or kills it after `timeoutMs`: "hung"), collecting its output. */
export async function runChild(args: string[], options: number | ChildOptions): Promise<ChildResult> {
  const child = startChild(args, typeof options === "number" ? { timeoutMs: options } : options);
  const { code } = await child.exited;
  return { code, out: child.out(), err: child.err() };
}

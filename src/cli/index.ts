/**
 * The `lasersell-stream` command line (bin/lasersell-stream.js runs the build of this file). Ctrl-C,
 * SIGTERM and a closed standard output (`| head -1`) abort the command's signal: it stops quietly.
 */
import type { CliIo } from "./command.js";
import { main } from "./main.js";

function processIo(): CliIo {
  const stop = new AbortController();
  let outputGone = false;
  // The reader went away (`| head -1`): stop the command instead of crashing on EPIPE.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    outputGone = true;
    stop.abort("EPIPE");
  });
  const onSignal = (signal: NodeJS.Signals): void => stop.abort(signal);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  stop.signal.addEventListener("abort", () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  });
  return {
    stdout: (text) => {
      if (!outputGone && process.stdout.writable) process.stdout.write(text);
    },
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    tty: process.stdout.isTTY === true,
    signal: stop.signal,
  };
}

main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`lasersell-stream: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);

/** Runs a child process to its end (or kills it after `timeoutMs`: "hung"), collecting its output. */
import { spawn } from "node:child_process";

export interface ChildResult {
  code: number | null | "hung";
  out: string;
  /** Standard error, npm's warnings removed. */
  err: string;
}

export async function runChild(args: string[], timeoutMs: number): Promise<ChildResult> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null | "hung">((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve("hung");
    }, timeoutMs);
    child.once("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, out, err: err.replace(/npm warn.*\n/g, "") };
}

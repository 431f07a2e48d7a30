/**
 * `lasersell-stream demo --duration N` (`npm run demo`) ends by itself with exit code 0 and a
 * summary (what CI runs).
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("lasersell-stream demo", () => {
  it("runs offline for --duration seconds, then prints a summary and exits 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", "demo", "--duration", "3", "--seed", "5"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null | "hung">((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve("hung");
      }, 25_000);
      child.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect({ code, err: err.replace(/npm warn.*\n/g, "") }).toEqual({ code: 0, err: "" });
    expect(out).toMatch(/^registered wallet \S+ to the API key \(POST http:\/\/127\.0\.0\.1:\d+\/v1\/wallets\/register\), then connected$/m);
    expect(out).toMatch(/strategy: take profit \+10%, stop loss -5%/);
    expect(out).toMatch(/open {4}#\d+/);
    expect(out).toMatch(/\nsummary\n {2}positions opened {5}[1-9]/);
    // Amounts a person reads: token amounts with their decimals, never a negative zero.
    expect(out).not.toMatch(/-0\.0+%/);
    expect(out).not.toMatch(/selling \d{7,} tokens/);
  }, 30_000);
});

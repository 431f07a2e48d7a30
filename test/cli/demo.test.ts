/**
 * `lasersell-stream demo --duration N` (`npm run demo`) ends by itself with exit code 0 and a
 * summary (what CI runs).
 */
import { describe, expect, it } from "vitest";
import { runChild } from "../helpers/child.js";

describe("lasersell-stream demo", () => {
  it("runs offline for --duration seconds, then prints a summary and exits 0", async () => {
    const { code, out, err } = await runChild(["--import", "tsx", "src/cli/index.ts", "demo", "--duration", "3", "--seed", "5"], 25_000);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toMatch(/^registered wallet \S+ to the API key \(POST http:\/\/127\.0\.0\.1:\d+\/v1\/wallets\/register\), then connected$/m);
    expect(out).toMatch(/strategy: take profit \+10%, stop loss -5%/);
    expect(out).toMatch(/open {4}#\d+/);
    // One manual exit through the Exit API, guarded and settled.
    expect(out).toMatch(/manual {2}#\d+: sold half \([\d.,]+ tokens\) through the Exit API/);
    expect(out).toMatch(/\nsummary\n {2}positions opened {5}[1-9]/);
    // The executor's summary and the recording with the command that backtests it.
    expect(out).toMatch(/ {2}exits landed {9}\d+ of \d+, \d+ needed a retry/);
    expect(out).toMatch(/ {2}recording {12}\S+lasersell-demo-5\.ndjson\.gz/);
    expect(out).toMatch(/backtest it: {9}npx lasersell-stream backtest \S+ --strategy/);
    // Amounts a person reads: token amounts with their decimals, never a negative zero.
    expect(out).not.toMatch(/-0\.0+%/);
    expect(out).not.toMatch(/selling \d{7,} tokens/);
  }, 30_000);
});

import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/command.js";
import { COMMANDS } from "../../src/cli/commands.js";
import { pct, pnlPercent, sol, tokens } from "../../src/cli/format.js";
import { main } from "../../src/cli/main.js";
import { runTail, shows } from "../../src/cli/tail.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { cli, startChild } from "../helpers/child.js";

const servers: MockStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function io(): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    env: {},
    tty: false,
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}

describe("CLI formatting", () => {
  it("shows token amounts with their decimals, raw units without", () => {
    expect(tokens(8_976_534_617_230n, 6)).toBe("8,976,534.61723");
    expect(tokens(1_500_000n, 6)).toBe("1.5");
    expect(tokens(25_000_000n, 6)).toBe("25");
    expect(tokens(5n, 9)).toBe("0.000000005");
    expect(tokens(8_976_534_617_230n)).toBe("8976534617230");
  });

  it("never prints -0.0%; signs the rest", () => {
    expect(pct(-0.04)).toBe("0.0%");
    expect(pct(0.04)).toBe("0.0%");
    expect(pct(-0.06)).toBe("-0.1%");
    expect(pct(12.34)).toBe("+12.3%");
    expect(sol(-1_234_567n, 4, true)).toBe("-0.0012 SOL");
    expect(sol(-10_000n, 4, true)).toBe("0.0000 SOL");
  });

  it("PnL percent is profit over the cost of what is held (proceeds - profit)", () => {
    expect(pnlPercent(100n, 1_100n)).toBeCloseTo(10);
    expect(pnlPercent(-50n, 950n)).toBeCloseTo(-5);
    expect(pnlPercent(0n, 0n)).toBeUndefined();
  });

  it("--only keeps what it names, and connection events always", () => {
    expect(shows("exits", "exit_signal_with_tx")).toBe(true);
    expect(shows("exits", "position_opened")).toBe(false);
    expect(shows("exits", "pnl_update")).toBe(false);
    expect(shows("exits", "disconnected")).toBe(true);
    expect(shows("positions", "position_opened")).toBe(true);
    expect(shows("positions", "trade_tick")).toBe(false);
    expect(shows("all", "trade_tick")).toBe(true);
  });
});

describe("lasersell-stream dispatcher", () => {
  it("--version prints the package version", async () => {
    const out = io();
    expect(await main(["--version"], out)).toBe(0);
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(out.out()).toBe(`${pkg.version}\n`);
  });

  it("every command has its own help with examples; the top-level help lists them all", async () => {
    const top = io();
    expect(await main(["--help"], top)).toBe(0);
    for (const command of COMMANDS) {
      expect(top.out()).toContain(`  ${command.name}`);
      const own = io();
      expect(await main([command.name, "--help"], own)).toBe(0);
      expect(own.out()).toBe(command.help);
      expect(own.out()).toMatch(new RegExp(`^Usage: lasersell-stream ${command.name}`));
      expect(own.out()).toMatch(/\nExamples:\n {2}lasersell-stream /);
    }
    const mockHelp = io();
    await main(["help", "mock"], mockHelp);
    expect(mockHelp.out()).not.toBe(top.out());
  });

  it("a usage error names the command and points to its help; an unknown command lists the commands", async () => {
    const bad = io();
    expect(await main(["tail", "--tp", "x"], bad)).toBe(1);
    expect(bad.err()).toBe("lasersell-stream tail: --tp must be a number >= 0, got x\nRun 'lasersell-stream tail --help' for its options.\n");
    const unknown = io();
    expect(await main(["nope"], unknown)).toBe(1);
    expect(unknown.err()).toMatch(/unknown command 'nope'[\s\S]*Commands:[\s\S]*demo/);
  });

  it("tail without an exit rule against the real service names the flags, not wire fields", async () => {
    const out = io();
    expect(await main(["tail", "--api-key", "k", "--wallet", "W", "--endpoint", "wss://stream.example.invalid/v1/ws"], out)).toBe(1);
    expect(out.err()).toMatch(/--tp PCT, --sl PCT, --trailing PCT or --deadline SEC/);
    expect(out.err()).not.toMatch(/target_profit_pct/);
  });

  it("record shares tail's flags: without an exit rule it names them, before connecting", async () => {
    const out = io();
    expect(await main(["record", "--out", "never-written.ndjson", "--api-key", "k", "--wallet", "W", "--endpoint", "wss://stream.example.invalid/v1/ws"], out)).toBe(1);
    expect(out.err()).toMatch(/record needs at least one exit rule: --tp PCT, --sl PCT, --trailing PCT or --deadline SEC/);
  });
});

describe("lasersell-stream tail against a mock", () => {
  it("needs nothing else: default key, a generated wallet, the default strategy; --only exits shows exits only", async () => {
    const server = await MockStreamServer.start({ seed: 5, pnlFlushMs: 20 });
    servers.push(server);
    const lines: string[] = [];
    const stop = new AbortController();
    void server.waitForMessage("configure", { timeoutMs: 5_000 }).then((message) => {
      const { position_id } = server.openPosition({ wallet: message.wallet_pubkeys[0] ?? "" });
      server.setPrice(position_id, 1.2);
    });
    const out = {
      line: (t: string): void => {
        lines.push(t);
        if (/exit_signal_with_tx/.test(t)) stop.abort();
      },
      status: (): void => {},
    };
    expect(await runTail(["--endpoint", server.url, "--only", "exits", "--duration", "10"], {}, out, stop.signal)).toBe(0);
    const configure = server.received.find((f) => f.message?.type === "configure")?.message;
    expect(configure).toMatchObject({ strategy: { target_profit_pct: 10, stop_loss_pct: 5 } });
    expect(lines[0]).toMatch(/^watching generated wallet \w{32,44} \(local mock\)$/);
    expect(lines.join("\n")).toMatch(/exit_signal_with_tx\s+position \d+ target_profit sell all profit \+\d+\.\d{4} SOL/);
    expect(lines.some((l) => /pnl_update|position_opened|liquidity_snapshot|trade_tick/.test(l))).toBe(false);
  });

  it("stops quietly when the reader of its output goes away (tail | head -1)", async () => {
    const server = await MockStreamServer.start({ seed: 9, pnlFlushMs: 10, simulateBuys: { everyMs: 20, maxOpenPerWallet: 3 } });
    servers.push(server);
    const child = startChild(cli("tail", "--endpoint", server.url), { timeoutMs: 18_000 });
    // Read the first line, then close the pipe as `head -1` does; tail keeps writing events.
    await child.waitFor(/\n/);
    child.process.stdout?.destroy();
    expect((await child.exited).code).toBe(0);
    expect(child.err()).toBe("");
  }, 20_000);
});

import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runTail } from "../../src/cli/tail.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { cli, runChild } from "../helpers/child.js";

const KEY = "sk-TAIL-RECOGNISABLE-KEY-77";
const servers: MockStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Collects tail's output; `stop` aborts once a line matches `until`. */
function capture(until?: RegExp) {
  const lines: string[] = [];
  const statuses: string[] = [];
  const stop = new AbortController();
  const out = {
    line: (t: string): void => {
      lines.push(t);
      if (until?.test(t) === true) stop.abort();
    },
    status: (t: string): void => void statuses.push(t),
  };
  return { lines, statuses, out, signal: stop.signal };
}

async function tailAgainstMock(extra: string[]): Promise<{ lines: string[]; statuses: string[]; positionId: number }> {
  const server = await MockStreamServer.start({ apiKeys: [KEY], seed: 7, tier: 1, pnlFlushMs: 20 });
  servers.push(server);
  const wallet = Keypair.generate().publicKey.toBase58();
  const c = capture(/exit_signal_with_tx/);
  let positionId = -1;
  void server.waitForConnection({ timeoutMs: 5_000 }).then(async () => {
    await server.waitForMessage("configure", { timeoutMs: 5_000 });
    positionId = Number(server.openPosition({ wallet }).position_id);
    // Drop the price once tail has printed the position, so its line comes before the exit's.
    await vi.waitFor(() => expect(c.lines.some((l) => /position_opened\s+position \d+/.test(l))).toBe(true), { timeout: 5_000 });
    server.setPrice(positionId, 0.5);
  });
  const code = await runTail(["--wallet", wallet, "--endpoint", server.url, "--sl", "10", "--duration", "10", ...extra], {}, c.out, c.signal);
  expect(code).toBe(0);
  return { ...c, positionId };
}

describe("lasersell-stream tail", () => {
  it("prints one readable line per event, the exit signal included, and never the key", async () => {
    const { lines, positionId } = await tailAgainstMock(["--api-key", KEY]);
    const text = lines.join("\n");
    expect(text).toMatch(/hello_ok\s+session \d+/);
    expect(text).toMatch(new RegExp(`position_opened\\s+position ${positionId} `));
    expect(text).toMatch(/pnl_update\s+position \d+ profit -?\d+\.\d{4} SOL/);
    expect(text).toMatch(new RegExp(`exit_signal_with_tx\\s+position ${positionId} stop_loss.* programs Compute Budget, LaserSell router`));
    expect(text).not.toContain(KEY);
  });

  it("--json writes one exact JSON object per line; the key may come from LASERSELL_API_KEY", async () => {
    const server = await MockStreamServer.start({ apiKeys: [KEY], seed: 3 });
    servers.push(server);
    const wallet = Keypair.generate().publicKey.toBase58();
    const c = capture(/"position_opened"/);
    void server.waitForMessage("configure", { timeoutMs: 5_000 }).then(() => server.openPosition({ wallet, tokens: 25_000_000_000_000_001n }));
    await runTail(["--wallet", wallet, "--endpoint", server.url, "--tp", "50", "--json", "--duration", "10"], { LASERSELL_API_KEY: KEY }, c.out, c.signal);
    const parsed = c.lines.map((l) => JSON.parse(l) as { type: string; message?: Record<string, unknown> });
    expect(parsed[0]?.type).toBe("hello_ok");
    const opened = c.lines.find((l) => l.includes('"position_opened"'));
    expect(opened).toContain('"tokens":25000000000000001');
    expect(c.lines.join("\n")).not.toContain(KEY);
  });

  it("refuses to start without a key or a wallet", async () => {
    await expect(runTail(["--wallet", "x", "--sl", "10"], {}, capture().out)).rejects.toThrow(/API key is required/);
    await expect(runTail(["--sl", "10"], { LASERSELL_API_KEY: KEY }, capture().out)).rejects.toThrow(/--wallet/);
  });
});

describe("lasersell-stream tail (command line)", () => {
  it("runs from the CLI against the mock and prints the opened position; exits 0 after --duration", async () => {
    const server = await MockStreamServer.start({ apiKeys: [KEY], seed: 11 });
    servers.push(server);
    const wallet = Keypair.generate().publicKey.toBase58();
    void server.waitForMessage("configure", { timeoutMs: 10_000 }).then(() => server.openPosition({ wallet }));
    const { code, out, err } = await runChild(cli("tail", "--wallet", wallet, "--endpoint", server.url, "--sl", "10", "--duration", "3"), {
      env: { ...process.env, LASERSELL_API_KEY: KEY },
      timeoutMs: 18_000,
    });
    expect(code, err).toBe(0);
    expect(out).toMatch(/position_opened\s+position \d+/);
    expect(out + err).not.toContain(KEY);
  }, 20_000);
});

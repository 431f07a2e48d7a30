import { spawn, type ChildProcess } from "node:child_process";
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { registerWallet } from "../../src/rest/register.js";
import { proveOwnership } from "../../src/tx/index.js";
import { RawClient, closeAllRawClients, configureFrame } from "./raw-client.js";

const children: ChildProcess[] = [];
afterEach(() => {
  closeAllRawClients();
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

function runCli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) w();
  });
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitFor = (re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = out.match(re);
        if (m === null) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(m);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${re} in output: ${out} ${err}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, exited, waitFor, output: () => out, errors: () => err };
}

describe("lasersell-stream CLI", () => {
  it("mock: serves the stream, logs one line per event and stops cleanly on SIGTERM", async () => {
    const cli = runCli(["mock", "--port", "0", "--seed", "3", "--buy-every-ms", "50", "--max-open", "1"]);
    const [, port] = await cli.waitFor(/listening on ws:\/\/localhost:(\d+)\/v1\/ws \(tier 1, seed 3\)/);
    const client = await RawClient.configured(`ws://127.0.0.1:${port}/v1/ws`, configureFrame());
    await client.next("position_opened");
    await cli.waitFor(/configure\s+#1 session \d+, wallets 6anb…8Zhi/);
    await cli.waitFor(/open\s+position \d+ wallet 6anb…8Zhi/);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/SIGTERM: stopping\n[\s\S]*stopped\n$/);
    expect(cli.output()).not.toContain("test-key");
  }, 20_000);

  it("mock --require-registration: refuses an unregistered wallet, logs registrations, then accepts it", async () => {
    const cli = runCli(["mock", "--port", "0", "--seed", "3", "--require-registration"]);
    const [, port] = await cli.waitFor(/listening on ws:\/\/localhost:(\d+)\/v1\/ws/);
    await cli.waitFor(/wallets http:\/\/127\.0\.0\.1:\d+\/v1\/wallets\/register\s+registration required before configure/);
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    const short = `${wallet.slice(0, 4)}…${wallet.slice(-4)}`;
    const url = `ws://127.0.0.1:${port}/v1/ws`;
    const refused = await RawClient.connect(url);
    refused.send(configureFrame({ wallet_pubkeys: [wallet] }));
    expect((await refused.next("error"))["code"]).toBe("wallet_not_registered");
    await cli.waitFor(/error\s+#1 wallet_not_registered: wallet \S+ is not registered/);
    const stale = proveOwnership(keypair, { nowMs: Date.now() - 10 * 60_000 });
    await expect(registerWallet("test-key", stale, { baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 3_000 })).rejects.toMatchObject({ status: 400 });
    await cli.waitFor(new RegExp(`register\\s+refused HTTP 400 wallet ${short}: proof expired`));
    await registerWallet("test-key", proveOwnership(keypair), { baseUrl: `http://127.0.0.1:${port}`, label: "cli test", timeoutMs: 3_000 });
    await cli.waitFor(new RegExp(`register\\s+wallet ${short} registered \\(cli test\\)`));
    await RawClient.configured(url, configureFrame({ wallet_pubkeys: [wallet] }));
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    expect(cli.output()).not.toContain("test-key");
  }, 20_000);

  it("rejects bad options with exit code 1 and a message", async () => {
    const cli = runCli(["mock", "--tier", "7"]);
    expect(await cli.exited).toBe(1);
    expect(cli.errors()).toMatch(/--tier must be 0, 1 or 2/);
  }, 20_000);
});

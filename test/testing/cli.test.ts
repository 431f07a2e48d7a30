import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { registerWallet } from "../../src/rest/register.js";
import { proveOwnership } from "../../src/tx/index.js";
import { cli, startChild } from "../helpers/child.js";
import { RawClient, closeAllRawClients, configureFrame } from "./raw-client.js";

afterEach(() => {
  closeAllRawClients();
});

describe("lasersell-stream CLI", () => {
  it("mock: serves the stream, logs one line per event and stops cleanly on SIGTERM", async () => {
    const mock = startChild(cli("mock", "--port", "0", "--seed", "3", "--buy-every-ms", "50", "--max-open", "1"), { timeoutMs: 18_000 });
    const [, port] = await mock.waitFor(/listening on ws:\/\/localhost:(\d+)\/v1\/ws \(tier 1, seed 3\)/);
    const client = await RawClient.configured(`ws://127.0.0.1:${port}/v1/ws`, configureFrame());
    await client.next("position_opened");
    await mock.waitFor(/configure\s+#1 session \d+, wallets 6anb…8Zhi/);
    await mock.waitFor(/open\s+position \d+ wallet 6anb…8Zhi/);
    expect((await mock.stop("SIGTERM")).code).toBe(0);
    expect(mock.out()).toMatch(/SIGTERM: stopping\n[\s\S]*stopped\n$/);
    expect(mock.out()).not.toContain("test-key");
  }, 20_000);

  it("mock --require-registration: refuses an unregistered wallet, logs registrations, then accepts it", async () => {
    const mock = startChild(cli("mock", "--port", "0", "--seed", "3", "--require-registration"), { timeoutMs: 18_000 });
    const [, port] = await mock.waitFor(/listening on ws:\/\/localhost:(\d+)\/v1\/ws/);
    await mock.waitFor(/wallets http:\/\/127\.0\.0\.1:\d+\/v1\/wallets\/register\s+registration required before configure/);
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    const short = `${wallet.slice(0, 4)}…${wallet.slice(-4)}`;
    const url = `ws://127.0.0.1:${port}/v1/ws`;
    const refused = await RawClient.connect(url);
    refused.send(configureFrame({ wallet_pubkeys: [wallet] }));
    expect((await refused.next("error"))["code"]).toBe("wallet_not_registered");
    await mock.waitFor(/error\s+#1 wallet_not_registered: wallet \S+ is not registered/);
    const stale = proveOwnership(keypair, { nowMs: Date.now() - 10 * 60_000 });
    await expect(registerWallet("test-key", stale, { baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 3_000 })).rejects.toMatchObject({ status: 400 });
    await mock.waitFor(new RegExp(`register\\s+refused HTTP 400 wallet ${short}: proof expired`));
    await registerWallet("test-key", proveOwnership(keypair), { baseUrl: `http://127.0.0.1:${port}`, label: "cli test", timeoutMs: 3_000 });
    await mock.waitFor(new RegExp(`register\\s+wallet ${short} registered \\(cli test\\)`));
    await RawClient.configured(url, configureFrame({ wallet_pubkeys: [wallet] }));
    expect((await mock.stop("SIGTERM")).code).toBe(0);
    expect(mock.out()).not.toContain("test-key");
  }, 20_000);

  it("rejects bad options with exit code 1 and a message", async () => {
    const mock = startChild(cli("mock", "--tier", "7"), { timeoutMs: 18_000 });
    expect((await mock.exited).code).toBe(1);
    expect(mock.err()).toMatch(/--tier must be 0, 1 or 2/);
  }, 20_000);
});

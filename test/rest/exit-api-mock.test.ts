/**
 * ExitApiClient end to end against MockStreamServer: every endpoint, built transactions signed
 * through the guard and settled by the mock's RPC, and each error class the mock can produce.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { ExitApiError, TransactionGuardError } from "../../src/errors.js";
import { ExitApiClient } from "../../src/rest/exit-api.js";
import { MockStreamServer, type MockStreamServerOptions } from "../../src/testing/index.js";
import { proveOwnership, signExitApiTransaction, submitTransaction, sendTargetRpc } from "../../src/tx/index.js";

const KEY = "exit-api-test-key";
const servers: MockStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(options: MockStreamServerOptions = {}) {
  const server = await MockStreamServer.start({ seed: 11, priceWalk: false, settleMs: 5, apiKeys: [KEY], ...options });
  servers.push(server);
  const keypair = Keypair.generate();
  const wallet = keypair.publicKey.toBase58();
  const client = new ExitApiClient({ apiKey: KEY, baseUrl: server.apiUrl, retry: { max_attempts: 3, initial_backoff_ms: 5, max_backoff_ms: 5, jitter_ms: 0 } });
  return { server, keypair, wallet, client };
}

describe("ExitApiClient against MockStreamServer", () => {
  it("a partial sell: built for the position, guarded, signed, submitted, settled for exactly that amount", async () => {
    const { server, keypair, wallet, client } = await setup();
    const { position_id } = server.openPosition({ wallet, tokens: 1_000_000n });
    const handle = { ...server.position(position_id)!, wallet_pubkey: wallet };
    const request = { slippageBps: 300, tipLamports: 1_000, sendMode: "rpc" as const };
    const built = await client.buildPartialSellTx(handle, 400_000n, request);
    expect(built.route).toEqual({ market_type: "pumpfun", pool_id: expect.any(String) });
    const body = server.exitApi.requests.at(-1)?.body;
    expect(body).toEqual({ mint: handle.mint, user_pubkey: wallet, amount_tokens: 400_000, output: "SOL", slippage_bps: 300, send_mode: "rpc", tip_lamports: 1_000 });
    const signed = signExitApiTransaction(built, { user_pubkey: wallet, tip_lamports: 1_000 }, keypair);
    const settled = new Promise<{ sold: bigint; tokens_left: bigint }>((resolve) => server.once("settled", resolve));
    await submitTransaction(sendTargetRpc(server.rpcUrl), signed.signedTxB64, { timeoutMs: 3_000 });
    expect(await settled).toMatchObject({ sold: 400_000n, tokens_left: 600_000n });
    expect(server.position(position_id)?.tokens).toBe(600_000n);
  });

  it("refuses locally a partial sell above the position's tokens; the guard refuses another wallet's signature", async () => {
    const { server, wallet, client } = await setup();
    const { position_id } = server.openPosition({ wallet, tokens: 10n });
    const handle = { ...server.position(position_id)!, wallet_pubkey: wallet };
    await expect(client.buildPartialSellTx(handle, 11n, { slippageBps: 100 })).rejects.toMatchObject({ name: "StreamValidationError", field: "amountTokens" });
    const built = await client.buildPartialSellTx(handle, 10, 100, "SOL"); // the official README's positional form
    expect(() => signExitApiTransaction(built, { user_pubkey: wallet }, Keypair.generate())).toThrow(TransactionGuardError);
  });

  it("a SOL buy opens a position for the wallet once submitted; a full sell closes it into the history", async () => {
    const { server, keypair, wallet, client } = await setup();
    const mint = Keypair.generate().publicKey.toBase58();
    server.exitApi.addMarket(mint, "pump_swap");
    const buy = { mint, user_pubkey: wallet, amount: 0.25, slippage_bps: 500, tip_lamports: 1_000 };
    const built = await client.buildBuyTx(buy);
    expect(built.route).toMatchObject({ market_type: "pumpswap" });
    const opened = new Promise<{ position_id: number; wallet_pubkey: string; entry_quote_units: bigint }>((resolve) => server.once("position_opened", resolve));
    await submitTransaction(sendTargetRpc(server.rpcUrl), signExitApiTransaction(built, buy, keypair).signedTxB64);
    const p = await opened;
    expect(p).toMatchObject({ wallet_pubkey: wallet, entry_quote_units: 250_000_000n });

    const tokens = server.position(p.position_id)!.tokens;
    const sell = { mint, user_pubkey: wallet, amount_tokens: tokens, output: "SOL" as const, slippage_bps: 500 };
    const tx = await client.buildSellTxB64(sell);
    await submitTransaction(sendTargetRpc(server.rpcUrl), signExitApiTransaction(tx, sell, keypair).signedTxB64);
    expect(await server.waitForPositionClosed(p.position_id)).toBe("manual");
    const history = await client.getTradeHistory({ wallet, limit: 10 });
    expect(history.total).toBe(1);
    expect(history.trades[0]).toMatchObject({ position_id: p.position_id, mint, wallet_pubkey: wallet, exit_reason: "manual", entry_quote_units: 250_000_000 });
    expect((await client.getTradeHistory({ mint: Keypair.generate().publicKey.toBase58() })).trades).toEqual([]);
  });

  it("account, health, register and unregister", async () => {
    const { server, keypair, wallet, client } = await setup({ tier: 1 });
    await expect(client.getAccount()).resolves.toEqual({ tier: 1, tier_name: "Professional", limits: { max_wallets: 5, max_positions_per_wallet: 100, max_positions_per_session: 500 } });
    await expect(client.health()).resolves.toBe(true);
    await client.registerWallet(proveOwnership(keypair), "bot");
    expect(server.registeredWallets(KEY)).toEqual([wallet]);
    await expect(client.unregisterWallet(wallet)).resolves.toEqual({ wallet_pubkey: wallet, removed: true });
    expect(server.registeredWallets(KEY)).toEqual([]);
    await expect(client.unregisterWallet(wallet)).resolves.toEqual({ wallet_pubkey: wallet, removed: false });
  });

  it("each error class the mock produces: 401, 404 not_indexed, 422, 403, 400", async () => {
    const { server, wallet, client } = await setup();
    const { mint } = server.openPosition({ wallet, tokens: 5n });
    const sell = { mint, user_pubkey: wallet, amount_tokens: 5, output: "SOL" as const, slippage_bps: 100 };
    const wrongKey = new ExitApiClient({ apiKey: "other-key", baseUrl: server.apiUrl });
    await expect(wrongKey.buildSellTx(sell)).rejects.toMatchObject({ kind: "http_status", status: 401, body: "invalid api key" });
    await expect(client.buildSellTx({ ...sell, mint: Keypair.generate().publicKey.toBase58() })).rejects.toMatchObject({ status: 404, serverCode: "not_indexed" });
    await expect(client.buildSellTx({ ...sell, amount_tokens: 6 })).rejects.toMatchObject({ status: 422 });
    await expect(client.buildSellTx({ ...sell, partner_fee_bps: 10, partner_fee_recipient: wallet })).rejects.toMatchObject({ status: 403 });
    await expect(client.buildSellTx(sell)).resolves.toMatchObject({ tx: expect.any(String) });
    const statuses = server.exitApi.requests.map((r) => r.status);
    expect(statuses).toEqual([401, 404, 422, 403, 200]); // none of them retried
  });

  it("429 with Retry-After from the rate limit: waited out, then served", async () => {
    const { server, wallet, client } = await setup({ exitApiRateLimit: { requests: 1, windowMs: 1_000 } });
    await client.getAccount();
    const started = Date.now();
    await expect(client.health()).resolves.toBe(true); // /healthz is not rate limited
    await client.getAccount();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.exitApi.requests.map((r) => r.status)).toEqual([200, 200, 429, 200]);
    const once = new ExitApiClient({ apiKey: KEY, baseUrl: server.apiUrl, retry: { max_attempts: 1, initial_backoff_ms: 0, max_backoff_ms: 0, jitter_ms: 0 } });
    const err = (await once.getTradeHistory({ wallet }).catch((e: unknown) => e)) as ExitApiError;
    expect(err).toMatchObject({ kind: "http_status", status: 429, body: "rate limit exceeded" });
    expect(err.retryAfterMs).toBeGreaterThan(0);
  });

  it("scripted faults: a 503 is retried; a slow answer times out; an abort stops the call", async () => {
    const { server, wallet, client } = await setup();
    const { mint } = server.openPosition({ wallet, tokens: 5n });
    const sell = { mint, user_pubkey: wallet, amount_tokens: 5, output: "SOL" as const, slippage_bps: 100 };
    server.exitApi.failNext({ status: 503, path: "/v1/sell" });
    await expect(client.buildSellTx(sell)).resolves.toMatchObject({ tx: expect.any(String) });
    expect(server.exitApi.requests.map((r) => r.status)).toEqual([503, 200]);

    server.exitApi.failNext({ status: 200, body: { tx: "AA==" }, delayMs: 2_000, times: 5 });
    const slow = new ExitApiClient({ apiKey: KEY, baseUrl: server.apiUrl, attemptTimeoutMs: 50, retry: { max_attempts: 2, initial_backoff_ms: 1, max_backoff_ms: 1, jitter_ms: 0 } });
    await expect(slow.buildSellTx(sell)).rejects.toMatchObject({ kind: "timeout", attempts: 2 });

    const controller = new AbortController();
    const pending = client.buildSellTx(sell, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ kind: "aborted" });
  });
});

/**
 * Migration: the official SDK's ExitApiClient, unchanged, against MockStreamServer; and the
 * official README's Exit API usage run against both packages with only the import changed.
 */
import * as official from "@lasersell/lasersell-sdk";
import { Keypair, VersionedTransaction } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import * as ours from "../../src/index.js";
import { MockStreamServer } from "../../src/testing/index.js";
import * as oursTx from "../../src/tx/index.js";

const KEY = "sdk-key";
const servers: MockStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup() {
  const server = await MockStreamServer.start({ seed: 21, priceWalk: false, settleMs: 5, apiKeys: [KEY] });
  servers.push(server);
  const keypair = Keypair.generate();
  const wallet = keypair.publicKey.toBase58();
  const { position_id, mint } = server.openPosition({ wallet, tokens: 3_000_000n });
  return { server, keypair, wallet, position_id, mint };
}

describe("the official SDK's ExitApiClient against the mock, unchanged", () => {
  it("builds a sell and a partial sell the official signUnsignedTx can sign; submitted, they settle", async () => {
    const { server, keypair, wallet, position_id, mint } = await setup();
    const client = official.ExitApiClient.withApiKey(KEY).withBaseUrl(server.apiUrl);
    const partial = await client.buildPartialSellTx({ ...server.position(position_id)!, position_id, wallet_pubkey: wallet, tokens: 3_000_000, entry_quote_units: 1 }, 1_000_000, { slippageBps: 500 });
    const tx: VersionedTransaction = official.signUnsignedTx(partial.tx, keypair);
    const settled = new Promise<{ sold: bigint }>((resolve) => server.once("settled", resolve));
    await official.sendTransaction(official.sendTargetRpc(server.rpcUrl), tx);
    expect(await settled).toMatchObject({ sold: 1_000_000n });
    const b64 = await client.buildSellTxB64({ mint, user_pubkey: wallet, amount_tokens: 2_000_000, output: "SOL", slippage_bps: 500 });
    expect(() => VersionedTransaction.deserialize(Buffer.from(b64, "base64"))).not.toThrow();
  });

  it("buys, registers, and sees the mock's errors as its own ExitApiError kinds (a 503 retried)", async () => {
    const { server, keypair, wallet, mint } = await setup();
    const client = new official.ExitApiClient(KEY, { retry_policy: { max_attempts: 2, initial_backoff_ms: 1, max_backoff_ms: 1, jitter_ms: 0 } }).withBaseUrl(server.apiUrl);
    await expect(client.buildBuyTx({ mint, user_pubkey: wallet, amount_in_total: 100_000_000, slippage_bps: 100 })).resolves.toMatchObject({ tx: expect.any(String) });
    await client.registerWallet(official.proveOwnership(keypair), "sdk");
    expect(server.registeredWallets(KEY)).toEqual([wallet]);
    server.exitApi.failNext({ status: 503, path: "/v1/sell" });
    await expect(client.buildSellTx({ mint, user_pubkey: wallet, amount_tokens: 1, output: "SOL", slippage_bps: 1 })).resolves.toMatchObject({ tx: expect.any(String) });
    const err = await client.buildSellTx({ mint: Keypair.generate().publicKey.toBase58(), user_pubkey: wallet, amount_tokens: 1, output: "SOL", slippage_bps: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(official.ExitApiError);
    expect(err).toMatchObject({ kind: "http_status", status: 404 });
  });
});

/**
 * The official README's Exit API sections ("Build a sell transaction", "Partial sell", "Wallet
 * registration"), as written there; `sdk` is the only thing that differs between the two runs (the
 * import). The README's placeholders became parameters, and `.withBaseUrl(baseUrl)` (a builder
 * both packages have) points the production client at the mock.
 */
async function readmeExitApiUsage(
  sdk: { ExitApiClient: typeof official.ExitApiClient | typeof ours.ExitApiClient; proveOwnership: (k: Keypair) => { walletPubkey: string; signature: string; message: string } },
  p: { apiKey: string; mint: string; wallet: string; baseUrl: string; keypair: Keypair; handle: official.PositionHandle; amountTokens: number },
): Promise<{ sellTx: string; partial: unknown }> {
  const { ExitApiClient, proveOwnership } = sdk;
  // ## Build a sell transaction
  const client = ExitApiClient.withApiKey(p.apiKey).withBaseUrl(p.baseUrl);
  const request: official.BuildSellTxRequest = {
    mint: p.mint,
    user_pubkey: p.wallet,
    amount_tokens: 1_000_000,
    slippage_bps: 2_000,
    output: "SOL",
  };
  const response = await client.buildSellTx(request);
  // ## Wallet registration
  const proof = proveOwnership(p.keypair);
  await ExitApiClient.withApiKey(p.apiKey).withBaseUrl(p.baseUrl).registerWallet(proof);
  // ## Partial sell (the README's positional form)
  const partial = await (client as { buildPartialSellTx(...args: unknown[]): Promise<unknown> })
    .buildPartialSellTx(p.handle, p.amountTokens, 500, "SOL")
    .catch((e: unknown) => e);
  return { sellTx: response.tx, partial };
}

describe("migration: the official README's Exit API usage with only the import changed", () => {
  it("runs on lasersell-stream (and its positional partial sell works, where the official's own client refuses it)", async () => {
    const { server, keypair, wallet, position_id, mint } = await setup();
    const handle = { ...server.position(position_id)!, position_id, wallet_pubkey: wallet, tokens: 3_000_000, entry_quote_units: 1 } as official.PositionHandle;
    const p = { apiKey: KEY, mint, wallet, baseUrl: server.apiUrl, keypair, handle, amountTokens: 500_000 };

    const withOurs = await readmeExitApiUsage({ ExitApiClient: ours.ExitApiClient, proveOwnership: oursTx.proveOwnership }, p);
    expect(() => oursTx.signExitApiTransaction(withOurs.sellTx, { user_pubkey: wallet }, keypair)).not.toThrow();
    expect(withOurs.partial).toMatchObject({ tx: expect.any(String) });
    expect(server.registeredWallets(KEY)).toEqual([wallet]);

    const withOfficial = await readmeExitApiUsage({ ExitApiClient: official.ExitApiClient, proveOwnership: official.proveOwnership }, p);
    expect(withOfficial.sellTx).toEqual(expect.any(String));
    // The README's positional call does not match the official signature: slippage_bps is dropped and the server refuses it.
    expect(withOfficial.partial).toMatchObject({ kind: "http_status", status: 400 });
  });
});

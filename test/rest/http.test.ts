/**
 * The shared REST transport, on scripted HTTP servers on 127.0.0.1 (port 0): the safety rules of
 * issue 12 (no redirects, capped bodies, checked key, https unless loopback) and the error classes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getEventListeners } from "node:events";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ExitApiError, StreamRegistrationError, StreamValidationError } from "../../src/errors.js";
import { ExitApiClient } from "../../src/rest/exit-api.js";
import { MAX_ERROR_BODY_BYTES, RestTransport, resolveBaseUrl } from "../../src/rest/http.js";
import { registerWallet, type WalletOwnershipProof } from "../../src/rest/register.js";

const KEY = "sk-RECOGNISABLE-KEY-42";
const MINT = "So11111111111111111111111111111111111111112";
const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
const TX = Buffer.from("unsigned-transaction-bytes").toString("base64");
const proof: WalletOwnershipProof = { walletPubkey: WALLET, message: `lasersell-register:${WALLET}:1773792000`, signature: "5".repeat(88) };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((r) => {
          s.closeAllConnections();
          s.close(r);
        }),
    ),
  );
});

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  body: string;
}
type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;
async function serve(handler: Handler): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const s = { method: req.method ?? "", url: req.url ?? "", key: req.headers["x-api-key"] as string | undefined, body };
      seen.push(s);
      handler(req, res, s);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const sellRequest = { mint: MINT, user_pubkey: WALLET, amount_tokens: 1_000, output: "SOL" as const, slippage_bps: 500 };
const fast = { max_attempts: 3, initial_backoff_ms: 1, max_backoff_ms: 1, jitter_ms: 0 };

function leakFree(err: unknown): void {
  expect(inspect(err, { depth: 10, showHidden: true })).not.toContain(KEY);
  expect(JSON.stringify(err)).not.toContain(KEY);
}

describe("REST transport: what it refuses", () => {
  it("does not follow a redirect to a second local port: the other server never receives the key or the body", async () => {
    const other = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tx: TX })));
    const first = await serve((_req, res) => res.writeHead(307, { location: `${other.base}/v1/sell` }).end());
    const client = new ExitApiClient({ apiKey: KEY, baseUrl: first.base, retry: fast });
    const err = await client.buildSellTx(sellRequest).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitApiError);
    expect(err).toMatchObject({ kind: "http_status", status: 307 });
    expect((err as Error).message).toMatch(/redirect.*never followed/);
    expect(first.seen).toHaveLength(1); // a refused redirect is not retried
    expect(other.seen).toHaveLength(0);
    leakFree(err);

    const reg = await registerWallet(KEY, proof, { baseUrl: first.base }).catch((e: unknown) => e);
    expect(reg).toBeInstanceOf(StreamRegistrationError);
    expect(reg).toMatchObject({ status: 307, walletPubkey: WALLET });
    expect(other.seen).toHaveLength(0);
    leakFree(reg);
  });

  it("reads at most 64 KiB of an error body: a 200 MiB answer is not buffered, and the reason is capped", async () => {
    let written = 0;
    let closedEarly = false;
    const chunk = Buffer.alloc(64 * 1024, "x");
    const { base } = await serve((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain", "content-length": String(200 * 1024 * 1024) });
      res.on("close", () => (closedEarly = written < 200 * 1024 * 1024));
      const pump = (): void => {
        while (written < 200 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const err = (await registerWallet(KEY, proof, { baseUrl: base }).catch((e: unknown) => e)) as StreamRegistrationError;
    expect(err).toMatchObject({ kind: "http_status", status: 500 });
    expect((err.reason ?? "").length).toBeLessThanOrEqual(223);
    await expect.poll(() => closedEarly, { timeout: 5_000 }).toBe(true);
    // The client stopped reading: the server could push only socket buffers' worth past the cap.
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect(MAX_ERROR_BODY_BYTES).toBe(64 * 1024);
  });

  it("caps a JSON reason of any length", async () => {
    const { base } = await serve((_req, res) => res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ message: "m".repeat(50_000) })));
    const err = (await registerWallet(KEY, proof, { baseUrl: base }).catch((e: unknown) => e)) as StreamRegistrationError;
    expect(err.reason?.length).toBe(503);
    expect(err.message.length).toBeLessThan(700);
  });

  it("refuses a key with CR/LF before any request, without echoing it", async () => {
    const { base, seen } = await serve((_req, res) => res.writeHead(200).end("{}"));
    const bad = `${KEY}\r\nx-injected: 1`;
    for (const attempt of [
      () => registerWallet(bad, proof, { baseUrl: base }),
      async () => new ExitApiClient(bad).withBaseUrl(base),
      async () => new ExitApiClient({ apiKey: bad, baseUrl: base }),
    ]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StreamValidationError);
      expect(err).toMatchObject({ field: "apiKey" });
      leakFree(err);
    }
    expect(seen).toHaveLength(0);
  });

  it("refuses plain http:// to a host that is not loopback, credentials and queries in the base", async () => {
    expect(() => resolveBaseUrl({ baseUrl: "http://api.example.com" })).toThrow(/clear text/);
    expect(() => resolveBaseUrl({ baseUrl: "https://user:pw@api.example.com" })).toThrow(/credentials/);
    expect(() => resolveBaseUrl({ baseUrl: "https://api.example.com/?k=1" })).toThrow(/query/);
    expect(() => resolveBaseUrl({ baseUrl: "ftp://api.example.com" })).toThrow(/https/);
    expect(resolveBaseUrl({ baseUrl: "http://api.example.com", allowInsecure: true })).toBe("http://api.example.com");
    expect(resolveBaseUrl({ baseUrl: " https://x.example/// " })).toBe("https://x.example");
    expect(resolveBaseUrl({ baseUrl: "http://localhost:8082/" })).toBe("http://localhost:8082");
    expect(resolveBaseUrl({ local: true })).toBe("http://localhost:8082");
    await expect(registerWallet(KEY, proof, { baseUrl: "http://10.0.0.1" })).rejects.toBeInstanceOf(StreamValidationError);
  });
});

describe("REST transport: each error class", () => {
  it("http_status: status, the server's code and reason; 4xx is not retried", async () => {
    const { base, seen } = await serve((_req, res) =>
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ status: "not_indexed", mint: MINT, reason: `mint not indexed yet (${KEY})` })),
    );
    const err = (await new ExitApiClient({ apiKey: KEY, baseUrl: base, retry: fast }).buildSellTx(sellRequest).catch((e: unknown) => e)) as ExitApiError;
    expect(err).toMatchObject({ kind: "http_status", status: 404, serverCode: "not_indexed", code: "exit_api", attempts: 1 });
    expect(err.body).toBe("mint not indexed yet ([redacted])");
    expect(err.isRetryable()).toBe(false);
    expect(seen).toHaveLength(1);
    leakFree(err);
  });

  it("5xx is retried up to max_attempts; the last error carries the attempts", async () => {
    const { base, seen } = await serve((_req, res) => res.writeHead(503).end("router paused"));
    const err = (await new ExitApiClient({ apiKey: KEY, baseUrl: base, retry: fast }).buildSellTx(sellRequest).catch((e: unknown) => e)) as ExitApiError;
    expect(err).toMatchObject({ kind: "http_status", status: 503, body: "router paused", attempts: 3 });
    expect(seen).toHaveLength(3);
  });

  it("429 with Retry-After: waits it out, then succeeds; a Retry-After above the cap fails at once carrying it", async () => {
    let n = 0;
    const { base, seen } = await serve((_req, res) => {
      if (n++ === 0) res.writeHead(429, { "retry-after": "1", "content-type": "application/json" }).end(JSON.stringify({ error: "rate limit exceeded" }));
      else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tx: TX }));
    });
    const started = Date.now();
    await expect(new ExitApiClient({ apiKey: KEY, baseUrl: base, retry: fast }).buildSellTx(sellRequest)).resolves.toEqual({ tx: TX });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(seen).toHaveLength(2);

    const slow = await serve((_req, res) => res.writeHead(429, { "retry-after": "3600" }).end(JSON.stringify({ error: "rate limit exceeded" })));
    const err = (await new ExitApiClient({ apiKey: KEY, baseUrl: slow.base, retry: fast }).buildSellTx(sellRequest).catch((e: unknown) => e)) as ExitApiError;
    expect(err).toMatchObject({ kind: "http_status", status: 429, retryAfterMs: 3_600_000, body: "rate limit exceeded" });
    expect(slow.seen).toHaveLength(1);
  });

  it("envelope_status and parse on 2xx bodies, not retried", async () => {
    const bodies = [JSON.stringify({ status: "unsupported", reason: "no_route", message: "no market" }), "not json", JSON.stringify({ tx: "not base64!" }), JSON.stringify({ foo: 1 })];
    let i = 0;
    const { base, seen } = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(bodies[i++]));
    const client = new ExitApiClient({ apiKey: KEY, baseUrl: base, retry: fast });
    await expect(client.buildSellTx(sellRequest)).rejects.toMatchObject({ kind: "envelope_status", detail: "no_route", serverCode: "unsupported" });
    for (let k = 0; k < 3; k++) await expect(client.buildSellTx(sellRequest)).rejects.toMatchObject({ kind: "parse" });
    expect(seen).toHaveLength(4);
  });

  it("timeout per attempt (retried), and the call's timeoutMs bounds everything", async () => {
    const { base, seen } = await serve(() => undefined);
    const client = new ExitApiClient({ apiKey: KEY, baseUrl: base, retry: fast, attemptTimeoutMs: 50 });
    const err = (await client.buildSellTx(sellRequest).catch((e: unknown) => e)) as ExitApiError;
    expect(err).toMatchObject({ kind: "timeout", attempts: 3 });
    expect(seen.length).toBeGreaterThanOrEqual(1);
    const slowClient = new ExitApiClient({ apiKey: KEY, baseUrl: base, retry: { ...fast, max_attempts: 10 }, attemptTimeoutMs: 5_000 });
    const started = Date.now();
    await expect(slowClient.getAccount({ timeoutMs: 100 })).rejects.toMatchObject({ kind: "timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("abort: rejects with kind aborted and is not retried", async () => {
    const { base, seen } = await serve(() => undefined);
    const controller = new AbortController();
    const p = new ExitApiClient({ apiKey: KEY, baseUrl: base, retry: fast }).buildBuyTx({ mint: MINT, user_pubkey: WALLET, amount: 0.1, slippage_bps: 100 }, { signal: controller.signal });
    await expect.poll(() => seen.length).toBe(1);
    controller.abort();
    await expect(p).rejects.toMatchObject({ kind: "aborted", code: "exit_api" });
    expect(seen).toHaveLength(1);
  });

  it("transport: a refused connection is retried, then reported", async () => {
    const { base } = await serve(() => undefined);
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
    const err = (await new ExitApiClient({ apiKey: KEY, baseUrl: base, retry: fast }).buildSellTx(sellRequest).catch((e: unknown) => e)) as ExitApiError;
    expect(err).toMatchObject({ kind: "transport", attempts: 3 });
    leakFree(err);
  });
});

describe("requests on the wire", () => {
  it("u64 amounts are exact both ways: bigint in, bare JSON integers out, bigint back", async () => {
    const big = 18_446_744_073_709_551_615n;
    const { base, seen } = await serve((req, res) => {
      if (req.url?.startsWith("/v1/history") === true) {
        res.writeHead(200, { "content-type": "application/json" }).end(
          `{"trades":[{"id":1,"session_id":2,"position_id":3,"wallet_pubkey":"${WALLET}","mint":"${MINT}","entry_quote_units":9007199254740993,"tokens":${big},"opened_at":"2026-01-01T00:00:00Z"}],"total":1}`,
        );
      } else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tx: TX }));
    });
    const client = new ExitApiClient({ apiKey: KEY, baseUrl: base });
    await client.buildSellTx({ ...sellRequest, amount_tokens: big, tip_lamports: 9_007_199_254_740_993n });
    expect(seen[0]?.body).toContain(`"amount_tokens":${big}`);
    expect(seen[0]?.body).toContain(`"tip_lamports":9007199254740993`);
    const history = await client.getTradeHistory({ limit: 1 });
    expect(seen[1]?.url).toBe("/v1/history?limit=1");
    expect(history.trades[0]?.tokens).toBe(big);
    expect(history.trades[0]?.entry_quote_units).toBe(9_007_199_254_740_993n);
  });

  it("sends the official headers and fields; omits undefined ones; buy sends input SOL", async () => {
    const { base, seen } = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", unsigned_tx_b64: TX, route: { market_type: "pumpswap" } })));
    const client = ExitApiClient.withApiKey(KEY).withBaseUrl(`${base}///`);
    await expect(client.buildSellTx({ ...sellRequest })).resolves.toEqual({ tx: TX, route: { market_type: "pumpswap" } });
    await client.buildBuyTx({ mint: MINT, user_pubkey: WALLET, amount_in_total: 100_000_000, slippage_bps: 100 });
    expect(seen.map((s) => [s.method, s.url, s.key])).toEqual([
      ["POST", "/v1/sell", KEY],
      ["POST", "/v1/buy", KEY],
    ]);
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual(sellRequest);
    expect(JSON.parse(seen[1]?.body ?? "")).toEqual({ mint: MINT, user_pubkey: WALLET, amount_in_total: 100_000_000, slippage_bps: 100, input: "SOL" });
  });

  it("refuses bad requests before sending: a typo, both amounts, both partner fees, slippage out of range", async () => {
    const { base, seen } = await serve((_req, res) => res.writeHead(200).end("{}"));
    const client = new ExitApiClient({ apiKey: KEY, baseUrl: base });
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => client.buildSellTx({ ...sellRequest, slippage: 5 } as never), "slippage"],
      [() => client.buildSellTx({ ...sellRequest, slippage_bps: 10_001 }), "slippage_bps"],
      [() => client.buildSellTx({ ...sellRequest, amount_tokens: 1.5 }), "amount_tokens"],
      [() => client.buildSellTx({ ...sellRequest, partner_fee_bps: 10, partner_fee_lamports: 10 }), "partner_fee_lamports"],
      [() => client.buildBuyTx({ mint: MINT, user_pubkey: WALLET, amount: 1, amount_in_total: 1, slippage_bps: 1 }), "amount_in_total"],
      [() => client.buildSellTx({ ...sellRequest, mint: "not-a-key" }), "mint"],
    ];
    for (const [call, field] of cases) await expect(call()).rejects.toMatchObject({ name: "StreamValidationError", field });
    expect(seen).toHaveLength(0);
  });

  it("a long-lived signal reused for many calls keeps no listener per call", async () => {
    const { base } = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ tx: TX })));
    const controller = new AbortController();
    const client = new ExitApiClient({ apiKey: KEY, baseUrl: base });
    for (let i = 0; i < 20; i++) await registerWallet(KEY, proof, { baseUrl: base, signal: controller.signal });
    for (let i = 0; i < 20; i++) await client.buildSellTx(sellRequest, { signal: controller.signal });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("RestTransport sends no x-api-key when none is given (the official behaviour)", async () => {
    const { base, seen } = await serve((_req, res) => res.writeHead(200).end(JSON.stringify({ status: "ok" })));
    await new RestTransport({ baseUrl: base }).request({ method: "GET", path: "/healthz", timeoutMs: 1_000 });
    expect(seen[0]?.key).toBeUndefined();
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { VersionedTransaction } from "@solana/web3.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  SubmitError,
  astralaneIrisUrl,
  callRpc,
  pingHeliusSender,
  startHeliusSenderWarmLoop,
  sendTargetAstralane,
  sendTargetHeliusSender,
  sendTargetRpc,
  sendTransactionB64To,
  sendTransaction,
  signAndSendUnsignedTxB64,
  submitTransaction,
  type FetchLike,
} from "../../src/tx/index.js";
import { runChild } from "../helpers/child.js";
import { afterTimersUpTo } from "../helpers/timers.js";
import { keypair, legacyTxB64, memo } from "./helpers.js";

const TX = Buffer.from("a signed transaction").toString("base64");
const SIG = "5SFdhyCqKiTRLUBcPiRLAkNWtNznXf1Lff7qegZi6EpxkdryD3yi9EvxSyiQngWeNmc73PtTjAhwZG6eHNgH4vRH";
const SECRET = "SECRET-api-key-7f3a9c";

interface Rpc {
  url: string;
  requests: { headers: IncomingMessage["headers"]; body: Record<string, unknown>; url: string }[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;
async function rpcServer(handler: Handler): Promise<Rpc> {
  const rpc: Rpc = { url: "", requests: [] };
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      rpc.requests.push({ headers: req.headers, body: JSON.parse(text) as Record<string, unknown>, url: req.url ?? "" });
      handler(req, res, rpc.requests.length);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  rpc.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return rpc;
}

function reply(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}
const ok = (res: ServerResponse): void => reply(res, { jsonrpc: "2.0", id: 1, result: SIG });

async function submitError(p: Promise<unknown>): Promise<SubmitError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SubmitError);
  return err as SubmitError;
}

/** Every string reachable from an error: message, stack, JSON, fields and the cause chain. */
function everything(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (e instanceof Error) {
      parts.push(e.message, String(e.stack), JSON.stringify(e), JSON.stringify({ ...e }));
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join("\n");
}

describe("submitTransaction", () => {
  it("sends JSON-RPC sendTransaction with base64 encoding and resolves with the signature", async () => {
    const rpc = await rpcServer((_req, res) => ok(res));
    await expect(submitTransaction(sendTargetRpc(rpc.url), TX)).resolves.toBe(SIG);
    await expect(submitTransaction(rpc.url, TX, { skipPreflight: false, maxRetries: 3 })).resolves.toBe(SIG);
    const [first, second] = rpc.requests;
    expect(first?.headers["content-type"]).toBe("application/json");
    expect(first?.body).toMatchObject({
      jsonrpc: "2.0",
      method: "sendTransaction",
      params: [TX, { encoding: "base64", skipPreflight: true, maxRetries: 0, preflightCommitment: "processed" }],
    });
    expect(second?.body["params"]).toEqual([TX, { encoding: "base64", skipPreflight: false, maxRetries: 3, preflightCommitment: "processed" }]);
  });

  it("official-name helpers: sendTransaction (web3.js tx) and signAndSendUnsignedTxB64 post the same signed bytes", async () => {
    const rpc = await rpcServer((_req, res) => ok(res));
    const wallet = keypair(1);
    const unsigned = legacyTxB64(wallet.publicKey, [memo(wallet.publicKey)]);
    const tx = VersionedTransaction.deserialize(Buffer.from(unsigned, "base64"));
    tx.sign([wallet]);
    await expect(sendTransaction(sendTargetRpc(rpc.url), tx)).resolves.toBe(SIG);
    await expect(signAndSendUnsignedTxB64(sendTargetRpc(rpc.url), unsigned, wallet)).resolves.toBe(SIG);
    const sent = rpc.requests.map((r) => (r.body["params"] as unknown[])[0]);
    expect(sent).toEqual([Buffer.from(tx.serialize()).toString("base64"), Buffer.from(tx.serialize()).toString("base64")]);
  });

  it("Helius Sender target: posts to its URL, no preflightCommitment", async () => {
    const rpc = await rpcServer((_req, res) => ok(res));
    await expect(submitTransaction(sendTargetHeliusSender(`${rpc.url}/fast`), TX)).resolves.toBe(SIG);
    expect(rpc.requests[0]?.url).toBe("/fast");
    expect(rpc.requests[0]?.body["params"]).toEqual([TX, { encoding: "base64", skipPreflight: true, maxRetries: 0 }]);
  });

  it("Astralane target: the Iris URL of the region, the key in x-api-key", async () => {
    const rpc = await rpcServer((_req, res) => ok(res));
    const seen: string[] = [];
    const redirect: FetchLike = (url, init) => {
      seen.push(url);
      return fetch(rpc.url, init);
    };
    await expect(sendTransactionB64To(sendTargetAstralane(SECRET, "ams"), TX, { fetch_impl: redirect })).resolves.toBe(SIG);
    expect(seen).toEqual(["https://ams.gateway.astralane.io/iris"]);
    expect(astralaneIrisUrl("fr")).toBe("https://fr.gateway.astralane.io/iris");
    expect(rpc.requests[0]?.headers["x-api-key"]).toBe(SECRET);
  });

  it("a JSON-RPC error rejects with rpcCode, rpcMessage and rpcData, and is not retried", async () => {
    const rpc = await rpcServer((_req, res) =>
      reply(res, {
        jsonrpc: "2.0",
        id: 1,
        error: { code: -32002, message: "Transaction simulation failed: Blockhash not found", data: { logs: ["Program log: x"] } },
      }),
    );
    const err = await submitError(submitTransaction(rpc.url, TX, { retries: 3, retryDelayMs: 0 }));
    expect(err).toMatchObject({
      code: "rpc",
      rpcCode: -32002,
      rpcMessage: "Transaction simulation failed: Blockhash not found",
      rpcData: { logs: ["Program log: x"] },
      status: 200,
      attempts: 1,
      target: "rpc",
      endpoint: rpc.url,
    });
    expect(err.message).toContain("-32002");
    expect(rpc.requests).toHaveLength(1);
  });

  it("a non-2xx status rejects with the status (and the JSON-RPC error when the body has one), not retried", async () => {
    const rpc = await rpcServer((_req, res, n) =>
      n === 1 ? reply(res, "Too Many Requests", 429) : reply(res, { jsonrpc: "2.0", id: 1, error: { code: -32005, message: "busy" } }, 503),
    );
    const a = await submitError(submitTransaction(rpc.url, TX, { retries: 3, retryDelayMs: 0 }));
    expect(a).toMatchObject({ code: "rpc", status: 429, rpcCode: undefined, attempts: 1 });
    expect(a.message).toContain("HTTP 429: Too Many Requests");
    const b = await submitError(submitTransaction(rpc.url, TX, { retries: 3, retryDelayMs: 0 }));
    expect(b).toMatchObject({ code: "rpc", status: 503, rpcCode: -32005, rpcMessage: "busy" });
    expect(rpc.requests).toHaveLength(2);
  });

  it("a 200 without a signature, or with a body that is not JSON, is an rpc error", async () => {
    const rpc = await rpcServer((_req, res, n) => (n === 1 ? reply(res, { jsonrpc: "2.0", id: 1, result: null }) : reply(res, "<html>")));
    expect((await submitError(submitTransaction(rpc.url, TX))).message).toMatch(/without a signature/);
    expect((await submitError(submitTransaction(rpc.url, TX))).message).toMatch(/not JSON/);
  });

  it("times out when the endpoint never answers", async () => {
    const rpc = await rpcServer(() => undefined);
    const started = Date.now();
    const err = await submitError(submitTransaction(rpc.url, TX, { timeoutMs: 150 }));
    expect(err.code).toBe("timeout");
    expect(err.message).toMatch(/timed out after 150 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("honours an AbortSignal while the request is in flight, and one aborted up front", async () => {
    const controller = new AbortController();
    const rpc = await rpcServer(() => controller.abort());
    const err = await submitError(submitTransaction(rpc.url, TX, { signal: controller.signal, timeoutMs: 5_000 }));
    expect(err.code).toBe("aborted");
    const before = await submitError(submitTransaction(rpc.url, TX, { signal: AbortSignal.abort() }));
    expect(before).toMatchObject({ code: "aborted", attempts: 0 });
    expect(rpc.requests).toHaveLength(1);
  });

  it("retries after a dropped connection, with backoff, and succeeds", async () => {
    const times: number[] = [];
    const rpc = await rpcServer((req, res, n) => {
      times.push(Date.now());
      if (n === 1) req.socket.destroy();
      else ok(res);
    });
    await expect(submitTransaction(rpc.url, TX, { retries: 2, retryDelayMs: 50 })).resolves.toBe(SIG);
    expect(rpc.requests).toHaveLength(2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(40);
  });

  it("gives up with code connection after the last retry", async () => {
    const rpc = await rpcServer((req) => req.socket.destroy());
    const err = await submitError(submitTransaction(rpc.url, TX, { retries: 2, retryDelayMs: 1 }));
    expect(err).toMatchObject({ code: "connection", attempts: 3 });
    expect(rpc.requests).toHaveLength(3);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it("an abort during the backoff stops at once", async () => {
    const controller = new AbortController();
    const rpc = await rpcServer((req) => req.socket.destroy());
    // The real fetch; once the first attempt has failed, abort on the next macrotask: the submit
    // loop's reaction to the failure (microtasks) has run by then, so it is in its 2 s backoff.
    const fetchThenAbort: FetchLike = (url, init) =>
      fetch(url, init).finally(() => setImmediate(() => controller.abort()));
    const started = Date.now();
    const err = await submitError(
      submitTransaction(rpc.url, TX, { retries: 5, retryDelayMs: 2_000, signal: controller.signal, fetch: fetchThenAbort }),
    );
    expect(err.code).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(rpc.requests).toHaveLength(1);
  });

  it("leaves nothing that keeps Node alive: a process that submits (and warms Helius) exits at once, despite 60 s timers", async () => {
    // A child process: after success, an rpc error and a retried failure, closing the server must
    // be enough for it to exit. A leaked 60 s timer would keep it alive past the deadline below.
    const script = `
      import { createServer } from "node:http";
      import { startHeliusSenderWarmLoop, submitTransaction } from ${JSON.stringify(new URL("../../src/tx/index.ts", import.meta.url).pathname)};
      // Never stopped: its unref'd interval must not keep the process alive either.
      startHeliusSenderWarmLoop({ baseUrl: "http://127.0.0.1:1", intervalMs: 60000 });
      let n = 0;
      const server = createServer((req, res) => {
        req.resume();
        req.on("end", () => {
          n++;
          if (n === 1) res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: "sig" }));
          else if (n === 2) res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: 1, message: "x" } }));
          else req.socket.destroy();
        });
      });
      await new Promise((r) => server.listen(0, "127.0.0.1", r));
      const url = "http://127.0.0.1:" + server.address().port;
      const opts = { timeoutMs: 60000, retries: 1, retryDelayMs: 1 };
      await submitTransaction(url, "AAAA", opts);
      await submitTransaction(url, "AAAA", opts).catch(() => undefined);
      await submitTransaction(url, "AAAA", opts).catch(() => undefined);
      server.closeAllConnections();
      server.close();
      process.stdout.write("done:" + n);
    `;
    const started = Date.now();
    const { out: stdout, code, err } = await runChild(["--import", "tsx", "--input-type=module", "-e", script], 12_000);
    expect(stdout, err).toBe("done:4");
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  it("a huge answer is refused with a typed rpc error, and not retried", async () => {
    // 8 MiB sent without a content-length: the client reads up to its 1 MiB cap and refuses it
    // (readCapped, shared with the REST transport, whose tests show the rest is never read).
    const rpc = await rpcServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.on("error", () => undefined);
      res.write(`{"jsonrpc":"2.0","id":1,"result":"`);
      res.write(Buffer.alloc(8 * 1024 * 1024, "x"));
      res.end(`"}`);
    });
    const err = await submitError(submitTransaction(rpc.url, TX, { retries: 2 }));
    expect(err).toMatchObject({ code: "rpc", status: 200, attempts: 1 });
    expect(err.message).toMatch(/sendTransaction to rpc \(http:\/\/127\.0\.0\.1:\d+\): the answer exceeds 1048576 bytes/);
    expect(rpc.requests).toHaveLength(1);
    // The same rule for the reads (callRpc), with a content-length this time.
    const big = await rpcServer((_req, res) => reply(res, { jsonrpc: "2.0", id: 1, result: "y".repeat(2 * 1024 * 1024) }));
    const readErr = await submitError(callRpc(big.url, "getLatestBlockhash", []));
    expect(readErr).toMatchObject({ code: "rpc", status: 200 });
    expect(readErr.message).toMatch(/getLatestBlockhash to rpc .*exceeds 1048576 bytes/);
    // A huge error body is cut to 64 KiB, and still rejects with its status.
    const bigError = await rpcServer((_req, res) => reply(res, "e".repeat(4 * 1024 * 1024), 500));
    const statusErr = await submitError(callRpc(bigError.url, "getBlockHeight", []));
    expect(statusErr).toMatchObject({ code: "rpc", status: 500 });
    expect(statusErr.message.length).toBeLessThan(1_000);
  });

  it("a redirect is refused, never followed (the target's credentials would travel with it)", async () => {
    const elsewhere = await rpcServer((_req, res) => ok(res));
    const rpc = await rpcServer((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    const err = await submitError(submitTransaction(rpc.url, TX, { headers: { authorization: `Bearer ${SECRET}` } }));
    expect(err).toMatchObject({ code: "rpc", status: 307, attempts: 1 });
    expect(err.message).toMatch(/redirect/);
    expect(elsewhere.requests).toHaveLength(0);
    expect(rpc.requests).toHaveLength(1);
  });

  it("rejects bad options and targets as validation errors", async () => {
    await expect(submitTransaction("not a url", TX)).rejects.toThrow(/not a valid URL/);
    await expect(submitTransaction("ftp://x.example/", TX)).rejects.toThrow(/unsupported scheme/);
    await expect(submitTransaction(`http://rpc.example.com/?api-key=${SECRET}`, TX)).rejects.toThrow(/plain http to rpc.example.com is refused/);
    // Allowed when asked for (no request leaves the machine: the injected fetch answers).
    const local: FetchLike = () => Promise.resolve(new Response(JSON.stringify({ jsonrpc: "2.0", id: 1, result: SIG })));
    await expect(submitTransaction("http://rpc.example.com/", TX, { allowInsecure: true, fetch: local })).resolves.toBe(SIG);
    await expect(submitTransaction("http://localhost:1/", TX, { fetch: local })).resolves.toBe(SIG);
    await expect(submitTransaction("http://127.0.0.1:1/", TX, { timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
    await expect(submitTransaction("http://127.0.0.1:1/", "")).rejects.toThrow(/signedTxB64/);
    expect(() => astralaneIrisUrl("fr/../evil")).toThrow(/not a region name/);
  });
});

describe("secrets never appear in submit errors", () => {
  it("a key the endpoint echoes across the 300-character cut of its error body leaves no prefix in the message", async () => {
    // The key starts 10 characters before the cut: truncating first would keep "SECRET-api".
    const rpc = await rpcServer((_req, res) => reply(res, `${"x".repeat(290)}${SECRET} and more`, 500));
    const err = await submitError(submitTransaction(`${rpc.url}/?api-key=${SECRET}`, TX, { retries: 0 }));
    expect(err.status).toBe(500);
    expect(err.message).not.toContain(SECRET.slice(0, 10));
    expect(err.message).toContain("[redacted]");
  });

  it("api-key query parameters, path tokens and credentials stay out of every error", async () => {
    const rpc = await rpcServer((req, res, n) => {
      if (n === 1) {
        // An endpoint that echoes the request URL in its error.
        reply(res, { jsonrpc: "2.0", id: 1, error: { code: -32600, message: `bad request ${req.url ?? ""}`, data: { url: req.url } } });
      } else if (n === 2) reply(res, `forbidden: ${req.url ?? ""}`, 403);
      else if (n === 3) req.socket.destroy();
    });
    const port = new URL(rpc.url).port;
    const url = `http://user:${SECRET}-pw@127.0.0.1:${port}/tok-${SECRET}/?api-key=${SECRET}&cluster=mainnet`;
    const errors = [
      await submitError(submitTransaction(url, TX)),
      await submitError(submitTransaction(url, TX)),
      await submitError(submitTransaction(url, TX, { retries: 0 })),
      await submitError(submitTransaction(url, TX, { timeoutMs: 100 })), // request 4: never answered
      await submitError(submitTransaction(`http://127.0.0.1:1/?api-key=${SECRET}`, TX, { retries: 1, retryDelayMs: 1 })), // refused
      await submitError(submitTransaction(url, TX, { headers: { authorization: `Bearer ${SECRET}` }, signal: AbortSignal.abort() })),
    ];
    expect(errors.map((e) => e.code)).toEqual(["rpc", "rpc", "connection", "timeout", "connection", "aborted"]);
    expect(errors[0]?.rpcMessage).toContain("[redacted]");
    // Credentials in the URL are sent as HTTP Basic auth (fetch refuses them in the URL).
    expect(rpc.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`user:${SECRET}-pw`).toString("base64")}`);
    expect(rpc.requests[0]?.url).toBe(`/tok-${SECRET}/?api-key=${SECRET}&cluster=mainnet`);
    for (const err of errors) {
      const text = `${everything(err)}\n${JSON.stringify(err.rpcData ?? null)}\n${String(err.rpcMessage)}`;
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("api-key=");
      expect(err.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it("the Astralane key stays out of errors", async () => {
    const failing: FetchLike = () => Promise.reject(new TypeError(`fetch failed for key ${SECRET}`));
    const err = await submitError(submitTransaction(sendTargetAstralane(SECRET), TX, { fetch: failing, retries: 0 }));
    expect(err.code).toBe("connection");
    expect(everything(err)).not.toContain(SECRET);
    // However short an explicit key is, it is redacted.
    const short: FetchLike = () => Promise.reject(new TypeError("refused for Zq9x"));
    const err2 = await submitError(submitTransaction(sendTargetAstralane("Zq9x"), TX, { fetch: short, retries: 0 }));
    expect(everything(err2)).not.toContain("Zq9x");
  });
});

describe("Helius Sender warm-up", () => {

  it("pingHeliusSender: true on 2xx at <baseUrl>/ping, false on an error status, a refused connection or a timeout", async () => {
    const paths: string[] = [];
    const rpc = await rpcServer(() => undefined);
    const server = servers.at(-1) as Server;
    server.removeAllListeners("request");
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      paths.push(`${req.method ?? ""} ${req.url ?? ""}`);
      if (req.url === "/a/ping") res.end("ok");
      else if (req.url === "/b/ping") reply(res, "no", 500);
      // "/c/ping" never answers
    });
    await expect(pingHeliusSender({ baseUrl: `${rpc.url}/a/` })).resolves.toBe(true);
    await expect(pingHeliusSender({ baseUrl: `${rpc.url}/b` })).resolves.toBe(false);
    await expect(pingHeliusSender({ baseUrl: `${rpc.url}/c`, timeoutMs: 100 })).resolves.toBe(false);
    await expect(pingHeliusSender({ baseUrl: "http://127.0.0.1:1" })).resolves.toBe(false);
    expect(paths).toEqual(["GET /a/ping", "GET /b/ping", "GET /c/ping"]);
  });

  it("startHeliusSenderWarmLoop pings at once, then on every interval, until stop()", async () => {
    let pings = 0;
    const rpc = await rpcServer(() => undefined);
    const server = servers.at(-1) as Server;
    server.removeAllListeners("request");
    server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
      pings++;
      res.end("ok");
    });
    // The real fetch, counting the pings the loop starts (the loop calls it synchronously).
    let started = 0;
    let afterCall: () => void = () => undefined;
    const counting: FetchLike = (url, init) => {
      started++;
      return fetch(url, init).finally(() => afterCall());
    };
    const slow = startHeliusSenderWarmLoop({ baseUrl: rpc.url, intervalMs: 60_000, fetch: counting });
    expect(started).toBe(1); // at once, not after the first interval
    await vi.waitFor(() => expect(pings).toBe(1), { timeout: 2_000 });
    slow.stop();
    const loop = startHeliusSenderWarmLoop({ baseUrl: rpc.url, intervalMs: 25, fetch: counting });
    // Stopped right as a ping completes, once 4 reached the server: none is outstanding then.
    let stopped = -1;
    afterCall = () => {
      if (pings >= 4 && stopped < 0) {
        loop.stop();
        stopped = started;
      }
    };
    await vi.waitFor(() => expect(stopped).toBeGreaterThan(0), { timeout: 2_000 });
    // The loop's interval (25 ms) would have run by now, and started a ping synchronously.
    await afterTimersUpTo(25);
    expect(started).toBe(stopped);
    expect(() => startHeliusSenderWarmLoop({ intervalMs: 0 })).toThrow(/intervalMs/);
  });
});

describe("TX_DEFAULTS", () => {
  it("is frozen all the way down and states what submit, confirm and the executor use", async () => {
    const { TX_DEFAULTS } = await import("../../src/tx/index.js");
    expect(Object.isFrozen(TX_DEFAULTS)).toBe(true);
    for (const part of Object.values(TX_DEFAULTS)) expect(Object.isFrozen(part)).toBe(true);
    expect(Object.isFrozen(TX_DEFAULTS.executor.slippageStepsBps)).toBe(true);
    expect(TX_DEFAULTS.submit).toMatchObject({ timeoutMs: 10_000, retries: 2, skipPreflight: true, maxRetries: 0 });
    expect(TX_DEFAULTS.confirm.commitment).toBe("confirmed");
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { StreamRegistrationError } from "../../src/errors.js";
import { registerWallet, type WalletOwnershipProof } from "../../src/rest/register.js";

const KEY = "sk-RECOGNISABLE-KEY-42";
const proof: WalletOwnershipProof = {
  walletPubkey: "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi",
  message: "lasersell-register:6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi:1773792000",
  signature: "5".repeat(88),
};

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => handler(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function rejection(p: Promise<unknown>): Promise<StreamRegistrationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StreamRegistrationError);
  const e = err as StreamRegistrationError;
  expect(`${e.message} ${String(e.reason)} ${String(e.stack)} ${JSON.stringify(e)}`).not.toContain(KEY);
  return e;
}

describe("registerWallet", () => {
  it("posts the proof with the key header and resolves on 2xx", async () => {
    let seen: Record<string, unknown> = {};
    const base = await serve((req, body, res) => {
      seen = { url: req.url, key: req.headers["x-api-key"] as string, type: req.headers["content-type"], body: JSON.parse(body) };
      res.writeHead(201).end("{}");
    });
    await registerWallet(KEY, proof, { baseUrl: `${base}/`, label: "bot" });
    expect(seen).toEqual({
      url: "/v1/wallets/register",
      key: KEY,
      type: "application/json",
      body: { wallet_pubkey: proof.walletPubkey, signature: proof.signature, message: proof.message, label: "bot" },
    });
  });

  it("rejects a non-2xx with the status, the server's reason and the wallet, never the key", async () => {
    const base = await serve((_req, _body, res) => {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: `signature expired for key ${KEY}` }));
    });
    const e = await rejection(registerWallet(KEY, proof, { baseUrl: base }));
    expect(e.code).toBe("registration");
    expect(e.status).toBe(400);
    expect(e.walletPubkey).toBe(proof.walletPubkey);
    expect(e.reason).toBe("signature expired for key [redacted]");
    expect(e.message).toContain(proof.walletPubkey);
  });

  it("times out", async () => {
    const base = await serve(() => undefined);
    const e = await rejection(registerWallet(KEY, proof, { baseUrl: base, timeoutMs: 50 }));
    expect(e.message).toMatch(/timed out after 50 ms/);
    expect(e.status).toBeUndefined();
  });

  it("honours an AbortSignal", async () => {
    const controller = new AbortController();
    // Aborted while the request is in flight: the server has it and never answers.
    const base = await serve(() => controller.abort());
    const p = registerWallet(KEY, proof, { baseUrl: base, signal: controller.signal });
    const e = await rejection(p);
    expect(e.message).toMatch(/aborted/);
  });

  it("reports an unreachable server", async () => {
    const base = await serve(() => undefined);
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
    const e = await rejection(registerWallet(KEY, proof, { baseUrl: base }));
    expect(e.message).toMatch(/could not reach the server/);
  });

  it("refuses an empty key before any request, as the stream does (StreamValidationError)", async () => {
    await expect(registerWallet(" ", proof, { baseUrl: "http://127.0.0.1:9" })).rejects.toMatchObject({ name: "StreamValidationError", field: "apiKey" });
  });
});

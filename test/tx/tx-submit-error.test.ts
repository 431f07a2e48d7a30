/** `TxSubmitError` (the official name of `SubmitError`) and its official `kind`s, on local servers. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SubmitError, TxSubmitError, submitTransaction, type TxSubmitErrorKind } from "../../src/tx/index.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
});

async function answering(status: number, body: string): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(status, { "content-type": "application/json" }).end(body));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("TxSubmitError", () => {
  it.each<[string, number, string, TxSubmitErrorKind]>([
    ["a JSON-RPC error", 200, JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32002, message: "blockhash not found" } }), "rpc_error"],
    ["a non-2xx answer", 502, "bad gateway", "http_status"],
    ["a body that is not JSON", 200, "<html>", "decode_response"],
    ["no signature", 200, JSON.stringify({ jsonrpc: "2.0", id: 1, result: null }), "missing_result"],
  ])("%s has the official kind", async (_what, status, body, kind) => {
    const url = await answering(status, body);
    const err = await submitTransaction(url, "AQ==", { retries: 0, timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TxSubmitError);
    expect(err).toBeInstanceOf(SubmitError);
    expect((err as TxSubmitError).kind).toBe(kind);
  });

  it("no answer at all is request_send", async () => {
    const url = await answering(200, "{}");
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
    const err = (await submitTransaction(url, "AQ==", { retries: 0, timeoutMs: 2_000 }).catch((e: unknown) => e)) as TxSubmitError;
    expect(err.kind).toBe("request_send");
  });
});

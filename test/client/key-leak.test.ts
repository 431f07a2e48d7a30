/**
 * The API key never appears in an error, its cause chain (`raw` fields included), an event
 * payload, a `recv()` message or a debug line, however a hostile server echoes it back: every
 * path is triggered over real sockets and everything observable is walked with `util.inspect`
 * at depth 10.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { StreamClient, type StreamConnection } from "../../src/client/index.js";
import { SERVER_MESSAGE_TYPES } from "../../src/protocol/index.js";
import { registerWallet } from "../../src/rest/register.js";
import { StreamSession } from "../../src/session/index.js";
import { WALLET, configure, exitSignal } from "../helpers/frames.js";
import { ScriptedServer, waitFor, type HandshakeScript } from "../helpers/scripted-server.js";

const KEY = "LSK_live_9f8e7d6c5b4a3f2e1d0c";
/** The key as a hostile server can hide it in JSON: every character \u-escaped. */
const ESCAPED = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");

let servers: ScriptedServer[] = [];
let http: Server | undefined;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  seen.length = 0;
  for (const o of open.splice(0)) await o.close();
  for (const s of servers) await s.close();
  servers = [];
  if (http !== undefined) await new Promise((resolve) => http?.close(resolve));
  http = undefined;
});

/** Everything observed, walked: errors through their whole cause chain, values at depth 10. */
const seen: unknown[] = [];
function observe(value: unknown): void {
  seen.push(value);
  for (let e = value, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) seen.push(e.cause);
}
function assertNoKey(): void {
  expect(seen.length).toBeGreaterThan(0);
  for (const value of seen) {
    const text = inspect(value, { depth: 10, showHidden: true, maxStringLength: Infinity, maxArrayLength: Infinity });
    expect(text).not.toContain(KEY);
  }
}

/** Records every event a connection emits (its `emit` is the instance's). */
function tap(connection: StreamConnection): void {
  const emit = connection.emit.bind(connection) as (name: string, ...args: unknown[]) => boolean;
  (connection as unknown as { emit: typeof emit }).emit = (name, ...args) => {
    for (const a of args) observe(a);
    return emit(name, ...args);
  };
}

const SESSION_EVENTS = [...SERVER_MESSAGE_TYPES, "unknown", "disconnected", "reconnected", "deadline", "stream_error", "debug"];

describe("the API key never leaks, whatever the server echoes", () => {
  it("through handshake refusals, invalid and unknown frames, escapes, close reasons, events and recv()", async () => {
    const script = (i: number): HandshakeScript => {
      if (i === 0) return "after_configure";
      if (i === 1) return { error: { code: `quota_${KEY}`, message: `key ${KEY} is over quota` } }; // unknown code: retried
      if (i === 2) return "never"; // answered with an escaped echo below
      return { error: { code: "unauthorized", message: `revoked: ${KEY}` } }; // fatal: ends it
    };
    const s = await ScriptedServer.start({
      handshake: script,
      onFrame: (conn) => {
        if (conn.index === 2) conn.push(`{"type":"error","code":"too_many_sessions","message":"session of ${ESCAPED} still open"}`);
      },
    });
    servers.push(s);
    const client = new StreamClient(KEY, {
      endpoint: s.url,
      heartbeat: { intervalMs: 60_000 },
      reconnect: { initialDelayMs: 5, maxDelayMs: 10 },
    });
    const connection = await client.connect(configure());
    tap(connection);
    connection.on("debug", () => undefined); // debug lines are produced only with a listener
    const frames: string[] = [];
    connection.on("frame", (f) => frames.push(f.text)); // the raw-frame tap (what a recorder writes)
    const session = StreamSession.fromConnection(connection);
    open.push(session);
    for (const name of SESSION_EVENTS) session.on(name as "unknown", (e: unknown) => observe(e));
    const received: unknown[] = [];
    const reader = (async () => {
      for await (const event of session) received.push(event);
    })();

    const c = s.connection(0);
    c.push(`{"type":"balance_update","wallet_pubkey":"${KEY}","mint":1,"tokens":1,"slot":1}`); // invalid: raw holds the key
    c.push(`{bad json ${KEY}`); // not JSON: the parser's message quotes the text
    c.push(`{"type":"${KEY}","x":"${KEY}"}`); // unknown type named by the key
    c.push(`{"type":"brand_new","${KEY}":{"deep":["${KEY}"]}}`); // unknown, key as a field name
    c.push(`{"type":"brand_new","x":"${ESCAPED}","${ESCAPED}":1}`); // escaped: only visible once parsed
    c.push(`{"type":"error","code":"${KEY}","message":"bad key ${ESCAPED}"}`); // a known message echoing it
    c.push(`{"type":"balance_update","wallet_pubkey":"w","mint":"m","tokens":25000000000000001,"slot":1,"${KEY}":25000000000000001}`); // precision paths
    c.push(`{"type":"balance_update","wallet_pubkey":"w","mint":"m","tokens":1,"slot":1,"${ESCAPED}":25000000000000001}`);
    c.push(exitSignal(1, { note: KEY }));
    await waitFor(() => connection.stats().received >= 10, 3000, "the hostile frames");
    c.drop(1011, `restarting, ${KEY}`); // close reason echoing the key
    await reader; // the unauthorized refusal ends the connection, so the session ends
    expect(connection.status).toBe("closed");
    expect(s.connections).toHaveLength(4);
    for (const r of received) observe(r);
    // The raw-frame tap: every frame was seen, none holds the key, plain or JSON-escaped.
    expect(frames.length).toBeGreaterThanOrEqual(10);
    for (const f of frames) expect(f.includes(ESCAPED) || (f.includes("\\u") && JSON.stringify(JSON.parse(f)).includes(KEY))).toBe(false);

    // Proof that every path ran and the echoes were redacted, not just absent.
    const text = seen.map((v) => inspect(v, { depth: 10 })).join("\n");
    expect(text).toContain("[redacted]");
    expect(received.filter((e) => (e as { type: string }).type === "unknown")).toHaveLength(3);
    expect(connection.stats().invalid).toBe(2);
    expect(text).toMatch(/precision|25000000000000000/);
    expect(text).toContain("StreamHandshakeError");
    assertNoKey();
  });

  it("through connect() rejections: a refusal, an invalid first frame (cause.raw), a close before hello_ok, a 401", async () => {
    const cases: HandshakeScript[] = [
      { error: { code: "wallet_not_registered", message: `wallet of ${KEY} not registered` } },
      "never", // answered with an escaped echo below
      "never", // answered with an invalid hello_ok below
      { status: 401 },
    ];
    const s = await ScriptedServer.start({
      handshake: (i) => cases[i] ?? "never",
      onFrame: (conn) => {
        if (conn.index === 1) conn.push(`{"type":"error","code":"x${ESCAPED}","message":"${ESCAPED}"}`);
        if (conn.index === 2) conn.push(`{"type":"hello_ok","session_id":"${KEY}","server_time_ms":1}`);
      },
    });
    servers.push(s);
    const attempt = () =>
      new StreamClient(KEY, { endpoint: s.url, handshakeTimeoutMs: 2000 }).connect(configure()).catch((e: unknown) => e);
    const errors = [await attempt(), await attempt(), await attempt(), await attempt()];
    for (const e of errors) observe(e);
    expect(errors.map((e) => (e as Error).name)).toEqual([
      "StreamHandshakeError",
      "StreamHandshakeError",
      "StreamHandshakeError",
      "StreamAuthError",
    ]);
    // The invalid first frame is the cause, with its raw text: redacted there too.
    const cause = (errors[2] as Error).cause as { raw?: string };
    expect(cause.raw).toContain("[redacted]");
    assertNoKey();
  });

  it("through registerWallet's 401 body echoing the key", async () => {
    http = createServer((req, res) => {
      req.resume();
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ message: `invalid key ${KEY}` }));
    });
    await new Promise<void>((resolve) => http?.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as AddressInfo;
    const error = await registerWallet(
      KEY,
      { walletPubkey: WALLET, signature: "5".repeat(88), message: `lasersell-register:${WALLET}:1` },
      { baseUrl: `http://127.0.0.1:${port}` },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    observe(error);
    assertNoKey();
  });
});

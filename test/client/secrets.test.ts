import { afterEach, describe, expect, it } from "vitest";
import { StreamClient, type StreamConnection } from "../../src/client/index.js";
import { configure, exitSignal } from "../helpers/frames.js";
import { ScriptedServer, waitFor } from "../helpers/scripted-server.js";

const KEY = "LSK-SECRET-7f3a9c1e-DO-NOT-LEAK";

let servers: ScriptedServer[] = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

/** Everything observable: every event payload, debug line and error, serialised deeply. */
function collect(connection: StreamConnection, sink: string[]): void {
  for (const name of [
    "status",
    "disconnected",
    "reconnecting",
    "reconnected",
    "stream_error",
    "unknown_message",
    "invalid_message",
    "precision_warning",
    "debug",
  ] as const) {
    connection.on(name, (payload: unknown) => sink.push(describe_(payload)));
  }
}

function describe_(value: unknown): string {
  if (value instanceof Error) {
    const own = Object.fromEntries(Object.getOwnPropertyNames(value).map((k) => [k, (value as never)[k]]));
    return `${value.name} ${value.message} ${value.stack ?? ""} ${JSON.stringify(own, replacer)} ${describe_(value.cause)}`;
  }
  return JSON.stringify(value, replacer) ?? String(value);
}

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return describe_(v);
  return v;
}

describe("the API key never leaks", () => {
  it("is sent only in the x-api-key header, and appears in no event, debug line or error", async () => {
    const seen: string[] = [];
    // A server that echoes the key back in an error on the second handshake, and refuses the third.
    const s = await ScriptedServer.start({
      handshake: (i) =>
        i === 0
          ? "after_configure"
          : i === 1
            ? { error: { code: "bad_key", message: `key ${KEY} is over quota` } }
            : i === 2
              ? { status: 403 }
              : "after_configure",
    });
    servers.push(s);
    const client = new StreamClient(KEY, {
      endpoint: s.url,
      heartbeat: { intervalMs: 50, timeoutMs: 50 },
      reconnect: { initialDelayMs: 5, maxDelayMs: 5 },
    });
    const connection = await client.connect(configure());
    collect(connection, seen);
    const conn = s.connection(0);
    expect(conn.apiKey).toBe(KEY);
    conn.push("{bad json");
    conn.push({ type: "brand_new", x: 1 });
    conn.push(`{"type":"balance_update","wallet_pubkey":"w","mint":"m","tokens":25000000000000001,"slot":1}`);
    conn.push(exitSignal(1));
    await waitFor(() => connection.stats().received >= 5);
    conn.drop(1011, "restart");
    await waitFor(() => connection.status === "closed", 3000, "auth refusal ends it");
    expect(seen.some((line) => line.includes("[redacted]"))).toBe(true); // the echo was seen, and redacted
    expect(seen.length).toBeGreaterThan(10);
    for (const line of seen) expect(line).not.toContain(KEY);
    for (const c of s.connections) for (const frame of c.frames) expect(frame).not.toContain(KEY);
    await connection.close();
  });

  it("is absent from connect() errors (timeout, refusal, bad endpoint) and from the client object's JSON", async () => {
    const s = await ScriptedServer.start({ handshake: "never" });
    servers.push(s);
    const errors: unknown[] = [];
    errors.push(await new StreamClient(KEY, { endpoint: s.url, handshakeTimeoutMs: 50 }).connect(configure()).catch((e) => e));
    s.options.handshake = { status: 401 };
    errors.push(await new StreamClient(KEY, { endpoint: s.url }).connect(configure()).catch((e) => e));
    errors.push(await new StreamClient(KEY, { endpoint: "ws://127.0.0.1:1/v1/ws" }).connect(configure()).catch((e) => e));
    try {
      new StreamClient(KEY, { endpoint: "ws://example.com/v1/ws" });
    } catch (e) {
      errors.push(e);
    }
    try {
      new StreamClient(`${KEY}\n`);
    } catch (e) {
      errors.push(e);
    }
    expect(errors).toHaveLength(5);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(describe_(error)).not.toContain(KEY);
    }
    expect(JSON.stringify(new StreamClient(KEY))).not.toContain(KEY);
  });
});

/**
 * Property-based fuzzing of every server frame shape through the client (a real StreamConnection
 * over a real socket, in both int modes): each run pushes fast-check frames (the 13 message types
 * with random field values incl. huge integers, mutated ones, garbage text, non-object JSON,
 * unknown types, binary frames), then a sentinel exit signal. Properties: the sentinel arrives
 * (no stuck `recv()`), the connection stays up on the same socket, every high-priority message
 * pushed before the sentinel is delivered in order before it, every frame the codec rejects raises
 * exactly one `invalid_message` (and never includes the API key), binary frames are ignored.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamClient, StreamSession, type StreamConnection, type StreamError } from "../../src/index.js";
import { isLowPriority, parseServerMessage, writeJson, type IntMode, SERVER_MESSAGE_TYPES } from "../../src/protocol/index.js";
import { configure, exitSignal } from "../helpers/frames.js";
import { ScriptedServer, type ScriptedConnection } from "../helpers/scripted-server.js";

const KEY = "fuzz-secret-key-51c0de";
const FIXTURES: Record<string, unknown>[] = readFileSync(new URL("../fixtures/server-messages.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Record<string, unknown>);

type Frame = { text: string } | { binary: Uint8Array };

const hugeInt = fc.oneof(
  fc.integer(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e300, -0),
);
const anyValue = fc.oneof(hugeInt, fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));

/** A fixture of any of the 13 types with its numbers (and some strings) replaced by random values. */
const randomValues = fc
  .tuple(fc.constantFrom(...FIXTURES), fc.infiniteStream(fc.tuple(fc.nat(9), hugeInt, fc.string({ maxLength: 12 }))))
  .map(([fixture, values]) => {
    const iter = values[Symbol.iterator]();
    const walk = (v: unknown, key: string): unknown => {
      if (key === "type") return v;
      const [roll, n, s] = iter.next().value as [number, bigint | number, string];
      if (typeof v === "number") return roll < 5 ? n : v;
      if (typeof v === "string") return roll < 2 ? s : v;
      if (Array.isArray(v)) return v.map((x) => walk(x, ""));
      if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
      return v;
    };
    return walk(fixture, "") as Record<string, unknown>;
  });

/** A fixture with one field removed or replaced by any value. */
const mutated = fc
  .tuple(fc.constantFrom(...FIXTURES), fc.nat(), fc.boolean(), anyValue)
  .map(([fixture, i, remove, value]) => {
    const keys = Object.keys(fixture);
    const key = keys[i % keys.length] as string;
    const copy: Record<string, unknown> = { ...fixture };
    if (remove) delete copy[key];
    else copy[key] = value;
    return copy;
  });

const unknownType = fc
  .tuple(fc.string({ minLength: 1, maxLength: 20 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }))
  .filter(([type]) => !(SERVER_MESSAGE_TYPES as readonly string[]).includes(type))
  .map(([type, rest]) => ({ ...rest, type }));

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 4, arbitrary: randomValues.map((o) => ({ text: writeJson(o) })) },
  { weight: 3, arbitrary: mutated.map((o) => ({ text: writeJson(o) })) },
  { weight: 1, arbitrary: fc.constantFrom(...FIXTURES).map((o) => ({ text: JSON.stringify(o) })) },
  { weight: 2, arbitrary: unknownType.map((o) => ({ text: JSON.stringify(o) })) },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }).map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => ({ text: JSON.stringify(v) ?? "null" })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((binary) => ({ binary })) },
);

describe.each(["number", "bigint"] as const)("fuzzed server frames through the client (ints: %s)", (ints: IntMode) => {
  let server: ScriptedServer;
  let connection: StreamConnection<IntMode>;
  let conn: ScriptedConnection;
  const invalid: string[] = [];
  const debug: string[] = [];

  beforeAll(async () => {
    server = await ScriptedServer.start();
    const client = new StreamClient<IntMode>(KEY, { endpoint: server.url, ints, reconnect: false, heartbeat: { intervalMs: 1_000, timeoutMs: 2_000 } });
    connection = await client.connect(configure());
    connection.on("invalid_message", (err) => invalid.push(`${err.code} ${err.message}`));
    connection.on("debug", (m) => debug.push(m));
    conn = server.connection(0);
    expect((await connection.recv())?.type).toBe("hello_ok");
  });
  afterAll(async () => {
    await connection.close();
    await server.close();
  });

  it("no crash, no stuck recv(), the link stays up, every rejected frame raises invalid_message", { timeout: 60_000 }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 25 }), async (frames) => {
        run++;
        const sentinelId = 900_000_000 + run;
        const invalidBefore = invalid.length;
        const binaryBefore = debug.filter((m) => m.includes("binary")).length;
        let expectInvalid = 0;
        let expectBinary = 0;
        const expectHigh: string[] = [];
        for (const f of frames) {
          if ("binary" in f) {
            conn.pushBinary(f.binary);
            expectBinary++;
            continue;
          }
          conn.push(f.text);
          const parsed = parseServerMessage(f.text, { ints });
          if (parsed.kind === "invalid") expectInvalid++;
          else if (parsed.kind === "unknown") expectHigh.push(`unknown:${parsed.type}`);
          else if (!isLowPriority(parsed.message.type)) expectHigh.push(parsed.message.type);
        }
        conn.push(exitSignal(sentinelId));

        const gotHigh: string[] = [];
        const deadline = Date.now() + 3_000;
        for (;;) {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<"timeout">((resolve) => {
            timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()));
          });
          const m = await Promise.race([connection.recv(), timeout]);
          clearTimeout(timer);
          if (m === "timeout") throw new Error(`recv() stuck: no sentinel within 3 s (run ${run})`);
          if (m === null) throw new Error("the connection ended");
          if (m.type === "exit_signal_with_tx" && Number(m.position_id) === sentinelId) break;
          if (m.type === "unknown") gotHigh.push(`unknown:${m.messageType}`);
          else if (!isLowPriority(m.type)) gotHigh.push(m.type);
        }
        expect(gotHigh).toEqual(expectHigh);
        expect(invalid.length - invalidBefore).toBe(expectInvalid);
        expect(debug.filter((m) => m.includes("binary")).length - binaryBefore).toBe(expectBinary);
        expect(connection.status).toBe("open");
        expect(server.connectionCount).toBe(1);
        expect(conn.isClosed).toBe(false);
      }),
      { numRuns: 50, seed: ints === "number" ? 7 : 8 },
    );
    expect(invalid.every((e) => e.startsWith("protocol ") && !e.includes(KEY))).toBe(true);
    expect(invalid.length).toBeGreaterThan(0);
    expect(connection.stats().reconnects).toBe(0);
  });
});

describe("fuzzed server frames through a StreamSession", () => {
  let server: ScriptedServer;
  let session: StreamSession;
  let conn: ScriptedConnection;
  const streamErrors: StreamError[] = [];

  beforeAll(async () => {
    server = await ScriptedServer.start();
    const client = new StreamClient(KEY, { endpoint: server.url, reconnect: false, heartbeat: { intervalMs: 1_000, timeoutMs: 2_000 } });
    session = await StreamSession.connect(client, configure());
    session.on("stream_error", (err) => streamErrors.push(err));
    conn = server.connection(0);
  });
  afterAll(async () => {
    await session.close();
    await server.close();
  });

  it("every frame the client accepts is applied (no stream_error), the sentinel arrives, positions stay consistent", { timeout: 60_000 }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 25 }), async (frames) => {
        run++;
        const sentinelId = 800_000_000 + run;
        for (const f of frames) {
          if ("binary" in f) conn.pushBinary(f.binary);
          else conn.push(f.text);
        }
        conn.push(exitSignal(sentinelId));
        const deadline = Date.now() + 3_000;
        for (;;) {
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<"timeout">((resolve) => {
            timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()));
          });
          const event = await Promise.race([session.recv(), timeout]);
          clearTimeout(timer);
          if (event === "timeout") throw new Error(`session recv() stuck: no sentinel within 3 s (run ${run})`);
          if (event === null) throw new Error("the session ended");
          if (event.type === "exit_signal_with_tx" && event.message.position_id === sentinelId) break;
        }
        expect(streamErrors.map((e) => `${e.code}: ${e.message} ${String(e.cause ?? "")}`)).toEqual([]);
        // Every open handle is a position the session can look up by id and token account.
        for (const h of session.positions()) {
          expect(session.position(h.position_id)).toBe(h);
        }
        expect(server.connectionCount).toBe(1);
        expect(conn.isClosed).toBe(false);
      }),
      { numRuns: 50, seed: 9 },
    );
  });
});

/**
 * Round trip: a recorded live session replayed by the mock to a fresh client yields the same
 * messages, in order, bigints exact, with the recorded spacing (scaled) within a tolerance.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamClient } from "../../src/client/index.js";
import { parseServerMessage } from "../../src/protocol/index.js";
import { isFrame } from "../../src/record/format.js";
import { loadRecording, type Recording } from "../../src/record/index.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { recordLive } from "./live.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
let dir: string;
let recording: Recording;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ls-roundtrip-"));
  await recordLive(join(dir, "live.ndjson.gz"));
  recording = await loadRecording(join(dir, "live.ndjson.gz"));
}, 20_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parse = (text: string) => {
  const r = parseServerMessage(text, { ints: "bigint" });
  if (r.kind !== "message") throw new Error(`unexpected frame ${text}`);
  return r.message;
};

/** Inbound frames in recorded order, split into connection segments at each recorded disconnect. */
function recordedSegments(rec: Recording): Array<Array<{ t: number; text: string }>> {
  const segments: Array<Array<{ t: number; text: string }>> = [[]];
  for (const e of rec.entries) {
    if (isFrame(e)) {
      if (e.dir === "in") segments.at(-1)?.push({ t: e.t, text: e.frame });
    } else if (e.event === "disconnected") segments.push([]);
  }
  return segments;
}

async function replayTo(speed: number): Promise<Array<Array<{ at: number; text: string }>>> {
  const server = await MockStreamServer.start({ seed: 3 });
  const replay = await server.replay(recording, { speed });
  const client = new StreamClient("replay-key", { endpoint: server.url, ints: "bigint", reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
  const segments: Array<Array<{ at: number; text: string }>> = [[]];
  const configure = { wallet_pubkeys: [JSON.parse(recording.header.configure ?? "{}").wallet_pubkeys[0] as string], strategy: { target_profit_pct: 50, stop_loss_pct: 50 } };
  // Listen from the first socket on: the tap sees the handshake too.
  const connecting = client.connect(configure);
  const connection = await connecting;
  try {
    // The first handshake's frames, kept by the connection for a listener attached now.
    const skew = performance.now() - Date.now();
    for (const f of connection._earlyFrames()) if (f.direction === "in") segments.at(-1)?.push({ at: f.atMs + skew, text: f.text });
    connection.on("frame", (f) => {
      if (f.direction === "in") segments.at(-1)?.push({ at: performance.now(), text: f.text });
    });
    connection.on("disconnected", () => segments.push([]));
    await server.waitFor(() => (replay.passes >= 1 ? true : undefined), 20_000, "the replay to finish");
  } finally {
    await connection.close();
    await server.close();
  }
  return segments;
}

describe("record -> replay round trip", () => {
  it("the recording holds the session: frames, what the client sent, the drop and the reconnect", () => {
    expect(recording.header.format_version).toBe(1);
    expect(recording.header.library_version).toBe(pkg.version);
    expect(recording.header.configure).toContain("wallet_pubkeys");
    expect(recording.header.configure).not.toContain("live-key");
    const events = recording.entries.filter((e) => !isFrame(e)).map((e) => (isFrame(e) ? "" : e.event));
    // The drop, the reconnect, and the client's own close at the end.
    expect(events).toEqual(["disconnected", "reconnected", "disconnected"]);
    const out = recording.entries.filter((e) => isFrame(e) && e.dir === "out").map((e) => (isFrame(e) ? parse2(e.frame) : ""));
    expect(out).toContain("configure"); // the reconnect's configure
    const types = recordedSegments(recording).flat().map((f) => parse(f.text).type);
    expect(types).toContain("exit_signal_with_tx");
    // The first handshake (kept by the connection until the recorder attached) and the reconnect's.
    expect(types.filter((t) => t === "hello_ok")).toHaveLength(2);
    const first = recording.entries.filter(isFrame).slice(0, 2).map((e) => `${e.dir} ${parse2(e.frame)}`);
    expect(first).toEqual(["out configure", "in hello_ok"]);
  });

  for (const speed of [1, 20]) {
    it(`a fresh client receives the same messages in order, bigints exact, spacing kept at speed ${speed}`, async () => {
      const got = await replayTo(speed);
      const want = recordedSegments(recording);
      // Same messages, in order, from the first hello_ok on.
      const gotMessages = got.flat().map((f) => parse(f.text));
      const wantMessages = want.flat().map((f) => parse(f.text));
      expect(gotMessages).toEqual(wantMessages);
      const big = gotMessages.find((m) => m.type === "pnl_update" && m.proceeds_units === 18446744073709551615n);
      expect(big?.type === "pnl_update" && big.profit_units).toBe(9007199254740993n);
      expect(got.map((g) => g.length)).toEqual(want.map((w) => w.length));
      // Spacing, per connection segment: each frame's offset from its segment's first frame.
      let worst = 0;
      let expectedSpan = 0;
      let actualSpan = 0;
      want.forEach((seg, k) => {
        const mine = got[k] ?? [];
        const t0 = seg[0]?.t ?? 0;
        const a0 = mine[0]?.at ?? 0;
        seg.forEach((f, i) => {
          const expected = (f.t - t0) / speed;
          const actual = (mine[i]?.at ?? Number.NaN) - a0;
          worst = Math.max(worst, Math.abs(actual - expected));
          expectedSpan = Math.max(expectedSpan, expected);
          actualSpan = Math.max(actualSpan, actual);
        });
      });
      // The recording spans over a second; played 20x faster it still takes tens of ms, and a
      // replay that ignored the spacing would deliver everything at once.
      expect(expectedSpan).toBeGreaterThan(speed === 1 ? 900 : 45);
      expect(actualSpan).toBeGreaterThan(expectedSpan * 0.7);
      expect(actualSpan).toBeLessThan(expectedSpan + 80);
      // Tolerant: timers on a loaded 2-core machine; every frame's offset tracks the recording.
      expect(worst).toBeLessThan(Math.max(60, expectedSpan * 0.2));
    }, 30_000);
  }
});

function parse2(text: string): string {
  return (JSON.parse(text) as { type: string }).type;
}

/**
 * `mock --record` writes what a connected client receives (hello_ok first) and exits;
 * `mock --replay` serves it on a port; `replay({ loop })` starts over.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keypair } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamClient } from "../../src/client/index.js";
import { isFrame } from "../../src/record/format.js";
import { backtest, loadRecording, type Recording } from "../../src/record/index.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { cli, runChild, startChild } from "../helpers/child.js";

const dir = mkdtempSync(join(tmpdir(), "ls-synthetic-"));
const file = join(dir, "synthetic.ndjson.gz");
let recording: Recording;
beforeAll(async () => {
  const { code, err } = await runChild(cli("mock", "--record", file, "--duration", "2", "--seed", "9", "--pnl-flush-ms", "20"), 30_000);
  if (code !== 0) throw new Error(`mock --record exited with ${code}: ${err}`);
  recording = await loadRecording(file);
}, 40_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inbound = (r: Recording): string[] => r.entries.filter(isFrame).filter((e) => e.dir === "in").map((e) => e.frame);

describe("synthetic recordings", () => {
  it("mock --record: the header, the configure sent, hello_ok first, positions and prices", async () => {
    expect(recording.header).toMatchObject({ source: "mock", format_version: 1, note: "mock seed 9" });
    expect(recording.truncated).toBe(false);
    const frames = inbound(recording);
    expect(frames[0]).toMatch(/^\{"type":"hello_ok"/);
    expect(frames.some((f) => f.includes('"type":"position_opened"'))).toBe(true);
    expect(frames.filter((f) => f.includes('"type":"pnl_update"')).length).toBeGreaterThan(20);
    const out = recording.entries.filter(isFrame).filter((e) => e.dir === "out");
    expect(out.map((e) => JSON.parse(e.frame).type)).toEqual(["configure"]);
    const report = await backtest(recording, ["tp=5,sl=5"]);
    expect(report.positions.length).toBeGreaterThan(0);
  });

  it("mock --replay FILE serves it: a client gets the recorded hello_ok and positions", async () => {
    const child = startChild(cli("mock", "--replay", file, "--speed", "5", "--port", "0"), { timeoutMs: 35_000 });
    try {
      const url = (await child.waitFor(/stream\s+(ws:\/\/\S+)[\s\S]*replaying/))[1] as string;
      const wallet = Keypair.generate().publicKey.toBase58();
      const connection = await new StreamClient("k", { endpoint: url }).connect({ wallet_pubkeys: [wallet], strategy: { target_profit_pct: 5, stop_loss_pct: 5 } });
      try {
        const hello = await connection.recv();
        expect(hello?.type === "hello_ok" && hello.session_id).toBe(JSON.parse(inbound(recording)[0] ?? "{}").session_id);
        for (;;) {
          const m = await connection.recv();
          if (m === null) throw new Error("closed");
          if (m.type === "position_opened") break;
        }
      } finally {
        await connection.close();
      }
    } finally {
      await child.stop();
    }
  }, 40_000);

  it("replay({ loop: true }) starts over when it ends", async () => {
    const server = await MockStreamServer.start();
    try {
      const entries = recording.entries.slice(0, 40);
      const replay = await server.replay(entries, { speed: 50, loop: true });
      const wallet = Keypair.generate().publicKey.toBase58();
      const connection = await new StreamClient("k", { endpoint: server.url }).connect({ wallet_pubkeys: [wallet], strategy: { target_profit_pct: 5, stop_loss_pct: 5 } });
      await server.waitFor(() => (replay.passes >= 3 ? true : undefined), 10_000, "three passes");
      expect(replay.sent).toBeGreaterThanOrEqual(2 * replay.total);
      await connection.close();
    } finally {
      await server.close();
    }
  });
});

/**
 * Killing the recorder mid-write leaves a readable file; a truncated last line is ignored.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keypair } from "@solana/web3.js";
import { afterAll, describe, expect, it, vi } from "vitest";
import { StreamError } from "../../src/errors.js";
import { isFrame } from "../../src/record/format.js";
import { loadRecording } from "../../src/record/index.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { cli, startChild } from "../helpers/child.js";
import { buildRecording, recordingText } from "./paths.js";

const dir = mkdtempSync(join(tmpdir(), "ls-kill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe("a killed recorder", () => {
  for (const name of ["killed.ndjson", "killed.ndjson.gz"]) {
    it(`SIGKILL during a busy recording leaves ${name} readable`, async () => {
      const server = await MockStreamServer.start({ pnlFlushMs: 10, simulateBuys: { everyMs: 20, maxOpenPerWallet: 3 } });
      const file = join(dir, name);
      const child = startChild(
        cli("record", "--out", file, "--endpoint", server.url, "--wallet", Keypair.generate().publicKey.toBase58(), "--tp", "50", "--sl", "50"),
        { env: { ...process.env, LASERSELL_API_KEY: "kill-test-key" }, timeoutMs: 35_000 },
      );
      try {
        // Frames are flowing and reaching the disk (gzip flushes once a second): wait until what is
        // on disk already reads back as more than 10 frames with a pnl_update among them, so the
        // kill lands mid-recording and the checks below do not depend on frame sizes.
        await vi.waitFor(
          async () => {
            const partial = await loadRecording(file);
            const frames = partial.entries.filter(isFrame);
            expect(frames.length).toBeGreaterThan(10);
            expect(frames.some((f) => f.frame.includes('"type":"pnl_update"'))).toBe(true);
          },
          { timeout: 20_000, interval: 100 },
        );
        expect((await child.stop("SIGKILL")).signal).toBe("SIGKILL");
      } finally {
        await child.stop("SIGKILL");
        await server.close();
      }
      const recording = await loadRecording(file);
      expect(recording.header.source).toBe("connection");
      expect(recording.header.configure).not.toContain("kill-test-key");
      const frames = recording.entries.filter(isFrame);
      expect(frames.length).toBeGreaterThan(10);
      expect(frames.some((f) => f.frame.includes('"type":"pnl_update"'))).toBe(true);
    }, 40_000);
  }

  it("a truncated last line is ignored and reported; a bad line elsewhere is an error naming the line", async () => {
    const rec = buildRecording([{ id: 1, openedAt: 0, path: [[1000, 1], [2000, 2]] }]);
    const file = join(dir, "cut.ndjson");
    const text = recordingText(rec);
    writeFileSync(file, text.slice(0, text.length - 20)); // cut inside the last line
    const cut = await loadRecording(file);
    expect(cut.truncated).toBe(true);
    expect(cut.entries).toHaveLength(rec.entries.length - 1);

    const broken = join(dir, "broken.ndjson");
    const lines = text.split("\n");
    lines[2] = "{not json";
    writeFileSync(broken, lines.join("\n"));
    const error = await loadRecording(broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).message).toMatch(/broken\.ndjson:3: not a JSON line/);

    const other = join(dir, "other.ndjson");
    writeFileSync(other, '{"hello":1}\n');
    appendFileSync(other, "{}\n");
    await expect(loadRecording(other)).rejects.toThrow(/not a lasersell-stream recording/);
  });
});

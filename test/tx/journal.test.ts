/**
 * Crash safety: a bot killed (SIGKILL) mid-exit and restarted with its journal confirms what it
 * had submitted before asking for anything new, and the position is sold exactly once.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import { afterEach, describe, expect, it } from "vitest";
import { MockStreamServer } from "../../src/testing/index.js";
import { readExitJournal } from "../../src/tx/index.js";
import { ExitJournal } from "../../src/tx/journal.js";
import { startChild, tsx, type Child } from "../helpers/child.js";
import { harness, type Harness } from "./exit-harness.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "exit-journal-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the child bot; `until(prefix)` resolves with the rest of its first output line starting with `prefix`. */
function runBot(args: string[]): { child: Child; until: (prefix: string) => Promise<string> } {
  const script = fileURLToPath(new URL("./fixtures/exit-child.ts", import.meta.url));
  const child = startChild(tsx(script, ...args), { timeoutMs: 35_000 });
  const until = async (prefix: string): Promise<string> => {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const [, rest] = await child.waitFor(new RegExp(`^${escaped}(.*)\n`, "m"), { timeoutMs: 15_000 });
    return (rest ?? "").trim();
  };
  return { child, until };
}

describe("exit journal", () => {
  for (const killAt of ["submitted", "signed"] as const) {
    it(`a bot killed right after "${killAt}" and restarted with its journal confirms the old signature first; one sale`, { timeout: 40_000 }, async () => {
      const server = await MockStreamServer.start({ seed: 13, priceWalk: false, pnlFlushMs: 20, settleMs: 10, blockhashValiditySlots: 100, tradeTickProbability: 0 });
      cleanups.push(() => server.close());
      const submissions: string[] = [];
      const settled: string[] = [];
      server.on("submitted", (i) => submissions.push(i.signature));
      server.on("settled", (i) => settled.push(i.signature));
      const keypair = Keypair.generate();
      const journal = join(tempDir(), "exits.journal");

      const { child, until } = runBot([server.url, server.rpcUrl, journal, bs58.encode(keypair.secretKey)]);
      await until("ready");
      await server.waitFor(() => (server.connections.some((c) => c.configured) ? true : undefined), 10_000, "child configured");
      const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58(), tokens: 1_000_000n });
      await server.waitFor(() => (server.connections.some((c) => c.announced.has(position_id)) ? true : undefined));
      server.delayNextSubmissions(1, 400); // lands after the kill, well inside the blockhash's life (2 s)
      server.setPrice(position_id, 0.8); // stop loss
      const signature = await until(`${killAt} `);
      await child.stop("SIGKILL");

      // The journal the killed process left is readable and names the exit in flight.
      expect(readExitJournal(journal).unfinished.map((e) => e.signature)).toEqual([signature]);

      const h: Harness = await harness({ reuse: server, keypair, strategy: { target_profit_pct: 1_000, stop_loss_pct: 10 }, executor: { journal } });
      cleanups.push(() => h.close());
      const confirmed = await h.waitEvent("confirmed", undefined, 15_000);
      await h.exits.recovered;
      await server.waitForPositionClosed(position_id, 10_000);
      if (confirmed.recovered) {
        // The old signature landed: confirmed from the journal, nothing new signed.
        expect(confirmed.signature).toBe(signature);
        expect(h.of("signed")).toEqual([]);
      } else {
        // Killed before the send left the process: the old one expired, then a fresh one landed.
        expect(killAt).toBe("signed");
        expect(submissions).not.toContain(signature);
        expect(h.of("failed").map((e) => e.outcome)).toEqual(["expired"]);
      }
      expect(settled).toHaveLength(1);
      expect(h.exits.stats().recovered).toBe(1);
      expect(readExitJournal(journal).unfinished).toEqual([]);
    });
  }

  it("a torn last line (killed mid-write) is skipped; opening rewrites the journal with only unfinished exits", () => {
    const path = join(tempDir(), "j");
    const sig = (n: number) => String(n).repeat(64);
    writeFileSync(
      path,
      [
        JSON.stringify({ op: "submit", sig: sig(1), pos: "7", reason: "stop_loss", at: 1 }),
        JSON.stringify({ op: "submit", sig: sig(2), pos: "8", lvl: 1, reason: "chained_tp", tok: "500", at: 2 }),
        JSON.stringify({ op: "valid", sig: sig(2), lvbh: 99 }),
        JSON.stringify({ op: "done", sig: sig(1), outcome: "landed" }),
      ].join("\n") + "\n",
    );
    appendFileSync(path, '{"op":"done","sig":"2222'); // torn
    const read = readExitJournal(path);
    expect(read.skippedLines).toBe(1);
    expect(read.unfinished).toEqual([
      { signature: sig(2), positionId: "8", levelIndex: 1, reason: "chained_tp", tokensBefore: "500", submittedAtMs: 2, lastValidBlockHeight: 99 },
    ]);
    const j = ExitJournal.open(path, { fsync: false });
    j.done(sig(2), "expired");
    j.close();
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(2);
    expect(readExitJournal(path)).toEqual({ unfinished: [], skippedLines: 0 });
  });
});

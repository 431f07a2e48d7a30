/**
 * The long fault soak: `npm run soak -- --minutes 10 --seed 7`. The same seeded driver as
 * `test/soak/soak.test.ts` (faults and invariants: `test/soak/driver.ts`), with progress every
 * 10 s and a final summary. `--phase exits` runs the exit-executor soak instead
 * (`test/soak/exits.ts`: every position sold exactly once under drops, failures and reconnects). Exit code 1 on any invariant violation, or when the process has not
 * exited by itself within 5 s of the end (something still holds the loop).
 */
import { parseArgs } from "node:util";
import { runSoak, type SoakStats } from "../test/soak/driver.js";
import { runExitSoak } from "../test/soak/exits.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    seed: { type: "string", default: "7" },
    "heap-limit-mb": { type: "string", default: "96" },
    phase: { type: "string", default: "faults" },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed);
const heapLimitMb = Number(values["heap-limit-mb"]);
if (!(minutes > 0) || !Number.isInteger(seed) || !(heapLimitMb > 0)) {
  console.error("usage: tsx bench/soak.ts [--minutes 10] [--seed 7] [--heap-limit-mb 96]");
  process.exit(2);
}

/** The exit-executor phase: runs, prints its summary, sets the exit code, and ends the process. */
async function exitPhase(): Promise<never> {
  console.log(`exit soak: seed ${seed}, ${minutes} min, node ${process.version}`);
  const { violations, stats } = await runExitSoak({ seed, durationMs: minutes * 60_000 });
  console.log(
    `opened ${stats.opened}, sold ${stats.sold}, reconnects ${stats.reconnects}, faults ${JSON.stringify(stats.faults)}; executor: confirmed ${stats.confirmed} ` +
      `(${stats.confirmedAfterRetry} after a retry), failed attempts ${stats.failedAttempts}, re-requests ${stats.reRequests}, skipped ${stats.skipped}, ` +
      `signal -> confirmed p50 ${stats.latencyP50Ms?.toFixed(0)} ms, p90 ${stats.latencyP90Ms?.toFixed(0)} ms`,
  );
  for (const v of violations) console.log(`  - ${v}`);
  console.log(violations.length === 0 ? "PASS: every position the mock opened was sold exactly once" : `FAIL: ${violations.length} violation(s)`);
  process.exit(violations.length === 0 ? 0 : 1);
}
if (values.phase === "exits") await exitPhase();

function line(s: SoakStats): string {
  const mmss = `${Math.floor(s.elapsedMs / 60_000)}:${String(Math.floor(s.elapsedMs / 1_000) % 60).padStart(2, "0")}`;
  return (
    `[${mmss}] connections ${s.connections}, reconnects ${s.reconnects}, exits issued ${s.exitsIssued} / required ${s.exitsRequired} / delivered ${s.exitsDelivered}, ` +
    `events ${s.events}, invalid ${s.invalidFrames}, unknown ${s.unknownFrames}, dropped low ${s.droppedLow}, floods paused ${s.floodPauses}, heap ${s.heapMaxMb} MB (baseline ${s.heapBaselineMb})` +
    (s.endedWith === undefined ? "" : `; hostile: refused handshakes ${s.refusedHandshakes}, oversize frames ${s.oversizeFrames}, ended with ${s.endedWith}`)
  );
}

console.log(`soak: seed ${seed}, ${minutes} min, node ${process.version}`);
const { violations, stats } = await runSoak({
  seed,
  durationMs: minutes * 60_000,
  heapLimitMb,
  onProgress: (s) => console.log(line(s)),
});
console.log(line(stats));
console.log("actions:", Object.entries(stats.actions).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(", "));
if (violations.length > 0) {
  console.log(`FAIL: ${violations.length} invariant violation(s):`);
  for (const v of violations) console.log(`  - ${v}`);
  process.exitCode = 1;
} else {
  console.log(
    "PASS: every required exit delivered exactly once, server state = client state, refused reconnects and oversize frames ended with typed errors, no unhandled rejection, heap bounded",
  );
}
// The run is over and everything is closed: the process must now exit by itself.
const watchdog = setTimeout(() => {
  console.log(`FAIL: still running 5 s after close; live resources: ${process.getActiveResourcesInfo().join(", ")}`);
  process.exit(1);
}, 5_000);
watchdog.unref();

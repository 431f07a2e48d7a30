/**
 * The exit-executor phase of the soak, shared by `test/soak/exits.test.ts` (seconds, in CI) and
 * `bench/soak.ts --phase exits` (minutes): `executeExits` on a real session against the mock
 * while a seeded PRNG opens positions, moves prices, drops, delays and fails submissions and drops
 * the connection. Then it quiesces and checks that every position the mock opened ended sold
 * exactly once.
 *
 * Invariants (empty violations = pass):
 * - every opened position is closed, by a sale (never a manual close), with 0 tokens left;
 * - each position settled exactly once (full exits only, so one sale sells it all);
 * - every submitted signature ended as exactly one of: that settlement, or a fault the mock
 *   injected (dropped, expired, failed on chain). A signature that landed against a position
 *   already sold (a second sale attempt) or never resolved is a violation;
 * - each sale is reported `confirmed` by the executor once, with the settled signature (or, when
 *   the stream saw it first, at least for that position); nothing is given up;
 * - no unhandled rejection; after stop and close, nothing keeps Node alive (checked by the caller).
 *
 * Exits lost with a dropped link are recovered by the session's deadline (`deadline_timeout_sec`),
 * which asks for the exit again: that is the protocol's own safety net, and part of what runs here.
 */
import { Keypair } from "@solana/web3.js";
import { StreamClient, StreamSession } from "../../src/index.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { executeExits } from "../../src/tx/index.js";
import { afterTimersUpTo } from "../helpers/timers.js";
import { prng } from "./driver.js";

export interface ExitSoakOptions {
  seed: number;
  durationMs: number;
  /** Most positions open at once. @defaultValue 12 */
  maxOpen?: number;
}

export interface ExitSoakStats {
  elapsedMs: number;
  opened: number;
  sold: number;
  faults: Record<string, number>;
  reconnects: number;
  /** From the executor. */
  confirmed: number;
  confirmedAfterRetry: number;
  failedAttempts: number;
  reRequests: number;
  skipped: number;
  latencyP50Ms: number | undefined;
  latencyP90Ms: number | undefined;
}

export interface ExitSoakResult {
  violations: string[];
  stats: ExitSoakStats;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** The server's settlement delay, and the longest delay injected into a submission. */
const SETTLE_MS = 20;
const MAX_DELAY_MS = 2_000;

export async function runExitSoak(options: ExitSoakOptions): Promise<ExitSoakResult> {
  const rand = prng(options.seed ^ 0x5eed);
  const violations: string[] = [];
  const violate = (what: string): void => {
    if (violations.length < 50) violations.push(what);
  };
  const unhandled = (reason: unknown): void => violate(`unhandled rejection: ${String(reason)}`);
  process.on("unhandledRejection", unhandled);
  const started = Date.now();
  const maxOpen = options.maxOpen ?? 12;

  const server = await MockStreamServer.start({
    seed: options.seed,
    priceWalk: true,
    volatility: 0.03,
    pnlFlushMs: 50,
    settleMs: SETTLE_MS,
    blockhashValiditySlots: 20, // 1 s
    tradeTickProbability: 0,
  });
  const keypair = Keypair.fromSeed(new Uint8Array(32).fill((options.seed % 250) + 1));
  const wallet = keypair.publicKey.toBase58();
  const client = new StreamClient("exit-soak-key", {
    endpoint: server.url,
    reconnect: { initialDelayMs: 5, maxDelayMs: 60, minUptimeMs: 50 },
    heartbeat: { intervalMs: 100, timeoutMs: 200 },
  });
  const session = await StreamSession.connect(
    client,
    { wallet_pubkeys: [wallet], strategy: { target_profit_pct: 8, stop_loss_pct: 8, trailing_stop_pct: 5 }, deadline_timeout_sec: 3 },
    { buffer: false, deadlineRetryMs: 1_000, deadlineMaxRetries: 20 },
  );
  const exits = executeExits(session, {
    signer: keypair,
    sendTarget: server.rpcUrl,
    rpc: server.rpcUrl,
    maxAttempts: 50,
    pollIntervalMs: 25,
    signalTimeoutMs: 1_500,
    confirmTimeoutMs: 20_000,
  });

  // What the mock saw, per position and per signature.
  const opened = new Map<number, bigint>();
  const settledBy = new Map<number, string[]>();
  const submittedBy = new Map<string, number>();
  const faultOf = new Map<string, string>();
  const confirmedBy = new Map<string, string[]>();
  const faults: Record<string, number> = {};
  let reconnects = 0;
  server.on("position_opened", (p) => opened.set(p.position_id, p.tokens));
  server.on("submitted", (i) => {
    if (i.position_id !== undefined) submittedBy.set(i.signature, i.position_id);
  });
  server.on("settled", (i) => settledBy.set(i.position_id, [...(settledBy.get(i.position_id) ?? []), i.signature]));
  server.on("submission_fault", (f) => faultOf.set(f.signature, f.kind));
  session.on("reconnected", () => reconnects++);
  exits.on("confirmed", (e) => confirmedBy.set(e.positionId, [...(confirmedBy.get(e.positionId) ?? []), e.signature]));
  exits.on("gave_up", (e) => violate(`executor gave up on position ${e.positionId}: ${e.why}`));
  const count = (k: string): void => {
    faults[k] = (faults[k] ?? 0) + 1;
  };

  try {
    await server.waitFor(() => (server.connections.some((c) => c.configured) ? true : undefined), 5_000, "configured");
    while (Date.now() - started < options.durationMs) {
      await sleep(40 + Math.floor(rand() * 120)); // the pace of the faults (random), not a wait
      const r = rand();
      if (r < 0.35) {
        if (server.positions().length < maxOpen && server.connections.some((c) => c.configured)) server.openPosition({ wallet, tokens: 1_000_000n });
      } else if (r < 0.55) {
        if (server.pendingSubmissionFaults === 0) {
          server.dropNextSubmissions(1);
          count("drop");
        }
      } else if (r < 0.7) {
        if (server.pendingSubmissionFaults === 0) {
          server.failNextSubmissions(1);
          count("fail");
        }
      } else if (r < 0.8) {
        if (server.pendingSubmissionFaults === 0) {
          server.delayNextSubmissions(1, Math.floor(rand() * MAX_DELAY_MS)); // sometimes past the blockhash's life
          count("delay");
        }
      } else if (r < 0.86) {
        server.dropConnections(rand() < 0.5 ? 1001 : 1006);
        count("disconnect");
      }
    }
    // Quiesce: no new positions or faults; every open position must now be sold.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (server.positions().length > 0 || exits.stats().inFlight > 0)) {
      await sleep(50);
    }
    // A late settlement of anything still submitted would show up now: the server settles each
    // submission on a timer of at most settleMs + the longest injected delay, all armed already.
    await afterTimersUpTo(SETTLE_MS + MAX_DELAY_MS);

    for (const [id, tokens] of opened) {
      const reason = server.closedPositions.get(id);
      const sales = settledBy.get(id) ?? [];
      if (reason === undefined) violate(`position ${id} (${tokens} tokens) was never sold`);
      else if (reason === "closed") violate(`position ${id} was closed without a sale`);
      if (sales.length !== 1) violate(`position ${id} settled ${sales.length} times`);
      const confirmed = confirmedBy.get(String(id)) ?? [];
      if (confirmed.length !== 1) violate(`position ${id}: the executor confirmed ${confirmed.length} sales`);
      else if (sales[0] !== undefined && confirmed[0] !== sales[0]) violate(`position ${id}: confirmed ${confirmed[0]} but ${sales[0]} settled`);
    }
    const settledSigs = new Set([...settledBy.values()].flat());
    for (const [signature, id] of submittedBy) {
      if (!settledSigs.has(signature) && !faultOf.has(signature)) {
        violate(`position ${id}: submitted ${signature} neither settled nor faulted (a second sale attempt, or stuck)`);
      }
      if (settledSigs.has(signature) && faultOf.has(signature)) violate(`${signature} both settled and faulted`);
    }
  } finally {
    await exits.stop();
    await session.close();
    await server.close();
    process.off("unhandledRejection", unhandled);
  }
  const x = exits.stats();
  let sold = 0;
  for (const id of opened.keys()) if ((settledBy.get(id) ?? []).length > 0) sold++;
  return {
    violations,
    stats: {
      elapsedMs: Date.now() - started,
      opened: opened.size,
      sold,
      faults,
      reconnects,
      confirmed: x.confirmed,
      confirmedAfterRetry: x.confirmedAfterRetry,
      failedAttempts: x.failedAttempts,
      reRequests: x.reRequests,
      skipped: x.skipped,
      latencyP50Ms: x.latencyMs.p50,
      latencyP90Ms: x.latencyMs.p90,
    },
  };
}

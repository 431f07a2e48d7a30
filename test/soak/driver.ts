/**
 * The seeded fault soak shared by `test/soak/soak.test.ts` (seconds, in CI) and `bench/soak.ts`
 * (`npm run soak`, minutes): a real `StreamSession` over a real `StreamClient` (short heartbeat
 * and reconnect intervals) against `MockStreamServer`, with a seeded PRNG choosing faults and
 * commands at random moments. Returns the violated invariants (empty = pass) and counters.
 *
 * Which exits must arrive (the exactly-once invariant): the mock writes an `exit_signal_with_tx`
 * only to configured, open, not stalled connections that announced the position (its
 * `subscribers`), and an exit is never re-sent. The driver records, at the `exit_signal` event
 * (emitted synchronously right after the writes), every connection in that state. An exit is
 * REQUIRED when at least one of them had never been stalled: such a link was live from the
 * client's side when the frame was written, and whatever ends it later (a close frame with any
 * code, or a TCP drop, always in a later task, so the frame is already in the kernel) comes
 * after the frame in the byte stream. Exits written to a connection that was stalled before
 * (and resumed) are NOT required: the client may have declared that link dead and dropped its
 * socket before the frame arrived. No exit may be delivered twice, and none that the server did
 * not send.
 *
 * The hostile phase (after the faults above, unless `hostile: false`): every reconnect refused with
 * a transient code for a while (retried with backoff, never faster than the backoff's ceiling
 * allows), one frame above `maxPayload` (an error event naming the limit, one reconnect; the link
 * it cut counts as stalled for the exits written after it), then the faults again and the same
 * exactly-once and state checks; finally a fatal end, alternating by seed: a refusal retrying
 * cannot fix (`wallet_not_registered`) or a second oversize frame. The connection must end after
 * exactly one more attempt (or none), with a typed error carrying the server's code or the limit.
 *
 * Other invariants: every handshake's `configure` carries a state the client set, never older
 * than one the server already applied; after quiescing (stalls resumed, faults stopped) exactly
 * one connection is open and its strategy, wallets and per-position overrides equal the client's
 * latest; no unhandled rejection; no API key in any event; heap growth bounded; `recv()` returns
 * `null` promptly after `close()`.
 */
import { Keypair } from "@solana/web3.js";
import {
  StreamClient,
  StreamConnection,
  StreamHandshakeError,
  StreamPayloadTooLargeError,
  StreamSession,
  type StreamError,
  type StreamEvent,
} from "../../src/index.js";
import type { StrategyConfig } from "../../src/protocol/index.js";
import { MockStreamServer, type MockConnection, type MockExitSignal } from "../../src/testing/index.js";
import { afterTimersUpTo } from "../helpers/timers.js";

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SoakOptions {
  seed: number;
  durationMs: number;
  /** Allowed heap growth over the baseline taken after warm-up (MB). @defaultValue 96 */
  heapLimitMb?: number;
  /** Called about every `progressEveryMs` with the counters so far. */
  onProgress?: (stats: SoakStats) => void;
  progressEveryMs?: number;
  /** Run the hostile phase (refused reconnects, oversize frames, a fatal end). @defaultValue true */
  hostile?: boolean;
}

export interface SoakStats {
  elapsedMs: number;
  actions: Record<string, number>;
  /** Exits the server issued / of which required / delivered to the consumer. */
  exitsIssued: number;
  exitsRequired: number;
  exitsDelivered: number;
  connections: number;
  reconnects: number;
  events: number;
  /** Frames the client reported as `invalid_message` / unknown types; `error` frames from the server. */
  invalidFrames: number;
  unknownFrames: number;
  serverErrors: number;
  /** Low-priority (and over-bound unknown) messages the client dropped under the bursts. */
  droppedLow: number;
  /** Flood phases that ended with the socket paused by backpressure. */
  floodPauses: number;
  heapBaselineMb: number;
  heapMaxMb: number;
  /** Hostile phase: refused handshakes, oversize frames sent, and how the connection ended. */
  refusedHandshakes: number;
  oversizeFrames: number;
  endedWith: string | undefined;
}

export interface SoakResult {
  violations: string[];
  stats: SoakStats;
}

/** A recognisable key: it must never show up in an event or error. */
export const SOAK_API_KEY = "soak-secret-key-7f3a9c";
const DROP_CODES = [1001, 1006, 1011, 1012, 4000] as const;
const MAX_OPEN = 24;
/** The client's `maxPayload` in the soak (the default), and a frame above it. */
const MAX_PAYLOAD = 64 * 1024;
const OVERSIZE_FRAME = JSON.stringify({ type: "future_blob", blob: "x".repeat(MAX_PAYLOAD + 1024) });
/** The mint of the flood phase's balance updates (no position holds it). */
const FLOOD_MINT = "F1oodMint1111111111111111111111111111111111";
/** The client's reconnect ceiling in the soak. */
const RECONNECT_MAX_DELAY_MS = 60;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` every 5 ms for at most `ms`; leaves no timer behind. */
async function waitUntil(predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate() && Date.now() < deadline) await sleep(5);
}

/** Stable JSON with keys sorted and `undefined` left out, for state comparison. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)))
      : typeof v === "bigint"
        ? v.toString()
        : v,
  );
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const rand = prng(options.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const violations: string[] = [];
  const violate = (what: string): void => {
    if (violations.length < 50) violations.push(what);
  };
  const started = Date.now();
  const actions: Record<string, number> = {};
  const count = (name: string): void => {
    actions[name] = (actions[name] ?? 0) + 1;
  };

  const unhandled = (reason: unknown): void => violate(`unhandled rejection: ${String(reason)}`);
  process.on("unhandledRejection", unhandled);

  const wallets = Array.from({ length: 5 }, (_, i) => {
    const seed = new Uint8Array(32);
    seed[0] = i + 1;
    new DataView(seed.buffer).setUint32(4, options.seed >>> 0);
    return Keypair.fromSeed(seed).publicKey.toBase58();
  });
  const randomStrategy = (): StrategyConfig => {
    const s: StrategyConfig = { target_profit_pct: int(5, 80), stop_loss_pct: int(5, 60) };
    if (rand() < 0.3) s.trailing_stop_pct = int(2, 30);
    return s;
  };

  const server = await MockStreamServer.start({ seed: options.seed, priceWalk: false, pnlFlushMs: 50, settleMs: 20 });
  let latestStrategy: StrategyConfig = { target_profit_pct: 50, stop_loss_pct: 50 };
  let latestWallets: string[] = [wallets[0] as string];
  /** Per-position strategies the client set (replayed on every reconnect while the position is open). */
  const overrides = new Map<number, StrategyConfig>();

  // ---- Exit bookkeeping (see the header) ----
  const tainted = new Set<number>(); // connection ids ever stalled
  const issued = new Map<string, MockExitSignal>();
  const required = new Map<string, MockConnection[]>();
  const droppedByDriver = new Set<number>();
  const delivered = new Map<string, number>();
  server.on("exit_signal", (signal) => {
    issued.set(signal.unsigned_tx_b64, signal);
    const live = server.connections.filter((c) => c.configured && c.open && !c.stalled && c.announced.has(signal.position_id));
    const untainted = live.filter((c) => !tainted.has(c.id));
    if (untainted.length > 0) required.set(signal.unsigned_tx_b64, untainted);
  });

  // "The server's latest configure always equals the client's latest state", checked on every
  // handshake: the configure of a new connection carries a state the client did set, never older
  // than a state the server had already applied on an earlier connection (the client builds it
  // from its latest state when it dials, and every update it sent before is older). The exact
  // equality with the latest state is checked once the faults stop (below).
  // Values repeat (a wallet list may be set again later), so the check takes the most lenient
  // reading: the earliest occurrence at or after the bound.
  const strategyHistory = [canonical(latestStrategy)];
  const walletHistory = [canonical([...latestWallets].sort())];
  const bound = { strategy: 0, wallets: 0 };
  const advance = (history: string[], value: string, from: number): number => history.indexOf(value, from);
  server.on("message", (_conn, message) => {
    // A late update from a link the client already left may be older than the bound: ignored.
    if (message.type === "update_strategy") bound.strategy = Math.max(bound.strategy, advance(strategyHistory, canonical(message.strategy), bound.strategy));
    if (message.type === "update_wallets") bound.wallets = Math.max(bound.wallets, advance(walletHistory, canonical([...message.wallet_pubkeys].sort()), bound.wallets));
  });
  server.on("handshake", (conn) => {
    const s = advance(strategyHistory, canonical(conn.strategy), bound.strategy);
    const w = advance(walletHistory, canonical([...conn.wallets].sort()), bound.wallets);
    if (s < 0) violate(`connection ${conn.id} configured with a strategy older than #${bound.strategy} (already applied) or never set: ${canonical(conn.strategy)}`);
    if (w < 0) violate(`connection ${conn.id} configured with wallets older than #${bound.wallets} (already applied) or never set`);
    bound.strategy = Math.max(bound.strategy, s);
    bound.wallets = Math.max(bound.wallets, w);
  });

  const client = new StreamClient(SOAK_API_KEY, {
    endpoint: server.url,
    maxPayload: MAX_PAYLOAD,
    reconnect: { initialDelayMs: 5, maxDelayMs: RECONNECT_MAX_DELAY_MS, minUptimeMs: 50 },
    heartbeat: { intervalMs: 100, timeoutMs: 200 },
    // Small bounds, so the flood phase really pushes the socket into backpressure.
    maxPendingHigh: 256,
    maxPendingUnknown: 32,
  });
  const session = await StreamSession.connect(client, { wallet_pubkeys: latestWallets, strategy: latestStrategy });
  let reconnects = 0;
  let handshakes = 0;
  server.on("handshake", () => handshakes++);
  let invalidFrames = 0;
  let unknownFrames = 0;
  let serverErrors = 0;
  let events = 0;
  const leak = (where: string, text: string): void => {
    if (text.includes(SOAK_API_KEY)) violate(`API key in ${where}`);
  };
  session.on("stream_error", (err) => leak("stream_error", `${err.message} ${String(err.cause ?? "")}`));
  session.on("debug", (m) => leak("debug", m));
  const connection = session.connection;
  if (!(connection instanceof StreamConnection)) throw new Error("the session should run on a StreamConnection");
  connection.on("invalid_message", (err) => {
    invalidFrames++;
    if (err.code !== "protocol") violate(`invalid frame reported with code ${err.code}`);
    leak("invalid_message", err.message);
  });
  connection.on("unknown_message", () => unknownFrames++);
  // Every dial (first connect and each reconnect) says so, synchronously, as it starts.
  let dials = 0;
  connection.on("debug", (line) => {
    if (line.startsWith("connecting to")) dials++;
  });
  const errors: StreamError[] = [];
  connection.on("stream_error", (err) => {
    errors.push(err);
    leak("error", `${err.message} ${String(err.cause ?? "")}`);
  });
  let refusedHandshakes = 0;
  server.on("refused", (conn) => {
    if (!conn.configured) refusedHandshakes++;
  });
  let oversizeFrames = 0;
  let endedWith: string | undefined;

  // ---- Consumer ----
  /** While set, the consumer reads nothing (the flood phase: the backlog must pause the socket). */
  let consumerHold: Promise<void> | undefined;
  let releaseHold: () => void = () => undefined;
  let pausesSeen = 0;
  const consumer = (async () => {
    for (;;) {
      if (consumerHold !== undefined) await consumerHold;
      const event: StreamEvent | null = await session.recv();
      if (event === null) return;
      events++;
      if (event.type === "reconnected") reconnects++;
      else if (event.type === "error") {
        serverErrors++;
      } else if (event.type === "exit_signal_with_tx") {
        const key = event.message.unsigned_tx_b64;
        const n = (delivered.get(key) ?? 0) + 1;
        delivered.set(key, n);
        if (n === 2) violate(`exit delivered twice: position ${event.message.position_id} (${event.message.reason})`);
        if (!issued.has(key)) violate(`exit delivered that the server never issued: position ${event.message.position_id}`);
      }
    }
  })();

  // ---- Heap sampling ----
  const gc = (globalThis as { gc?: () => void }).gc;
  let heapBaseline = 0;
  let heapMax = 0;
  const heapTimer = setInterval(() => {
    const used = process.memoryUsage().heapUsed / 2 ** 20;
    if (heapBaseline === 0 && Date.now() - started > Math.min(5_000, options.durationMs / 4)) {
      gc?.();
      heapBaseline = process.memoryUsage().heapUsed / 2 ** 20;
    }
    heapMax = Math.max(heapMax, used);
  }, 250);
  heapTimer.unref();

  const stats = (): SoakStats => ({
    elapsedMs: Date.now() - started,
    actions: { ...actions },
    exitsIssued: issued.size,
    exitsRequired: required.size,
    exitsDelivered: delivered.size,
    connections: handshakes,
    reconnects,
    events,
    invalidFrames,
    unknownFrames,
    serverErrors,
    droppedLow: Object.values(session.stats().dropped).reduce((a, b) => a + b, 0),
    floodPauses: pausesSeen,
    heapBaselineMb: Math.round(heapBaseline),
    heapMaxMb: Math.round(heapMax),
    refusedHandshakes,
    oversizeFrames,
    endedWith,
  });

  // ---- Faults and commands ----
  const stallTimers = new Set<NodeJS.Timeout>();
  const liveConn = (): MockConnection | undefined => server.connections.filter((c) => c.configured && c.open).at(-1);
  const openIds = (): number[] => server.positions().map((p) => p.position_id);
  const act = (): void => {
    const r = rand();
    const conn = liveConn();
    if (r < 0.05) {
      if (conn === undefined) return;
      const code = pick(DROP_CODES);
      count(`drop ${code}`);
      for (const c of server.connections) droppedByDriver.add(c.id);
      server.dropConnections(code, "soak drop");
    } else if (r < 0.08) {
      if (conn === undefined || conn.stalled) return;
      count("stall");
      tainted.add(conn.id);
      server.stall(conn);
      // Short stalls are survived; long ones exceed the heartbeat timeout and force a reconnect.
      const timer = setTimeout(() => {
        stallTimers.delete(timer);
        server.resume(conn);
      }, int(30, 500));
      stallTimers.add(timer);
    } else if (r < 0.3) {
      const ids = openIds();
      count("pnl burst");
      const n = int(10, 200);
      for (let i = 0; i < n; i++) {
        server.send({
          type: "pnl_update",
          position_id: ids.length > 0 ? pick(ids) : int(1, 1000),
          profit_units: int(-1e9, 1e9),
          proceeds_units: int(0, 2e9),
          server_time_ms: Date.now(),
        });
      }
    } else if (r < 0.36) {
      count("malformed");
      server.send(
        pick([
          "{not json",
          "",
          "[]",
          "42",
          "null",
          '{"type":"pnl_update"}',
          '{"type":"exit_signal_with_tx","position_id":"x"}',
          '{"type":42}',
          '{"no_type":true}',
          "\u0000\uffff",
        ]),
      );
    } else if (r < 0.37) {
      // Flood: the consumer stops reading (longer than the heartbeat timeout) while the server
      // floods high-priority, unknown and PnL frames: the socket must pause, not the heap grow,
      // and no exit may be lost or doubled. The exits the flood shares the link with stay required.
      if (consumerHold !== undefined) return;
      count("flood");
      consumerHold = new Promise<void>((resolve) => (releaseHold = resolve));
      const holdMs = int(150, 600);
      for (let i = 0; i < 2_000; i++) {
        server.send({ type: "balance_update", wallet_pubkey: pick(wallets), mint: FLOOD_MINT, tokens: i, slot: i });
        if (i % 4 === 0) server.send({ type: `flood_unknown_${i % 3}`, i });
        if (i % 2 === 0) server.send({ type: "pnl_update", position_id: int(1, 1000), profit_units: i, proceeds_units: i, server_time_ms: Date.now() });
      }
      const timer = setTimeout(() => {
        stallTimers.delete(timer);
        if (connection.stats().paused) pausesSeen++;
        consumerHold = undefined;
        releaseHold();
      }, holdMs);
      stallTimers.add(timer);
    } else if (r < 0.4) {
      count("unknown type");
      server.send({ type: `future_${int(0, 9)}`, payload: { n: int(0, 1e6) }, big: "123456789012345678901234567890" });
    } else if (r < 0.47) {
      count("update strategy");
      latestStrategy = randomStrategy();
      session.updateStrategy(latestStrategy);
      strategyHistory.push(canonical(latestStrategy));
    } else if (r < 0.52) {
      count("update wallets");
      const shuffled = [...wallets].sort(() => rand() - 0.5);
      latestWallets = shuffled.slice(0, int(1, wallets.length));
      session.updateWallets(latestWallets);
      walletHistory.push(canonical([...latestWallets].sort()));
    } else if (r < 0.545) {
      const known = openIds().filter((id) => session.position(id) !== undefined);
      if (known.length === 0) return;
      count("override strategy");
      const id = pick(known);
      const strategy = randomStrategy();
      session.updatePositionStrategy(id, strategy);
      overrides.set(id, strategy);
    } else if (r < 0.68) {
      if (server.positions().length >= MAX_OPEN) {
        // Only positions the session knows (closePosition throws for others, by design).
        const known = openIds().filter((id) => session.position(id) !== undefined);
        if (known.length === 0) return;
        count("close position");
        const id = pick(known);
        session.closePosition(id);
        return;
      }
      count("open position");
      server.openPosition({ wallet: pick(latestWallets) });
    } else if (r < 0.9) {
      const ids = openIds();
      if (ids.length === 0) return;
      count("set price");
      server.setPrice(pick(ids), pick([0.2, 0.5, 0.9, 1.05, 1.3, 2, 3]));
    } else {
      count("idle");
    }
  };

  let nextProgress = started + (options.progressEveryMs ?? 10_000);
  const faults = async (untilMs: number): Promise<void> => {
    while (Date.now() < untilMs) {
      await sleep(int(1, 40)); // the pace of the faults (random), not a wait
      try {
        act();
      } catch (err) {
        violate(`driver action threw: ${(err as Error).message}`);
      }
      if (options.onProgress !== undefined && Date.now() >= nextProgress) {
        nextProgress += options.progressEveryMs ?? 10_000;
        options.onProgress(stats());
      }
    }
  };
  await faults(started + options.durationMs);

  // ---- Quiesce: no more faults; every stalled link resumes; one live, configured connection ----
  const settle = async (phase: string): Promise<void> => {
    for (const t of stallTimers) clearTimeout(t);
    stallTimers.clear();
    consumerHold = undefined;
    releaseHold();
    server.resume();
    const wantStrategy = canonical(latestStrategy);
    const wantWallets = canonical([...latestWallets].sort());
    // Overrides: for every position still open on both sides and tracked by the live connection
    // (a refused close_position included), the live connection's last `update_position_strategy`
    // (sent there, or replayed right after `hello_ok`) is the client's latest.
    const overrideMismatches = (live: MockConnection): string[] => {
      const serverOpen = new Set(openIds());
      const lastOnLive = new Map<number, string>();
      for (const f of live.received) {
        if (f.message?.type === "update_position_strategy") lastOnLive.set(Number(f.message.position_id), canonical(f.message.strategy));
      }
      const out: string[] = [];
      for (const [id, strategy] of overrides) {
        // Positions of wallets no longer configured are not tracked on a new connection (protocol.md 3.6).
        if (!serverOpen.has(id) || !live.announced.has(id) || session.position(id) === undefined) continue;
        if (lastOnLive.get(id) === canonical(strategy)) continue;
        const history = server.received
          .filter((f) => (f.message?.type === "update_position_strategy" || f.message?.type === "close_position") && Number(f.message.position_id) === id)
          .map((f) => `${f.message?.type === "close_position" ? "close@" : ""}${f.connectionId}${f.error === undefined ? "" : `!${f.error.split(":")[0]}`}`);
        out.push(
          `position ${id} override on the live connection ${live.id}: ${lastOnLive.get(id) ?? "missing"} vs the client's ${canonical(strategy)} ` +
            `(sent on connections [${history.join(", ")}]; in the client's replay store: ${connection.state.positionStrategies.has(id)})`,
        );
      }
      return out;
  };
  const liveState = (): { live: MockConnection | undefined; problems: string[] } => {
    const open = server.connections.filter((c) => c.configured && c.open && !c.stalled);
    const live = open.at(-1);
    if (live === undefined) return { live, problems: ["no live connection"] };
    const problems: string[] = [];
    if (open.length !== 1 || server.connectionCount !== 1) problems.push(`${server.connectionCount} open connections`);
    if (canonical(live.strategy) !== wantStrategy) problems.push(`strategy ${canonical(live.strategy)} vs the client's ${wantStrategy}`);
    const wallets = canonical([...live.wallets].sort());
    if (wallets !== wantWallets) problems.push(`wallets ${wallets} vs the client's ${wantWallets}`);
    return { live, problems: [...problems, ...overrideMismatches(live)] };
  };
  try {
    await server.waitFor(() => (liveState().problems.length === 0 ? true : undefined), 10_000, "server state = client state");
  } catch {
    for (const problem of liveState().problems) violate(`after quiescing (${phase}): ${problem}`);
  }
  // Every required exit reaches the consumer (allow the queue to drain).
  const missing = (): string[] => [...required.keys()].filter((k) => !delivered.has(k));
  await waitUntil(() => missing().length === 0, 5_000);
  for (const key of missing().slice(0, 10)) {
    const s = issued.get(key);
    // Which links carried it, and how they ended (a link the driver never dropped nor stalled
    // but that closed anyway was given up by the client: a false dead-link verdict).
    const links = (required.get(key) ?? []).map(
      (c) => `#${c.id} ${c.closedWith === undefined ? "still open" : `closed ${c.closedWith.code}`}${droppedByDriver.has(c.id) ? " (dropped by the driver)" : " (not dropped by the driver)"}`,
    );
    violate(`required exit never delivered (${phase}): position ${s?.position_id} (${s?.reason}), written to ${links.join(", ")}`);
  }
  };
  await settle("faults");

  // ---- Hostile phase (see the header) ----
  if (options.hostile ?? true) {
    const live = async (what: string): Promise<MockConnection | undefined> => {
      try {
        await server.waitFor(() => liveConn(), 5_000, what);
      } catch {
        violate(`hostile: no live connection ${what}`);
      }
      return liveConn();
    };
    // 1. Transient refusals: retried with backoff, at most as often as its ceiling allows.
    count("hostile: transient refusals");
    server.refuseConfigure({ code: "too_many_sessions", message: "the previous session is still counted" });
    const refusedBefore = refusedHandshakes;
    for (const c of server.connections) droppedByDriver.add(c.id);
    server.dropConnections(1011, "soak: restart");
    const windowMs = 600;
    await sleep(windowMs); // the elapsed time is what is measured: refusals per window
    const refused = refusedHandshakes - refusedBefore;
    // Backoff: 5 ms doubling to a 60 ms ceiling, jitter x[0.5, 1]: ~30 ms apart at worst.
    if (refused < 2) violate(`hostile: a transient refusal was not retried (${refused} refused attempts)`);
    if (refused > windowMs / 30 + 6) violate(`hostile: refused reconnects looped: ${refused} in ${windowMs} ms`);
    if (!errors.some((e) => e instanceof StreamHandshakeError && e.serverCode === "too_many_sessions" && e.retryable)) {
      violate("hostile: transient refusals were not reported as retryable StreamHandshakeErrors");
    }
    server.refuseConfigure(undefined);
    await live("after the transient refusals");
    // 2. One oversize frame: an error event naming the limit, one reconnect; the cut link counts as
    // stalled. (A link the client is already leaving, on a heartbeat verdict, may never read it:
    // then the next link gets one.)
    const oversizeErrors = (): StreamPayloadTooLargeError[] => errors.filter((e) => e instanceof StreamPayloadTooLargeError);
    count("hostile: oversize frame");
    for (let tries = 0; tries < 5 && oversizeErrors().length === 0; tries++) {
      const link = await live("for the oversize frame");
      if (link === undefined) break;
      tainted.add(link.id);
      oversizeFrames++;
      server.send(OVERSIZE_FRAME, link);
      await waitUntil(() => oversizeErrors().length > 0 || (!link.open && connection.status !== "open"), 5_000);
    }
    const oversize = oversizeErrors();
    if (oversize.length !== 1 || oversize[0]?.limit !== MAX_PAYLOAD) {
      violate(`hostile: expected one StreamPayloadTooLargeError naming ${MAX_PAYLOAD}, got ${oversize.length}`);
    }
    await live("after the oversize frame");
    // 3. The faults again, then the same checks.
    await faults(Date.now() + Math.min(5_000, Math.max(1_000, options.durationMs / 5)));
    await settle("hostile");
    // 4. The fatal end: one more attempt at most, then a typed error; the session ends.
    const attempts = (): number => handshakes + refusedHandshakes;
    let consumerEnded = false;
    void consumer.then(() => (consumerEnded = true));
    const fatalByRefusal = options.seed % 2 === 1;
    let attemptsBefore = attempts();
    if (fatalByRefusal) {
      count("hostile: fatal refusal");
      server.refuseConfigure({ code: "wallet_not_registered", message: "wallet is not registered to this API key" });
      server.dropConnections(1011, "soak: restart");
    } else {
      count("hostile: second oversize frame");
      for (let tries = 0; tries < 5 && !consumerEnded; tries++) {
        const link = await live("for the second oversize frame");
        if (link === undefined) break;
        attemptsBefore = attempts();
        tainted.add(link.id);
        oversizeFrames++;
        server.send(OVERSIZE_FRAME, link);
        await waitUntil(() => consumerEnded || (!link.open && connection.status !== "open"), 5_000);
      }
    }
    await waitUntil(() => consumerEnded, 5_000);
    if (!consumerEnded) violate("hostile: the connection did not end after a fatal refusal / second oversize frame");
    // An attempt that must not come: a reconnect timer still armed (<= the 60 ms maxDelayMs) has
    // run by now, and its dial would have said so.
    const dialsAtEnd = dials;
    await afterTimersUpTo(RECONNECT_MAX_DELAY_MS);
    if (dials !== dialsAtEnd) violate(`hostile: ${dials - dialsAtEnd} dial(s) after the fatal end`);
    const last = errors.at(-1);
    endedWith = last === undefined ? undefined : `${last.name}: ${last.message}`;
    if (fatalByRefusal) {
      if (!(last instanceof StreamHandshakeError) || last.serverCode !== "wallet_not_registered" || last.retryable) {
        violate(`hostile: expected the end to carry wallet_not_registered, got ${endedWith}`);
      }
      if (attempts() - attemptsBefore !== 1) violate(`hostile: ${attempts() - attemptsBefore} attempts after a fatal refusal (want 1)`);
    } else {
      if (!(last instanceof StreamPayloadTooLargeError) || last.limit !== MAX_PAYLOAD) {
        violate(`hostile: expected the end to carry the limit ${MAX_PAYLOAD}, got ${endedWith}`);
      }
      if (attempts() !== attemptsBefore) violate("hostile: reconnected after the second oversize frame");
    }
    if (connection.status !== "closed") violate(`hostile: connection ${connection.status} after its fatal end`);
  }

  // ---- Close: the consumer ends, nothing is left running ----
  await session.close();
  const ended = await Promise.race([consumer.then(() => true), sleep(2_000).then(() => false)]);
  if (!ended) violate("recv() did not return null within 2 s of close()");
  await server.close();
  clearInterval(heapTimer);
  gc?.();
  const heapEnd = process.memoryUsage().heapUsed / 2 ** 20;
  heapMax = Math.max(heapMax, heapEnd);
  const limit = options.heapLimitMb ?? 96;
  if (heapBaseline > 0 && heapMax - heapBaseline > limit) {
    violate(`heap grew by ${Math.round(heapMax - heapBaseline)} MB over the ${Math.round(heapBaseline)} MB baseline (limit ${limit} MB)`);
  }
  // Let a rejection surface before the recorder goes: everything is closed (awaited above), so no
  // promise settles later, and a rejection already made is reported before the next macrotask.
  await new Promise((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", unhandled);
  return { violations, stats: stats() };
}

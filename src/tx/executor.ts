/**
 * `executeExits`: hand a session's exits to the library. On every `exit_signal_with_tx` it guards,
 * signs, submits and confirms; when an attempt cannot land any more (rejected, failed on chain,
 * expired) it asks the stream for a fresh transaction with the next slippage step, until the exit
 * landed, the position is gone or the attempts are spent. One exit is in flight per position, and
 * nothing is sold twice. See docs/exits-that-land.md for the state diagram.
 *
 * This module holds the lanes (one per position), the stream's events that feed them and the
 * slippage ladder of each exit; an attempt itself is `executor-attempt.ts`, the events and
 * counters `executor-events.ts`, the options `executor-options.ts`.
 */
import { StreamError } from "../errors.js";
import type { IntMode } from "../protocol/index.js";
import type { StreamSession } from "../session/index.js";
import { AttemptPipeline, CallScope, afterLanding, identityOf, toBig, type Lane, type Queued } from "./executor-attempt.js";
import { ExitTally, type ExitExecutor, type ExitProgress } from "./executor-events.js";
import { DEFAULT_SLIPPAGE_STEPS_BPS, checkOptions, type ExecuteExitsOptions, type ExitSignalMessage } from "./executor-options.js";
import { ExitJournal, type JournalEntry } from "./journal.js";
import { TX_DEFAULTS } from "./defaults.js";

export type { ExecuteExitsOptions, ExitGuard, ExitSignalMessage } from "./executor-options.js";
export type { ExitExecutor, ExitExecutorEvents, ExitExecutorStats, ExitFailure, ExitStepEvent } from "./executor-events.js";

/**
 * Executes every exit of `session`: see the module description and docs/exits-that-land.md.
 * Attach it right after `StreamSession.connect` (signals that arrived before are not seen).
 * With `journal`, the exits a previous run left in flight are confirmed first.
 *
 * @throws `StreamValidationError` for bad options, {@link ExitJournalError} when the journal
 * cannot be read or written.
 *
 * @example
 * ```ts
 * import { Keypair } from "@solana/web3.js";
 * import { StreamClient, StreamSession } from "lasersell-stream";
 * import { executeExits, sendTargetHeliusSender } from "lasersell-stream/tx";
 *
 * export async function run(apiKey: string, keypair: Keypair, rpcUrl: string, log: (line: string) => void): Promise<void> {
 *   const session = await StreamSession.connect(new StreamClient(apiKey), {
 *     wallet_pubkeys: [keypair.publicKey.toBase58()],
 *     strategy: { target_profit_pct: 20, stop_loss_pct: 10 },
 *   }, { buffer: false });
 *   const exits = executeExits(session, {
 *     signer: keypair,
 *     sendTarget: sendTargetHeliusSender(),
 *     rpc: rpcUrl,
 *     journal: "./exits.journal",
 *   });
 *   exits.on("confirmed", (e) => log(`sold ${e.positionId} in ${e.latencyMs} ms`));
 *   exits.on("gave_up", (e) => log(`could not sell ${e.positionId}: ${e.why}`));
 * }
 * ```
 */
export function executeExits<M extends IntMode>(session: StreamSession<M>, options: ExecuteExitsOptions): ExitExecutor {
  checkOptions(options);
  const steps = options.slippageStepsBps ?? DEFAULT_SLIPPAGE_STEPS_BPS;
  const maxAttempts = options.maxAttempts ?? TX_DEFAULTS.executor.maxAttempts;
  const signalTimeoutMs = options.signalTimeoutMs ?? TX_DEFAULTS.executor.signalTimeoutMs;
  const journal = options.journal === undefined ? undefined : ExitJournal.open(options.journal, { fsync: options.journalFsync ?? true });
  const s = session as unknown as StreamSession<"number">;
  const tally = new ExitTally();
  const { counts } = tally;
  const emitter = tally.emitter;
  const scope = new CallScope();
  const stopSignal = scope.stopSignal;
  const pipeline = new AttemptPipeline({ options, session: s, journal, tally, scope });
  const lanes = new Map<string, Lane>();
  const timers = new Set<NodeJS.Timeout>();
  const now = (): number => performance.now();

  const laneOf = (positionId: number | bigint): Lane => {
    const key = String(positionId);
    let lane = lanes.get(key);
    if (lane === undefined) {
      lane = { key, positionId, queue: new Map(), running: undefined, gone: false, soldOut: false, waiter: undefined, waitingForAnnounce: false, inFlight: undefined, recovering: [] };
      lanes.set(key, lane);
    }
    return lane;
  };

  // ---- stream events ------------------------------------------------------------------------

  const onSignal = (event: { message: ExitSignalMessage }): void => {
    if (stopSignal.aborted) return;
    const msg = event.message;
    counts.signals++;
    const lane = laneOf(msg.position_id);
    if (lane.soldOut) {
      tally.skipped(lane.key, msg.reason);
      return;
    }
    const q: Queued = { msg, at: now() };
    const waiter = lane.waiter;
    if (waiter !== undefined) {
      lane.waiter = undefined;
      waiter(q);
      return;
    }
    const id = identityOf(msg.level_index);
    lane.queue.delete(id);
    lane.queue.set(id, q);
    start(lane);
  };

  const onBalance = (event: { message: { position_id?: number | bigint | undefined }; handle?: { position_id: number | bigint; tokens: number | bigint } | undefined }): void => {
    const id = event.handle?.position_id ?? event.message.position_id;
    if (id === undefined) return;
    const lane = lanes.get(String(id));
    const flight = lane?.inFlight;
    if (lane === undefined || flight === undefined || flight.tokensBefore === undefined || event.handle === undefined) return;
    const tokens = toBig(event.handle.tokens);
    if (tokens !== undefined && tokens < flight.tokensBefore) flight.ground("landed");
    // A full exit that landed and left tokens (a partial fill) is not "sold out" any more.
    if (lane.soldOut && tokens !== undefined && tokens > 0n && lane.inFlight === undefined) lane.soldOut = false;
  };

  const onClosed = (event: { message: { position_id: number | bigint } }): void => {
    const lane = lanes.get(String(event.message.position_id));
    if (lane === undefined) return;
    lane.gone = true;
    lane.queue.clear();
    lane.inFlight?.ground("closed");
    const waiter = lane.waiter;
    lane.waiter = undefined;
    waiter?.(undefined);
    if (lane.running === undefined) lanes.delete(lane.key);
  };

  const onOpened = (event: { handle: { position_id: number | bigint } }): void => {
    const lane = lanes.get(String(event.handle.position_id));
    if (lane === undefined || !lane.waitingForAnnounce) return;
    const waiter = lane.waiter;
    lane.waiter = undefined;
    waiter?.(undefined);
  };

  const listeners = {
    exit_signal_with_tx: onSignal as (e: unknown) => void,
    balance_update: onBalance as (e: unknown) => void,
    position_closed: onClosed as (e: unknown) => void,
    position_opened: onOpened as (e: unknown) => void,
  };
  for (const [name, fn] of Object.entries(listeners)) (s.on as (n: string, f: (e: unknown) => void) => void)(name, fn);

  // ---- one position's exits ------------------------------------------------------------------

  const start = (lane: Lane): void => {
    if (lane.running !== undefined || stopSignal.aborted) return;
    lane.running = runLane(lane).finally(() => {
      lane.running = undefined;
      if (stopSignal.aborted) return;
      if (lane.queue.size > 0 && !lane.gone) start(lane);
      else if (lane.gone || (!lane.soldOut && lane.queue.size === 0)) lanes.delete(lane.key);
    });
  };

  const runLane = async (lane: Lane): Promise<void> => {
    while (lane.recovering.length > 0 && !stopSignal.aborted) {
      const entry = lane.recovering.shift() as JournalEntry;
      const needsExit = await pipeline.recover(lane, entry);
      if (needsExit) await runExit(lane, undefined, { levelIndex: entry.levelIndex, reason: entry.reason, startedAt: now(), attempts: 1 });
    }
    while (!lane.gone && !stopSignal.aborted) {
      const first = lane.queue.entries().next();
      if (first.done === true) return;
      const [id, q] = first.value;
      lane.queue.delete(id);
      await runExit(lane, q, { levelIndex: q.msg.level_index, reason: q.msg.reason, startedAt: q.at, attempts: 0 });
    }
  };

  const waitFor = (lane: Lane, ms: number, orAnnounce = false): Promise<Queued | undefined> =>
    new Promise((resolve) => {
      lane.waitingForAnnounce = orAnnounce;
      // stop() ends it through lane.waiter.
      const timer = setTimeout(() => finish(undefined), ms);
      timers.add(timer);
      function finish(q: Queued | undefined): void {
        clearTimeout(timer);
        timers.delete(timer);
        if (lane.waiter === finish) lane.waiter = undefined;
        lane.waitingForAnnounce = false;
        resolve(q);
      }
      lane.waiter = finish;
    });

  /** Runs one exit (one identity of a position) until it landed, stopped or was given up. */
  const runExit = async (
    lane: Lane,
    first: Queued | undefined,
    exit: ExitProgress,
  ): Promise<void> => {
    counts.exits++;
    const id = identityOf(exit.levelIndex);
    let reRequests = 0;
    let q = first;
    let failures = exit.attempts;
    const giveUp = (why: Parameters<ExitTally["gaveUp"]>[2]): void => tally.gaveUp(lane.key, exit, why);
    const stopped = (why: Parameters<ExitTally["stopped"]>[2]): void => tally.stopped(lane.key, exit, why);
    for (;;) {
      if (stopSignal.aborted) return;
      if (q === undefined) {
        // A fresh transaction is needed: the previous attempt cannot land any more.
        if (lane.gone) return stopped("position_closed");
        if (exit.attempts >= maxAttempts) return giveUp("attempts_spent");
        if (exit.levelIndex !== undefined && options.retryPartialExits !== true) return giveUp("partial");
        const newer = lane.queue.get(id);
        if (newer !== undefined) {
          lane.queue.delete(id);
          q = newer;
        } else {
          if (session.position(lane.positionId) === undefined) {
            // After a restart the position may not be announced yet: wait for its signal or announcement.
            const announced = await waitFor(lane, signalTimeoutMs, true);
            if (announced !== undefined) q = announced;
            else if (lane.gone) return stopped("position_closed");
            else if (session.position(lane.positionId) === undefined) return stopped("position_unknown");
          }
          if (q === undefined) {
            const slippageBps = steps[Math.min(reRequests, steps.length - 1)] as number;
            reRequests++;
            try {
              session.requestExitSignal(lane.positionId, slippageBps);
            } catch {
              return lane.gone || session.position(lane.positionId) === undefined ? stopped("position_closed") : giveUp("request_failed");
            }
            tally.reRequested(lane.key, exit, slippageBps);
            q = await waitFor(lane, signalTimeoutMs);
            if (stopSignal.aborted) return;
            if (q === undefined) {
              if (lane.gone) return stopped("position_closed");
              exit.attempts++;
              failures++;
              const error = new StreamError("timeout", `no exit signal for position ${lane.key} within ${signalTimeoutMs} ms of requestExitSignal`);
              tally.failed(lane.key, exit, "no_signal", undefined, error);
              continue;
            }
          }
        }
      }
      exit.attempts++;
      exit.reason = q.msg.reason;
      const outcome = await pipeline.attempt(lane, exit, q);
      q = undefined;
      switch (outcome.kind) {
        case "landed":
          tally.confirmed(lane.key, exit, outcome, { recovered: false, afterRetry: failures > 0 });
          afterLanding(lane, exit.levelIndex);
          return;
        case "retry":
          failures++;
          continue;
        case "refused":
          return giveUp("refused");
        case "journal":
          return giveUp("journal");
        case "unconfirmed":
          return giveUp("unconfirmed");
        case "closed":
          return stopped("position_closed");
        case "stopped":
          return;
      }
    }
  };

  // ---- the executor --------------------------------------------------------------------------

  const recoveredLanes: Promise<void>[] = [];
  for (const entry of journal?.unfinished ?? []) {
    const lane = laneOf(/^\d+$/.test(entry.positionId) ? BigInt(entry.positionId) : entry.positionId as unknown as number);
    lane.recovering.push(entry);
  }
  for (const lane of lanes.values()) {
    start(lane);
    if (lane.running !== undefined) recoveredLanes.push(lane.running);
  }
  const recovered = Promise.all(recoveredLanes).then(() => undefined);

  let stopping: Promise<void> | undefined;
  Object.defineProperty(emitter, "recovered", { value: recovered, enumerable: true });
  emitter.stats = () => {
    let inFlight = 0;
    for (const lane of lanes.values()) if (lane.inFlight !== undefined) inFlight++;
    return tally.stats(inFlight);
  };
  emitter.stop = (): Promise<void> => {
    stopping ??= (async () => {
      scope.stop();
      for (const lane of lanes.values()) lane.waiter?.(undefined);
      for (const [name, fn] of Object.entries(listeners)) (s.off as (n: string, f: (e: unknown) => void) => void)(name, fn);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...lanes.values()].map((l) => l.running));
      journal?.close();
    })();
    return stopping;
  };
  return emitter;
}

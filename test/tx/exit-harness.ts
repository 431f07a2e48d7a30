/**
 * The mock server, a real session and an exit executor wired together, plus a recorder of the
 * executor's events and of what the mock saw (submissions, settlements, exit requests).
 */
import { Keypair } from "@solana/web3.js";
import { StreamClient, StreamSession, type PositionHandle } from "../../src/index.js";
import type { StrategyConfig } from "../../src/protocol/index.js";
import { MockStreamServer, type MockStreamServerOptions } from "../../src/testing/index.js";
import { executeExits, type ExecuteExitsOptions, type ExitExecutor, type ExitExecutorEvents } from "../../src/tx/index.js";

/** Thresholds far away: exits happen only when a test asks (no automatic re-fire by the mock's engine). */
export const QUIET: StrategyConfig = { target_profit_pct: 1_000, stop_loss_pct: 99 };

export type Recorded = { [K in keyof ExitExecutorEvents]: { type: K } & ExitExecutorEvents[K][0] }[keyof ExitExecutorEvents];

export interface Harness {
  server: MockStreamServer;
  session: StreamSession;
  exits: ExitExecutor;
  keypair: Keypair;
  wallet: string;
  events: Recorded[];
  /** Mock: submissions / settlements / exit requests (with their slippage), by position. */
  submitted: (positionId: number) => number;
  settled: (positionId: number) => number;
  exitRequests: (positionId: number) => Array<number | undefined>;
  open: (tokens?: bigint) => Promise<PositionHandle>;
  /** Resolves with the first recorded event of `type` matching `where`. */
  waitEvent: <K extends Recorded["type"]>(type: K, where?: (e: Extract<Recorded, { type: K }>) => boolean, timeoutMs?: number) => Promise<Extract<Recorded, { type: K }>>;
  of: <K extends Recorded["type"]>(type: K) => Array<Extract<Recorded, { type: K }>>;
  close: () => Promise<void>;
}

export async function harness(
  opts: {
    server?: MockStreamServerOptions;
    strategy?: StrategyConfig;
    executor?: Partial<ExecuteExitsOptions>;
    keypair?: Keypair;
    /** Existing server (restart tests). */
    reuse?: MockStreamServer;
  } = {},
): Promise<Harness> {
  const server =
    opts.reuse ?? (await MockStreamServer.start({ seed: 5, priceWalk: false, pnlFlushMs: 20, settleMs: 10, blockhashValiditySlots: 10, tradeTickProbability: 0, ...opts.server }));
  const keypair = opts.keypair ?? Keypair.generate();
  const wallet = keypair.publicKey.toBase58();
  const client = new StreamClient("exit-key", { endpoint: server.url });
  const session = await StreamSession.connect(client, { wallet_pubkeys: [wallet], strategy: opts.strategy ?? QUIET, deadline_timeout_sec: 0 }, { buffer: false });
  const exits = executeExits(session, {
    signer: keypair,
    sendTarget: server.rpcUrl,
    rpc: server.rpcUrl,
    pollIntervalMs: 15,
    signalTimeoutMs: 3_000,
    confirmTimeoutMs: 10_000,
    journalFsync: false,
    ...opts.executor,
  });
  const events: Recorded[] = [];
  for (const type of ["signed", "submitted", "confirmed", "failed", "re_requested", "gave_up", "stopped", "skipped"] as const) {
    exits.on(type, (e: object) => events.push({ type, ...e } as Recorded));
  }
  const subs = new Map<number, number>();
  const sets = new Map<number, number>();
  server.on("submitted", (i) => {
    if (i.position_id !== undefined) subs.set(i.position_id, (subs.get(i.position_id) ?? 0) + 1);
  });
  server.on("settled", (i) => sets.set(i.position_id, (sets.get(i.position_id) ?? 0) + 1));
  const waitEvent: Harness["waitEvent"] = (type, where = () => true, timeoutMs = 8_000) =>
    server.waitFor(() => events.find((e) => e.type === type && where(e as never)) as never, timeoutMs, `executor ${type} event`);
  return {
    server,
    session,
    exits,
    keypair,
    wallet,
    events,
    submitted: (id) => subs.get(id) ?? 0,
    settled: (id) => sets.get(id) ?? 0,
    exitRequests: (id) =>
      server.received.flatMap((f) =>
        f.message?.type === "request_exit_signal" && Number(f.message.position_id) === id ? [f.message.slippage_bps === undefined || f.message.slippage_bps === null ? undefined : Number(f.message.slippage_bps)] : [],
      ),
    open: async (tokens = 1_000_000n) => {
      await server.waitFor(() => (server.connections.some((c) => c.configured && c.wallets.has(wallet)) ? true : undefined), 5_000, "configured");
      const { position_id } = server.openPosition({ wallet, tokens });
      return server.waitFor(() => session.position(position_id), 5_000, `position ${position_id} in the session`);
    },
    waitEvent,
    of: (type) => events.filter((e) => e.type === type) as never,
    close: async () => {
      await exits.stop();
      await session.close();
      if (opts.reuse === undefined) await server.close();
    },
  };
}

/**
 * Builds a real recording for the tests: a `StreamClient` connection to the mock, recorded with
 * `recordSession` while positions open, prices move, an exit fires, a frame with integers beyond
 * 2^53 arrives and the link drops once (the client reconnects).
 */
import { Keypair } from "@solana/web3.js";
import { StreamClient, type StreamConnection } from "../../src/client/index.js";
import { recordSession } from "../../src/record/index.js";
import { MockStreamServer } from "../../src/testing/index.js";

export const BIG_FRAME = (positionId: number): string =>
  `{"type":"pnl_update","position_id":${positionId},"profit_units":9007199254740993,"proceeds_units":18446744073709551615,"server_time_ms":1764495123012}`;

/** Resolves after `n` more inbound frames. */
function frames(connection: StreamConnection<"bigint">, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = (f: { direction: string }): void => {
      if (f.direction === "in" && ++seen >= n) {
        connection.off("frame", on);
        resolve();
      }
    };
    connection.on("frame", on);
  });
}

/** Records about `ms` milliseconds of a live session to `file`; returns what was recorded. */
export async function recordLive(file: string, ms = 1_200, keypair = Keypair.generate()): Promise<{ frames: number }> {
  const server = await MockStreamServer.start({ seed: 11, pnlFlushMs: 40, settleMs: 10, volatility: 0.002 });
  const wallet = keypair.publicKey.toBase58();
  const client = new StreamClient("live-key", { endpoint: server.url, ints: "bigint", reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
  const connection = await client.connect({ wallet_pubkeys: [wallet], strategy: { target_profit_pct: 50, stop_loss_pct: 50 } });
  const recorder = recordSession(connection, file);
  try {
    // The first frames come a little after the recorder attached (as in a live session). These
    // sleeps pace the recording (its timestamps are what the tests read), they wait for nothing.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const { position_id } = server.openPosition({ wallet });
    await frames(connection, 6);
    server.send(BIG_FRAME(position_id));
    server.dropConnections(1001, "mock: recorded drop");
    await server.waitForConnection({ count: 2 });
    const second = server.openPosition({ wallet });
    await new Promise((resolve) => setTimeout(resolve, ms / 2));
    server.setPrice(second.position_id, 1.6); // target 50 %: an exit signal
    await server.waitForExit(second.position_id);
    await new Promise((resolve) => setTimeout(resolve, ms / 2));
  } finally {
    await connection.close();
    await recorder.stop();
    await server.close();
  }
  return { frames: recorder.stats.lines - 1 };
}

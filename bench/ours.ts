/** Adapters for this SDK: `StreamConnection.recv()` and `StreamSession.recv()`. */
import { StreamClient, StreamSession } from "../src/index.js";
import { guardFor, signExitTransaction } from "../src/tx/index.js";
import { API_KEY, BENCH_KEYPAIR, configure, type Contender } from "./adapters.js";

export const oursConnection: Contender = {
  name: "lasersell-stream StreamConnection",
  async open(url) {
    const client = new StreamClient(API_KEY, { endpoint: url });
    const conn = await client.connect(configure);
    return {
      async next() {
        const m = await conn.recv();
        return m === null ? null : { type: m.type, message: m as unknown as Record<string, unknown> };
      },
      // The guarded path a bot uses: limits from this connection's own configuration.
      sign: (message) => void signExitTransaction(message as never, BENCH_KEYPAIR, guardFor(conn)),
      close: () => conn.close({ flushTimeoutMs: 100 }),
    };
  },
};

export const oursSession: Contender = {
  name: "lasersell-stream StreamSession",
  async open(url) {
    const client = new StreamClient(API_KEY, { endpoint: url });
    const session = await StreamSession.connect(client, configure);
    return {
      async next() {
        for (;;) {
          const e = await session.recv();
          if (e === null) return null;
          if ("message" in e) return { type: e.type, message: e.message as unknown as Record<string, unknown> };
        }
      },
      sign: (message) => void signExitTransaction(message as never, BENCH_KEYPAIR, guardFor(session)),
      close: () => session.close(),
    };
  },
};

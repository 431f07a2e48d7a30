/**
 * One small adapter per client library under test, so every scenario drives them the same way:
 * `open(url)` resolves after the handshake; `next()` resolves the next delivered message's type and
 * the message itself (or null once closed).
 */
import WebSocket from "ws";

export interface Delivered {
  type: string;
  message: Record<string, unknown>;
}

export interface BenchClient {
  next(): Promise<Delivered | null>;
  close(): Promise<void>;
}

export interface Contender {
  name: string;
  open(url: string): Promise<BenchClient>;
}

export const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
export const API_KEY = "bench-key";
export const configure = {
  wallet_pubkeys: [WALLET],
  strategy: { target_profit_pct: 5, stop_loss_pct: 1.5 },
};

/**
 * The floor: raw `ws` + `JSON.parse` + an unbounded queue and an `await` per message. What any
 * client must at least do; nothing validates, nothing prioritises.
 */
export const floor: Contender = {
  name: "raw ws + JSON.parse",
  async open(url) {
    const ws = new WebSocket(url, { headers: { "x-api-key": API_KEY } });
    const queue: Delivered[] = [];
    let head = 0;
    let waiter: ((d: Delivered | null) => void) | undefined;
    let closed = false;
    let helloSeen: () => void = () => undefined;
    const hello = new Promise<void>((resolve) => (helloSeen = resolve));
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      const d = { type: message["type"] as string, message };
      if (d.type === "hello_ok") helloSeen();
      if (waiter !== undefined) {
        const w = waiter;
        waiter = undefined;
        w(d);
      } else queue.push(d);
    });
    ws.on("close", () => {
      closed = true;
      waiter?.(null);
    });
    ws.on("open", () => ws.send(JSON.stringify({ type: "configure", ...configure })));
    await hello;
    return {
      next() {
        if (head < queue.length) {
          const d = queue[head++] as Delivered;
          if (head > 4096 && head * 2 > queue.length) {
            queue.splice(0, head);
            head = 0;
          }
          return Promise.resolve(d);
        }
        if (closed) return Promise.resolve(null);
        return new Promise((resolve) => (waiter = resolve));
      },
      close: async () => {
        ws.close(1000);
      },
    };
  },
};

type OfficialModule = typeof import("@lasersell/lasersell-sdk");

async function official(): Promise<OfficialModule> {
  return import("@lasersell/lasersell-sdk");
}

export const officialConnection: Contender = {
  name: "official StreamConnection",
  async open(url) {
    const sdk = await official();
    const client = new sdk.StreamClient(API_KEY).withEndpoint(url);
    const conn = await client.connect(configure);
    return {
      async next() {
        const m = await conn.recv();
        return m === null ? null : { type: m.type, message: m as unknown as Record<string, unknown> };
      },
      close: async () => conn.close(),
    };
  },
};

export const officialSession: Contender = {
  name: "official StreamSession",
  async open(url) {
    const sdk = await official();
    const client = new sdk.StreamClient(API_KEY).withEndpoint(url);
    const session = await sdk.StreamSession.connect(client, configure);
    return {
      async next() {
        const e = await session.recv();
        if (e === null) return null;
        const message = e.message as unknown as Record<string, unknown>;
        return { type: message["type"] as string, message };
      },
      close: async () => session.close(),
    };
  },
};

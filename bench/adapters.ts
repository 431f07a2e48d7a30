/**
 * One small adapter per client library under test, so every scenario drives them the same way:
 * `open(url)` resolves after the handshake; `next()` resolves the next delivered message's type and
 * the message itself (or null once closed).
 */
import { createPrivateKey, sign as cryptoSign } from "node:crypto";
import WebSocket from "ws";
import { Keypair } from "@solana/web3.js";
import { BENCH_SEED } from "./keys.js";

export interface Delivered {
  type: string;
  message: Record<string, unknown>;
}

export interface BenchClient {
  next(): Promise<Delivered | null>;
  /** Signs a delivered exit signal's transaction with the bench keypair (what the bot does next). */
  sign(message: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** The bench keypair (its wallet is the signer of the server's `?s=signed` exits). */
export const BENCH_KEYPAIR = Keypair.fromSeed(BENCH_SEED);
// PKCS#8 DER of an Ed25519 seed: a fixed 16-byte prefix, then the 32-byte seed.
const FLOOR_KEY = createPrivateKey({
  key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(BENCH_SEED)]),
  format: "der",
  type: "pkcs8",
});

/**
 * The least a correct client does to sign: decode base64, sign the message bytes (native
 * Ed25519), put the signature in slot 0, encode for submission. No checks of any kind.
 */
function floorSign(message: Record<string, unknown>): void {
  const bytes = Buffer.from(message["unsigned_tx_b64"] as string, "base64");
  const count = bytes[0] ?? 0; // compact-u16, one byte below 128 signatures
  const signature = cryptoSign(null, bytes.subarray(1 + 64 * count), FLOOR_KEY);
  bytes.set(signature, 1);
  bytes.toString("base64");
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
      sign: floorSign,
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
      sign: (message) => void sdk.signUnsignedTxB64Fast(message["unsigned_tx_b64"] as string, BENCH_KEYPAIR),
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
      sign: (message) => void sdk.signUnsignedTxB64Fast(message["unsigned_tx_b64"] as string, BENCH_KEYPAIR),
      close: async () => session.close(),
    };
  },
};

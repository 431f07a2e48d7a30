/**
 * A raw `ws` test client for the mock server tests: collects every server frame (parsed
 * losslessly) and waits for frames by type. Deliberately not the project's client layer.
 */
import WebSocket from "ws";
import { readJson } from "../../src/protocol/index.js";

export type Frame = Record<string, unknown> & { type: string };

export const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
export const WALLET_2 = "Borqy3dEjw9az7Uj9nW69A9ZDansFGHWEggUx7tkv44f";
export const WATCHED = "AUH6c4QLMr2qQr9N5Kkpz5astDM9gBNroXCSxQiFTGQv";

export const STRATEGY = { target_profit_pct: 10, stop_loss_pct: 5 };

export function configureFrame(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: "configure", wallet_pubkeys: [WALLET], strategy: STRATEGY, ...overrides };
}

const open = new Set<RawClient>();

/** Terminates every raw client still open (call from afterEach). */
export function closeAllRawClients(): void {
  for (const c of open) c.ws.terminate();
  open.clear();
}

export class RawClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private listeners = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    open.add(this);
    ws.on("message", (data) => {
      this.frames.push(readJson(data.toString()) as Frame);
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      open.delete(this);
      this.wake();
    });
    ws.on("error", () => undefined);
  }

  /** Opens a socket; resolves once open (rejects with the HTTP status on a refused upgrade). */
  static connect(url: string, apiKey: string | undefined = "test-key"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, apiKey === undefined ? {} : { headers: { "x-api-key": apiKey } });
      const client = new RawClient(ws);
      ws.once("open", () => resolve(client));
      ws.once("unexpected-response", (_req, res) => {
        open.delete(client);
        ws.terminate();
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      });
      ws.once("error", reject);
    });
  }

  /** Connects and configures; resolves after `hello_ok`. */
  static async configured(url: string, configure: Record<string, unknown> = configureFrame()): Promise<RawClient> {
    const c = await RawClient.connect(url);
    c.send(configure);
    await c.next("hello_ok");
    return c;
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  of(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** The first frame of `type` (already received or coming) matching `predicate`. */
  next(type: string, predicate: (f: Frame) => boolean = () => true, timeoutMs = 3_000): Promise<Frame> {
    return this.until(() => this.frames.find((f) => f.type === type && predicate(f)), timeoutMs, type);
  }

  /** Resolves once the socket has closed. */
  waitClosed(timeoutMs = 3_000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed, timeoutMs, "close");
  }

  until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const v = probe();
        if (v === undefined) return;
        cleanup();
        resolve(v);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; got ${this.frames.map((f) => f.type).join(",")}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  close(): void {
    this.ws.close(1000);
  }

  private wake(): void {
    for (const l of [...this.listeners]) l();
  }
}

/**
 * A scripted WebSocket server for connection tests: a real `ws` `WebSocketServer` on 127.0.0.1,
 * port 0. It records every client frame per connection, answers or refuses the handshake as
 * scripted, and lets a test drop, stall or push frames on any connection.
 *
 * Not a protocol-faithful server (that is `MockStreamServer` in `src/testing/`): it does exactly
 * what the test tells it and nothing else, so fault scenarios are deterministic.
 *
 * @example
 * ```ts
 * const server = await ScriptedServer.start({ handshake: "after_configure" });
 * afterEach(() => server.close());
 * const connection = await new StreamClient("key", { endpoint: server.url }).connect(configure);
 * const conn = server.connection(0);
 * conn.push({ type: "pnl_update", ... });
 * conn.drop(1011);
 * await server.waitForConnections(2);
 * ```
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

/**
 * How the server answers one connection's handshake.
 * - `"after_configure"`: `hello_ok` once the first `configure` arrives (the official SDKs' order);
 * - `"on_connect"`: `hello_ok` as soon as the socket opens (the docs' order);
 * - `"never"`: accept the socket, never answer;
 * - `{ status }`: refuse the HTTP upgrade with that status (401, 403, 500...);
 * - `{ error: { code, message }, closeCode? }`: answer `configure` with an `error` frame, then
 *   close with `closeCode` (default 1008) unless it is `null`.
 */
export type HandshakeScript =
  | "after_configure"
  | "on_connect"
  | "never"
  | { status: number }
  | { error: { code: string; message: string }; closeCode?: number | null };

export interface ScriptedServerOptions {
  /** Per server, or per connection (0-based index of the connection). @defaultValue "after_configure" */
  handshake?: HandshakeScript | ((index: number) => HandshakeScript);
  /** Extra or replaced `hello_ok` fields. `session_id` defaults to index + 1. */
  hello?: (index: number) => Record<string, unknown>;
  /** Called right after `hello_ok` was sent (e.g. to drop the connection at once). */
  onReady?: (connection: ScriptedConnection) => void;
  /** Called for every text frame a client sends, after it is recorded. */
  onFrame?: (connection: ScriptedConnection, frame: string) => void;
  /** Answer JSON `ping` with `pong`. @defaultValue true */
  answerPings?: boolean;
}

/** The default `hello_ok` limits (the Professional tier's). */
export const DEFAULT_LIMITS = {
  hi_capacity: 256,
  pnl_flush_ms: 100,
  max_positions_per_session: 500,
  max_wallets_per_session: 5,
  max_positions_per_wallet: 100,
  max_sessions_per_api_key: 1,
};

/** Resolves when `predicate` holds, polling every 5 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 2000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One client connection as the server sees it. */
export class ScriptedConnection {
  /** 0-based order of arrival. */
  readonly index: number;
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly request: IncomingMessage;
  /** Every text frame the client sent, in order. */
  readonly frames: string[] = [];
  /** Resolves with the code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** When the connection was accepted (`Date.now()`). */
  readonly openedAt = Date.now();
  #closedFlag = false;
  #helloSent = false;
  #stalled = false;
  #closeCode: number | undefined;

  constructor(index: number, ws: WebSocket, socket: Socket, request: IncomingMessage) {
    this.index = index;
    this.ws = ws;
    this.socket = socket;
    this.request = request;
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => {
        this.#closedFlag = true;
        this.#closeCode = code;
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  /** Every text frame, parsed (frames that are not JSON are skipped). */
  get messages(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const frame of this.frames) {
      try {
        out.push(JSON.parse(frame) as Record<string, unknown>);
      } catch {
        // not JSON: only in `frames`
      }
    }
    return out;
  }

  /** The parsed client frames of one type. */
  messagesOfType(type: string): Record<string, unknown>[] {
    return this.messages.filter((m) => m["type"] === type);
  }

  /** The `x-api-key` header the client sent. */
  get apiKey(): string | undefined {
    const key = this.request.headers["x-api-key"];
    return Array.isArray(key) ? key[0] : key;
  }

  get isClosed(): boolean {
    return this.#closedFlag;
  }

  /** The close code received from the client, once closed. */
  get closeCode(): number | undefined {
    return this.#closeCode;
  }

  get helloSent(): boolean {
    return this.#helloSent;
  }

  /** Sends one text frame: an object (JSON-encoded) or a raw string. */
  push(frame: object | string): void {
    if (this.#closedFlag || this.#stalled) return;
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** Sends a binary frame. */
  pushBinary(bytes: Uint8Array): void {
    if (!this.#closedFlag) this.ws.send(bytes, { binary: true });
  }

  /** Sends `hello_ok` (with `fields` merged over the defaults). */
  sendHello(fields: Record<string, unknown> = {}): void {
    this.#helloSent = true;
    this.push({
      type: "hello_ok",
      session_id: this.index + 1,
      server_time_ms: Date.now(),
      limits: DEFAULT_LIMITS,
      ...fields,
    });
  }

  /** Closes with a WebSocket close frame (`code` default 1000); 1006 cuts the TCP socket instead. */
  drop(code = 1000, reason = ""): void {
    if (code === 1006) this.terminate();
    else if (!this.#closedFlag) this.ws.close(code, reason);
  }

  /** Destroys the TCP socket without a close frame. */
  terminate(): void {
    this.ws.terminate();
  }

  /**
   * Half-closes the TCP socket (FIN, no close frame): the client's socket goes to closing and its
   * writes start to fail, while this side still reads what was already sent.
   */
  endTcp(): void {
    this.socket.end();
  }

  /**
   * Stops reading from the socket and stops sending: pushes are discarded and WebSocket pings are
   * not answered (the socket is paused). A dead link, as the client sees it.
   */
  stall(): void {
    this.#stalled = true;
    this.socket.pause();
  }

  /** Undoes {@link stall}. */
  resume(): void {
    this.#stalled = false;
    this.socket.resume();
  }

  /** Waits until the client sent `count` frames matching `predicate`; returns them. */
  async waitForFrames(
    predicate: (message: Record<string, unknown>) => boolean,
    count = 1,
    timeoutMs = 2000,
  ): Promise<Record<string, unknown>[]> {
    let found: Record<string, unknown>[] = [];
    await waitFor(
      () => {
        found = this.messages.filter(predicate);
        return found.length >= count;
      },
      timeoutMs,
      `${count} matching client frame(s) on connection ${this.index}`,
    );
    return found;
  }

  /** Waits for the first client frame of `type`. */
  async waitForType(type: string, timeoutMs = 2000): Promise<Record<string, unknown>> {
    const [first] = await this.waitForFrames((m) => m["type"] === type, 1, timeoutMs);
    return first as Record<string, unknown>;
  }
}

/** The scripted server. Always `close()` it (e.g. in `afterEach`). */
export class ScriptedServer {
  readonly http: Server;
  readonly wss: WebSocketServer;
  /** Every accepted WebSocket connection, in order. */
  readonly connections: ScriptedConnection[] = [];
  /** Upgrade requests refused with an HTTP status. */
  refused = 0;
  /** Upgrade attempts (accepted or refused). */
  attempts = 0;
  options: ScriptedServerOptions;
  readonly #sockets = new Set<Socket>();

  private constructor(http: Server, options: ScriptedServerOptions) {
    this.http = http;
    this.options = options;
    this.wss = new WebSocketServer({ noServer: true });
    http.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    http.on("upgrade", (request, socket, head) => this.#upgrade(request, socket as Socket, head));
  }

  /** Starts a server on 127.0.0.1, port 0. */
  static async start(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
    const http = createServer((_req, res) => {
      res.statusCode = 426;
      res.end();
    });
    const server = new ScriptedServer(http, options);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** `ws://127.0.0.1:<port>/v1/ws`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/v1/ws`;
  }

  /** Accepted connections so far. */
  get connectionCount(): number {
    return this.connections.length;
  }

  /** Connection `index` (throws if it does not exist yet). */
  connection(index: number): ScriptedConnection {
    const connection = this.connections[index];
    if (connection === undefined) throw new Error(`no connection ${index} (have ${this.connections.length})`);
    return connection;
  }

  /** The most recent connection. */
  get last(): ScriptedConnection {
    return this.connection(this.connections.length - 1);
  }

  /** Waits until `count` connections were accepted; returns the last of them. */
  async waitForConnections(count: number, timeoutMs = 2000): Promise<ScriptedConnection> {
    await waitFor(() => this.connections.length >= count, timeoutMs, `${count} connection(s)`);
    return this.connection(count - 1);
  }

  /** Waits until connection `index` has sent `hello_ok`-worthy configure and got its `hello_ok`. */
  async waitForReady(index: number, timeoutMs = 2000): Promise<ScriptedConnection> {
    await waitFor(() => this.connections[index]?.helloSent === true, timeoutMs, `connection ${index} ready`);
    return this.connection(index);
  }

  /**
   * Resolves once a plain HTTP request made now was answered by this server. A connection attempt
   * started earlier (by a timer that already ran, say) has reached it by then: the server and the
   * client share this process's event loop, and the answer is only read on a loop turn after the
   * server handled whatever had arrived before it. The positive event before asserting that no
   * further attempt came (`attempts`).
   */
  async probe(): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${this.port}/probe`, { headers: { connection: "close" } });
    await res.arrayBuffer();
  }

  /** Terminates every connection and stops listening. */
  async close(): Promise<void> {
    for (const connection of this.connections) connection.ws.terminate();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  #script(index: number): HandshakeScript {
    const h = this.options.handshake ?? "after_configure";
    return typeof h === "function" ? h(index) : h;
  }

  #upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    this.attempts++;
    const index = this.connections.length;
    const script = this.#script(index);
    if (typeof script === "object" && "status" in script) {
      this.refused++;
      socket.end(`HTTP/1.1 ${script.status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new ScriptedConnection(this.connections.length, ws, socket, request);
      this.connections.push(connection);
      const ready = (): void => {
        connection.sendHello(this.options.hello?.(connection.index) ?? {});
        this.options.onReady?.(connection);
      };
      ws.on("message", (data, isBinary) => {
        if (isBinary) return;
        const frame = data.toString();
        connection.frames.push(frame);
        let type: unknown;
        try {
          type = (JSON.parse(frame) as { type?: unknown }).type;
        } catch {
          type = undefined;
        }
        if (type === "configure" && !connection.helloSent && script === "after_configure") ready();
        else if (type === "configure" && typeof script === "object" && "error" in script && !connection.helloSent) {
          connection.push({ type: "error", ...script.error });
          if (script.closeCode !== null) connection.drop(script.closeCode ?? 1008, script.error.code);
        } else if (type === "ping" && (this.options.answerPings ?? true)) {
          connection.push({ type: "pong", server_time_ms: Date.now() });
        }
        this.options.onFrame?.(connection, frame);
      });
      if (script === "on_connect") ready();
    });
  }
}

/**
 * Transport and auth of {@link MockStreamServer}: the HTTP server on one port, the routes
 * (`POST /rpc`, `/v1/wallets/register`, the Exit API, `/health`), the WebSocket upgrade on
 * `/v1/ws` with its `x-api-key` check (401/404 answered on the raw socket), and the set of open
 * client connections. What a connection says is the protocol session's business.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { ServerOutlet } from "../options.js";
import { serveRegistration, type RegistrationBackend } from "../registry.js";
import { serveRpc, type RpcBackend } from "../rpc.js";
import { MockConnection } from "../session.js";

/** What the transport needs from the rest of the server. */
export interface TransportHost {
  readonly events: ServerOutlet;
  readonly rpc: RpcBackend;
  readonly registration: RegistrationBackend;
  /** The Exit API: true when it served the request. */
  readonly exitApi: { serve(req: IncomingMessage, res: ServerResponse, path: string): boolean };
  /** A socket passed the key check and the upgrade (its close is already watched): start its protocol session. */
  accepted(conn: MockConnection, apiKey: string): void;
}

/** @internal The server's transport; owned by {@link MockStreamServer}. */
export class Transport {
  /** Starts an HTTP server listening on `host:port`; resolves with it and the port it got. */
  static async listen(port: number, host: string): Promise<{ http: Server; port: number }> {
    const http = createServer();
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, host, () => {
        http.off("error", reject);
        resolve();
      });
    });
    const address = http.address();
    return { http, port: typeof address === "object" && address !== null ? address.port : 0 };
  }

  readonly #http: Server;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20, autoPong: false });
  readonly #apiKeys: readonly string[] | undefined;
  /** `session_id` of connection 1, minus 1. */
  readonly #sessionBase: number;
  readonly #conns = new Set<MockConnection>();
  #counter = 0;
  #closing = false;

  constructor(http: Server, apiKeys: readonly string[] | undefined, sessionBase: number) {
    this.#http = http;
    this.#apiKeys = apiKeys;
    this.#sessionBase = sessionBase;
  }

  /** Starts serving requests and upgrades. */
  attach(host: TransportHost): void {
    this.#http.on("request", (req, res) => this.#onRequest(host, req, res));
    this.#http.on("upgrade", (req, socket, head) => this.#onUpgrade(host, req, socket, head));
  }

  /** Open client connections, in accept order. */
  get connections(): ReadonlySet<MockConnection> {
    return this.#conns;
  }

  /** True for a non-empty key, among `apiKeys` when given. */
  acceptsKey(key: string): boolean {
    return key.length > 0 && (this.#apiKeys === undefined || this.#apiKeys.includes(key));
  }

  /** Refuses new upgrades, terminates every client, and resolves once the servers closed. */
  close(): Promise<void> {
    this.#closing = true;
    for (const conn of this.#conns) conn.terminate();
    const wssClosed = new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    return (async () => {
      await wssClosed;
      await new Promise<void>((resolve) => {
        this.#http.close(() => resolve());
        this.#http.closeAllConnections();
      });
    })();
  }

  #onRequest(host: TransportHost, req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://mock").pathname;
    if (path === "/rpc" && req.method === "POST") {
      serveRpc(req, res, host.rpc);
      return;
    }
    if (path === "/v1/wallets/register") {
      serveRegistration(req, res, host.registration);
      return;
    }
    if (host.exitApi.serve(req, res, path)) return;
    if (path === "/health") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (path === "/v1/ws") {
      res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" }).end("upgrade required");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }

  #onUpgrade(host: TransportHost, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", (err) => host.events.trace("debug", `socket error: ${err.message}`));
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const path = new URL(req.url ?? "/", "http://mock").pathname;
    if (path !== "/v1/ws") {
      this.#reject(host, socket, 404, "Not Found", "unknown path");
      return;
    }
    const key = req.headers["x-api-key"];
    if (typeof key !== "string" || !this.acceptsKey(key)) {
      this.#reject(host, socket, 401, "Unauthorized", typeof key === "string" && key.length > 0 ? "unknown api key" : "missing api key");
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(host, ws, socket, key));
  }

  #reject(host: TransportHost, socket: Duplex, status: number, text: string, reason: string): void {
    const body = `${reason}\n`;
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    socket.once("finish", () => socket.destroy());
    host.events.emit("rejected", { status, reason });
  }

  #onConnection(host: TransportHost, ws: WebSocket, socket: Duplex, apiKey: string): void {
    this.#counter += 1;
    const conn = new MockConnection(this.#counter, this.#sessionBase + this.#counter, ws, socket);
    this.#conns.add(conn);
    ws.on("error", (err) => host.events.trace("debug", `connection ${conn.id}: ${err.message}`));
    ws.on("close", (code, reason) => {
      conn.closedWith = { code, reason: reason.toString() };
      this.#conns.delete(conn);
      host.events.emit("disconnect", conn, code, conn.closedWith.reason);
    });
    host.accepted(conn, apiKey);
  }
}

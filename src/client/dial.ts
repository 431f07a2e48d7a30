/**
 * Dialing one socket: opening the WebSocket with the key in its header, attaching (and later
 * detaching) the connection's handlers, and judging the first frame of the handshake. No state
 * of its own: `StreamConnection` owns the lifecycle, this file only knows how a socket is opened
 * and what its handshake answer means.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import type WebSocket from "ws";
import { webSocketConstructor } from "./ws-loader.js";
import { StreamAuthError, StreamError, StreamHandshakeError } from "../errors.js";
import type { HelloOk, IntMode, ParseResult, ServerMessage } from "../protocol/index.js";
import { classifyRefusal } from "./policy.js";

/** The connection's handlers of one socket's events. */
export interface SocketHandlers {
  open: () => void;
  message: (data: WebSocket.RawData, isBinary: boolean) => void;
  close: (code: number, reason: Buffer) => void;
  error: (error: Error) => void;
  unexpectedResponse: (request: ClientRequest, response: IncomingMessage) => void;
  /** A ping or pong frame: proof of life for the heartbeat. */
  control: () => void;
}

const noop = (): void => {};

/** Each socket event and the handler that takes it. */
const WIRING = [
  ["open", "open"],
  ["message", "message"],
  ["close", "close"],
  ["error", "error"],
  ["unexpected-response", "unexpectedResponse"],
  ["ping", "control"],
  ["pong", "control"],
] as const;

/** Attaches (`on`) or detaches (`off`) every handler. */
function wire(ws: WebSocket, handlers: SocketHandlers, how: "on" | "off"): void {
  const socket = ws as unknown as Record<"on" | "off", (event: string, listener: (...args: never[]) => void) => void>;
  for (const [event, key] of WIRING) socket[how].call(ws, event, handlers[key]);
}

/**
 * Opens a socket to `url` with the API key in the `x-api-key` header (never in the URL) and
 * attaches `handlers`. Throws a `StreamError` (`connection`) when the socket cannot even be
 * created; `describe` turns the cause into text without the key.
 */
export function openSocket(
  url: string,
  apiKey: string,
  maxPayload: number,
  handlers: SocketHandlers,
  describe: (error: unknown) => string,
): WebSocket {
  let ws: WebSocket;
  try {
    const WebSocketCtor = webSocketConstructor();
    ws = new WebSocketCtor(url, { headers: { "x-api-key": apiKey }, maxPayload, perMessageDeflate: false });
  } catch (error) {
    throw new StreamError("connection", `cannot open ${url}: ${describe(error)}`);
  }
  wire(ws, handlers, "on");
  return ws;
}

/** Detaches every handler, then cuts the socket: nothing of it can reach the connection afterwards. */
export function discardSocket(ws: WebSocket, handlers: SocketHandlers): void {
  wire(ws, handlers, "off");
  ws.on("error", noop);
  if (ws.readyState !== ws.CLOSED) ws.terminate();
}

/** The error of an upgrade the server refused with HTTP `status` (401/403: the key; never retried). */
export function upgradeRefusal(status: number): StreamError {
  return status === 401 || status === 403
    ? new StreamAuthError(`the server refused the API key (HTTP ${status}); not retried`, { status })
    : new StreamError("connection", `the server refused the WebSocket upgrade with HTTP ${status}`);
}

/**
 * What the first frame of a handshake means: the `hello_ok` that opens the stream, or the error
 * that fails the attempt (a refusal keeps the server's code and says whether retrying can help).
 */
export function handshakeAnswer<M extends IntMode>(result: ParseResult<ServerMessage<M>>): HelloOk<M> | StreamError {
  if (result.kind === "message") {
    const message = result.message;
    if (message.type === "hello_ok") return message as HelloOk<M>;
    if (message.type === "error") {
      const code = message.code;
      const retryable = classifyRefusal(code) === "retry";
      return new StreamHandshakeError(
        `the server refused configure: [${code}] ${message.message}${retryable ? "" : " (retrying cannot fix this; not retried)"}`,
        { serverCode: code, serverMessage: message.message, retryable },
      );
    }
    return new StreamHandshakeError(`expected hello_ok as the first message, got ${message.type}`);
  }
  if (result.kind === "unknown") return new StreamHandshakeError(`expected hello_ok as the first message, got ${result.type}`);
  return new StreamHandshakeError(`invalid first message: ${result.error.message}`, {}, { cause: result.error });
}

/** The error of an aborted `connect()`. */
export function abortError(signal: AbortSignal | undefined): StreamError {
  return new StreamError("aborted", "connect() was aborted", { cause: signal?.reason });
}

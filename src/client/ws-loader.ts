/**
 * `ws` is loaded on the first connect, not at import: importing the package stays cheap for code
 * that only parses frames or builds messages (about 80 ms of a cold import otherwise).
 */
import type WebSocket from "ws";

let ctor: typeof WebSocket | undefined;

/** Loads `ws` once; later calls resolve at once. */
export async function loadWebSocket(): Promise<typeof WebSocket> {
  ctor ??= (await import("ws")).default;
  return ctor;
}

/** The `ws` constructor; {@link loadWebSocket} must have resolved before. */
export function webSocketConstructor(): typeof WebSocket {
  if (ctor === undefined) throw new Error("internal: ws used before loadWebSocket()");
  return ctor;
}

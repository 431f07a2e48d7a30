/**
 * Closing a socket politely: wait (bounded) for the outbound queue to drain, send the close frame,
 * wait (bounded) for the server's answer, cut the socket if it does not come. The connection's
 * socket callbacks wake the waits (`Waker.wake`); every timer here is unref'd and cleared.
 */
import type WebSocket from "ws";

/** How long `close()` waits for the server's close frame before cutting the socket. */
export const CLOSE_GRACE_MS = 1000;

const noop = (): void => {};

/** One bounded wait at a time, ended early by `wake()`. */
export class Waker {
  #wake: (() => void) | undefined;

  /** Runs `start`, then waits for `wake()` or `ms`; on timeout runs `onTimeout`. */
  wait(ms: number, start: () => void, onTimeout: () => void = noop): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        onTimeout();
        resolve();
      }, ms);
      timer.unref();
      this.#wake = () => {
        this.#wake = undefined;
        clearTimeout(timer);
        resolve();
      };
      start();
    });
  }

  /** Ends the current wait, if any. */
  wake(): void {
    this.#wake?.();
  }
}

/** What {@link closeOpenSocket} needs to see of the connection. */
export interface ClosingSocket {
  waker: Waker;
  /** Nothing queued or unconfirmed. */
  idle(): boolean;
  /** The connection's current socket (it changes when the link drops meanwhile). */
  current(): WebSocket | undefined;
  /** Stops the heartbeat before the close handshake (its silence is expected now). */
  quiet(): void;
}

/**
 * Flushes for at most `flushTimeoutMs`, then closes `ws` with 1000 and waits at most
 * {@link CLOSE_GRACE_MS} for the close to complete, terminating the socket otherwise. Returns
 * whether `ws` is still the connection's socket afterwards (its close callback did not run).
 */
export async function closeOpenSocket(ws: WebSocket, flushTimeoutMs: number, c: ClosingSocket): Promise<boolean> {
  if (!c.idle() && flushTimeoutMs > 0) await c.waker.wait(flushTimeoutMs, noop);
  if (c.current() !== ws) return false;
  c.quiet();
  await c.waker.wait(CLOSE_GRACE_MS, () => ws.close(1000, "client closed"), () => ws.terminate());
  return c.current() === ws;
}

/** Waiting and time limits that an AbortSignal cuts short; nothing left behind. */

/**
 * Resolves after `ms`, or as soon as `signal` aborts (never rejects). The timer is cleared either
 * way.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A signal that aborts after a time limit or with its parent, and which of the two came first. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** `"timeout"` or `"aborted"` once the signal aborted, else `undefined`. */
  reason(): "timeout" | "aborted" | undefined;
  /** Clears the timer and the parent listener; call it when the work is done. */
  dispose(): void;
}

/** Aborts after `timeoutMs`, or when `parent` aborts (at once if it already did). */
export function deadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let why: "timeout" | "aborted" | undefined;
  const stop = (reason: "timeout" | "aborted"): void => {
    if (why !== undefined) return;
    why = reason;
    controller.abort();
  };
  const onParent = (): void => stop("aborted");
  const timer = setTimeout(() => stop("timeout"), timeoutMs);
  parent?.addEventListener("abort", onParent, { once: true });
  if (parent?.aborted === true) stop("aborted");
  return {
    signal: controller.signal,
    reason: () => why,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParent);
    },
  };
}

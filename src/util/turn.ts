/**
 * Runs `fn` after the current macrotask and its microtasks: the real `setImmediate`, captured at
 * load so that a test's fake timers cannot hold it back forever. Used where the library must let
 * the caller's code after `await connect()` run first (attaching listeners, a recorder).
 */
export const nextTurn: (fn: () => void) => void =
  typeof globalThis.setImmediate === "function" ? globalThis.setImmediate.bind(globalThis) : (fn) => void setTimeout(fn, 0);

/**
 * The protocol layer: zod schemas for every message, a lossless codec and strategy validation.
 * No I/O; never imports `ws`.
 */
export * from "./schemas.js";
export * from "./codec.js";
export { validateStrategy } from "./strategy.js";
export { U64_MAX, type Int, type IntMode } from "./ints.js";
export { readJson, writeJson } from "./json.js";

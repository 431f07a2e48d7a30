/**
 * lasersell-stream: a TypeScript client for the LaserSell Exit Intelligence Stream.
 */
export * from "./protocol/index.js";
export * from "./errors.js";
export * from "./client/index.js";
export * from "./rest/register.js";
export * from "./session/index.js";

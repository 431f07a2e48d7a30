/**
 * lasersell-stream: a TypeScript client for the LaserSell Exit Intelligence Stream.
 */
export * from "./protocol/index.js";
export * from "./errors.js";
export * from "./rest/register.js";

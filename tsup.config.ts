import { defineConfig } from "tsup";

export default defineConfig([
  {
    // The library: ESM + CJS + types for each public entry point.
    entry: {
      index: "src/index.ts",
      protocol: "src/protocol/index.ts",
      tx: "src/tx/index.ts",
      testing: "src/testing/index.ts",
      record: "src/record/index.ts",
    },
    format: ["esm", "cjs"],
    // `@internal` members (the mock's socket plumbing) stay out of the public types, so no `ws`
    // type reaches a consumer's compiler.
    dts: { compilerOptions: { stripInternal: true } },
    sourcemap: true,
    target: "node20",
    // Shared chunks: one copy of the error classes across entries, so `instanceof` works between
    // "lasersell-stream" and "lasersell-stream/tx" (and keeps web3.js out of the main entry).
    splitting: true,
    treeshake: true,
  },
  {
    // The `lasersell-stream` command (bin/lasersell-stream.js imports it): ESM only, no types.
    entry: { cli: "src/cli/index.ts" },
    format: ["esm"],
    dts: false,
    sourcemap: false,
    target: "node20",
    splitting: false,
    treeshake: true,
  },
]);

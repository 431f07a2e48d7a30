import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    tx: "src/tx/index.ts",
    testing: "src/testing/index.ts",
    record: "src/record/index.ts",
    cli: "src/cli/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node18",
  // Shared chunks: one copy of the error classes across entries, so `instanceof` works between
  // "lasersell-stream" and "lasersell-stream/tx" (and keeps web3.js out of the main entry).
  splitting: true,
  treeshake: true,
});

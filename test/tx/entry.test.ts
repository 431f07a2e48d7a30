import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Every module the file loads at runtime, following relative imports. `import type` / `export type`
 * statements are erased (verbatimModuleSyntax); anything else is loaded.
 */
function runtimeGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    const statements = source.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)|^\s*import\s+"([^"]+)"/gms);
    for (const m of statements) {
      if (m[2] !== undefined) continue;
      const spec = m[3] ?? m[4] ?? m[5];
      if (spec === undefined) continue;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(resolve(root, entry));
  return { files, packages };
}

describe("entry points", () => {
  it("the main entry never loads @solana/web3.js or src/tx", () => {
    const { files, packages } = runtimeGraph("src/index.ts");
    expect([...packages].filter((p) => p.startsWith("@solana/"))).toEqual([]);
    expect([...files].filter((f) => f.includes("/src/tx/"))).toEqual([]);
  });

  it("lasersell-stream/tx is a separate entry that does load web3.js (the graph walk sees it)", () => {
    const { packages } = runtimeGraph("src/tx/index.ts");
    expect(packages.has("@solana/web3.js")).toBe(true);
  });

  it("package.json exports ./tx with the same shape as .", () => {
    const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    expect(pkg.exports["./tx"]).toEqual({
      import: { types: "./dist/tx.d.ts", default: "./dist/tx.js" },
      require: { types: "./dist/tx.d.cts", default: "./dist/tx.cjs" },
    });
  });
});

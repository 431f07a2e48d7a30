import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));

describe("docs/signing.md: Signing exits", () => {
  it("the example is the type-checked test/tx/readme-example.ts (import paths aside)", () => {
    const page = readFileSync(resolve(here, "../../docs/signing.md"), "utf8");
    const section = page.slice(page.indexOf("# Signing exits"));
    const start = section.indexOf("```ts\n") + 6;
    const block = section.slice(start, section.indexOf("```\n", start));
    const example = readFileSync(resolve(here, "readme-example.ts"), "utf8").split("\n").slice(1).join("\n");
    const asPublished = example.replace('"../../src/tx/index.js"', '"lasersell-stream/tx"').replace('"../../src/index.js"', '"lasersell-stream"');
    expect(block.length).toBeGreaterThan(100);
    expect(asPublished).toBe(block);
  });
});

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));

describe("docs/testing.md: Testing your bot", () => {
  it("the example is the passing test test/testing/readme-example.test.ts (import paths aside)", () => {
    const page = readFileSync(resolve(here, "../../docs/testing.md"), "utf8");
    const section = page.slice(page.indexOf("# Testing your bot"));
    const start = section.indexOf("```ts\n") + 6;
    const block = section.slice(start, section.indexOf("```\n", start));
    const example = readFileSync(resolve(here, "readme-example.test.ts"), "utf8");
    const asPublished = example
      .replace('"../../src/testing/index.js"', '"lasersell-stream/testing"')
      .replace('"./readme-bot.js"', '"./bot.js"');
    expect(block.length).toBeGreaterThan(100);
    expect(asPublished).toBe(block);
  });
});

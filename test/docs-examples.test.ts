/**
 * The first example of a docs page is a file the suite runs or type-checks, word for word (import
 * paths aside): what the page shows is what is tested.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const CASES = [
  {
    page: "docs/testing.md",
    heading: "# Testing your bot",
    file: "test/testing/readme-example.test.ts",
    skipLines: 0,
    imports: [
      ['"../../src/testing/index.js"', '"lasersell-stream/testing"'],
      ['"./readme-bot.js"', '"./bot.js"'],
    ],
  },
  {
    page: "docs/signing.md",
    heading: "# Signing exits",
    file: "test/tx/readme-example.ts",
    skipLines: 1,
    imports: [
      ['"../../src/tx/index.js"', '"lasersell-stream/tx"'],
      ['"../../src/index.js"', '"lasersell-stream"'],
    ],
  },
] as const;

describe.each(CASES)("$page", ({ page, heading, file, skipLines, imports }) => {
  it(`its first example is ${file}`, () => {
    const markdown = readFileSync(resolve(root, page), "utf8");
    const section = markdown.slice(markdown.indexOf(heading));
    const start = section.indexOf("```ts\n") + 6;
    const block = section.slice(start, section.indexOf("```\n", start));
    let example = readFileSync(resolve(root, file), "utf8").split("\n").slice(skipLines).join("\n");
    for (const [from, to] of imports) example = example.replace(from, to);
    expect(block.length).toBeGreaterThan(100);
    expect(example).toBe(block);
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseClientMessage, parseServerMessage, stringifyClientMessage } from "../../src/protocol/index.js";

const lines = (name: string): string[] =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");

describe("shared fixtures", () => {
  it.each(lines("server-messages.jsonl"))("server frame parses as a message: %s", (line) => {
    const r = parseServerMessage(line);
    expect(r.kind).toBe("message");
    const b = parseServerMessage(line, { ints: "bigint" });
    expect(b.kind).toBe("message");
  });

  it.each(lines("client-messages.jsonl"))("client frame parses and round-trips: %s", (line) => {
    const r = parseClientMessage(line);
    if (r.kind !== "message") throw new Error(`expected message, got ${r.kind}`);
    const again = parseClientMessage(stringifyClientMessage(r.message));
    expect(again).toEqual(r);
  });
});

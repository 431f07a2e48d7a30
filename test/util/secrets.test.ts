import { describe, expect, it } from "vitest";
import { REDACTED, createRedactor } from "../../src/util/secrets.js";

const KEY = "sk-abcdef-123456";

describe("createRedactor", () => {
  const r = createRedactor([KEY, undefined, "abc"]); // "abc" is below the 4-character minimum

  it("redacts text, and leaves short secrets alone", () => {
    expect(r.text(`key ${KEY}!${KEY}`)).toBe(`key ${REDACTED}!${REDACTED}`);
    expect(r.text("abc")).toBe("abc");
    expect(r.leaks(`x${KEY}`)).toBe(true);
    expect(r.leaks("clean")).toBe(false);
  });

  it("value(): a clean value is returned as it is; a dirty one is copied where it held the key", () => {
    const clean = { a: [1, 2n, { b: "c" }], d: null };
    expect(r.value(clean)).toBe(clean);
    const shared = { untouched: true };
    const dirty = { shared, list: ["ok", `x ${KEY}`], [KEY]: 1 };
    const out = r.value(dirty);
    expect(out).not.toBe(dirty);
    expect(out.shared).toBe(shared);
    expect(out).toEqual({ shared, list: ["ok", `x ${REDACTED}`], [REDACTED]: 1 });
    expect(dirty.list[1]).toBe(`x ${KEY}`); // the input is not modified
  });

  it("error(): message, own properties and the cause chain", () => {
    const inner = Object.assign(new Error(`inner ${KEY}`), { raw: `{"k":"${KEY}"}` });
    const outer = new Error(`outer ${KEY}`, { cause: inner });
    const copy = r.error(outer);
    expect(copy.message).toBe(`outer ${REDACTED}`);
    expect((copy.cause as Error).message).toBe(`inner ${REDACTED}`);
    expect((copy.cause as { raw: string }).raw).toBe(`{"k":"${REDACTED}"}`);
  });
});

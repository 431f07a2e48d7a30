import { describe, expect, it } from "vitest";
import {
  classifyClose,
  classifyDisconnect,
  classifyRefusal,
  FATAL_REFUSALS,
  TRANSIENT_REFUSALS,
  type DisconnectCause,
} from "../../src/client/policy.js";

// The table of docs/connection.md, row by row.
const TABLE: [DisconnectCause, "retry" | "fatal"][] = [
  [{ kind: "http", status: 401 }, "fatal"],
  [{ kind: "http", status: 403 }, "fatal"],
  [{ kind: "http", status: 404 }, "retry"],
  [{ kind: "http", status: 429 }, "retry"],
  [{ kind: "http", status: 500 }, "retry"],
  [{ kind: "http", status: 503 }, "retry"],
  [{ kind: "close", code: 1000 }, "retry"],
  [{ kind: "close", code: 1001 }, "retry"],
  [{ kind: "close", code: 1002 }, "fatal"],
  [{ kind: "close", code: 1003 }, "fatal"],
  [{ kind: "close", code: 1005 }, "retry"],
  [{ kind: "close", code: 1006 }, "retry"],
  [{ kind: "close", code: 1007 }, "fatal"],
  [{ kind: "close", code: 1008 }, "retry"],
  [{ kind: "close", code: 1009 }, "fatal"],
  [{ kind: "close", code: 1010 }, "fatal"],
  [{ kind: "close", code: 1011 }, "retry"],
  [{ kind: "close", code: 1012 }, "retry"],
  [{ kind: "close", code: 1013 }, "retry"],
  [{ kind: "close", code: 1014 }, "retry"],
  [{ kind: "close", code: 1015 }, "fatal"],
  [{ kind: "close", code: 4000 }, "retry"],
  [{ kind: "close", code: 4999 }, "retry"],
  [{ kind: "close", code: 0 }, "retry"],
  [{ kind: "refusal", serverCode: "unauthorized" }, "fatal"],
  [{ kind: "refusal", serverCode: "invalid_api_key" }, "fatal"],
  [{ kind: "refusal", serverCode: "forbidden" }, "fatal"],
  [{ kind: "refusal", serverCode: "wallet_not_registered" }, "fatal"],
  [{ kind: "refusal", serverCode: "invalid_strategy" }, "fatal"],
  [{ kind: "refusal", serverCode: "invalid_message" }, "fatal"],
  [{ kind: "refusal", serverCode: "too_many_wallets" }, "fatal"],
  [{ kind: "refusal", serverCode: "too_many_watch_wallets" }, "fatal"],
  [{ kind: "refusal", serverCode: "tier_required" }, "fatal"],
  [{ kind: "refusal", serverCode: "not_configured" }, "fatal"],
  [{ kind: "refusal", serverCode: "already_configured" }, "fatal"],
  [{ kind: "refusal", serverCode: "too_many_sessions" }, "retry"],
  [{ kind: "refusal", serverCode: "rate_limited" }, "retry"],
  [{ kind: "refusal", serverCode: "internal" }, "retry"],
  [{ kind: "refusal", serverCode: "unavailable" }, "retry"],
  [{ kind: "refusal", serverCode: "overloaded" }, "retry"],
  [{ kind: "refusal", serverCode: "shutting_down" }, "retry"],
  [{ kind: "refusal", serverCode: "something_new" }, "retry"],
  [{ kind: "refusal", serverCode: "" }, "retry"],
  [{ kind: "oversize", count: 1 }, "retry"],
  [{ kind: "oversize", count: 2 }, "fatal"],
  [{ kind: "oversize", count: 7 }, "fatal"],
  [{ kind: "network" }, "retry"],
];

describe("classifyDisconnect: one table for every way a connection ends", () => {
  it.each(TABLE)("%o -> %s", (cause, verdict) => {
    expect(classifyDisconnect(cause)).toBe(verdict);
  });

  it("classifyClose and classifyRefusal are the table's close and refusal rows", () => {
    for (const [cause, verdict] of TABLE) {
      if (cause.kind === "close") expect(classifyClose(cause.code)).toBe(verdict);
      if (cause.kind === "refusal") expect(classifyRefusal(cause.serverCode)).toBe(verdict);
    }
  });

  it("lists every named refusal code once, as fatal or transient, and the table covers them all", () => {
    for (const code of FATAL_REFUSALS) expect(TRANSIENT_REFUSALS.has(code)).toBe(false);
    const named = new Set(TABLE.flatMap(([c]) => (c.kind === "refusal" ? [c.serverCode] : [])));
    for (const code of [...FATAL_REFUSALS, ...TRANSIENT_REFUSALS]) expect(named.has(code)).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { canTransition, transition, type LifecycleEvent } from "../../src/client/lifecycle.js";
import { judgeFailedAttempt, judgeLinkLost, oversizeError } from "../../src/client/reconnect.js";
import { StreamAuthError, StreamError, StreamHandshakeError } from "../../src/errors.js";
import type { ConnectionStatus } from "../../src/client/types.js";

const STATUSES: ConnectionStatus[] = ["connecting", "open", "reconnecting", "closing", "closed"];
const EVENTS: LifecycleEvent[] = ["hello", "lost", "retry", "close", "end"];
const policy = { initialDelayMs: 10, maxDelayMs: 100, maxAttempts: 3, minUptimeMs: 2_000 };

describe("the connection lifecycle table", () => {
  it("has exactly the documented moves", () => {
    const moves = STATUSES.flatMap((s) => EVENTS.filter((e) => canTransition(s, e)).map((e) => `${s} -${e}-> ${transition(s, e)}`));
    expect(moves).toEqual([
      "connecting -hello-> open",
      "connecting -close-> closing",
      "connecting -end-> closed",
      "open -lost-> reconnecting",
      "open -close-> closing",
      "open -end-> closed",
      "reconnecting -hello-> open",
      "reconnecting -retry-> reconnecting",
      "reconnecting -close-> closing",
      "reconnecting -end-> closed",
      "closing -end-> closed",
    ]);
  });

  it("refuses a move it does not have (a bug, not a silent state change)", () => {
    expect(() => transition("closed", "hello")).toThrow(/no lifecycle move "hello" from "closed"/);
    expect(() => transition("open", "hello")).toThrow();
    expect(() => transition("closing", "close")).toThrow();
  });
});

describe("reconnect verdicts", () => {
  it("re-dials a dropped link and starts the count over after minUptimeMs", () => {
    expect(judgeLinkLost({ code: 1006, reason: "" }, policy, { attempt: 2, uptimeMs: 10 })).toMatchObject({ willReconnect: true, resetAttempts: false });
    expect(judgeLinkLost({ code: 1006, reason: "" }, policy, { attempt: 3, uptimeMs: 5_000 })).toMatchObject({ willReconnect: true, resetAttempts: true });
  });

  it("gives up after maxAttempts, on a fatal close code, and never with reconnect: false", () => {
    expect(judgeLinkLost({ code: 1006, reason: "" }, policy, { attempt: 3, uptimeMs: 10 }).end?.code).toBe("reconnect_exhausted");
    const fatal = judgeLinkLost({ code: 1002, reason: "bad" }, policy, { attempt: 0, uptimeMs: 10 });
    expect(fatal.willReconnect).toBe(false);
    expect(fatal.end?.message).toMatch(/code 1002 \(bad\); not retried/);
    expect(judgeLinkLost({ code: 1006, reason: "" }, false, { attempt: 0, uptimeMs: 10 })).toMatchObject({ willReconnect: false, end: undefined });
  });

  it("forgives the first oversize frame (reported) and ends at the second", () => {
    const first = judgeLinkLost({ code: 1009, reason: "", oversize: { error: oversizeError(1, 65_536), count: 1 } }, policy, { attempt: 0, uptimeMs: 10 });
    expect(first.willReconnect).toBe(true);
    expect(first.report?.code).toBe("payload_too_large");
    const second = judgeLinkLost({ code: 1009, reason: "", oversize: { error: oversizeError(2, 65_536), count: 2 } }, policy, { attempt: 0, uptimeMs: 10 });
    expect(second.willReconnect).toBe(false);
    expect(second.end?.message).toMatch(/frame 2 above maxPayload \(65536 bytes\)/);
  });

  it("judges a failed attempt by the same table as the first connect", () => {
    expect(judgeFailedAttempt(new StreamAuthError("no", { status: 401 }), policy, 1, 0)).toMatchObject({ retry: false, report: undefined });
    const refusal = new StreamHandshakeError("refused", { serverCode: "wallet_not_registered", retryable: false });
    expect(judgeFailedAttempt(refusal, policy, 1, 0).end).toBe(refusal);
    const transient = new StreamHandshakeError("busy", { serverCode: "too_many_sessions" });
    expect(judgeFailedAttempt(transient, policy, 1, 0)).toMatchObject({ retry: true, report: transient });
    const network = new StreamError("connection", "refused");
    const last = judgeFailedAttempt(network, policy, 3, 0);
    expect(last).toMatchObject({ retry: false, report: network });
    expect(last.end?.code).toBe("reconnect_exhausted");
  });
});

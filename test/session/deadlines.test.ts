import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PositionKey } from "../../src/client/inbound.js";
import { DeadlineScheduler, type SessionTimers } from "../../src/session/deadlines.js";
import { StreamSession, type StreamEvent, type StreamSessionOptions } from "../../src/session/index.js";
import { FakeConnection } from "./fake-connection.js";
import { exitSignal, helloOk, positionClosed, positionOpened } from "../helpers/frames.js";

const T0 = 1_773_792_000_000;
const sessions: StreamSession[] = [];

function setup(deadlineSec: number, options: StreamSessionOptions = {}) {
  const conn = new FakeConnection();
  const session = StreamSession.fromConnection(conn, { deadline_timeout_sec: deadlineSec }, options);
  sessions.push(session);
  const deadlines: StreamEvent[] = [];
  session.on("deadline", (e) => {
    deadlines.push(e);
  });
  const requests = () => conn.sentOf("request_exit_signal").map((m) => m.position_id);
  return { conn, session, deadlines, requests };
}

/** Runs the fake clock forward; what the timers do (deadline events, requests) is synchronous. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
  vi.setSystemTime(T0);
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  vi.useRealTimers();
});

describe("deadlines", () => {
  it("fire once at the deadline from first sight: deadline event, then one request_exit_signal by id", async () => {
    const { conn, session, deadlines, requests } = setup(10, { deadlineMaxRetries: 0 });
    conn.push(positionOpened(1));
    await conn.drained();
    expect(session.position(1)?.deadline_at_ms).toBe(T0 + 10_000);
    await advance(9_999);
    expect(requests()).toEqual([]);
    await advance(1);
    expect(requests()).toEqual([1]);
    expect(deadlines).toHaveLength(1);
    expect(deadlines[0]).toMatchObject({ type: "deadline", handle: { position_id: 1 } });
    await advance(60_000);
    expect(requests()).toEqual([1]);
  });

  it("count from the server's opened_at_ms, converted with the clock offset from hello_ok", async () => {
    const { conn, session, requests } = setup(10);
    // The server clock runs 5 s ahead; the position was opened 8 s ago (server time).
    conn.push(helloOk(T0 + 5_000));
    conn.push(positionOpened(1, { opened_at_ms: T0 + 5_000 - 8_000 }));
    await conn.drained();
    expect(session.serverClockOffsetMs).toBe(5_000);
    expect(session.position(1)?.deadline_at_ms).toBe(T0 + 2_000);
    await advance(1_999);
    expect(requests()).toEqual([]);
    await advance(1);
    expect(requests()).toEqual([1]);
  });

  it("pong samples refine the offset (fastest sample wins); an opened_at_ms in the future counts from now", async () => {
    const { conn, session, requests } = setup(10);
    conn.push(helloOk(T0 + 4_900)); // slow delivery
    conn.push({ type: "pong", server_time_ms: T0 + 5_000 });
    conn.push(positionOpened(1, { opened_at_ms: T0 + 60_000 }));
    await conn.drained();
    expect(session.serverClockOffsetMs).toBe(5_000);
    await advance(9_999);
    expect(requests()).toEqual([]);
    await advance(1);
    expect(requests()).toEqual([1]);
  });

  it("an expired opened_at_ms fires at once", async () => {
    const { conn, requests } = setup(10);
    conn.push(helloOk(T0));
    conn.push(positionOpened(1, { opened_at_ms: T0 - 600_000 }));
    await conn.drained();
    await advance(0);
    expect(requests()).toEqual([1]);
  });

  it("a drop and a re-emitted position_opened never restart the clock", async () => {
    const { conn, session, requests } = setup(10);
    conn.push(positionOpened(1));
    await advance(6_000);
    conn.drop();
    await advance(1_000);
    conn.reconnect(helloOk(Date.now()) as never);
    conn.push(helloOk(Date.now()));
    conn.push(positionOpened(1, { tokens: 999 }));
    await conn.drained();
    expect(session.positions()).toHaveLength(1);
    expect(session.position(1)?.deadline_at_ms).toBe(T0 + 10_000);
    await advance(2_999);
    expect(requests()).toEqual([]);
    await advance(1);
    expect(requests()).toEqual([1]);
  });

  it("use a monotonic clock: a wall-clock jump does not move the deadline", async () => {
    const host = fakeHost();
    const conn = new FakeConnection();
    const session = StreamSession.fromConnection(conn, { deadline_timeout_sec: 10 }, { timers: host });
    sessions.push(session);
    conn.push(positionOpened(1));
    await conn.drained();
    vi.setSystemTime(T0 + 3_600_000); // the wall clock jumps an hour; monotonic time does not
    host.advance(9_999);
    expect(conn.sentOf("request_exit_signal")).toEqual([]);
    host.advance(1);
    expect(conn.sentOf("request_exit_signal")).toHaveLength(1);
  });

  it("watched positions get no deadline", async () => {
    const { conn, session, requests } = setup(5);
    conn.push(positionOpened(1, { watched: true }));
    await conn.drained();
    expect(session.position(1)?.deadline_at_ms).toBeUndefined();
    expect(session.stats().timers).toBe(0);
    await advance(60_000);
    expect(requests()).toEqual([]);
  });

  it("deadline 0 schedules nothing", async () => {
    const { conn, session, requests } = setup(0);
    conn.push(positionOpened(1));
    await advance(600_000);
    expect(session.stats().timers).toBe(0);
    expect(requests()).toEqual([]);
  });

  it("a closed position never gets an exit request: closed before the deadline, or during the retry window", async () => {
    const { conn, requests } = setup(10, { deadlineRetryMs: 1_000 });
    conn.push(positionOpened(1));
    conn.push(positionOpened(2));
    await advance(5_000);
    conn.push(positionClosed(1));
    await advance(5_000);
    expect(requests()).toEqual([2]);
    conn.push(positionClosed(2));
    await advance(60_000);
    expect(requests()).toEqual([2]);
  });

  it("closePosition() cancels the deadline at once", async () => {
    const { conn, session, requests } = setup(10);
    conn.push(positionOpened(1));
    await conn.drained();
    session.closePosition(1);
    expect(session.position(1)?.deadline_at_ms).toBeUndefined();
    await advance(60_000);
    expect(requests()).toEqual([]);
  });

  it("retries a bounded number of times when no exit signal comes", async () => {
    const { conn, requests, deadlines } = setup(10, { deadlineRetryMs: 3_000, deadlineMaxRetries: 3 });
    conn.push(positionOpened(1));
    await advance(10_000);
    expect(requests()).toEqual([1]);
    await advance(2_999);
    expect(requests()).toEqual([1]);
    await advance(1);
    expect(requests()).toEqual([1, 1]);
    await advance(60_000);
    expect(requests()).toEqual([1, 1, 1, 1]);
    expect(deadlines).toHaveLength(1);
  });

  it("stops retrying when the exit signal arrives", async () => {
    const { conn, requests } = setup(10, { deadlineRetryMs: 3_000 });
    conn.push(positionOpened(1));
    await advance(10_000);
    await advance(3_000);
    expect(requests()).toEqual([1, 1]);
    conn.push(exitSignal(1, { reason: "timeout" }));
    await advance(60_000);
    expect(requests()).toEqual([1, 1]);
  });

  it("an exit signal before the deadline does not cancel it (an exit signal is not a sale)", async () => {
    const { conn, requests } = setup(10, { deadlineMaxRetries: 0 });
    conn.push(positionOpened(1));
    conn.push(exitSignal(1, { reason: "chained_tp", sell_tokens: 10, level_index: 0 }));
    await advance(10_000);
    expect(requests()).toEqual([1]);
  });

  it("retries wait while disconnected and resume after the reconnect", async () => {
    const { conn, requests } = setup(10, { deadlineRetryMs: 1_000, deadlineMaxRetries: 2 });
    conn.push(positionOpened(1));
    await advance(10_000);
    expect(requests()).toEqual([1]);
    conn.drop();
    await advance(10_000);
    expect(requests()).toEqual([1]);
    conn.reconnect(helloOk(Date.now()) as never);
    await advance(1_000);
    expect(requests()).toEqual([1, 1]);
    await advance(10_000);
    expect(requests()).toEqual([1, 1, 1]);
  });

  it("updateStrategy with a new deadline reschedules every position from its own start; an expired one fires at once", async () => {
    const { conn, session, requests } = setup(30, { deadlineMaxRetries: 0 });
    conn.push(positionOpened(1));
    await advance(5_000);
    conn.push(positionOpened(2));
    await advance(5_000); // t = 10 s: A is 10 s old, B 5 s
    session.updateStrategy({ target_profit_pct: 10, stop_loss_pct: 5 }, 8);
    expect(conn.sent[0]).toEqual({ type: "update_strategy", strategy: { target_profit_pct: 10, stop_loss_pct: 5 } });
    expect(session.position(2)?.deadline_at_ms).toBe(T0 + 5_000 + 8_000);
    await advance(0);
    expect(requests()).toEqual([1]);
    await advance(2_999);
    expect(requests()).toEqual([1]);
    await advance(1);
    expect(requests()).toEqual([1, 2]);
    // A longer deadline re-arms positions whose deadline already fired.
    session.updateStrategy({ target_profit_pct: 10, stop_loss_pct: 5 }, 20);
    await advance(6_999); // now 13 s; A (start 0) is due at 20 s, B (start 5 s) at 25 s
    expect(requests()).toEqual([1, 2]);
    await advance(1);
    expect(requests()).toEqual([1, 2, 1]);
    await advance(5_000);
    expect(requests()).toEqual([1, 2, 1, 2]);
    // Without a deadline argument the deadline is kept; 0 cancels everything.
    session.updateStrategy({ target_profit_pct: 10, stop_loss_pct: 5 });
    expect(session.deadlineTimeoutSec).toBe(20);
    session.updateStrategy({ target_profit_pct: 10, stop_loss_pct: 5 }, 0);
    expect(session.stats().timers).toBe(0);
    expect(session.position(2)?.deadline_at_ms).toBeUndefined();
  });

  it("close() cancels every deadline", async () => {
    const { conn, session, requests } = setup(10);
    conn.push(positionOpened(1));
    await conn.drained();
    await session.close();
    await advance(60_000);
    expect(requests()).toEqual([]);
  });
});

/** A manual monotonic clock. */
function fakeHost(): SessionTimers & { advance(ms: number): void } {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      seq += 1;
      timers.set(seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => {
      timers.delete(h as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
  };
}

describe("DeadlineScheduler", () => {
  it("keeps the first start of a key, and answered() only stops retries", () => {
    const host = fakeHost();
    const fired: PositionKey[] = [];
    const retried: PositionKey[] = [];
    const s = new DeadlineScheduler(
      { deadlineMs: 100, retryMs: 10, maxRetries: 5 },
      {
        onDeadline: (k) => {
          fired.push(k);
          return true;
        },
        onRetry: (k) => {
          retried.push(k);
          return "sent";
        },
      },
      host,
    );
    s.track(1, 0);
    host.advance(50);
    s.track(1, 50);
    s.answered(1);
    expect(s.dueAt(1)).toBe(100);
    host.advance(50);
    expect(fired).toEqual([1]);
    host.advance(25);
    expect(retried).toEqual([1, 1]);
    s.answered(1);
    host.advance(1_000);
    expect(retried).toEqual([1, 1]);
    expect(s.pendingTimers).toBe(0);
    s.clear();
  });

  it("stops when onDeadline reports nothing was sent, and when onRetry says stop", () => {
    const host = fakeHost();
    let retries = 0;
    const s = new DeadlineScheduler(
      { deadlineMs: 10, retryMs: 10, maxRetries: 5 },
      { onDeadline: (k) => k === 2, onRetry: () => (++retries === 2 ? "stop" : "sent") },
      host,
    );
    s.track(1, 0);
    s.track(2, 0);
    host.advance(1_000);
    expect(retries).toBe(2);
    expect(s.pendingTimers).toBe(0);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Inbox, positionKey } from "../../src/client/inbound.js";

type Msg = { type: string; position_id?: number; n: number };

function drain(inbox: Inbox<Msg>): Msg[] {
  const out: Msg[] = [];
  for (let m = inbox.shift(); m !== undefined; m = inbox.shift()) out.push(m);
  return out;
}

describe("Inbox", () => {
  it("serves every high-priority message before any low-priority one, FIFO", () => {
    const inbox = new Inbox<Msg>(8);
    inbox.pushLow("pnl_update", 1, { type: "pnl_update", position_id: 1, n: 0 });
    inbox.pushHigh({ type: "position_opened", n: 1 });
    inbox.pushLow("trade_tick", 1, { type: "trade_tick", position_id: 1, n: 2 });
    inbox.pushHigh({ type: "exit_signal_with_tx", n: 3 });
    expect(drain(inbox).map((m) => m.n)).toEqual([1, 3, 0, 2]);
    expect(inbox.size).toBe(0);
  });

  it("keeps only the latest pnl_update and liquidity_snapshot per position, counting drops", () => {
    const inbox = new Inbox<Msg>(8);
    for (let n = 0; n < 5; n++) {
      inbox.pushLow("pnl_update", 1, { type: "pnl_update", n });
      inbox.pushLow("liquidity_snapshot", 1, { type: "liquidity_snapshot", n });
      inbox.pushLow("pnl_update", 2, { type: "pnl_update", n: 100 + n });
    }
    expect(inbox.lowSize).toBe(3);
    expect(inbox.dropped).toEqual({ pnl_update: 8, liquidity_snapshot: 4, trade_tick: 0 });
    expect(drain(inbox).map((m) => m.n)).toEqual([4, 4, 104]);
  });

  it("keeps arrival order within a position: a superseding message moves behind what arrived before it", () => {
    const inbox = new Inbox<Msg>(8);
    inbox.pushLow("pnl_update", 1, { type: "pnl_update", n: 1 });
    inbox.pushLow("trade_tick", 1, { type: "trade_tick", n: 2 });
    inbox.pushLow("pnl_update", 1, { type: "pnl_update", n: 3 });
    expect(drain(inbox).map((m) => m.n)).toEqual([2, 3]);
  });

  it("bounds trade ticks by a ring: the oldest is dropped", () => {
    const inbox = new Inbox<Msg>(3);
    for (let n = 0; n < 10; n++) inbox.pushLow("trade_tick", n % 2, { type: "trade_tick", n });
    expect(inbox.lowSize).toBe(3);
    expect(inbox.dropped.trade_tick).toBe(7);
    expect(drain(inbox).map((m) => m.n)).toEqual([7, 8, 9]);
  });

  it("discard() drops one position's low-priority messages and nothing else", () => {
    const inbox = new Inbox<Msg>(8);
    inbox.pushLow("pnl_update", 1, { type: "pnl_update", n: 1 });
    inbox.pushLow("trade_tick", 2, { type: "trade_tick", n: 2 });
    inbox.pushLow("trade_tick", 1, { type: "trade_tick", n: 3 });
    inbox.pushLow("liquidity_snapshot", 1, { type: "liquidity_snapshot", n: 4 });
    inbox.pushHigh({ type: "position_closed", n: 5 });
    expect(inbox.discard(1)).toBe(3);
    expect(inbox.discard(1)).toBe(0);
    // the slots are free again: a new pnl_update of position 1 is not counted as a drop
    inbox.pushLow("pnl_update", 1, { type: "pnl_update", n: 6 });
    expect(inbox.dropped.pnl_update).toBe(0);
    expect(drain(inbox).map((m) => m.n)).toEqual([5, 2, 6]);
  });

  it("positionKey makes 5, 5n the same key and keeps ids beyond 2^53 exact", () => {
    expect(positionKey(5n)).toBe(5);
    expect(positionKey(5)).toBe(5);
    expect(positionKey(2n ** 60n)).toBe(2n ** 60n);
    const inbox = new Inbox<Msg>(8);
    inbox.pushLow("pnl_update", positionKey(2n ** 60n), { type: "pnl_update", n: 1 });
    inbox.pushLow("pnl_update", positionKey(2n ** 60n + 1n), { type: "pnl_update", n: 2 });
    expect(inbox.lowSize).toBe(2);
  });

  it("compacts the high FIFO without losing or reordering anything", () => {
    const inbox = new Inbox<Msg>(8);
    let next = 0;
    const out: number[] = [];
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) inbox.pushHigh({ type: "balance_update", n: next++ });
      for (let i = 0; i < 60; i++) out.push((inbox.shift() as Msg).n);
    }
    out.push(...drain(inbox).map((m) => m.n));
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it("property: high never dropped and first; low bounded; per-position order kept; latest values win", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("high" as const) }),
      fc.record({
        kind: fc.constantFrom("pnl_update" as const, "liquidity_snapshot" as const, "trade_tick" as const),
        position: fc.integer({ min: 1, max: 4 }),
      }),
      fc.record({ kind: fc.constant("shift" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.integer({ min: 1, max: 6 }), (ops, capacity) => {
        const inbox = new Inbox<Msg & { seq: number; kind: string; pos: number }>(capacity);
        let seq = 0;
        const highIn: number[] = [];
        const highOut: number[] = [];
        const lowOut: Array<{ seq: number; pos: number; kind: string }> = [];
        const latest = new Map<string, number>();
        const take = (): void => {
          const hadHigh = inbox.highSize > 0;
          const m = inbox.shift();
          if (m === undefined) return;
          if (m.kind === "high") highOut.push(m.seq);
          else {
            expect(hadHigh).toBe(false);
            lowOut.push(m);
          }
        };
        for (const o of ops) {
          if (o.kind === "shift") take();
          else if (o.kind === "high") {
            highIn.push(seq);
            inbox.pushHigh({ type: "x", n: 0, seq: seq++, kind: "high", pos: 0 });
          } else {
            const m = { type: o.kind, n: 0, seq: seq++, kind: o.kind, pos: o.position };
            latest.set(`${o.kind}:${o.position}`, m.seq);
            inbox.pushLow(o.kind, o.position, m);
          }
          expect(inbox.lowSize).toBeLessThanOrEqual(capacity + 8);
        }
        while (inbox.size > 0) take();
        expect(highOut).toEqual(highIn);
        for (let pos = 1; pos <= 4; pos++) {
          const seqs = lowOut.filter((m) => m.pos === pos).map((m) => m.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        }
        // whatever was pending at the end for a pnl/liquidity slot was the latest one
        const lastDelivered = new Map<string, number>();
        for (const m of lowOut) if (m.kind !== "trade_tick") lastDelivered.set(`${m.kind}:${m.pos}`, m.seq);
        for (const [key, seqValue] of lastDelivered) expect(seqValue).toBeLessThanOrEqual(latest.get(key) as number);
      }),
      { numRuns: 300 },
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventInbox } from "../../src/session/inbox.js";

type Kind = "pnl_update" | "liquidity_snapshot" | "trade_tick";
type Op =
  | { op: "high"; id: number }
  | { op: "low"; kind: Kind; position: string; id: number }
  | { op: "shift" }
  | { op: "discard"; position: string };

/** The inbox rules, written the slow and obvious way. */
class Model {
  high: number[] = [];
  low: { key: string; position: string; event: number; tick: boolean }[] = [];
  dropped = { pnl_update: 0, liquidity_snapshot: 0, trade_tick: 0 };
  constructor(readonly capacity: number) {}
  pushHigh(e: number) {
    this.high.push(e);
  }
  pushLow(kind: Kind, position: string, e: number) {
    if (kind !== "trade_tick") {
      const existing = this.low.find((x) => x.key === `${kind}:${position}`);
      if (existing) {
        existing.event = e;
        this.dropped[kind] += 1;
      } else this.low.push({ key: `${kind}:${position}`, position, event: e, tick: false });
      return;
    }
    this.low.push({ key: "tick", position, event: e, tick: true });
    if (this.low.filter((x) => x.tick).length > this.capacity) {
      this.low.splice(this.low.findIndex((x) => x.tick), 1);
      this.dropped.trade_tick += 1;
    }
  }
  shift(): number | undefined {
    if (this.high.length > 0) return this.high.shift();
    return this.low.shift()?.event;
  }
  discard(position: string): number {
    const before = this.low.length;
    this.low = this.low.filter((x) => x.position !== position);
    return before - this.low.length;
  }
  get size() {
    return this.high.length + this.low.length;
  }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("high" as const), id: fc.nat() }),
  fc.record({
    op: fc.constant("low" as const),
    kind: fc.constantFrom<Kind>("pnl_update", "liquidity_snapshot", "trade_tick"),
    position: fc.constantFrom("1", "2", "3"),
    id: fc.nat(),
  }),
  fc.record({ op: fc.constant("shift" as const) }),
  fc.record({ op: fc.constant("discard" as const), position: fc.constantFrom("1", "2", "3") }),
);

describe("EventInbox", () => {
  it("behaves like the reference model for any sequence of pushes, shifts and discards", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(opArb, { maxLength: 200 }), (capacity, ops) => {
        const inbox = new EventInbox<number>(capacity);
        const model = new Model(capacity);
        for (const o of ops) {
          if (o.op === "high") {
            inbox.pushHigh(o.id);
            model.pushHigh(o.id);
          } else if (o.op === "low") {
            inbox.pushLow(o.kind, o.position, o.id);
            model.pushLow(o.kind, o.position, o.id);
          } else if (o.op === "shift") {
            expect(inbox.shift()).toBe(model.shift());
          } else {
            expect(inbox.discard(o.position)).toBe(model.discard(o.position));
          }
          expect(inbox.size).toBe(model.size);
        }
        expect(inbox.dropped).toEqual(model.dropped);
        for (let e = model.shift(); e !== undefined; e = model.shift()) expect(inbox.shift()).toBe(e);
        expect(inbox.shift()).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it("serves 100 000 events in order with a consumer that keeps up, and ends empty", () => {
    const inbox = new EventInbox<number>(4);
    let wrong = 0;
    for (let i = 0; i < 100_000; i += 1) {
      inbox.pushLow("trade_tick", String(i % 7), i);
      inbox.pushHigh(-i);
      if (inbox.shift() !== -i || inbox.shift() !== i) wrong += 1;
    }
    expect(wrong).toBe(0);
    expect(inbox.size).toBe(0);
    expect(inbox.dropped.trade_tick).toBe(0);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseServerMessage } from "../../src/protocol/index.js";
import { fastAccepts } from "../../src/protocol/fast.js";
import { numberServerSchemas } from "../../src/protocol/schemas.js";

// The hand checks of the hot types (src/protocol/fast.ts) against the zod schemas they shortcut:
// whatever the fast path accepts, zod accepts with the same output; every valid frame is taken by
// the fast path (so it is really used); and parseServerMessage agrees with zod on every frame.

const HOT = ["exit_signal_with_tx", "pnl_update", "trade_tick", "liquidity_snapshot"] as const;
type Hot = (typeof HOT)[number];

const u64 = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER));
const i64 = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(-Number.MAX_SAFE_INTEGER, 0));
const str = fc.string({ maxLength: 12 });
const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const watched = opt(fc.boolean());
const marketContext = opt(
  fc.oneof(
    fc.record({ market_type: fc.constantFrom("pump_fun", "meteora_dbc", "brand_new_dex"), pumpfun: fc.constant({}) }),
    fc.record({ market_type: str, meteora_dbc: fc.jsonValue() }),
  ),
);
const band = fc.record({
  slippage_bps: fc.integer({ min: 0, max: 65_535 }),
  max_tokens: u64,
  coverage_pct: fc.double({ noNaN: true, noDefaultInfinity: true }),
});

/** Drops the keys whose value is undefined (JSON has no undefined). */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
}

const valid: Record<Hot, fc.Arbitrary<Record<string, unknown>>> = {
  exit_signal_with_tx: fc
    .record({
      session_id: u64,
      position_id: u64,
      wallet_pubkey: str,
      mint: str,
      token_account: opt(str),
      token_program: opt(str),
      position_tokens: u64,
      profit_units: i64,
      reason: fc.constantFrom("target_profit", "stop_loss", "something_new"),
      triggered_at_ms: u64,
      market_context: marketContext,
      unsigned_tx_b64: str,
      sell_tokens: opt(u64),
      level_index: opt(fc.integer({ min: 0, max: 4_294_967_295 })),
      mirror_source: opt(str),
      watched,
    })
    .map((o) => defined({ type: "exit_signal_with_tx", ...o })),
  pnl_update: fc
    .record({
      position_id: u64,
      profit_units: i64,
      proceeds_units: u64,
      server_time_ms: u64,
      token_price_quote: opt(u64),
      market_cap_quote: opt(u64),
      watched,
    })
    .map((o) => defined({ type: "pnl_update", ...o })),
  trade_tick: fc
    .record({
      position_id: u64,
      time_ms: u64,
      side: fc.constantFrom("buy", "sell", "other"),
      token_amount: u64,
      quote_amount: u64,
      price_quote: u64,
      maker: opt(str),
      tx_signature: opt(str),
      watched,
    })
    .map((o) => defined({ type: "trade_tick", ...o })),
  liquidity_snapshot: fc
    .record({
      position_id: u64,
      bands: fc.array(band, { maxLength: 5 }),
      liquidity_trend: fc.constantFrom("growing", "stable", "draining", "new"),
      server_time_ms: u64,
      watched,
    })
    .map((o) => defined({ type: "liquidity_snapshot", ...o })),
};

/** Values that break fields in every way a schema can notice (and some it cannot). */
const hostile = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(-1, 1.5, -0, 2 ** 53, 2 ** 64, 1e300, 65_536, 4_294_967_296, "", "1", null, true, [], {}, [1], { x: 1 }),
  fc.double(),
);

/** A valid frame with one to three mutations: a field set to a hostile value, a field removed, an unknown key added. */
const mutated = fc.constantFrom(...HOT).chain((type) =>
  valid[type].chain((obj) => {
    const keys = [...Object.keys(obj).filter((k) => k !== "type"), "bands.0.slippage_bps", "market_context.market_type"];
    const mutation = fc.oneof(
      fc.tuple(fc.constant("set" as const), fc.constantFrom(...keys), hostile),
      fc.tuple(fc.constant("delete" as const), fc.constantFrom(...keys), fc.constant(null)),
      fc.tuple(fc.constant("add" as const), fc.string({ maxLength: 6 }), hostile),
    );
    return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => {
      const out = structuredClone(obj);
      for (const [op, path, value] of ms) {
        const parts = path.split(".");
        let target: Record<string, unknown> | undefined = out;
        for (const p of parts.slice(0, -1)) {
          const next: unknown = (target as Record<string, unknown>)[p];
          target = typeof next === "object" && next !== null ? (next as Record<string, unknown>) : undefined;
          if (target === undefined) break;
        }
        if (target === undefined) continue;
        const last = parts[parts.length - 1] as string;
        if (op === "delete") delete target[last];
        else if (last !== "__proto__") target[last] = value;
      }
      return { type, obj: defined(out) };
    });
  }),
);

function zod(type: Hot, obj: Record<string, unknown>) {
  return numberServerSchemas[type].safeParse(structuredClone(obj));
}

/** What the fast path hands out when it accepts: the object itself, `watched` defaulted. */
function fastOutput(obj: Record<string, unknown>): Record<string, unknown> {
  return { ...obj, watched: obj["watched"] ?? false };
}

describe("validation fast path (hot types)", () => {
  it("takes every valid frame, with exactly zod's output", () => {
    fc.assert(
      fc.property(fc.constantFrom(...HOT).chain((t) => valid[t].map((obj) => ({ type: t, obj }))), ({ type, obj }) => {
        expect(fastAccepts(type, obj)).toBe(true);
        const z = zod(type, obj);
        expect(z.success).toBe(true);
        expect(fastOutput(obj)).toEqual(z.data);
        const text = JSON.stringify(obj);
        // 16+ digit literals take the lossless path (bigint.test.ts), the fast path never sees them.
        if (/\d{16}/.test(text)) return;
        expect(parseServerMessage(text)).toEqual({ kind: "message", message: z.data });
      }),
      { numRuns: 2_000 },
    );
  });

  it("never accepts what zod refuses, and agrees on the output of what it accepts (mutated frames)", () => {
    let fastTaken = 0;
    let zodRefused = 0;
    fc.assert(
      fc.property(mutated, ({ type, obj }) => {
        const z = zod(type, obj);
        if (!z.success) zodRefused++;
        if (fastAccepts(type, obj)) {
          fastTaken++;
          expect(z.success).toBe(true);
          expect(fastOutput(obj)).toEqual(z.data);
        }
        // The whole decoder agrees with zod on accept/reject, whichever path it took.
        const text = JSON.stringify(obj);
        if (/\d{16}/.test(text)) return; // integers beyond 2^53 take the lossless path (bigint.test.ts)
        const parsed = parseServerMessage(text);
        expect(parsed.kind).toBe(z.success ? "message" : "invalid");
        if (parsed.kind === "message") expect(parsed.message).toEqual(z.data);
      }),
      { numRuns: 5_000 },
    );
    // Both sides of the property were exercised.
    expect(fastTaken).toBeGreaterThan(100);
    expect(zodRefused).toBeGreaterThan(100);
  });

  it("leaves every other type to zod", () => {
    expect(fastAccepts("position_opened", { type: "position_opened" })).toBe(false);
    expect(fastAccepts("hello_ok", { type: "hello_ok" })).toBe(false);
  });
});

describe("CPU bombs inside the size limit", () => {
  /** The fastest of seven interleaved runs of each, in ms: [floor, ours]. Minimums resist load. */
  function costs(floor: () => void, ours: () => void): [number, number] {
    const best: [number, number] = [Infinity, Infinity];
    for (let i = 0; i < 7; i++) {
      for (const [k, fn] of [floor, ours].entries()) {
        const t = performance.now();
        fn();
        best[k] = Math.min(best[k] as number, performance.now() - t);
      }
    }
    return best;
  }

  const exit = JSON.stringify({
    type: "exit_signal_with_tx",
    session_id: 1,
    position_id: 2,
    wallet_pubkey: "w",
    mint: "m",
    position_tokens: 3,
    profit_units: 4,
    reason: "stop_loss",
    triggered_at_ms: 5,
    unsigned_tx_b64: "AQID",
  });

  // Measured relative to JSON.parse of the same frame (the floor any decoder pays), never
  // against an absolute time: the machine may be loaded. Before, 100k digits cost ~1000x
  // JSON.parse (an exact BigInt parse) and unknown keys ~2x.
  it("a frame with a 100k-digit integer is refused at about the cost of JSON.parse", () => {
    const frame = exit.replace('"position_id":2', `"position_id":${"9".repeat(100_000)}`);
    const [floor, ours] = costs(
      () => JSON.parse(frame),
      () => {
        const r = parseServerMessage(frame);
        if (r.kind !== "invalid") throw new Error("accepted");
      },
    );
    expect(ours).toBeLessThan(Math.max(floor, 0.2) * 20);
  });

  // Deterministic, not timed: the cost of unknown keys was a walk over them (zod's check, ~2x
  // JSON.parse). The hand check must accept such a frame without ever enumerating its keys.
  it("an exit signal with 100k unknown keys is accepted without enumerating them, and delivered whole", () => {
    const obj = JSON.parse(exit) as Record<string, unknown>;
    for (let i = 0; i < 100_000; i++) obj[`k${i}`] = i;
    let enumerations = 0;
    const watched = new Proxy(obj, {
      ownKeys(target) {
        enumerations++;
        return Reflect.ownKeys(target);
      },
    });
    expect(fastAccepts("exit_signal_with_tx", watched)).toBe(true);
    expect(enumerations).toBe(0);
    const r = parseServerMessage(JSON.stringify(obj));
    if (r.kind !== "message") throw new Error(r.kind);
    // Delivered whole: every unknown key kept (plus the default the codec fills in: `watched`).
    expect(Object.keys(r.message).length).toBeGreaterThanOrEqual(Object.keys(obj).length);
    expect((r.message as unknown as Record<string, unknown>)["k99999"]).toBe(99_999);
  });

  it("a liquidity snapshot with 100k bad bands keeps its error small", () => {
    const bands = Array.from({ length: 100_000 }, () => ({ slippage_bps: -1, max_tokens: 1, coverage_pct: 1 }));
    const r = parseServerMessage(
      JSON.stringify({ type: "liquidity_snapshot", position_id: 1, bands, liquidity_trend: "stable", server_time_ms: 1 }),
    );
    if (r.kind !== "invalid") throw new Error(r.kind);
    expect(r.error.issues.length).toBeLessThanOrEqual(33);
    expect(r.error.message.length).toBeLessThan(8_000);
  });
});

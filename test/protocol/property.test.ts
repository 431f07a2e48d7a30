import { readFileSync } from "node:fs";
import bs58 from "bs58";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StreamProtocolError } from "../../src/index.js";
import {
  parseClientMessage,
  parseServerMessage,
  stringifyClientMessage,
  writeJson,
  type ClientMessage,
  type ParseResult,
} from "../../src/protocol/index.js";

const lines = (name: string): string[] =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
const serverLines = lines("server-messages.jsonl");
const clientLines = lines("client-messages.jsonl");
const allLines = [...serverLines, ...clientLines];

/** Every decoder, every mode: none may throw, and each result must be well formed. */
function decodeAll(text: string): void {
  const results: ParseResult<unknown>[] = [
    parseServerMessage(text),
    parseServerMessage(text, { ints: "bigint" }),
    parseClientMessage(text),
  ];
  // Plain checks rather than `expect`: this runs thousands of times per test.
  for (const r of results) {
    const ok =
      r.kind === "message"
        ? typeof r.message === "object" && r.message !== null
        : r.kind === "unknown"
          ? typeof r.type === "string" && r.raw === text
          : r.kind === "invalid" && r.error instanceof StreamProtocolError && r.raw === text && r.error.message.length > 0;
    if (!ok) throw new Error(`malformed result for ${JSON.stringify(text)}: ${String(r.kind)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations of a fixture frame
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Paths to every value inside a JSON value (not the root itself). */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push([...prefix, i], ...paths(v, [...prefix, i])));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...paths(v, [...prefix, k]));
  }
  return out;
}

/** A deep copy with the value at `path` replaced (or removed, for `undefined`). */
function edit(value: Json, path: (string | number)[], replacement: Json | undefined): Json {
  const copy = structuredClone(value);
  let parent: Json = copy;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key] as Json;
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(parent)) {
    if (replacement === undefined) parent.splice(last as number, 1);
    else parent[last as number] = replacement;
  } else if (parent !== null && typeof parent === "object") {
    if (replacement === undefined) delete parent[last as string];
    else parent[last as string] = replacement;
  }
  return copy;
}

const fixtureArb = fc.constantFrom(...allLines);
const garbageArb = fc.oneof(
  fc.string(),
  fc.constantFrom("{", "}", "[", "]", ",", ":", '"', "\\", "\u0000", "-", "1234567890123456789", "e", "."),
);

const mutationArb = fixtureArb.chain((line) => {
  const value = JSON.parse(line) as Json;
  const ps = paths(value);
  return fc.oneof(
    // drop a key (or array element), anywhere
    fc.constantFrom(...ps).map((p) => JSON.stringify(edit(value, p, undefined))),
    // change a value's type, anywhere (including `type` itself)
    fc.tuple(fc.constantFrom(...ps), fc.jsonValue()).map(([p, v]) => JSON.stringify(edit(value, p, v as Json))),
    // a big or odd number where a value was
    fc
      .tuple(fc.constantFrom(...ps), fc.constantFrom("18446744073709551616", "-1", "1.5", "1e400", "-0", "99999999999999999999999"))
      .map(([p, literal]) => JSON.stringify(edit(value, p, "@@")).replace('"@@"', literal)),
    // truncate
    fc.nat({ max: line.length }).map((n) => line.slice(0, n)),
    // insert garbage
    fc.tuple(fc.nat({ max: line.length }), garbageArb).map(([n, g]) => line.slice(0, n) + g + line.slice(n)),
  );
});

describe("decoders never throw (property-based)", () => {
  it("on random JSON values", () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        decodeAll(text);
      }),
      { numRuns: 500 },
    );
  });

  it("on random JSON objects that carry a known type", () => {
    const types = [...new Set(allLines.map((l) => (JSON.parse(l) as { type: string }).type))];
    fc.assert(
      fc.property(fc.constantFrom(...types, "sell_now"), fc.dictionary(fc.string(), fc.jsonValue()), (type, obj) => {
        decodeAll(JSON.stringify({ ...obj, type }));
      }),
      { numRuns: 500 },
    );
  });

  it("on anything stringified", () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: false, withMap: true, withSet: true, withDate: true }), (value) => {
        const text = JSON.stringify(value) ?? String(value);
        decodeAll(text);
      }),
      { numRuns: 500 },
    );
  });

  it("on random strings", () => {
    fc.assert(
      // Any UTF-16 code unit, lone surrogates included. (The "binary" unit costs seconds to set up.)
      fc.property(fc.string({ unit: fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c)) }), (text) => {
        decodeAll(text);
      }),
      { numRuns: 500 },
    );
  });

  it("on random mutations of every fixture line", () => {
    fc.assert(
      fc.property(mutationArb, (text) => {
        decodeAll(text);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------

describe("valid messages round-trip", () => {
  it.each(serverLines)("server fixture, bigint mode, written and read back: %s", (line) => {
    const first = parseServerMessage(line, { ints: "bigint" });
    if (first.kind !== "message") throw new Error(first.kind);
    const again = parseServerMessage(writeJson(first.message), { ints: "bigint" });
    expect(again).toEqual(first);
  });

  it.each(serverLines)("server fixture, number mode, fields equal the frame's: %s", (line) => {
    const r = parseServerMessage(line);
    if (r.kind !== "message") throw new Error(r.kind);
    const expected = JSON.parse(line) as Record<string, unknown>;
    if ("watched" in r.message) expected["watched"] ??= false;
    expect(r.message).toEqual(expected);
  });

  it.each(clientLines)("client fixture, stringified and read back: %s", (line) => {
    const first = parseClientMessage(line);
    if (first.kind !== "message") throw new Error(first.kind);
    const text = stringifyClientMessage(first.message);
    expect(parseClientMessage(text)).toEqual(first);
    expect(stringifyClientMessage(JSON.parse(text) as ClientMessage)).toBe(text);
  });

  const pubkey = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bs58.encode(b));
  const pct = fc.double({ min: 0, max: 1e6, noNaN: true }).map((v) => (v === 0 ? 0 : v));
  const u64 = fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 18_446_744_073_709_551_615n }));
  const strategy = fc.record(
    {
      target_profit_pct: pct,
      // A loss cannot exceed the entry cost: stop losses above 100 are refused.
      stop_loss_pct: fc.double({ min: 0, max: 100, noNaN: true }).map((v) => (v === 0 ? 0 : v)),
      trailing_stop_pct: pct,
      sell_on_graduation: fc.boolean(),
      take_profit_levels: fc.array(
        fc.record({ profit_pct: pct, sell_pct: pct, trailing_stop_pct: pct }, { requiredKeys: ["profit_pct", "sell_pct"] }),
        { maxLength: 4 },
      ),
      liquidity_guard: fc.boolean(),
      breakeven_trail_pct: pct,
    },
    { requiredKeys: ["target_profit_pct", "stop_loss_pct"] },
  );
  const message: fc.Arbitrary<ClientMessage> = fc.oneof(
    fc.record({ type: fc.constant("ping" as const), client_time_ms: u64 }),
    fc.record(
      {
        type: fc.constant("configure" as const),
        wallet_pubkeys: fc.array(pubkey, { minLength: 1, maxLength: 3 }),
        strategy,
        send_mode: fc.constantFrom("helius_sender", "rpc", "astralane", "future_mode"),
        tip_lamports: u64,
        watch_wallets: fc.array(
          fc.record(
            {
              pubkey,
              auto_buy: fc.record(
                { wallet_pubkey: pubkey, amount_quote_units: u64, amount_usd1_units: fc.option(u64, { nil: null }) },
                { requiredKeys: ["wallet_pubkey", "amount_quote_units"] },
              ),
              mirror_sell: fc.boolean(),
            },
            { requiredKeys: ["pubkey"] },
          ),
          { maxLength: 2 },
        ),
        mirror_config: fc.record(
          {
            max_positions_per_wallet: fc.nat({ max: 4_294_967_295 }),
            cooldown_sec: u64,
            skip_creator_tokens: fc.boolean(),
            max_active_sol: pct,
            buy_slippage_bps: fc.nat({ max: 65_535 }),
            min_liquidity_sol: fc.option(pct, { nil: null }),
            max_entry_drift_pct: fc.option(pct, { nil: null }),
            max_consecutive_losses: fc.option(fc.nat({ max: 4_294_967_295 }), { nil: null }),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ["type", "wallet_pubkeys", "strategy"] },
    ),
    fc.record({ type: fc.constant("update_strategy" as const), strategy }),
    fc.record(
      { type: fc.constant("close_position" as const), position_id: u64, token_account: pubkey },
      { requiredKeys: ["type"] },
    ),
    fc.record(
      {
        type: fc.constant("request_exit_signal" as const),
        position_id: u64,
        token_account: pubkey,
        slippage_bps: fc.nat({ max: 65_535 }),
      },
      { requiredKeys: ["type"] },
    ),
    fc.record({ type: fc.constant("update_wallets" as const), wallet_pubkeys: fc.array(pubkey, { maxLength: 3 }) }),
    fc.record({ type: fc.constant("update_position_strategy" as const), position_id: u64, strategy }),
    fc.record({ type: fc.constant("mirror_buy_result" as const), mint: pubkey, success: fc.boolean() }),
  ) as fc.Arbitrary<ClientMessage>;

  /** Canonical form: integers (number or bigint) as `"<n>n"` strings, object keys sorted. */
  const canon = (value: unknown): unknown => {
    if (typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value))) return `${String(value)}n`;
    if (Array.isArray(value)) return value.map(canon);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, canon(v)]),
      );
    }
    return value;
  };
  const INT_FIELD = /"(\w+_(?:ms|id|lamports|units|sec|bps)|max_positions_per_wallet|max_consecutive_losses)":([^,}\]]+)/g;

  it("random valid client messages: stringify, then parseClientMessage, gives the same message", () => {
    fc.assert(
      fc.property(message, (m) => {
        const text = stringifyClientMessage(m);
        // Integer fields are bare integers: no fraction, no exponent, never quoted.
        for (const [, field, literal] of text.matchAll(INT_FIELD)) {
          expect(literal, field).toMatch(/^(\d+|null)$/);
        }
        const back = parseClientMessage(text);
        if (back.kind !== "message") throw new Error(`${back.kind}: ${text}`);
        expect(writeJson(back.message)).toBe(text);
        expect(canon(back.message)).toEqual(canon(m));
      }),
      { numRuns: 500 },
    );
  });
});

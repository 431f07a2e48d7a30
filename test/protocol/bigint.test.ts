import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  SERVER_MESSAGE_TYPES,
  bigintServerSchemas,
  numberServerSchemas,
  parseClientMessage,
  parseServerMessage,
  readJson,
  stringifyClientMessage,
  writeJson,
} from "../../src/protocol/index.js";
import { holdsUnsafeNumber, mayHoldBigInts, toNumbers } from "../../src/protocol/json.js";

const W = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
const WSOL = "So11111111111111111111111111111111111111112";

const serverLines = readFileSync(new URL("../fixtures/server-messages.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "");

const balance = (tokens: string): string =>
  `{"type":"balance_update","wallet_pubkey":"${W}","mint":"${W}","tokens":${tokens},"slot":404219000}`;

describe("integers beyond 2^53", () => {
  it("tokens 25000000000000001 is exact in bigint mode and reported in number mode", () => {
    const frame = balance("25000000000000001");
    const b = parseServerMessage(frame, { ints: "bigint" });
    if (b.kind !== "message" || b.message.type !== "balance_update") throw new Error(b.kind);
    expect(b.message.tokens).toBe(25_000_000_000_000_001n);
    expect(b.precisionLoss).toBeUndefined();

    const n = parseServerMessage(frame);
    if (n.kind !== "message" || n.message.type !== "balance_update") throw new Error(n.kind);
    expect(n.message.tokens).toBe(25_000_000_000_000_000); // nearest double
    expect(n.precisionLoss).toEqual(["tokens"]);
  });

  it("u64::MAX (18446744073709551615) is exact", () => {
    const b = parseServerMessage(balance("18446744073709551615"), { ints: "bigint" });
    if (b.kind !== "message" || b.message.type !== "balance_update") throw new Error(b.kind);
    expect(b.message.tokens).toBe(18_446_744_073_709_551_615n);
    const n = parseServerMessage(balance("18446744073709551615"));
    expect(n).toMatchObject({ kind: "message", precisionLoss: ["tokens"] });
  });

  it("2^53 + 1 (the first integer a double cannot hold) is caught", () => {
    const n = parseServerMessage(balance("9007199254740993"));
    expect(n).toMatchObject({ kind: "message", precisionLoss: ["tokens"] });
    const b = parseServerMessage(balance("9007199254740993"), { ints: "bigint" });
    expect(b).toMatchObject({ kind: "message", message: { tokens: 9_007_199_254_740_993n } });
  });

  it("a 16-digit integer that still fits a double is not reported", () => {
    const n = parseServerMessage(balance("1000000000000000"));
    expect(n).toMatchObject({ kind: "message", message: { tokens: 1e15 } });
    expect(n).not.toHaveProperty("precisionLoss");
  });

  it("reports nested paths (bands.0.max_tokens) and several fields at once", () => {
    const frame =
      '{"type":"liquidity_snapshot","position_id":18446744073709551615,"bands":[{"slippage_bps":100,"max_tokens":1,"coverage_pct":1},' +
      '{"slippage_bps":200,"max_tokens":12345678901234567890,"coverage_pct":2}],"liquidity_trend":"stable","server_time_ms":1}';
    const n = parseServerMessage(frame);
    if (n.kind !== "message") throw new Error(n.kind);
    expect(n.precisionLoss).toEqual(["position_id", "bands.1.max_tokens"]);
    expect(n.message).toMatchObject({ bands: [{ max_tokens: 1 }, { max_tokens: 12_345_678_901_234_567_000 }] });

    const b = parseServerMessage(frame, { ints: "bigint" });
    expect(b).toMatchObject({
      kind: "message",
      message: { position_id: 18_446_744_073_709_551_615n, bands: [{ max_tokens: 1n }, { max_tokens: 12_345_678_901_234_567_890n }] },
    });
  });

  it("a big integer in an unknown field is reported too, and kept exact in bigint mode", () => {
    const frame = `{"type":"pong","server_time_ms":1,"nonce":12345678901234567890}`;
    expect(parseServerMessage(frame)).toMatchObject({ kind: "message", precisionLoss: ["nonce"] });
    expect(parseServerMessage(frame, { ints: "bigint" })).toMatchObject({
      kind: "message",
      message: { nonce: 12_345_678_901_234_567_890n },
    });
  });

  it("an integer literal longer than 20 digits makes the frame invalid, in both modes, without converting it", () => {
    for (const literal of ["123456789012345678901", "-123456789012345678901", "9".repeat(100_000)]) {
      const frame = `{"type":"pong","server_time_ms":${literal}}`;
      for (const ints of ["number", "bigint"] as const) {
        const r = parseServerMessage(frame, { ints });
        if (r.kind !== "invalid") throw new Error(`accepted ${literal.length} digits in ${ints} mode`);
        expect(r.error.message).toContain("longer than 20 digits");
      }
    }
    // A long digit run inside a string is not a number: still fine.
    expect(parseServerMessage(`{"type":"pong","server_time_ms":1,"note":"${"7".repeat(40)}"}`).kind).toBe("message");
  });

  it("negative i64 profit_units beyond 2^53 is exact in bigint mode; i64::MIN and i64::MAX accepted", () => {
    const pnl = (profit: string) =>
      `{"type":"pnl_update","position_id":1,"profit_units":${profit},"proceeds_units":0,"server_time_ms":1}`;
    for (const [literal, value] of [
      ["-9007199254740993", -9_007_199_254_740_993n],
      ["-9223372036854775808", -9_223_372_036_854_775_808n],
      ["9223372036854775807", 9_223_372_036_854_775_807n],
    ] as const) {
      const b = parseServerMessage(pnl(literal), { ints: "bigint" });
      if (b.kind !== "message" || b.message.type !== "pnl_update") throw new Error(b.kind);
      expect(b.message.profit_units).toBe(value);
      expect(parseServerMessage(pnl(literal))).toMatchObject({ kind: "message", precisionLoss: ["profit_units"] });
    }
  });

  it("in bigint mode every u64/i64 field is a bigint and every u32/u16/u8 field a number", () => {
    const opened = serverLines.find((l) => l.includes('"token_decimals"'));
    const exit = serverLines.find((l) => l.includes('"level_index"'));
    const mirror = serverLines.find((l) => l.includes('"mirror_buy_signal"'));
    const disabled = serverLines.find((l) => l.includes('"loss_count"'));
    const hello = serverLines.find((l) => l.includes('"hello_ok"'));
    const snapshot = serverLines.find((l) => l.includes('"liquidity_snapshot"'));
    const parse = (line: string | undefined) => {
      const r = parseServerMessage(line ?? "", { ints: "bigint" });
      if (r.kind !== "message") throw new Error(r.kind);
      return r.message as unknown as Record<string, unknown>;
    };
    const o = parse(opened);
    for (const k of ["position_id", "tokens", "entry_quote_units", "token_price_quote", "market_cap_quote", "pool_liquidity_quote", "opened_at_ms", "slot"]) {
      expect(typeof o[k], k).toBe("bigint");
    }
    expect(typeof o["token_decimals"]).toBe("number");
    const e = parse(exit);
    for (const k of ["session_id", "position_id", "position_tokens", "profit_units", "triggered_at_ms", "sell_tokens"]) {
      expect(typeof e[k], k).toBe("bigint");
    }
    expect(e["level_index"]).toBe(0);
    const m = parse(mirror);
    for (const k of ["session_id", "amount_quote_units", "tip_lamports"]) expect(typeof m[k], k).toBe("bigint");
    expect(m["slippage_bps"]).toBe(2500);
    expect(parse(disabled)["loss_count"]).toBe(3);
    const h = parse(hello);
    expect(typeof h["session_id"]).toBe("bigint");
    expect(h["limits"]).toMatchObject({ hi_capacity: 256, pnl_flush_ms: 100n, max_watch_wallets_per_session: 10 });
    const s = parse(snapshot);
    expect((s["bands"] as unknown[])[0]).toEqual({ slippage_bps: 100, max_tokens: 4_385_964_912_280n, coverage_pct: 25 });
  });

  // The complete inventory of protocol.md section 7, per server message type.
  const WIDE: Record<string, string[]> = {
    hello_ok: ["session_id", "server_time_ms", "limits.pnl_flush_ms"],
    pong: ["server_time_ms"],
    pnl_update: ["position_id", "profit_units", "proceeds_units", "server_time_ms", "token_price_quote", "market_cap_quote"],
    liquidity_snapshot: ["position_id", "server_time_ms", "bands.0.max_tokens"],
    trade_tick: ["position_id", "time_ms", "token_amount", "quote_amount", "price_quote"],
    balance_update: ["tokens", "slot"],
    position_opened: [
      "position_id",
      "tokens",
      "entry_quote_units",
      "token_price_quote",
      "market_cap_quote",
      "pool_liquidity_quote",
      "opened_at_ms",
      "slot",
    ],
    position_closed: ["position_id", "slot"],
    exit_signal_with_tx: ["session_id", "position_id", "position_tokens", "profit_units", "triggered_at_ms", "sell_tokens"],
    mirror_buy_signal: ["session_id", "amount_quote_units", "tip_lamports"],
  };
  const NARROW: Record<string, string[]> = {
    hello_ok: [
      "limits.hi_capacity",
      "limits.max_positions_per_session",
      "limits.max_wallets_per_session",
      "limits.max_positions_per_wallet",
      "limits.max_sessions_per_api_key",
      "limits.max_watch_wallets_per_session",
    ],
    liquidity_snapshot: ["bands.0.slippage_bps"],
    position_opened: ["token_decimals"],
    exit_signal_with_tx: ["level_index"],
    mirror_buy_signal: ["slippage_bps"],
    mirror_wallet_auto_disabled: ["loss_count"],
  };
  const at = (value: unknown, path: string): unknown =>
    path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
  /** For each type, the fixture line holding the most of the listed integer fields. */
  const fullest = new Map<string, string>();
  const score = (line: string): number => {
    const value = JSON.parse(line) as { type: string };
    return [...(WIDE[value.type] ?? []), ...(NARROW[value.type] ?? [])].filter((p) => at(value, p) !== undefined).length;
  };
  for (const line of serverLines) {
    const type = (JSON.parse(line) as { type: string }).type;
    const best = fullest.get(type);
    if (best === undefined || score(best) < score(line)) fullest.set(type, line);
  }

  it.each(Object.keys(WIDE))("bigint mode: every u64/i64 field of %s is a bigint", (type) => {
    const r = parseServerMessage(fullest.get(type) ?? "", { ints: "bigint" });
    if (r.kind !== "message") throw new Error(r.kind);
    for (const path of WIDE[type] ?? []) expect(typeof at(r.message, path), path).toBe("bigint");
    for (const path of NARROW[type] ?? []) expect(typeof at(r.message, path), path).toBe("number");
    const n = parseServerMessage(fullest.get(type) ?? "");
    if (n.kind !== "message") throw new Error(n.kind);
    for (const path of WIDE[type] ?? []) expect(typeof at(n.message, path), path).toBe("number");
  });

  it.each(Object.keys(NARROW))("bigint mode: every u32/u16/u8 field of %s is a number", (type) => {
    const r = parseServerMessage(fullest.get(type) ?? "", { ints: "bigint" });
    if (r.kind !== "message") throw new Error(r.kind);
    for (const path of NARROW[type] ?? []) expect(typeof at(r.message, path), path).toBe("number");
  });

  it("in number mode no field of any fixture is a bigint", () => {
    for (const line of serverLines) {
      const r = parseServerMessage(line);
      if (r.kind !== "message") throw new Error(r.kind);
      expect(JSON.stringify(r.message, (_k, v: unknown) => (typeof v === "bigint" ? "BIGINT" : v))).not.toContain("BIGINT");
    }
  });

  it("a bigint position_id is written as a bare integer, and read back exactly", () => {
    const out = stringifyClientMessage({ type: "request_exit_signal", position_id: 18_446_744_073_709_551_615n, slippage_bps: 500 });
    expect(out).toBe('{"type":"request_exit_signal","position_id":18446744073709551615,"slippage_bps":500}');
    const back = parseClientMessage(out);
    expect(back).toMatchObject({ kind: "message", message: { position_id: 18_446_744_073_709_551_615n } });
  });

  it("an exit signal's bigint position_id goes straight into close_position unchanged", () => {
    const frame = serverLines.find((l) => l.includes('"chained_tp"'))?.replace('"position_id":1842', '"position_id":12345678901234567890');
    const r = parseServerMessage(frame ?? "", { ints: "bigint" });
    if (r.kind !== "message" || r.message.type !== "exit_signal_with_tx") throw new Error(r.kind);
    expect(stringifyClientMessage({ type: "close_position", position_id: r.message.position_id })).toBe(
      '{"type":"close_position","position_id":12345678901234567890}',
    );
  });
});

describe("the long-integer scan", () => {
  it.each([
    ['{"a":9007199254740992}', true],
    ['{"a":-9007199254740993}', true],
    ['{"a": \n\t9007199254740992}', true],
    ['{"a":[1,9007199254740992]}', true],
    ['{"a":[9007199254740992]}', true],
    ["9007199254740992", true],
    ['{"a":123456789012345}', false],
    // Sixteen digits up to 2^53 - 1 are exact as numbers: microsecond clocks stay on the fast path.
    ['{"a":1234567890123456}', false],
    ['{"a":-9007199254740991}', false],
    ['{"a":1773792051877123}', false],
    ['{"a":1.1234567890123456}', false],
    [`{"mint":"${WSOL}"}`, false],
    ['{"sig":"x1234567890123456789y"}', false],
    [`{"mint":"${WSOL}","tokens":12345678901234567}`, true],
    [`{"a":"${"1".repeat(40)}","b":12345678901234567}`, true],
  ])("%s -> %s", (text, expected) => {
    expect(mayHoldBigInts(text)).toBe(expected);
  });

  // The decoder scans a frame's text only when the value JSON.parse made holds such a number.
  it.each([
    ['{"a":9007199254740992}', true],
    ['{"a":-9007199254740993}', true],
    ['{"a":[1,{"b":[12345678901234567]}]}', true],
    ['{"__proto__":12345678901234567890}', true],
    ["9007199254740992", true],
    ["1e400", true],
    ['{"a":9007199254740991,"b":-9007199254740991,"c":[1.5,"12345678901234567890"],"d":{}}', false],
    ['"x"', false],
  ])("holdsUnsafeNumber(JSON.parse(%s)) -> %s", (text, expected) => {
    expect(holdsUnsafeNumber(JSON.parse(text))).toBe(expected);
  });

  it("every literal the scan flags parses to a number holdsUnsafeNumber sees (so skipping the scan loses nothing)", () => {
    const literal = fc.oneof(
      fc.bigInt({ min: 9_007_199_254_740_992n, max: 10n ** 20n - 1n }).map(String),
      fc.bigInt({ min: 9_007_199_254_740_992n, max: 10n ** 20n - 1n }).map((n) => `-${n}`),
      fc.bigInt({ min: 10n ** 20n, max: 10n ** 30n }).map(String),
    );
    fc.assert(
      fc.property(literal, fc.constantFrom("A", "[1,A]", '{"x":{"y":[A]}}', '{"__proto__":A}'), (lit, shape) => {
        const text = shape.replace("A", lit);
        expect(mayHoldBigInts(text)).toBe(true);
        expect(holdsUnsafeNumber(JSON.parse(text))).toBe(true);
      }),
    );
  });

  it("a deeply nested frame is walked without overflowing the stack, and still decoded", () => {
    const deep = `{"type":"pong","server_time_ms":1,"x":${"[".repeat(200_000)}12345678901234567890${"]".repeat(200_000)}}`;
    expect(holdsUnsafeNumber(JSON.parse(deep))).toBe(true);
    const safe = deep.replace("12345678901234567890", "7");
    expect(holdsUnsafeNumber(JSON.parse(safe))).toBe(false);
    expect(parseServerMessage(safe)).toMatchObject({ kind: "message", message: { server_time_ms: 1 } });
  });

  it("a frame carrying the wSOL mint in its market context stays on the fast path and parses exactly", () => {
    const line = serverLines.find((l) => l.includes(WSOL) && l.includes("exit_signal_with_tx"));
    expect(line).toBeDefined();
    expect(mayHoldBigInts(line ?? "")).toBe(false);
    const r = parseServerMessage(line ?? "");
    expect(r).toMatchObject({ kind: "message", message: { market_context: { meteora_dbc: { quote_mint: WSOL } } } });
    expect(r).not.toHaveProperty("precisionLoss");
  });

  it("readJson/writeJson round-trip big integers and keep strings of digits as strings", () => {
    const text = `{"mint":"${WSOL}","a":18446744073709551615,"b":-9223372036854775808,"c":1.5,"d":[12345678901234567890]}`;
    const value = readJson(text);
    expect(value).toEqual({ mint: WSOL, a: 18_446_744_073_709_551_615n, b: -9_223_372_036_854_775_808n, c: 1.5, d: [12_345_678_901_234_567_890n] });
    expect(writeJson(value)).toBe(text);
  });
});

describe("the number-mode fast path", () => {
  // The fast path returns the frame JSON.parse built (plus `watched`) instead of the schema's
  // output; both must be the same for every type.
  it("gives exactly what the full schema parse gives, for every fixture and type", () => {
    const seen = new Set<string>();
    for (const line of serverLines.filter((l) => !mayHoldBigInts(l))) {
      const r = parseServerMessage(line);
      if (r.kind !== "message") throw new Error(r.kind);
      seen.add(r.message.type);
      const schema = numberServerSchemas[r.message.type];
      const expected = schema.parse(JSON.parse(line));
      expect(r.message).toEqual(expected);
      expect(Object.keys(r.message).sort()).toEqual(Object.keys(expected as object).sort());
    }
    expect([...seen].sort()).toEqual([...SERVER_MESSAGE_TYPES].sort());
  });

  it("in bigint mode gives exactly what the bigint schema gives, for every fixture and type", () => {
    const seen = new Set<string>();
    for (const line of serverLines) {
      const r = parseServerMessage(line, { ints: "bigint" });
      if (r.kind !== "message") throw new Error(r.kind);
      seen.add(r.message.type);
      expect(r.message).toEqual(bigintServerSchemas[r.message.type].parse(readJson(line)));
    }
    expect([...seen].sort()).toEqual([...SERVER_MESSAGE_TYPES].sort());
  });

  /** The slow, obviously right decoder: read losslessly, run the full schema of the mode. */
  function reference(text: string, ints: "number" | "bigint"): { kind: string; value?: unknown; paths?: string[] } {
    // No field holds more than 20 digits: such a frame is invalid as a whole.
    if (/(^|[:,[-])\s*\d{21}/.test(text)) return { kind: "invalid", paths: [""] };
    let value: unknown;
    try {
      value = readJson(text);
    } catch {
      return { kind: "invalid" };
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) return { kind: "invalid" };
    const type = (value as { type?: unknown }).type;
    if (typeof type !== "string") return { kind: "invalid" };
    if (!(SERVER_MESSAGE_TYPES as readonly string[]).includes(type)) return { kind: "unknown" };
    const known = type as (typeof SERVER_MESSAGE_TYPES)[number];
    // Number mode with integers beyond 2^53 (read as bigints): checked exactly, then rounded.
    const rounded = ints === "number" && toNumbers(structuredClone(value)).lost.length > 0;
    const schemas = ints === "bigint" || rounded ? bigintServerSchemas : numberServerSchemas;
    const r = schemas[known].safeParse(value);
    if (!r.success) return { kind: "invalid", paths: r.error.issues.map((i) => i.path.join(".")) };
    return { kind: "message", value: rounded ? toNumbers(r.data).value : r.data };
  }

  it("a mutation to exactly 2^53 is delivered in number mode with the path reported (found by the property below)", () => {
    const line = serverLines.find((l) => l.includes('"exit_signal_with_tx"')) as string;
    const text = JSON.stringify({ ...(JSON.parse(line) as object), session_id: 0 }).replace('"session_id":0', '"session_id":9007199254740992');
    const r = parseServerMessage(text);
    if (r.kind !== "message") throw new Error(r.kind);
    expect(r.precisionLoss).toEqual(["session_id"]);
    expect(reference(text, "number")).toEqual({ kind: "message", value: r.message });
  });

  it("agrees with the reference decoder on random variations of every fixture (both modes)", () => {
    const variation = fc.constantFrom(...serverLines.filter((l) => !mayHoldBigInts(l))).chain((line) => {
      const obj = JSON.parse(line) as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => k !== "type");
      return fc
        .tuple(fc.constantFrom(...keys), fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.integer(), fc.boolean()))
        .map(([key, v]) => JSON.stringify({ ...obj, [key]: v }));
    });
    fc.assert(
      fc.property(variation, (text) => {
        for (const ints of ["number", "bigint"] as const) {
          const want = reference(text, ints);
          const got = parseServerMessage(text, { ints });
          if (got.kind !== want.kind) throw new Error(`${ints}: ${got.kind} != ${want.kind} for ${text}`);
          if (got.kind === "message") expect(got.message).toEqual(want.value);
          if (got.kind === "invalid" && want.paths) expect(got.error.issues.map((i) => i.path).slice(0, 1)).toEqual(want.paths.slice(0, 1));
        }
      }),
      { numRuns: 1000 },
    );
  });
});


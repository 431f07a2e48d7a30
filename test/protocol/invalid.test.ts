import { describe, expect, it } from "vitest";
import { StreamProtocolError, parseServerMessage } from "../../src/index.js";

const U64 = "Invalid input: expected u64 (integer 0..2^64-1)";
const I64 = "Invalid input: expected i64 (integer -2^63..2^63-1)";

/** A valid pnl_update with some fields replaced (or removed with `undefined`). */
function pnl(patch: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: "pnl_update",
    position_id: 1842,
    profit_units: 65_000_000,
    proceeds_units: 565_000_000,
    server_time_ms: 1_773_792_013_300,
    ...patch,
  });
}
/** Puts a raw JSON literal (e.g. a 20-digit integer) where the string `"@"` is. */
const lit = (frame: string, literal: string): string => frame.replace('"@"', literal);

const snapshot = (band: Record<string, unknown>): string =>
  JSON.stringify({
    type: "liquidity_snapshot",
    position_id: 1,
    bands: [{ slippage_bps: 100, max_tokens: 5, coverage_pct: 25, ...band }],
    liquidity_trend: "stable",
    server_time_ms: 1,
  });

const opened = (patch: Record<string, unknown>): string =>
  JSON.stringify({
    type: "position_opened",
    position_id: 1,
    wallet_pubkey: "w",
    mint: "m",
    token_account: "t",
    tokens: 1,
    entry_quote_units: 1,
    slot: 1,
    ...patch,
  });

const NOT_OBJECT = "frame is not a JSON object";
const NOT_JSON = /^frame is not valid JSON: \S/;
const NO_TYPE = "frame has no string `type`";

// [name, frame, pinned error message, failing field paths]
const cases: [string, string, string | RegExp, string[]][] = [
  // Not JSON at all. The engine's own text follows the prefix; it varies across Node versions.
  ["empty frame", "", NOT_JSON, []],
  ["not JSON", "not json", NOT_JSON, []],
  ["truncated JSON", pnl().slice(0, 40), NOT_JSON, []],
  ["truncated inside a string", pnl().slice(0, 30), NOT_JSON, []],
  ["trailing garbage", `${pnl()}x`, NOT_JSON, []],
  ["single quotes", "{'type':'pong'}", NOT_JSON, []],
  ["NaN literal", pnl().replace("1842", "NaN"), NOT_JSON, []],
  ["an array", "[]", NOT_OBJECT, [""]],
  ["an array of messages", `[${pnl()}]`, NOT_OBJECT, [""]],
  ["null", "null", NOT_OBJECT, [""]],
  ["a number", "42", NOT_OBJECT, [""]],
  ["a string", '"pnl_update"', NOT_OBJECT, [""]],
  ["true", "true", NOT_OBJECT, [""]],
  ["deeply nested arrays", `${"[".repeat(100_000)}${"]".repeat(100_000)}`, NOT_OBJECT, [""]],
  // No usable `type`.
  ["{}", "{}", NO_TYPE, ["type"]],
  ["type is a number", '{"type":5}', NO_TYPE, ["type"]],
  ["type is null", '{"type":null}', NO_TYPE, ["type"]],
  ["type is an array", '{"type":["pnl_update"]}', NO_TYPE, ["type"]],
  ["type is an object", '{"type":{"name":"pnl_update"}}', NO_TYPE, ["type"]],
  // Known type, bad fields.
  [
    "every required field missing",
    '{"type":"pnl_update"}',
    `invalid pnl_update message: position_id: ${U64}, received undefined; profit_units: ${I64}, received undefined; proceeds_units: ${U64}, received undefined; server_time_ms: ${U64}, received undefined`,
    ["position_id", "profit_units", "proceeds_units", "server_time_ms"],
  ],
  ["one required field missing", pnl({ server_time_ms: undefined }), `invalid pnl_update message: server_time_ms: ${U64}, received undefined`, ["server_time_ms"]],
  ["fractional u64", pnl({ position_id: 1.5 }), `invalid pnl_update message: position_id: ${U64}, received 1.5`, ["position_id"]],
  ["barely fractional u64", pnl({ position_id: 1.0000000000000002 }), `invalid pnl_update message: position_id: ${U64}, received 1.0000000000000002`, ["position_id"]],
  ["quoted u64", pnl({ position_id: "1842" }), `invalid pnl_update message: position_id: ${U64}, received string`, ["position_id"]],
  ["quoted i64", pnl({ profit_units: "-5" }), `invalid pnl_update message: profit_units: ${I64}, received string`, ["profit_units"]],
  ["fractional i64", pnl({ profit_units: -0.5 }), `invalid pnl_update message: profit_units: ${I64}, received -0.5`, ["profit_units"]],
  ["negative u64", pnl({ proceeds_units: -1 }), `invalid pnl_update message: proceeds_units: ${U64}, received -1`, ["proceeds_units"]],
  ["negative u64 beyond 2^53", lit(pnl({ position_id: "@" }), "-12345678901234567"), `invalid pnl_update message: position_id: ${U64}, received -12345678901234567`, ["position_id"]],
  ["u64 above 2^64-1", lit(pnl({ position_id: "@" }), "18446744073709551616"), `invalid pnl_update message: position_id: ${U64}, received 18446744073709551616`, ["position_id"]],
  ["i64 below -2^63", lit(pnl({ profit_units: "@" }), "-9223372036854775809"), `invalid pnl_update message: profit_units: ${I64}, received -9223372036854775809`, ["profit_units"]],
  ["u64 in exponent form beyond u64", lit(pnl({ position_id: "@" }), "1e300"), `invalid pnl_update message: position_id: ${U64}, received 1e+300`, ["position_id"]],
  ["boolean u64", pnl({ position_id: true }), `invalid pnl_update message: position_id: ${U64}, received boolean`, ["position_id"]],
  ["null u64", pnl({ token_price_quote: null }), `invalid pnl_update message: token_price_quote: ${U64}, received null`, ["token_price_quote"]],
  ["watched not a boolean", pnl({ watched: "yes" }), "invalid pnl_update message: watched: Invalid input: expected boolean, received string", ["watched"]],
  ["u16 above 65535", snapshot({ slippage_bps: 65_536 }), "invalid liquidity_snapshot message: bands.0.slippage_bps: Invalid input: expected u16 (integer 0..65535), received 65536", ["bands.0.slippage_bps"]],
  ["negative u16", snapshot({ slippage_bps: -1 }), "invalid liquidity_snapshot message: bands.0.slippage_bps: Invalid input: expected u16 (integer 0..65535), received -1", ["bands.0.slippage_bps"]],
  ["nested u64 quoted", snapshot({ max_tokens: "5" }), `invalid liquidity_snapshot message: bands.0.max_tokens: ${U64}, received string`, ["bands.0.max_tokens"]],
  ["f64 quoted", snapshot({ coverage_pct: "25" }), "invalid liquidity_snapshot message: bands.0.coverage_pct: Invalid input: expected number, received string", ["bands.0.coverage_pct"]],
  [
    "bands not an array",
    '{"type":"liquidity_snapshot","position_id":1,"bands":{},"liquidity_trend":"stable","server_time_ms":1}',
    "invalid liquidity_snapshot message: bands: Invalid input: expected array, received object",
    ["bands"],
  ],
  [
    "u32 above 2^32-1",
    '{"type":"mirror_wallet_auto_disabled","watched_wallet":"w","reason":"r","loss_count":4294967296}',
    "invalid mirror_wallet_auto_disabled message: loss_count: Invalid input: expected u32 (integer 0..4294967295), received 4294967296",
    ["loss_count"],
  ],
  ["u8 above 255", opened({ token_decimals: 256 }), "invalid position_opened message: token_decimals: Invalid input: expected u8 (integer 0..255), received 256", ["token_decimals"]],
  ["required string missing", opened({ token_account: undefined }), "invalid position_opened message: token_account: Invalid input: expected string, received undefined", ["token_account"]],
  ["string field is a number", opened({ mint: 7 }), "invalid position_opened message: mint: Invalid input: expected string, received number", ["mint"]],
  [
    "market_context without market_type",
    opened({ market_context: { pumpfun: {} } }),
    "invalid position_opened message: market_context.market_type: Invalid input: expected string, received undefined",
    ["market_context.market_type"],
  ],
  [
    "hello_ok limits missing a required counter",
    '{"type":"hello_ok","session_id":1,"server_time_ms":1,"limits":{"hi_capacity":256,"pnl_flush_ms":100}}',
    "invalid hello_ok message: limits.max_positions_per_session: Invalid input: expected u32 (integer 0..4294967295), received undefined",
    ["limits.max_positions_per_session"],
  ],
  ["error code not a string", '{"type":"error","code":42,"message":"m"}', "invalid error message: code: Invalid input: expected string, received number", ["code"]],
  ["pong without its time", '{"type":"pong"}', `invalid pong message: server_time_ms: ${U64}, received undefined`, ["server_time_ms"]],
];

describe("invalid server frames", () => {
  it("has at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("%s -> invalid", (_name, frame, message, paths) => {
    for (const ints of ["number", "bigint"] as const) {
      let r: ReturnType<typeof parseServerMessage> | undefined;
      expect(() => {
        r = parseServerMessage(frame, { ints });
      }).not.toThrow();
      if (r?.kind !== "invalid") throw new Error(`expected invalid in ${ints} mode, got ${r?.kind}`);
      expect(r.error).toBeInstanceOf(StreamProtocolError);
      expect(r.error.code).toBe("protocol");
      if (typeof message === "string") expect(r.error.message).toBe(message);
      else expect(r.error.message).toMatch(message);
      expect(r.error.issues.map((i) => i.path)).toEqual(paths);
      expect(r.raw).toBe(frame);
      expect(r.error.raw).toBe(frame);
    }
  });

  it("names the message type on the error", () => {
    const r = parseServerMessage(pnl({ position_id: "x" }));
    if (r.kind !== "invalid") throw new Error(r.kind);
    expect(r.error.messageType).toBe("pnl_update");
  });

  it("keeps the JSON parser's error as the cause", () => {
    const r = parseServerMessage("{");
    if (r.kind !== "invalid") throw new Error(r.kind);
    expect(r.error.cause).toBeInstanceOf(SyntaxError);
  });

  it("a 10 MB string of garbage is invalid, quickly, with a short message", () => {
    const frame = "x".repeat(10_000_000);
    const r = parseServerMessage(frame);
    if (r.kind !== "invalid") throw new Error(r.kind);
    expect(r.error.message.length).toBeLessThan(200);
    expect(r.raw.length).toBe(10_000_000);
  });

  it("a 10 MB string field is fine where a string is expected, and named where it is not", () => {
    const big = "y".repeat(10_000_000);
    const ok = parseServerMessage(JSON.stringify({ type: "error", code: "c", message: big }));
    if (ok.kind !== "message" || ok.message.type !== "error") throw new Error(ok.kind);
    expect(ok.message.message.length).toBe(10_000_000);
    const bad = parseServerMessage(JSON.stringify({ type: "error", code: "c", message: 5, extra: big }));
    if (bad.kind !== "invalid") throw new Error(bad.kind);
    expect(bad.error.message).toBe("invalid error message: message: Invalid input: expected string, received number");
  });

  it("deep nesting on the lossless path (a 16-digit integer inside) is invalid, not a crash", () => {
    const frame = `{"type":"pnl_update","x":${"[".repeat(100_000)}12345678901234567${"]".repeat(100_000)}}`;
    for (const ints of ["number", "bigint"] as const) {
      const r = parseServerMessage(frame, { ints });
      expect(r.kind).toBe("invalid");
    }
  });

  it("a frame that is not a string is invalid, not a crash", () => {
    for (const value of [undefined, null, 42, {}, Buffer.from("{}")]) {
      const r = parseServerMessage(value as unknown as string);
      if (r.kind !== "invalid") throw new Error(r.kind);
      expect(r.error.message).toBe("frame is not text");
    }
  });
});

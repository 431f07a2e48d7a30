/**
 * Property: whatever a client sends, the server answers every refused frame with one `error`
 * frame carrying a code, never crashes, and keeps serving (the same connection after configure;
 * new connections always).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MockStreamServer } from "../../src/testing/index.js";
import { RawClient, WALLET, closeAllRawClients, configureFrame } from "./raw-client.js";

const TYPES = [
  "ping",
  "configure",
  "update_strategy",
  "close_position",
  "request_exit_signal",
  "sell_now",
  "update_wallets",
  "update_watch_wallets",
  "update_position_strategy",
  "mirror_buy_result",
  "subscribe",
  "",
];
const FIELDS = ["position_id", "token_account", "strategy", "wallet_pubkeys", "client_time_ms", "mint", "success", "watch_wallets", "slippage_bps"];

const messageLike = fc
  .record({
    type: fc.constantFrom(...TYPES),
    fields: fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(fc.anything(), fc.constant(WALLET), fc.integer(), fc.constant({ target_profit_pct: 5, stop_loss_pct: 1 }))),
  })
  .map(({ type, fields }) => JSON.stringify({ ...fields, type }));

const frame = fc.oneof(
  fc.string(),
  fc.json(),
  messageLike,
  messageLike,
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
);

const CODES = ["invalid_message", "invalid_strategy", "too_many_wallets", "too_many_watch_wallets", "tier_required", "not_configured", "already_configured", "position_not_found"];

let server: MockStreamServer;
beforeAll(async () => {
  server = await MockStreamServer.start({ seed: 11, priceWalk: false, pnlFlushMs: 1_000 });
  server.openPosition({ wallet: WALLET });
});
afterAll(async () => {
  closeAllRawClients();
  await server.close();
});

describe("mock server under random client frames", () => {
  it("after configure: one error frame per refused frame, connection kept", async () => {
    let stamp = 1;
    let handshakes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { maxLength: 15 }), async (frames) => {
        const c = await RawClient.configured(server.url);
        const conn = await server.waitForConnection({ count: ++handshakes });
        for (const f of frames) c.ws.send(f);
        const marker = ++stamp;
        c.send({ type: "ping", client_time_ms: marker });
        await server.waitForMessage("ping", { predicate: (m) => m.client_time_ms === marker, timeoutMs: 3_000 });
        await c.next("pong");
        expect(c.closed).toBeUndefined();
        const errors = c.of("error");
        for (const e of errors) {
          expect(CODES).toContain(e["code"]);
          expect(typeof e["message"]).toBe("string");
        }
        const refused = conn.received.filter((r) => r.error !== undefined);
        expect(errors).toHaveLength(refused.length);
        c.ws.terminate();
      }),
      { numRuns: 40 },
    );
  });

  it("before configure: a frame that is not a valid configure gets an error frame and close 1008; the server keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(frame, async (f) => {
        const c = await RawClient.connect(server.url);
        c.ws.send(f);
        const outcome = await c.until(() => c.frames[0] ?? c.closed, 3_000, "first frame");
        if ("type" in outcome && outcome.type === "hello_ok") {
          c.ws.terminate(); // the random frame happened to be a valid configure
          return;
        }
        expect(outcome).toMatchObject({ type: "error", code: expect.any(String) });
        expect((await c.waitClosed()).code).toBe(1008);
      }),
      { numRuns: 60 },
    );
    const ok = await RawClient.configured(server.url, configureFrame());
    await ok.next("position_opened");
  });
});

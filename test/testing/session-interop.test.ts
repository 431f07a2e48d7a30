/**
 * The project's own StreamSession against the mock: reconnects after a drop and after a stalled
 * (dead) link, with the latest strategy replayed, positions re-announced under the same ids (no
 * duplicates), and the exit delivered on the new link.
 */
import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { StreamClient, StreamSession } from "../../src/index.js";
import { MockStreamServer } from "../../src/testing/index.js";
import { nextEvent as next } from "../helpers/session-events.js";

const servers: MockStreamServer[] = [];
const sessions: StreamSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup() {
  const server = await MockStreamServer.start({ seed: 21, priceWalk: false, pnlFlushMs: 20, settleMs: 10 });
  servers.push(server);
  const wallet = Keypair.generate().publicKey.toBase58();
  const client = new StreamClient("interop-key", {
    endpoint: server.url,
    reconnect: { initialDelayMs: 10, maxDelayMs: 50, minUptimeMs: 50 },
    heartbeat: { intervalMs: 100, timeoutMs: 150 },
  });
  const session = await StreamSession.connect(client, { wallet_pubkeys: [wallet], strategy: { target_profit_pct: 50, stop_loss_pct: 50 } });
  sessions.push(session);
  return { server, session, wallet };
}

describe("StreamSession against the mock", () => {
  it("after a server drop: latest strategy replayed, the same position re-announced once, the exit delivered", async () => {
    const { server, session, wallet } = await setup();
    const { position_id } = server.openPosition({ wallet });
    const opened = await next(session, "position_opened");
    session.updateStrategy({ target_profit_pct: 10, stop_loss_pct: 50 });
    await server.waitForMessage("update_strategy");

    server.dropConnections(1012, "restart");
    await next(session, "reconnected");
    const second = await server.waitForConnection({ count: 2 });
    expect(second.strategy).toMatchObject({ target_profit_pct: 10 });

    expect(session.positions().map((p) => p.position_id)).toEqual([position_id]);
    expect(session.position(position_id)?.opened_at_ms).toBe(opened.handle.opened_at_ms);

    server.setPrice(position_id, 1.1);
    const exit = await next(session, "exit_signal_with_tx");
    expect(exit.message).toMatchObject({ position_id, reason: "target_profit", session_id: second.sessionId });
  });

  it("a stalled link is detected by the heartbeat; the exit fires on the new connection", async () => {
    const { server, session, wallet } = await setup();
    const { position_id } = server.openPosition({ wallet });
    await next(session, "position_opened");
    server.stall();
    server.setPrice(position_id, 0.4);
    await next(session, "reconnected", undefined, 5_000);
    const exit = await next(session, "exit_signal_with_tx");
    expect(exit.message).toMatchObject({ position_id, reason: "stop_loss" });
    expect(server.exits).toHaveLength(1);
  });
});

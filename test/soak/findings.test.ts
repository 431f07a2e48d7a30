/**
 * Bugs the soak found, each as a minimal reproduction kept as a regression test.
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

describe("soak findings", () => {
  // Fixed bug: the client forgot a position's override when a `close_position` was SENT, not when
  // the position closed. When the server refused the close (position_not_found: the position was
  // not tracked on that connection), the position stayed open, and once it was tracked again the
  // reconnect no longer replayed its per-position strategy: the server ran it with the global one.
  it("a refused close_position does not lose the position's override on the next reconnect", { timeout: 15_000 }, async () => {
    const server = await MockStreamServer.start({ seed: 3, priceWalk: false, pnlFlushMs: 50 });
    servers.push(server);
    const [a, b] = [Keypair.generate().publicKey.toBase58(), Keypair.generate().publicKey.toBase58()];
    const client = new StreamClient("findings-key", { endpoint: server.url, reconnect: { initialDelayMs: 5, maxDelayMs: 20, minUptimeMs: 20 } });
    const session = await StreamSession.connect(client, { wallet_pubkeys: [a, b], strategy: { target_profit_pct: 50, stop_loss_pct: 50 } });
    sessions.push(session);
    const { position_id } = server.openPosition({ wallet: b });
    await next(session, "position_opened");
    const override = { target_profit_pct: 7, stop_loss_pct: 9 };
    session.updatePositionStrategy(position_id, override);
    await server.waitForMessage("update_position_strategy");

    // Wallet b leaves; after a reconnect the new connection does not track b's position.
    session.updateWallets([a]);
    await server.waitForMessage("update_wallets");
    server.dropConnections(1012);
    await next(session, "reconnected");
    const second = await server.waitForConnection({ count: 2 });
    expect(second.announced.has(position_id)).toBe(false);

    // The close is refused: nothing closed, the position is still open on the server.
    session.closePosition(position_id);
    const refusal = await next(session, "error");
    expect(refusal.message.code).toBe("position_not_found");
    expect(server.position(position_id)?.open).toBe(true);

    // Wallet b is back: the position is tracked again. A reconnect must replay its override.
    session.updateWallets([a, b]);
    await server.waitFor(() => (second.announced.has(position_id) ? true : undefined));
    server.dropConnections(1012);
    await next(session, "reconnected");
    const third = await server.waitForConnection({ count: 3 });
    // A marker sent after the reconnect: once the server has it, the replay before it is in.
    session.sender().ping(424_242);
    await server.waitFor(() => (third.received.some((f) => f.message?.type === "ping") ? true : undefined));
    const replayed = third.received.filter((f) => f.message?.type === "update_position_strategy").map((f) => f.message);
    expect(replayed).toEqual([expect.objectContaining({ position_id, strategy: expect.objectContaining(override) })]);
  });
});

/**
 * close() called from inside the connection's (or session's) own event listeners, at every step of
 * a drop and a reconnect: the connection ends there, nothing throws (an uncaught exception from a
 * socket callback would kill the bot), and no socket is dialed afterwards.
 */
import { afterEach, describe, expect, it } from "vitest";
import { StreamClient, type StreamConnection } from "../../src/client/index.js";
import { StreamSession } from "../../src/session/index.js";
import { configure } from "../helpers/frames.js";
import { ScriptedServer, waitFor, type ScriptedServerOptions } from "../helpers/scripted-server.js";
import { afterTimersUpTo } from "../helpers/timers.js";

const servers: ScriptedServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const MAX_DELAY_MS = 20;

async function open(options: ScriptedServerOptions = {}): Promise<{ s: ScriptedServer; connection: StreamConnection }> {
  const s = await ScriptedServer.start(options);
  servers.push(s);
  const client = new StreamClient("test-key", {
    endpoint: s.url,
    heartbeat: { intervalMs: 60_000 },
    reconnect: { initialDelayMs: 10, maxDelayMs: MAX_DELAY_MS },
  });
  return { s, connection: await client.connect(configure()) };
}

/** After a reconnect timer could have run and its dial reached the server: nothing was dialed. */
async function noFurtherDial(s: ScriptedServer, attempts: number): Promise<void> {
  await afterTimersUpTo(MAX_DELAY_MS);
  await s.probe();
  expect(s.attempts).toBe(attempts);
}

describe("close() from a listener", () => {
  it("of disconnected: the connection ends, no reconnect", async () => {
    const { s, connection } = await open();
    const closing: Promise<void>[] = [];
    connection.on("disconnected", () => closing.push(connection.close()));
    s.connection(0).drop(1001);
    await waitFor(() => connection.status === "closed", 2000, "closed");
    await Promise.all(closing);
    await noFurtherDial(s, 1);
    expect(await connection.recv()).toBeNull();
  });

  it("of reconnecting: no dial after close", async () => {
    const { s, connection } = await open();
    connection.on("reconnecting", () => void connection.close());
    s.connection(0).drop(1001);
    await waitFor(() => connection.status === "closed", 2000, "closed");
    await noFurtherDial(s, 1);
  });

  it("of status (current: reconnecting): no dial after close", async () => {
    const { s, connection } = await open();
    connection.on("status", ({ current }) => {
      if (current === "reconnecting") void connection.close();
    });
    s.connection(0).drop(1001);
    await waitFor(() => connection.status === "closed", 2000, "closed");
    await noFurtherDial(s, 1);
  });

  it("of stream_error, when a reconnect attempt is refused: no further attempt", async () => {
    const { s, connection } = await open({ handshake: (i) => (i === 0 ? "after_configure" : { status: 500 }) });
    connection.on("stream_error", () => void connection.close());
    s.connection(0).drop(1001);
    await waitFor(() => connection.status === "closed", 2000, "closed");
    await noFurtherDial(s, 2);
  });

  it("of status (current: open) on a reconnect: the connection closes cleanly", async () => {
    const { s, connection } = await open();
    connection.on("status", ({ previous, current }) => {
      if (previous === "reconnecting" && current === "open") void connection.close();
    });
    s.connection(0).drop(1001);
    await waitFor(() => connection.status === "closed", 2000, "closed");
    await noFurtherDial(s, 2);
  });

  it("of a session's disconnected: the session and its connection end", async () => {
    const s = await ScriptedServer.start();
    servers.push(s);
    const client = new StreamClient("test-key", { endpoint: s.url, heartbeat: { intervalMs: 60_000 }, reconnect: { initialDelayMs: 10, maxDelayMs: MAX_DELAY_MS } });
    const session = await StreamSession.connect(client, configure());
    session.on("disconnected", () => void session.close());
    s.connection(0).drop(1001);
    const connection = session.connection as StreamConnection;
    await waitFor(() => connection.status === "closed", 2000, "closed");
    await noFurtherDial(s, 1);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { StreamClient } from "../../src/client/index.js";
import { ScriptedServer, waitFor } from "../helpers/scripted-server.js";
import { configure, exitSignal, pnlUpdate } from "../helpers/frames.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("smoke", () => {
  it("connects, receives, sends, closes", async () => {
    server = await ScriptedServer.start();
    const client = new StreamClient("test-key", { endpoint: server.url });
    const connection = await client.connect(configure());
    const hello = await connection.recv();
    expect(hello?.type).toBe("hello_ok");
    const conn = server.connection(0);
    expect(conn.messages[0]).toMatchObject({ type: "configure", wallet_pubkeys: [expect.any(String)] });
    expect(conn.messages[0]).not.toHaveProperty("deadline_timeout_sec");
    conn.push(pnlUpdate(1));
    conn.push(exitSignal(1));
    await waitFor(() => connection.stats().received === 3);
    expect((await connection.recv())?.type).toBe("exit_signal_with_tx");
    connection.sender().ping(5);
    await conn.waitForType("ping");
    await connection.close();
    expect((await conn.closed).code).toBe(1000);
    expect(await connection.recv()).toBeNull();
  });
});

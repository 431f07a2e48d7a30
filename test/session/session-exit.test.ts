/** Process hygiene: after session.close(), no timer or socket keeps Node alive. */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MockStreamServer } from "../../src/testing/index.js";
import { startChild, tsx } from "../helpers/child.js";
import { WALLET } from "../helpers/frames.js";

const servers: MockStreamServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("process hygiene", () => {
  it("the process exits promptly after close() with deadlines armed", async () => {
    const server = await MockStreamServer.start({ seed: 3, priceWalk: false, pnlFlushMs: 20 });
    servers.push(server);
    server.openPosition({ wallet: WALLET });
    server.openPosition({ wallet: WALLET });
    const script = fileURLToPath(new URL("./fixtures/session-exit.ts", import.meta.url));
    const child = startChild(tsx(script, server.url, WALLET), { timeoutMs: 12_000 });
    const { code, at: exitedAt } = await child.exited;
    const out = child.out();
    expect(child.err()).toBe("");
    expect(code).toBe(0);
    const closedAt = Number(/closed (\d+)/.exec(out)?.[1]);
    expect(Number.isFinite(closedAt)).toBe(true);
    expect(exitedAt - closedAt).toBeLessThan(1_500);
  });
});

/** Process hygiene: after session.close(), no timer or socket keeps Node alive. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MockStreamServer } from "../../src/testing/index.js";

const WALLET = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
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
    const child = spawn(process.execPath, ["--import", "tsx", script, server.url, WALLET], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`child did not exit; stdout: ${out} stderr: ${err}`));
      }, 12_000);
      child.on("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    const exitedAt = Date.now();
    expect(err).toBe("");
    expect(code).toBe(0);
    const closedAt = Number(/closed (\d+)/.exec(out)?.[1]);
    expect(Number.isFinite(closedAt)).toBe(true);
    expect(exitedAt - closedAt).toBeLessThan(1_500);
  });
});

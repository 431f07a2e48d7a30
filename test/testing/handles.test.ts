/**
 * After close(), the mock leaves nothing that keeps Node alive (timers, servers, sockets), even
 * with a client connected, a 60 s settlement pending and a 60 s wait outstanding: a child process
 * running that scenario must exit on its own.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("MockStreamServer.close()", () => {
  it("lets the process exit on its own", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/testing/close-exits.fixture.ts"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null | "hung">((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve("hung");
      }, 10_000);
      child.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect({ code, out, err: err.replace(/npm warn.*\n/g, "") }).toEqual({ code: 0, out: "closed\n", err: "" });
  }, 20_000);
});

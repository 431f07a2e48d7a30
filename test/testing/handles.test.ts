/**
 * After close(), the mock leaves nothing that keeps Node alive (timers, servers, sockets), even
 * with a client connected, a 60 s settlement pending and a 60 s wait outstanding: a child process
 * running that scenario must exit on its own.
 */
import { describe, expect, it } from "vitest";
import { runChild } from "../helpers/child.js";

describe("MockStreamServer.close()", () => {
  it("lets the process exit on its own", async () => {
    const { code, out, err } = await runChild(["--import", "tsx", "test/testing/close-exits.fixture.ts"], 10_000);
    expect({ code, out, err }).toEqual({ code: 0, out: "closed\n", err: "" });
  }, 20_000);
});

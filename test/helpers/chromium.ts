/**
 * Headless Chromium (Debian's `chromium`, installed by .ci/run) driven over the DevTools
 * protocol: open a page, evaluate an expression, take a screenshot. Fresh profile per launch,
 * no network services, killed on close.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { startChild } from "./child.js";

export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "chromium";

export interface Browser {
  /** Opens `url`, waits for the load, evaluates `expression` (JSON result) and captures a PNG. */
  inspect<T>(url: string, expression: string, viewport?: { width: number; height: number }): Promise<{ value: T; png: Buffer }>;
  close(): Promise<void>;
}

export async function launchChromium(timeoutMs = 20_000): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "ls-chromium-"));
  const child = startChild(
    [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank",
    ],
    // Killed when the test that launched it finishes; bounded anyway.
    { command: CHROMIUM, timeoutMs: 120_000 },
  );
  const cleanup = async (): Promise<void> => {
    await child.stop("SIGKILL");
    rmSync(profile, { recursive: true, force: true });
  };
  let endpoint: string;
  try {
    endpoint = (await child.waitFor(/DevTools listening on (ws:\/\/\S+)/, { stream: "stderr", timeoutMs }))[1] as string;
  } catch (e) {
    await cleanup();
    if (/spawn failed/.test(child.err())) throw new Error(`cannot run ${CHROMIUM} (install it: apt-get install -y chromium): ${child.err()}`);
    throw new Error(`chromium did not start within ${timeoutMs} ms: ${(e as Error).message.slice(-500)}`);
  }
  const ws = new WebSocket(endpoint, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const events: Array<{ method: string; sessionId?: string }> = [];
  const eventWaiters: Array<() => void> = [];
  ws.on("message", (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string }; method?: string; sessionId?: string };
    if (msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error !== undefined) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result);
    } else if (msg.method !== undefined) {
      events.push({ method: msg.method, ...(msg.sessionId === undefined ? {} : { sessionId: msg.sessionId }) });
      for (const w of eventWaiters.splice(0)) w();
    }
  });
  const send = <T>(method: string, params: object = {}, sessionId?: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
    });
  const waitEvent = async (method: string, sessionId: string): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!events.some((e) => e.method === method && e.sessionId === sessionId)) {
      if (Date.now() > deadline) throw new Error(`no ${method} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        eventWaiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  };
  return {
    async inspect<T>(url: string, expression: string, viewport = { width: 1200, height: 1400 }) {
      const { targetId } = await send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
      const { sessionId } = await send<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true });
      await send("Page.enable", {}, sessionId);
      await send("Emulation.setDeviceMetricsOverride", { ...viewport, deviceScaleFactor: 1, mobile: false }, sessionId);
      await send("Page.navigate", { url }, sessionId);
      await waitEvent("Page.loadEventFired", sessionId);
      const evaluated = await send<{ result: { value: T } }>("Runtime.evaluate", { expression, returnByValue: true }, sessionId);
      const shot = await send<{ data: string }>("Page.captureScreenshot", { format: "png" }, sessionId);
      await send("Target.closeTarget", { targetId });
      return { value: evaluated.result.value, png: Buffer.from(shot.data, "base64") };
    },
    async close() {
      await send("Browser.close").catch(() => undefined);
      ws.terminate();
      // Browser.close ends it; SIGKILL if it has not gone within 3 s.
      await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
      await cleanup();
    },
  };
}

// Scratch: where does the session spend per message? (not committed)
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { oursSession, oursConnection } from "./ours.js";
const child = spawn(process.execPath, ["--import", "tsx", new URL("./server.ts", import.meta.url).pathname], { stdio: ["pipe", "pipe", "inherit"] });
const lines = createInterface({ input: child.stdout! });
const port = await new Promise<number>((r) => lines.on("line", (l) => { const e = JSON.parse(l); if (typeof e.port === "number") r(e.port); }));
for (const c of [oursConnection, oursSession, oursConnection, oursSession]) {
  const client = await c.open(`ws://127.0.0.1:${port}/v1/ws?s=ingest&n=100000`);
  const t = performance.now();
  for (;;) { const d = await client.next(); if (d === null) break; if (d.type === "exit_signal_with_tx" && d.message["position_id"] === 0) break; }
  console.log(c.name, (100000 / (performance.now() - t) * 1000).toFixed(0));
  await client.close();
}
child.kill();
process.exit(0);

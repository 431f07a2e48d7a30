/**
 * Reading a bounded JSON request body, shared by the mock's HTTP endpoints (JSON-RPC and wallet
 * registration).
 */
import type { IncomingMessage } from "node:http";

export type JsonBody = { kind: "json"; body: unknown } | { kind: "too_large" } | { kind: "invalid_json" };

/**
 * Reads `req`'s body (at most `maxBytes`) and parses it as JSON (with `parse`, e.g. a lossless
 * reader); `done` is called exactly once. A body over the limit is answered by
 * `done({ kind: "too_large" })`, then the request is destroyed.
 */
export function readJsonBody(
  req: IncomingMessage,
  maxBytes: number,
  done: (result: JsonBody) => void,
  parse: (text: string) => unknown = JSON.parse,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  req.on("data", (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > maxBytes) {
      finished = true;
      done({ kind: "too_large" });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (finished) return;
    finished = true;
    let body: unknown;
    try {
      body = parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      done({ kind: "invalid_json" });
      return;
    }
    done({ kind: "json", body });
  });
}

/** Reading an HTTP response body up to a byte cap (the REST transport and the tx layer's JSON-RPC calls). */

/**
 * Reads `response`'s body up to `max` bytes; the rest is cancelled unread (and a body whose
 * `content-length` is far over the cap is not read at all). `truncated` says the cap was hit.
 */
export async function readCapped(response: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  if (response.body === null) return { text: "", truncated: false };
  const reader = response.body.getReader();
  if (Number.isFinite(length) && length > max * 16) {
    // Obviously oversized: do not even start reading it.
    await reader.cancel().catch(() => undefined);
    return { text: "", truncated: true };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      chunks.push(value.subarray(0, max - size));
      size = max;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return { text: new TextDecoder().decode(all), truncated };
}

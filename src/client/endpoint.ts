/**
 * Endpoint and API-key checks, done before any I/O. Error texts never include the key.
 */
import { StreamValidationError } from "../errors.js";
import { checkApiKey } from "../util/api-key.js";
import { isLoopbackHost } from "../util/net.js";

export { checkApiKey, isLoopbackHost };

/**
 * Checks an endpoint URL: `wss://` anywhere, `ws://` only to a loopback host unless
 * `allowInsecure` (the API key travels in a header, readable by anyone on the path of a `ws://`
 * connection). Returns the URL as given (trimmed).
 */
export function checkEndpoint(endpoint: string, allowInsecure: boolean): string {
  const trimmed = endpoint.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new StreamValidationError(`endpoint is not a valid URL: ${JSON.stringify(trimmed)}`, [
      { path: "endpoint", message: "expected a ws:// or wss:// URL" },
    ]);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new StreamValidationError(`endpoint must use ws:// or wss://, got ${url.protocol}`, [
      { path: "endpoint", message: "expected a ws:// or wss:// URL" },
    ]);
  }
  if (url.username !== "" || url.password !== "") {
    throw new StreamValidationError("endpoint must not carry credentials; the API key is sent in a header", [
      { path: "endpoint", message: "credentials in URL" },
    ]);
  }
  if (url.protocol === "ws:" && !allowInsecure && !isLoopbackHost(url.hostname)) {
    throw new StreamValidationError(
      `refusing unencrypted ws:// to ${url.hostname}: the API key would travel in clear text; use wss:// or set allowInsecure`,
      [{ path: "endpoint", message: "ws:// to a non-loopback host" }],
    );
  }
  return trimmed;
}

/**
 * Endpoint and API-key checks, done before any I/O. Error texts never include the key.
 */
import { StreamValidationError } from "../errors.js";
import { checkApiKey } from "../util/api-key.js";
import { isLoopbackHost, refusesCleartext } from "../util/net.js";

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
    throw new StreamValidationError(`endpoint is not a valid URL: ${JSON.stringify(trimmed)}`, { issues: [
      { path: "endpoint", message: "expected a ws:// or wss:// URL" },
    ] });
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new StreamValidationError(`endpoint must use ws:// or wss://, got ${url.protocol}`, { issues: [
      { path: "endpoint", message: "expected a ws:// or wss:// URL" },
    ] });
  }
  if (url.username !== "" || url.password !== "") {
    throw new StreamValidationError("endpoint must not carry credentials; the API key is sent in a header", { issues: [
      { path: "endpoint", message: "credentials in URL" },
    ] });
  }
  if (refusesCleartext(url, allowInsecure)) {
    throw new StreamValidationError(
      `refusing unencrypted ws:// to ${url.hostname}: the API key would travel in clear text; use wss:// or set allowInsecure`, { issues: [{ path: "endpoint", message: "ws:// to a non-loopback host" }] }
    );
  }
  return trimmed;
}

/**
 * The one loopback rule of the library: where a plain-text scheme (`ws://`, `http://`) is allowed
 * without an explicit opt-in. Used by the stream endpoint, the REST transport and submit targets.
 */

const LOOPBACK_NAMES = new Set(["localhost", "[::1]", "::1"]);

/** True for `localhost`, `*.localhost`, `127.0.0.0/8` and `::1` (with or without brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(host) || host.endsWith(".localhost")) return true;
  return /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * The one cleartext rule: `ws://` and `http://` are refused to a host that is not loopback unless
 * the caller set `allowInsecure` (an API key in a header or URL would travel readable by anyone on
 * the path). True when `url` must be refused.
 */
export function refusesCleartext(url: URL, allowInsecure: boolean): boolean {
  return (url.protocol === "ws:" || url.protocol === "http:") && !allowInsecure && !isLoopbackHost(url.hostname);
}

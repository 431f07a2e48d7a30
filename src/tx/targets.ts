/**
 * Where a transaction goes: the {@link SendTarget} kinds (a JSON-RPC URL, Helius Sender, Astralane
 * Iris), their well-known URLs, and `resolveTarget`, which turns a target into a checked URL,
 * headers and the redactor of its secrets (keys, credentials, URL tokens) for every error.
 */
import { StreamValidationError } from "../errors.js";
import { refusesCleartext } from "../util/net.js";
import { createRedactor, type Redactor } from "../util/secrets.js";

/** Helius Sender base URL (the official SDK's constant). */
export const HELIUS_SENDER_BASE_URL = "https://sender.helius-rpc.com";
/** Helius Sender's `sendTransaction` endpoint. */
export const HELIUS_SENDER_FAST_URL = `${HELIUS_SENDER_BASE_URL}/fast`;
/** Helius Sender's warm-up endpoint. */
export const HELIUS_SENDER_PING_URL = `${HELIUS_SENDER_BASE_URL}/ping`;
/** Default Astralane Iris region (Frankfurt). */
export const ASTRALANE_DEFAULT_REGION = "fr";
/** Public mainnet RPC; rate-limited, for getting started only. */
export const MAINNET_BETA_RPC_URL = "https://solana-rpc.publicnode.com";

/**
 * The Astralane Iris endpoint of a region (`fr`, `fr2`, `la`, `jp`, `ny`, `ams`, `ams2`, `lim`,
 * `sg`, `lit`, ...).
 */
export function astralaneIrisUrl(region: string): string {
  if (!/^[a-z0-9-]+$/i.test(region)) {
    throw new StreamValidationError(`astralane region: "${region}" is not a region name`, { issues: [{ path: "region", message: "not a region name" }] });
  }
  return `https://${region}.gateway.astralane.io/iris`;
}

/** Where to send a transaction (the official SDK's `SendTarget`, plus an optional URL override). */
export type SendTarget =
  | { readonly kind: "rpc"; readonly url: string }
  | { readonly kind: "helius_sender"; /** @defaultValue {@link HELIUS_SENDER_FAST_URL} */ readonly url?: string }
  | {
      readonly kind: "astralane";
      /** Sent as the `x-api-key` header. */
      readonly apiKey: string;
      /** @defaultValue {@link ASTRALANE_DEFAULT_REGION} */
      readonly region?: string;
    };

/** A JSON-RPC endpoint (any Solana RPC URL; API-key query parameters are fine, they stay secret). */
export function sendTargetRpc(url: string): SendTarget {
  return { kind: "rpc", url };
}
/** The public mainnet RPC ({@link MAINNET_BETA_RPC_URL}); not for production. */
export function sendTargetDefaultRpc(): SendTarget {
  return { kind: "rpc", url: MAINNET_BETA_RPC_URL };
}
/** Helius Sender ({@link HELIUS_SENDER_FAST_URL}). The transaction must carry a tip. */
export function sendTargetHeliusSender(url?: string): SendTarget {
  return url === undefined ? { kind: "helius_sender" } : { kind: "helius_sender", url };
}
/** Astralane Iris in `region`; `apiKey` goes in the `x-api-key` header. */
export function sendTargetAstralane(apiKey: string, region?: string): SendTarget {
  return region === undefined ? { kind: "astralane", apiKey } : { kind: "astralane", apiKey, region };
}

/** A resolved endpoint: URL, headers and the redactor of its secrets (internal). */
export interface Endpoint {
  url: string;
  /** The target's kind, named in errors: `"rpc"`, `"helius_sender"` or `"astralane"`. */
  label: string;
  /** Scheme, host and port: the only part of the URL an error names. */
  origin: string;
  headers: Record<string, string>;
  /** Removes the keys, credentials and URL parts that may hold a token from any text or error. */
  redactor: Redactor;
}

/**
 * Resolves and checks a target (internal; every JSON-RPC call of the tx layer starts here): its URL
 * (only `https:`, or `http:` to a loopback host unless `allowInsecure`), its headers (credentials in
 * the URL become HTTP Basic auth) and what is secret in it.
 */
export function resolveTarget(target: SendTarget | string, extraHeaders: Readonly<Record<string, string>> | undefined, allowInsecure: boolean): Endpoint {
  const t: SendTarget = typeof target === "string" ? { kind: "rpc", url: target } : target;
  let url: string;
  const headers: Record<string, string> = { "content-type": "application/json" };
  // Always redacted: keys and credentials the caller gave explicitly.
  const keys: string[] = [];
  // Redacted when 6+ characters: parts of the URL that may hold a token.
  const secrets: string[] = [];
  switch (t.kind) {
    case "rpc":
      url = t.url;
      break;
    case "helius_sender":
      url = t.url ?? HELIUS_SENDER_FAST_URL;
      break;
    case "astralane":
      url = astralaneIrisUrl(t.region ?? ASTRALANE_DEFAULT_REGION);
      if (typeof t.apiKey !== "string" || t.apiKey === "") {
        throw new StreamValidationError("astralane: apiKey is empty", { issues: [{ path: "apiKey", message: "empty" }] });
      }
      headers["x-api-key"] = t.apiKey;
      keys.push(t.apiKey);
      break;
    default:
      throw new StreamValidationError(`target: unknown kind ${JSON.stringify((t as { kind?: unknown }).kind)}`, { issues: [
        { path: "kind", message: "expected rpc, helius_sender or astralane" },
      ] });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The text may itself hold a key, so it is not echoed.
    throw new StreamValidationError("target url: not a valid URL", { issues: [{ path: "url", message: "not a valid URL" }] });
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new StreamValidationError(`target url: unsupported scheme ${parsed.protocol}`, { issues: [{ path: "url", message: "expected http or https" }] });
  }
  if (refusesCleartext(parsed, allowInsecure)) {
    // Over plain http an API key in the URL or headers would travel in clear text.
    throw new StreamValidationError(`target url: plain http to ${parsed.hostname} is refused; use https (or allowInsecure)`, { issues: [
      { path: "url", message: "http is only allowed to loopback hosts" },
    ] });
  }
  if (parsed.username !== "" || parsed.password !== "") {
    // fetch refuses URLs with credentials; send them as HTTP Basic auth instead.
    const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString("base64");
    headers["authorization"] = `Basic ${basic}`;
    keys.push(basic, parsed.password, decodeURIComponent(parsed.password));
    secrets.push(url, parsed.username, decodeURIComponent(parsed.username));
    const bare = new URL(parsed.href);
    bare.username = "";
    bare.password = "";
    url = bare.href;
  }
  for (const [k, v] of Object.entries(extraHeaders ?? {})) {
    headers[k.toLowerCase()] = v;
    keys.push(v);
  }
  secrets.push(url, parsed.search, parsed.username, parsed.password, parsed.pathname);
  for (const v of parsed.searchParams.values()) secrets.push(v, encodeURIComponent(v));
  for (const seg of parsed.pathname.split("/")) secrets.push(seg);
  return {
    url,
    label: t.kind,
    origin: parsed.origin,
    headers,
    // Short fragments ("", "/", "v1") are not secrets and would garble messages; nor is a URL that
    // is only its origin, which errors name anyway. Explicit keys are secret at any length.
    redactor: createRedactor([
      ...keys.filter((k) => k !== ""),
      ...secrets.filter((s) => s.length >= 6 && s !== parsed.origin && s !== `${parsed.origin}/`),
    ], 1),
  };
}

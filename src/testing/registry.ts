/**
 * The mock server's wallet registration endpoint (`POST /v1/wallets/register`, protocol.md
 * section 15) and the per-API-key registry it fills. The proof is checked the way the real
 * service describes it: the message `lasersell-register:<wallet_pubkey>:<unix seconds>` names the
 * wallet of the body, its timestamp is at most {@link PROOF_MAX_AGE_SEC} old (and at most
 * {@link PROOF_MAX_SKEW_SEC} ahead of the server clock), and the base58 signature is a valid
 * Ed25519 signature of the UTF-8 message by the wallet key.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import bs58 from "bs58";
import { readJsonBody } from "./http-body.js";
import { verifyEd25519 } from "./rpc.js";

/** How long a proof is accepted after its timestamp (protocol.md section 15: 5 minutes). */
export const PROOF_MAX_AGE_SEC = 300;
/**
 * How far in the future a proof's timestamp may be (clock skew between the signer and the
 * server). A mock convention: LaserSell does not publish one.
 */
export const PROOF_MAX_SKEW_SEC = 30;

/**
 * Reasons a registration is refused (the `code` of the JSON error body). Mock conventions: the
 * real service's error body is undocumented.
 */
export type MockRegistrationErrorCode =
  | "missing_api_key"
  | "unknown_api_key"
  | "invalid_json"
  | "invalid_request"
  | "invalid_message"
  | "wallet_mismatch"
  | "proof_expired"
  | "proof_in_future"
  | "invalid_signature"
  | "method_not_allowed"
  | "body_too_large"
  | "internal";

/** One registration attempt, as reported by the server's `registration` event. Never holds the key. */
export interface MockRegistration {
  /** The wallet of the body (or of the message when the body had none), when readable. */
  wallet_pubkey: string | undefined;
  /** HTTP status of the answer. */
  status: number;
  /** True when the wallet was registered. */
  ok: boolean;
  /** Why it was refused. */
  code?: MockRegistrationErrorCode;
  reason?: string;
  label?: string;
}

class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: MockRegistrationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const MESSAGE_RE = /^lasersell-register:([1-9A-HJ-NP-Za-km-z]{32,44}):(0|[1-9][0-9]{0,11})$/;
const MAX_BODY = 64 * 1024;
/** Registry key of wallets registered through the hook without an API key: valid for every key. */
const ANY_KEY = Symbol("any key");

/** The wallets registered to each API key. */
export class WalletRegistry {
  readonly #byKey = new Map<string | typeof ANY_KEY, Map<string, { label: string | undefined }>>();

  /** Registers `wallet` to `apiKey`, or to every key when `apiKey` is undefined. */
  add(wallet: string, apiKey: string | undefined, label?: string): void {
    const k = apiKey ?? ANY_KEY;
    let wallets = this.#byKey.get(k);
    if (wallets === undefined) this.#byKey.set(k, (wallets = new Map()));
    wallets.set(wallet, { label: label ?? wallets.get(wallet)?.label });
  }

  /** Removes `wallet` from `apiKey` (and from the every-key set); true when it was there. */
  remove(wallet: string, apiKey: string): boolean {
    const a = this.#byKey.get(apiKey)?.delete(wallet) === true;
    const b = this.#byKey.get(ANY_KEY)?.delete(wallet) === true;
    return a || b;
  }

  has(wallet: string, apiKey: string): boolean {
    return this.#byKey.get(apiKey)?.has(wallet) === true || this.#byKey.get(ANY_KEY)?.has(wallet) === true;
  }

  /** Wallets usable with `apiKey`, or every registered wallet when `apiKey` is undefined. */
  list(apiKey?: string): string[] {
    const out = new Set<string>();
    for (const [k, wallets] of this.#byKey) {
      if (apiKey === undefined || k === apiKey || k === ANY_KEY) for (const w of wallets.keys()) out.add(w);
    }
    return [...out];
  }
}

/** What a parsed, verified registration body holds. */
export interface VerifiedRegistration {
  wallet_pubkey: string;
  label: string | undefined;
}

/**
 * Checks a registration body against the proof rules; throws a refusal (status, code, reason)
 * otherwise. `nowMs` is the server clock.
 */
export function verifyRegistration(body: unknown, nowMs: number): VerifiedRegistration {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new Refused(400, "invalid_request", "body must be a JSON object { wallet_pubkey, signature, message, label? }");
  }
  const o = body as Record<string, unknown>;
  for (const field of ["wallet_pubkey", "signature", "message"]) {
    if (typeof o[field] !== "string" || o[field] === "") throw new Refused(400, "invalid_request", `${field} must be a non-empty string`);
  }
  if (o["label"] !== undefined && o["label"] !== null && typeof o["label"] !== "string") {
    throw new Refused(400, "invalid_request", "label must be a string");
  }
  const wallet = o["wallet_pubkey"] as string;
  const message = o["message"] as string;
  const signature = o["signature"] as string;
  const label = typeof o["label"] === "string" ? o["label"] : undefined;

  let walletBytes: Uint8Array;
  try {
    walletBytes = bs58.decode(wallet);
  } catch {
    walletBytes = new Uint8Array();
  }
  if (walletBytes.length !== 32) throw new Refused(400, "invalid_request", "wallet_pubkey is not a base58 public key");

  const m = MESSAGE_RE.exec(message);
  if (m === null) throw new Refused(400, "invalid_message", "message must be lasersell-register:<wallet_pubkey>:<unix seconds>");
  if (m[1] !== wallet) throw new Refused(400, "wallet_mismatch", `message names wallet ${m[1] ?? ""}, not wallet_pubkey ${wallet}`);

  const ts = Number(m[2]);
  const nowSec = Math.floor(nowMs / 1000);
  if (nowSec - ts > PROOF_MAX_AGE_SEC) {
    throw new Refused(400, "proof_expired", `proof expired: signed ${nowSec - ts} s ago, accepted for ${PROOF_MAX_AGE_SEC} s`);
  }
  if (ts - nowSec > PROOF_MAX_SKEW_SEC) {
    throw new Refused(400, "proof_in_future", `proof timestamp is ${ts - nowSec} s in the future (allowed skew ${PROOF_MAX_SKEW_SEC} s)`);
  }

  let sig: Uint8Array;
  try {
    sig = bs58.decode(signature);
  } catch {
    sig = new Uint8Array();
  }
  if (sig.length !== 64) throw new Refused(400, "invalid_request", "signature is not a base58 64-byte signature");
  if (!verifyEd25519(walletBytes, Buffer.from(message, "utf8"), sig)) {
    throw new Refused(403, "invalid_signature", `signature is not a valid signature of the message by ${wallet}`);
  }
  return { wallet_pubkey: wallet, label };
}

/** What the endpoint needs from the server. */
export interface RegistrationBackend {
  /** True when the `x-api-key` value is accepted (same rule as the WebSocket upgrade). */
  acceptsKey(key: string): boolean;
  register(wallet: string, apiKey: string, label: string | undefined): void;
  /** Reports every attempt (never with the key). */
  report(attempt: MockRegistration): void;
  now(): number;
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Serves `/v1/wallets/register`: reads at most 64 KiB of JSON, answers JSON. */
export function serveRegistration(req: IncomingMessage, res: ServerResponse, backend: RegistrationBackend): void {
  const refuse = (err: Refused, wallet: string | undefined): void => {
    answer(res, err.status, { error: err.message, code: err.code });
    backend.report({ wallet_pubkey: wallet, status: err.status, ok: false, code: err.code, reason: err.message });
  };
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    refuse(new Refused(405, "method_not_allowed", "use POST"), undefined);
    req.resume();
    return;
  }
  const header = req.headers["x-api-key"];
  const key = typeof header === "string" ? header : undefined;
  if (key === undefined || key === "") {
    refuse(new Refused(401, "missing_api_key", "missing api key"), undefined);
    req.resume();
    return;
  }
  if (!backend.acceptsKey(key)) {
    refuse(new Refused(401, "unknown_api_key", "unknown api key"), undefined);
    req.resume();
    return;
  }
  readJsonBody(req, MAX_BODY, (result) => {
    if (res.headersSent) return;
    if (result.kind === "too_large") {
      refuse(new Refused(413, "body_too_large", `body exceeds ${MAX_BODY} bytes`), undefined);
      return;
    }
    if (result.kind === "invalid_json") {
      refuse(new Refused(400, "invalid_json", "body is not valid JSON"), undefined);
      return;
    }
    const body = result.body;
    const claimed = body !== null && typeof body === "object" ? (body as Record<string, unknown>)["wallet_pubkey"] : undefined;
    const wallet = typeof claimed === "string" ? claimed : undefined;
    try {
      const ok = verifyRegistration(body, backend.now());
      backend.register(ok.wallet_pubkey, key, ok.label);
      answer(res, 200, { wallet_pubkey: ok.wallet_pubkey, registered: true, ...(ok.label === undefined ? {} : { label: ok.label }) });
      backend.report({ wallet_pubkey: ok.wallet_pubkey, status: 200, ok: true, ...(ok.label === undefined ? {} : { label: ok.label }) });
    } catch (err) {
      if (err instanceof Refused) refuse(err, wallet);
      else refuse(new Refused(500, "internal", "internal mock server error"), wallet);
    }
  });
}

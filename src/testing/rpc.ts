/**
 * The mock server's JSON-RPC endpoint (`POST /rpc`), a tiny subset of Solana's:
 *
 * - `sendTransaction [tx, { encoding? }]`: decodes the signed transaction (base64, or base58 when
 *   `encoding` is `"base58"`; without `encoding`, base64 is tried first), verifies the fee
 *   payer's ed25519 signature over the message (Node's crypto), matches the message to an exit
 *   (or mirror-buy) signal the server issued, and returns the base58 signature. The sale settles
 *   after `settleMs`. Submitting the same transaction again returns the same signature.
 * - `getHealth` -> `"ok"`.
 * - `simulateTransaction`, `getMultipleAccounts`: see `rpc-simulate.ts`.
 * - The simulated chain (`chain.ts`): `getLatestBlockhash`, `getBlockHeight`, `getSlot`,
 *   `getSignatureStatuses`.
 *
 * Errors (codes are mock conventions, shaped like Solana's): `-32700` unreadable JSON,
 * `-32600` not a JSON-RPC request, `-32601` unknown method, `-32602` undecodable transaction,
 * `-32003` missing or invalid fee-payer signature, `-32002` transaction matches no open signal.
 */
import { createPublicKey, verify } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { VersionedTransaction } from "@solana/web3.js";
import bs58 from "bs58";
import { readJsonBody } from "./http-body.js";
import { handleSimulationMethod, type SimulationBackend } from "./rpc-simulate.js";

/** JSON-RPC error codes of the mock RPC. */
export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  signatureVerification: -32003,
  noMatchingSignal: -32002,
} as const;

export class RpcFailure extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

// DER prefix of an ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** True when `signature` is a valid ed25519 signature of `message` by the 32-byte `publicKey`. */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

export interface VerifiedTransaction {
  /** Base58 fee payer (first account key). */
  feePayer: string;
  /** Base58 of the fee payer's signature: the transaction id. */
  signature: string;
  /** Serialized message bytes. */
  message: Uint8Array;
}

function decode(encoded: string, encoding: string | undefined): VersionedTransaction {
  const attempts: Array<() => Uint8Array> = [];
  if (encoding === undefined || encoding === "base64") attempts.push(() => Buffer.from(encoded, "base64"));
  if (encoding === undefined || encoding === "base58") attempts.push(() => bs58.decode(encoded));
  if (attempts.length === 0) throw new RpcFailure(RPC_ERRORS.invalidParams, `unsupported encoding: ${encoding}`);
  for (const bytes of attempts) {
    try {
      return VersionedTransaction.deserialize(bytes());
    } catch {
      // try the next encoding
    }
  }
  throw new RpcFailure(RPC_ERRORS.invalidParams, "failed to deserialize transaction");
}

/** Decodes a signed transaction and checks the fee payer's signature; throws `RpcFailure`. */
export function verifySignedTransaction(encoded: unknown, encoding?: string): VerifiedTransaction {
  if (typeof encoded !== "string" || encoded.length === 0) {
    throw new RpcFailure(RPC_ERRORS.invalidParams, "params[0] must be an encoded transaction string");
  }
  const tx = decode(encoded, encoding);
  const payer = tx.message.staticAccountKeys[0];
  const signature = tx.signatures[0];
  if (payer === undefined || signature === undefined) {
    throw new RpcFailure(RPC_ERRORS.invalidParams, "transaction has no fee payer");
  }
  const message = tx.message.serialize();
  if (signature.every((b) => b === 0) || !verifyEd25519(payer.toBytes(), message, signature)) {
    throw new RpcFailure(RPC_ERRORS.signatureVerification, "Transaction signature verification failure");
  }
  return { feePayer: payer.toBase58(), signature: bs58.encode(signature), message };
}

/** What the RPC needs from the server. */
export interface RpcBackend {
  /** Matches a verified transaction to a signal and schedules settlement; returns the signature. */
  submit(tx: VerifiedTransaction): string;
  slot(): number;
  /** The ledger view behind `simulateTransaction` and `getMultipleAccounts` (rpc-simulate.ts). */
  simulation?: SimulationBackend;
  /** Further methods (the simulated chain); `undefined` when the method is unknown. */
  chain?(method: unknown, params: readonly unknown[]): { result: unknown } | undefined;
}

type Json = Record<string, unknown>;

function reply(id: unknown, body: Json): Json {
  return { jsonrpc: "2.0", id: id ?? null, ...body };
}

/** Handles one JSON-RPC request object; never throws. */
export function handleRpcRequest(request: unknown, backend: RpcBackend): Json {
  if (request === null || typeof request !== "object" || Array.isArray(request)) {
    return reply(null, { error: { code: RPC_ERRORS.invalidRequest, message: "invalid request" } });
  }
  const req = request as Json;
  const id = req["id"];
  const params = Array.isArray(req["params"]) ? (req["params"] as unknown[]) : [];
  try {
    switch (req["method"]) {
      case "sendTransaction": {
        const config = params[1];
        const encoding =
          config !== null && typeof config === "object" && typeof (config as Json)["encoding"] === "string"
            ? ((config as Json)["encoding"] as string)
            : undefined;
        return reply(id, { result: backend.submit(verifySignedTransaction(params[0], encoding)) });
      }
      case "getHealth":
        return reply(id, { result: "ok" });
      default: {
        const simulated = backend.simulation === undefined ? undefined : handleSimulationMethod(req["method"], params, backend.simulation, backend.slot());
        if (simulated !== undefined) return reply(id, { result: simulated });
        const answer = backend.chain?.(req["method"], params);
        if (answer !== undefined) return reply(id, answer);
        return reply(id, { error: { code: RPC_ERRORS.methodNotFound, message: `Method not found: ${String(req["method"])}` } });
      }
    }
  } catch (err) {
    if (err instanceof RpcFailure) return reply(id, { error: { code: err.rpcCode, message: err.message } });
    if (err instanceof Error && req["method"] === "simulateTransaction") return reply(id, { error: { code: RPC_ERRORS.invalidParams, message: "failed to deserialize transaction" } });
    return reply(id, { error: { code: -32603, message: "internal error" } });
  }
}

const MAX_BODY = 1 << 20;

/** The HTTP side: reads the body (at most 1 MiB), answers JSON (batches too). */
export function serveRpc(req: IncomingMessage, res: ServerResponse, backend: RpcBackend): void {
  readJsonBody(req, MAX_BODY, (result) => {
    if (res.headersSent) return;
    if (result.kind === "too_large") {
      res.writeHead(413).end();
      return;
    }
    const out =
      result.kind === "invalid_json"
        ? reply(null, { error: { code: RPC_ERRORS.parse, message: "Parse error" } })
        : Array.isArray(result.body)
          ? result.body.map((r) => handleRpcRequest(r, backend))
          : handleRpcRequest(result.body, backend);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
  });
}

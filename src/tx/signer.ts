/**
 * Signers: a web3.js `Keypair`, a 64-byte secret key or a base58 secret-key string, turned into an
 * Ed25519 key held by Node's crypto (built once per secret and cached).
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from "node:crypto";
import bs58 from "bs58";
import { StreamValidationError } from "../errors.js";

/** Anything shaped like a `@solana/web3.js` `Keypair` (structural, so any copy of web3.js fits). */
export interface KeypairLike {
  readonly secretKey: Uint8Array;
  readonly publicKey: { toBase58(): string };
}

/** A ready Ed25519 signer. Create one with {@link createSigner}. */
export interface TxSigner {
  /** Base58 public key. */
  readonly publicKey: string;
  /** Raw 32-byte public key. */
  readonly publicKeyBytes: Uint8Array;
  /** Signs `message` (Ed25519, 64-byte signature). */
  sign(message: Uint8Array): Uint8Array;
}

/**
 * What signing functions accept: a web3.js `Keypair`, a 64-byte secret key (seed followed by the
 * public key, as `Keypair.secretKey` and `solana-keygen` files hold it), a base58 string of those
 * 64 bytes, or a {@link TxSigner}.
 */
export type SignerInput = KeypairLike | Uint8Array | string | TxSigner;

// DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function refuse(message: string): never {
  throw new StreamValidationError(`signer: ${message}`, { issues: [{ path: "signer", message }] });
}

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  } catch {
    return refuse("the secret key is not a valid Ed25519 seed");
  }
}

class NodeEd25519Signer implements TxSigner {
  readonly publicKey: string;
  readonly publicKeyBytes: Uint8Array;
  readonly #key: KeyObject;
  readonly #secret: Buffer;

  constructor(secret: Uint8Array) {
    if (secret.length !== 64) refuse(`expected a 64-byte secret key, got ${secret.length} bytes`);
    this.#secret = Buffer.from(secret);
    const key = privateKeyFromSeed(this.#secret.subarray(0, 32));
    const spki = createPublicKey(key).export({ format: "der", type: "spki" });
    const pub = new Uint8Array(spki.subarray(spki.length - 32));
    if (!Buffer.from(pub).equals(this.#secret.subarray(32))) {
      refuse("the 64-byte secret key's last 32 bytes are not the public key of its first 32 (corrupt key?)");
    }
    this.#key = key;
    this.publicKeyBytes = pub;
    this.publicKey = bs58.encode(pub);
  }

  sign(message: Uint8Array): Uint8Array {
    return cryptoSign(null, message, this.#key);
  }

  sameSecret(secret: Uint8Array): boolean {
    return this.#secret.equals(secret);
  }

  toJSON(): { publicKey: string } {
    return { publicKey: this.publicKey };
  }
}

const byObject = new WeakMap<object, NodeEd25519Signer>();
const byString = new Map<string, NodeEd25519Signer>();
const STRING_CACHE_SIZE = 16;

function isTxSigner(x: unknown): x is TxSigner {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as TxSigner).sign === "function" &&
    typeof (x as TxSigner).publicKey === "string" &&
    (x as TxSigner).publicKeyBytes instanceof Uint8Array
  );
}

function isKeypairLike(x: unknown): x is KeypairLike {
  return (
    typeof x === "object" &&
    x !== null &&
    (x as KeypairLike).secretKey instanceof Uint8Array &&
    typeof (x as KeypairLike).publicKey?.toBase58 === "function"
  );
}

function fromObject(owner: object, secret: Uint8Array, expectedPublicKey?: () => string): NodeEd25519Signer {
  const cached = byObject.get(owner);
  // Byte arrays can be mutated in place, so the cache entry is checked against the bytes.
  if (cached !== undefined && cached.sameSecret(secret)) return cached;
  const signer = new NodeEd25519Signer(secret);
  if (expectedPublicKey !== undefined && signer.publicKey !== expectedPublicKey()) {
    refuse("the Keypair's publicKey does not match its secret key");
  }
  byObject.set(owner, signer);
  return signer;
}

function secretFromString(text: string): Uint8Array {
  const t = text.trim();
  if (t.startsWith("[")) {
    let arr: unknown;
    try {
      arr = JSON.parse(t);
    } catch {
      return refuse("not a base58 string nor a JSON byte array");
    }
    if (!Array.isArray(arr) || !arr.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) refuse("the JSON array must hold bytes (0-255)");
    return Uint8Array.from(arr as number[]);
  }
  const bytes = bs58.decodeUnsafe(t);
  if (bytes === undefined) return refuse("not a valid base58 string");
  return bytes;
}

/**
 * Turns a {@link SignerInput} into a {@link TxSigner}. The Ed25519 key is built once and cached
 * per `Keypair` / byte array (weakly) and per string (the last 16), so signing in a loop does not
 * re-derive it. Throws `StreamValidationError` (field `signer`) for a key of the wrong size, bad
 * base58, or a 64-byte key whose halves do not match; the message never contains key material.
 *
 * @example
 * ```ts
 * const signer = createSigner(process.env.WALLET_SECRET_B58!);
 * const wallet = signer.publicKey; // base58
 * ```
 */
export function createSigner(input: SignerInput): TxSigner {
  if (typeof input === "string") {
    const cached = byString.get(input);
    if (cached !== undefined) return cached;
    const signer = new NodeEd25519Signer(secretFromString(input));
    if (byString.size >= STRING_CACHE_SIZE) {
      const oldest = byString.keys().next();
      if (oldest.done !== true) byString.delete(oldest.value);
    }
    byString.set(input, signer);
    return signer;
  }
  if (typeof input === "object" && input !== null) {
    // The signing hot path: a key seen before is found without touching a Keypair's `publicKey`
    // getter (web3.js builds a new PublicKey, with a BN, on every read).
    const cached = byObject.get(input);
    const secret = input instanceof Uint8Array ? input : (input as Partial<KeypairLike>).secretKey;
    if (cached !== undefined && secret instanceof Uint8Array && cached.sameSecret(secret)) return cached;
  }
  if (input instanceof Uint8Array) return fromObject(input, input);
  if (isTxSigner(input)) return input;
  if (isKeypairLike(input)) {
    const keypair = input;
    return fromObject(keypair, keypair.secretKey, () => keypair.publicKey.toBase58());
  }
  return refuse("expected a Keypair, a 64-byte secret key, a base58 secret-key string or a TxSigner");
}

/**
 * Offline decoding of Solana wire transactions (legacy and v0), without @solana/web3.js: the
 * guard and the fast signing path read the bytes directly and keep the exact message bytes that
 * get signed.
 */
import bs58 from "bs58";
import { TransactionDecodeError } from "../errors.js";

/** A base58 public key, program id or blockhash. */
export type Base58 = string;

/** Where an instruction's account comes from. */
export type AccountRef =
  | { readonly source: "static"; readonly index: number; readonly pubkey: Base58 }
  /**
   * Loaded from an address lookup table: the address is on chain, so it cannot be resolved
   * offline. `table` is the lookup table's address, `tableIndex` the entry inside it.
   */
  | { readonly source: "lookup"; readonly index: number; readonly table: Base58; readonly tableIndex: number; readonly writable: boolean };

/** One top-level instruction as compiled into the message. */
export interface DecodedInstruction {
  /** Position in the message (0-based). */
  readonly index: number;
  /** Program id (always a static account key). */
  readonly programId: Base58;
  readonly accounts: readonly AccountRef[];
  /** Instruction data (a view into the transaction bytes; do not mutate). */
  readonly data: Uint8Array;
}

/** One address-table lookup of a v0 message. */
export interface DecodedLookup {
  readonly table: Base58;
  readonly writableIndexes: readonly number[];
  readonly readonlyIndexes: readonly number[];
}

/** A decoded wire transaction, with offsets into its bytes. */
export interface DecodedTransaction {
  /** The whole transaction (signature slots + message). */
  readonly bytes: Uint8Array;
  readonly version: "legacy" | 0;
  /** Number of signature slots (equals `header.numRequiredSignatures`). */
  readonly signatureCount: number;
  /** Byte offset of the first signature slot. */
  readonly signaturesOffset: number;
  /** Byte offset where the message (the signed bytes) starts; it runs to the end. */
  readonly messageOffset: number;
  readonly header: {
    readonly numRequiredSignatures: number;
    readonly numReadonlySignedAccounts: number;
    readonly numReadonlyUnsignedAccounts: number;
  };
  readonly staticAccountKeys: readonly Base58[];
  readonly recentBlockhash: Base58;
  readonly instructions: readonly DecodedInstruction[];
  readonly addressTableLookups: readonly DecodedLookup[];
}

/** Largest serialized transaction the network accepts (bytes): the IPv6 minimum MTU minus headers. */
export const MAX_TRANSACTION_SIZE = 1232;
/** Base64 length of a {@link MAX_TRANSACTION_SIZE}-byte transaction. */
const MAX_TRANSACTION_B64_LENGTH = 4 * Math.ceil(MAX_TRANSACTION_SIZE / 3);

/**
 * Throws {@link TransactionDecodeError} when `input` (base64 or bytes) is longer than a transaction
 * can be, before any decoding: constant time and memory whatever its size.
 */
export function checkTransactionSize(input: string | Uint8Array, what = "transaction"): void {
  if (typeof input === "string" ? input.length > MAX_TRANSACTION_B64_LENGTH : input instanceof Uint8Array && input.length > MAX_TRANSACTION_SIZE) {
    const size = typeof input === "string" ? `${input.length} base64 characters` : `${input.length} bytes`;
    throw new TransactionDecodeError(`${what}: ${size} is larger than a Solana transaction can be (${MAX_TRANSACTION_SIZE} bytes)`);
  }
}

// One character class, no nested quantifier: linear, and no RangeError on huge input.
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard base64 (with padding) to bytes. */
export function decodeBase64Strict(text: string, what = "transaction"): Uint8Array {
  if (typeof text !== "string") {
    throw new TransactionDecodeError(`${what}: expected a base64 string, got ${text === null ? "null" : typeof text}`);
  }
  if (text.length === 0) throw new TransactionDecodeError(`${what}: empty base64 string`);
  if (text.length % 4 !== 0 || !BASE64_CHARS.test(text)) {
    throw new TransactionDecodeError(`${what}: not strict standard base64 (alphabet A-Z a-z 0-9 + /, padded with =)`);
  }
  const buf = Buffer.from(text, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

// Exit transactions reuse the same program ids, mints, pools and the wallet, and base58 costs
// ~2.5 µs per key: memoize. Bounded; cleared when full (public keys only, nothing secret).
const base58Cache = new Map<string, string>();
const BASE58_CACHE_SIZE = 4096;

/** Base58 of a 32-byte public key, memoized. */
export function encodeKey(bytes: Uint8Array): Base58 {
  const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  let text = base58Cache.get(id);
  if (text === undefined) {
    text = bs58.encode(bytes);
    if (base58Cache.size >= BASE58_CACHE_SIZE) base58Cache.clear();
    base58Cache.set(id, text);
  }
  return text;
}

class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, pos = 0) {
    this.pos = pos;
  }
  fail(what: string): never {
    throw new TransactionDecodeError(`transaction truncated or malformed: ${what} at byte ${this.pos}`, { offset: this.pos });
  }
  u8(what: string): number {
    const b = this.bytes[this.pos];
    if (b === undefined) this.fail(`missing ${what}`);
    this.pos += 1;
    return b;
  }
  /** Solana "compact-u16" (shortvec) length prefix. */
  shortvec(what: string): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.u8(what);
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) {
        if (value > 0xffff) this.fail(`${what} length overflows u16`);
        return value;
      }
    }
    return this.fail(`${what} length longer than 3 bytes`);
  }
  take(n: number, what: string): Uint8Array {
    if (this.pos + n > this.bytes.length) this.fail(`missing ${what} (${n} bytes)`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  key(what: string): Base58 {
    return encodeKey(this.take(32, what));
  }
}

/** Reads the signature section and the message header only: enough to sign. */
export interface TransactionLayout {
  readonly signatureCount: number;
  readonly signaturesOffset: number;
  readonly messageOffset: number;
  readonly version: "legacy" | 0;
  readonly numRequiredSignatures: number;
  /** Offset of the first static account key. */
  readonly keysOffset: number;
  readonly numStaticKeys: number;
}

/** Parses just the layout (signature slots, header, static keys) of a wire transaction. */
export function readLayout(bytes: Uint8Array): TransactionLayout {
  const r = new Reader(bytes);
  const signatureCount = r.shortvec("signature count");
  const signaturesOffset = r.pos;
  r.take(64 * signatureCount, "signatures");
  const messageOffset = r.pos;
  const first = r.u8("message header");
  let version: "legacy" | 0 = "legacy";
  let numRequiredSignatures = first;
  if ((first & 0x80) !== 0) {
    const v = first & 0x7f;
    if (v !== 0) {
      throw new TransactionDecodeError(`unsupported transaction message version ${v} (only legacy and v0 are known)`, {
        offset: messageOffset,
      });
    }
    version = 0;
    numRequiredSignatures = r.u8("message header");
  }
  const numReadonlySigned = r.u8("message header");
  const numReadonlyUnsigned = r.u8("message header");
  const numStaticKeys = r.shortvec("account key count");
  const keysOffset = r.pos;
  r.take(32 * numStaticKeys, "account keys");
  if (signatureCount !== numRequiredSignatures) {
    throw new TransactionDecodeError(
      `transaction has ${signatureCount} signature slot(s) but its message requires ${numRequiredSignatures}`,
      { offset: 0 },
    );
  }
  if (numRequiredSignatures > numStaticKeys) {
    throw new TransactionDecodeError(
      `message requires ${numRequiredSignatures} signature(s) but lists only ${numStaticKeys} account key(s)`,
      { offset: messageOffset },
    );
  }
  if (numReadonlySigned > numRequiredSignatures) {
    throw new TransactionDecodeError("message header: more read-only signed accounts than signers", { offset: messageOffset });
  }
  if (numReadonlyUnsigned > numStaticKeys - numRequiredSignatures) {
    throw new TransactionDecodeError("message header: more read-only unsigned accounts than unsigned account keys", { offset: messageOffset });
  }
  return { signatureCount, signaturesOffset, messageOffset, version, numRequiredSignatures, keysOffset, numStaticKeys };
}

/**
 * Decodes a wire transaction completely. Throws {@link TransactionDecodeError} on anything that is
 * not a well-formed legacy or v0 transaction: more than {@link MAX_TRANSACTION_SIZE} bytes, truncation, trailing bytes, a signature count that
 * does not match the header, header counts the keys cannot hold, a static key listed twice, an account or program index out of range, or a program id loaded
 * from a lookup table (the runtime rejects those).
 */
export function decodeTransactionBytes(bytes: Uint8Array): DecodedTransaction {
  checkTransactionSize(bytes);
  const layout = readLayout(bytes);
  const r = new Reader(bytes, layout.keysOffset);
  const staticAccountKeys: Base58[] = [];
  const seen = new Set<Base58>();
  for (let i = 0; i < layout.numStaticKeys; i++) {
    const k = r.key("account key");
    if (seen.has(k)) throw new TransactionDecodeError(`account key ${k} is listed twice (the runtime rejects an account loaded twice)`, { offset: r.pos - 32 });
    seen.add(k);
    staticAccountKeys.push(k);
  }
  const recentBlockhash = bs58.encode(r.take(32, "recent blockhash"));

  const rawInstructions: { programIndex: number; accountIndexes: number[]; data: Uint8Array; at: number }[] = [];
  const ixCount = r.shortvec("instruction count");
  for (let i = 0; i < ixCount; i++) {
    const at = r.pos;
    const programIndex = r.u8("program id index");
    const n = r.shortvec("instruction account count");
    const accountIndexes = Array.from(r.take(n, "instruction accounts"));
    const len = r.shortvec("instruction data length");
    rawInstructions.push({ programIndex, accountIndexes, data: r.take(len, "instruction data"), at });
  }

  const addressTableLookups: DecodedLookup[] = [];
  if (layout.version === 0) {
    const count = r.shortvec("address table lookup count");
    for (let i = 0; i < count; i++) {
      const table = r.key("lookup table address");
      const writableIndexes = Array.from(r.take(r.shortvec("lookup writable count"), "lookup writable indexes"));
      const readonlyIndexes = Array.from(r.take(r.shortvec("lookup readonly count"), "lookup readonly indexes"));
      addressTableLookups.push({ table, writableIndexes, readonlyIndexes });
    }
  }
  if (r.pos !== bytes.length) {
    throw new TransactionDecodeError(`${bytes.length - r.pos} unexpected trailing byte(s) after the message`, { offset: r.pos });
  }

  // Runtime order of loaded accounts: static keys, then every table's writable entries, then
  // every table's read-only entries.
  const loaded: AccountRef[] = [];
  for (let i = 0; i < staticAccountKeys.length; i++) {
    loaded.push({ source: "static", index: i, pubkey: staticAccountKeys[i] as Base58 });
  }
  for (const writable of [true, false]) {
    for (const l of addressTableLookups) {
      for (const tableIndex of writable ? l.writableIndexes : l.readonlyIndexes) {
        loaded.push({ source: "lookup", index: loaded.length, table: l.table, tableIndex, writable });
      }
    }
  }

  const instructions: DecodedInstruction[] = rawInstructions.map((ix, index) => {
    const program = loaded[ix.programIndex];
    if (program === undefined) {
      throw new TransactionDecodeError(`instruction #${index}: program id index ${ix.programIndex} is out of range`, { offset: ix.at });
    }
    if (program.source !== "static") {
      throw new TransactionDecodeError(`instruction #${index}: program id is loaded from a lookup table, which the runtime rejects`, {
        offset: ix.at,
      });
    }
    const accounts = ix.accountIndexes.map((a) => {
      const ref = loaded[a];
      if (ref === undefined) {
        throw new TransactionDecodeError(`instruction #${index}: account index ${a} is out of range (${loaded.length} accounts)`, {
          offset: ix.at,
        });
      }
      return ref;
    });
    return { index, programId: program.pubkey, accounts, data: ix.data };
  });

  return {
    bytes,
    version: layout.version,
    signatureCount: layout.signatureCount,
    signaturesOffset: layout.signaturesOffset,
    messageOffset: layout.messageOffset,
    header: {
      numRequiredSignatures: layout.numRequiredSignatures,
      numReadonlySignedAccounts: bytes[layout.messageOffset + (layout.version === 0 ? 2 : 1)] ?? 0,
      numReadonlyUnsignedAccounts: bytes[layout.messageOffset + (layout.version === 0 ? 3 : 2)] ?? 0,
    },
    staticAccountKeys,
    recentBlockhash,
    instructions,
    addressTableLookups,
  };
}

/** Decodes a base64 wire transaction (strict base64). See {@link decodeTransactionBytes}. */
export function decodeTransaction(b64: string): DecodedTransaction {
  checkTransactionSize(b64);
  return decodeTransactionBytes(decodeBase64Strict(b64));
}

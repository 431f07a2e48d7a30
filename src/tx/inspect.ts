/**
 * `inspectTransaction`: a plain, offline summary of an unsigned transaction (what it pays, who
 * signs, which programs run, where SOL goes), read straight from the wire bytes.
 */
import { checkTransactionSize, decodeTransaction, decodeTransactionBytes, encodeKey, type AccountRef, type Base58, type DecodedInstruction, type DecodedTransaction } from "./decode.js";
import { COMPUTE_BUDGET_PROGRAM_ID, PRECOMPILE_PROGRAM_IDS, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, programName } from "./programs.js";

export { COMPUTE_BUDGET_PROGRAM_ID, SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "./programs.js";

/** Base fee per signature, in lamports. */
export const LAMPORTS_PER_SIGNATURE = 5_000n;
/** Compute-unit limit the runtime assumes per instruction when none is set. */
export const DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT = 200_000;
/** Largest compute-unit limit a transaction may request. */
export const MAX_COMPUTE_UNIT_LIMIT = 1_400_000;

/** A System Program instruction that moves lamports out of, or reassigns, an account. */
export interface SolMovement {
  /** Index of the instruction in the message. */
  readonly instruction: number;
  readonly kind: "transfer" | "transfer_with_seed" | "create_account" | "create_account_with_seed" | "assign";
  /** Account the lamports leave (for `assign`, the account reassigned). */
  readonly from: AccountRef;
  /** Recipient or created account (absent for `assign`). */
  readonly to?: AccountRef;
  /** Lamports moved (0 for `assign`). */
  readonly lamports: bigint;
  /** New owner program, for `assign`, `create_account` and `create_account_with_seed`. */
  readonly owner?: Base58;
}

/** An SPL Token `CloseAccount`: all lamports of `account` (e.g. unwrapped SOL) go to `destination`. */
export interface TokenAccountClose {
  readonly instruction: number;
  readonly account: AccountRef;
  readonly destination: AccountRef;
  /** The account's owner (or close authority) that signs the close. */
  readonly authority: AccountRef;
}

/** Plain summary of a transaction. All amounts are lamports as exact `bigint`s. */
export interface TransactionSummary {
  readonly version: "legacy" | 0;
  /** First static account key: pays the fee. */
  readonly feePayer: Base58;
  /** Accounts whose signatures the transaction requires, in signature-slot order. */
  readonly requiredSigners: readonly Base58[];
  /** Which required signature slots already hold a (non-zero) signature. */
  readonly signaturesPresent: readonly boolean[];
  readonly recentBlockhash: Base58;
  /** Program ids invoked by top-level instructions, in first-use order, without duplicates. */
  readonly programIds: readonly Base58[];
  /** The same programs with the guard's name for each known one (`"LaserSell router"`, `"Pump.fun"`...). */
  readonly programs: readonly { readonly id: Base58; readonly name: string | undefined }[];
  /** Signatures verified by Ed25519 / Secp256k1 / Secp256r1 precompile instructions (each is charged like a transaction signature). */
  readonly precompileSignatures: number;
  /** `SetComputeUnitLimit`, when present. */
  readonly computeUnitLimit: number | undefined;
  /** `SetComputeUnitPrice` in micro-lamports per compute unit, when present. */
  readonly computeUnitPriceMicroLamports: bigint | undefined;
  /**
   * Upper bound of the fee: 5,000 lamports per signature (the transaction's and those its
   * precompile instructions verify) plus compute-unit limit x price (the limit defaults to 200,000
   * per non-compute-budget instruction, capped at 1,400,000; the highest price and limit count
   * when an instruction repeats).
   */
  readonly maxFeeLamports: bigint;
  /** Every System Program transfer, account funding and reassignment, in instruction order. */
  readonly solMovements: readonly SolMovement[];
  /** Lamports leaving each static account through {@link solMovements} (keyed by base58). */
  readonly solOutflowByAccount: Readonly<Record<Base58, bigint>>;
  /** SPL Token / Token-2022 `CloseAccount` instructions, in instruction order. */
  readonly tokenAccountCloses: readonly TokenAccountClose[];
  /** Indexes of System Program instructions this decoder could not read. */
  readonly unreadableSystemInstructions: readonly number[];
  /** v0 address-table lookups (their addresses are on chain and not resolved offline). */
  readonly addressTableLookups: readonly {
    readonly table: Base58;
    readonly writableIndexes: readonly number[];
    readonly readonlyIndexes: readonly number[];
  }[];
  /** Number of top-level instructions. */
  readonly instructionCount: number;
}

/** Little-endian u32 at `at`, or undefined past the end. */
export function u32(data: Uint8Array, at: number): number | undefined {
  if (at + 4 > data.length) return undefined;
  return ((data[at] as number) | ((data[at + 1] as number) << 8) | ((data[at + 2] as number) << 16)) + (data[at + 3] as number) * 0x1000000;
}

/** Little-endian u64 at `at`, or undefined past the end. */
export function u64(data: Uint8Array, at: number): bigint | undefined {
  const lo = u32(data, at);
  const hi = u32(data, at + 4);
  if (lo === undefined || hi === undefined) return undefined;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The base58 key at `at`, or undefined past the end. */
export function key(data: Uint8Array, at: number): string | undefined {
  return at + 32 <= data.length ? encodeKey(data.subarray(at, at + 32)) : undefined;
}

/** Length of a bincode string (u64 length + bytes) at `at`, or undefined if it does not fit. */
function seedEnd(data: Uint8Array, at: number): number | undefined {
  const len = u64(data, at);
  if (len === undefined || len > 32n) return undefined;
  const end = at + 8 + Number(len);
  return end <= data.length ? end : undefined;
}

/** Parses one System Program instruction; `null` = not a movement; `undefined` = unreadable. */
export function systemMovement(ix: DecodedInstruction): SolMovement | null | undefined {
  const d = ix.data;
  const tag = u32(d, 0);
  const [a0, a1] = ix.accounts;
  switch (tag) {
    case 0: {
      // CreateAccount { lamports, space, owner }
      const lamports = u64(d, 4);
      const owner = key(d, 20);
      if (lamports === undefined || owner === undefined || a0 === undefined || a1 === undefined) return undefined;
      return { instruction: ix.index, kind: "create_account", from: a0, to: a1, lamports, owner };
    }
    case 1: {
      // Assign { owner }
      const owner = key(d, 4);
      if (owner === undefined || a0 === undefined) return undefined;
      return { instruction: ix.index, kind: "assign", from: a0, lamports: 0n, owner };
    }
    case 2: {
      // Transfer { lamports }
      const lamports = u64(d, 4);
      if (lamports === undefined || a0 === undefined || a1 === undefined) return undefined;
      return { instruction: ix.index, kind: "transfer", from: a0, to: a1, lamports };
    }
    case 3: {
      // CreateAccountWithSeed { base, seed, lamports, space, owner }
      const end = seedEnd(d, 36);
      if (end === undefined) return undefined;
      const lamports = u64(d, end);
      const owner = key(d, end + 16);
      if (lamports === undefined || owner === undefined || a0 === undefined || a1 === undefined) return undefined;
      return { instruction: ix.index, kind: "create_account_with_seed", from: a0, to: a1, lamports, owner };
    }
    case 11: {
      // TransferWithSeed { lamports, from_seed, from_owner }: accounts [from, base, to]
      const lamports = u64(d, 4);
      const to = ix.accounts[2];
      if (lamports === undefined || a0 === undefined || to === undefined) return undefined;
      return { instruction: ix.index, kind: "transfer_with_seed", from: a0, to, lamports };
    }
    default:
      return tag === undefined ? undefined : null;
  }
}

/** Summarises an already-decoded transaction (see {@link inspectTransaction}). */
export function summarize(tx: DecodedTransaction): TransactionSummary {
  const programIds: Base58[] = [];
  let precompileSignatures = 0;
  let computeUnitLimit: number | undefined;
  let computeUnitPriceMicroLamports: bigint | undefined;
  let nonBudgetInstructions = 0;
  const solMovements: SolMovement[] = [];
  const unreadableSystemInstructions: number[] = [];
  const solOutflowByAccount: Record<Base58, bigint> = {};
  const tokenAccountCloses: TokenAccountClose[] = [];

  for (const ix of tx.instructions) {
    if (!programIds.includes(ix.programId)) programIds.push(ix.programId);
    if (ix.programId === COMPUTE_BUDGET_PROGRAM_ID) {
      // A repeated instruction fails the transaction on chain; the bound takes the highest anyway.
      const d = ix.data;
      if (d[0] === 2) {
        const units = u32(d, 1);
        if (units !== undefined) computeUnitLimit = Math.max(units, computeUnitLimit ?? 0);
      } else if (d[0] === 3) {
        const price = u64(d, 1);
        if (price !== undefined && (computeUnitPriceMicroLamports === undefined || price > computeUnitPriceMicroLamports)) computeUnitPriceMicroLamports = price;
      }
      continue;
    }
    nonBudgetInstructions++;
    if (PRECOMPILE_PROGRAM_IDS.includes(ix.programId)) precompileSignatures += ix.data[0] ?? 0;
    if (ix.programId === TOKEN_PROGRAM_ID || ix.programId === TOKEN_2022_PROGRAM_ID) {
      const [account, destination, authority] = ix.accounts;
      // CloseAccount = 9
      if (ix.data[0] === 9 && account !== undefined && destination !== undefined && authority !== undefined) {
        tokenAccountCloses.push({ instruction: ix.index, account, destination, authority });
      }
      continue;
    }
    if (ix.programId !== SYSTEM_PROGRAM_ID) continue;
    const m = systemMovement(ix);
    if (m === undefined) unreadableSystemInstructions.push(ix.index);
    else if (m !== null) {
      solMovements.push(m);
      if (m.from.source === "static" && m.lamports > 0n) {
        solOutflowByAccount[m.from.pubkey] = (solOutflowByAccount[m.from.pubkey] ?? 0n) + m.lamports;
      }
    }
  }

  const limit = computeUnitLimit ?? Math.min(MAX_COMPUTE_UNIT_LIMIT, DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT * nonBudgetInstructions);
  const price = computeUnitPriceMicroLamports ?? 0n;
  const priorityFee = (BigInt(Math.min(limit, MAX_COMPUTE_UNIT_LIMIT)) * price + 999_999n) / 1_000_000n;
  const signers = tx.staticAccountKeys.slice(0, tx.header.numRequiredSignatures);
  const signaturesPresent = signers.map((_, i) => {
    const at = tx.signaturesOffset + 64 * i;
    for (let j = at; j < at + 64; j++) if (tx.bytes[j] !== 0) return true;
    return false;
  });

  return {
    version: tx.version,
    feePayer: tx.staticAccountKeys[0] ?? "",
    requiredSigners: signers,
    signaturesPresent,
    recentBlockhash: tx.recentBlockhash,
    programIds,
    programs: programIds.map((id) => ({ id, name: programName(id) })),
    precompileSignatures,
    computeUnitLimit,
    computeUnitPriceMicroLamports,
    maxFeeLamports: LAMPORTS_PER_SIGNATURE * BigInt(tx.header.numRequiredSignatures + precompileSignatures) + priorityFee,
    solMovements,
    solOutflowByAccount,
    tokenAccountCloses,
    unreadableSystemInstructions,
    addressTableLookups: tx.addressTableLookups,
    instructionCount: tx.instructions.length,
  };
}

/**
 * Decodes an unsigned (or signed) base64 transaction and summarises it: version, fee payer,
 * required signers, blockhash, programs invoked, compute-unit limit and price, the fee's upper
 * bound, SOL leaving each account through System Program instructions (transfers, tips, account
 * funding), and address-table lookups. Offline; only top-level instructions are visible (SOL a
 * program moves by cross-program invocation is not).
 *
 * @throws {@link TransactionDecodeError} when the input is not a well-formed legacy or v0 transaction.
 *
 * @example
 * ```ts
 * import { inspectTransaction } from "lasersell-stream/tx";
 * const s = inspectTransaction(signal.unsigned_tx_b64);
 * logSummary(s.feePayer, s.programIds, s.computeUnitPriceMicroLamports, s.solOutflowByAccount[s.feePayer]);
 * ```
 */
export function inspectTransaction(unsignedTxB64: string | Uint8Array): TransactionSummary {
  checkTransactionSize(unsignedTxB64);
  const tx = typeof unsignedTxB64 === "string" ? decodeTransaction(unsignedTxB64) : decodeTransactionBytes(unsignedTxB64);
  return summarize(tx);
}

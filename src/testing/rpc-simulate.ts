/**
 * `simulateTransaction` and `getMultipleAccounts` for the mock JSON-RPC: a small ledger of the
 * wallets and positions the server knows, and an interpreter of the instructions its own
 * transactions use (compute budget, System transfers and seeded account creation, SPL Token
 * transfers, approvals, closes and SyncNative, Associated Token creates, the LaserSell router's
 * `sell` and `buy`, memos). A transaction the server built simulates to the exit or buy it is; a
 * tampered one simulates to what it really does (an extra transfer drains the account it names, a
 * raised router amount sells more), so `verifyBySimulation` can be tested offline. Any other
 * program fails with `UnsupportedProgramId`, as on a cluster where it does not exist. Read only:
 * nothing is committed.
 */
import { VersionedTransaction } from "@solana/web3.js";
import bs58 from "bs58";
import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  COMPUTE_BUDGET_PROGRAM_ID,
  LASERSELL_ROUTER_PROGRAM_ID,
  MEMO_PROGRAM_ID,
  SYSTEM_PROGRAM_ID,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  WSOL_MINT,
} from "../tx/programs.js";
import { ROUTER_DISCRIMINATORS } from "./txfactory.js";

/** Lamports every wallet the mock knows holds in its ledger. */
export const MOCK_WALLET_LAMPORTS = 10_000_000_000n;
const TOKEN_ACCOUNT_RENT = 2_039_280n;

interface TokenState {
  mint: string;
  owner: string;
  amount: bigint;
  delegate: string | undefined;
  delegatedAmount: bigint;
  closeAuthority: string | undefined;
}

interface LedgerAccount {
  lamports: bigint;
  owner: string;
  token: TokenState | undefined;
}

/** What the simulator reads from the server. */
export interface SimulationBackend {
  /** True for a wallet the server knows (it gets {@link MOCK_WALLET_LAMPORTS}). */
  isWallet(address: string): boolean;
  /** A position's token account: its mint, owner and token balance. */
  tokenAccount(address: string): { mint: string; owner: string; amount: bigint } | undefined;
  /** What a swap pays at the current price: lamports for `sell` tokens, tokens for `buy` lamports. */
  quote(mint: string, side: "sell" | "buy", amount: bigint): bigint;
}

class SimulationFailure extends Error {
  constructor(readonly err: unknown) {
    super("simulation failed");
  }
}

function tokenData(t: TokenState, native: boolean): Buffer {
  const data = Buffer.alloc(165);
  bs58.decode(t.mint).forEach((b, i) => (data[i] = b));
  bs58.decode(t.owner).forEach((b, i) => (data[32 + i] = b));
  data.writeBigUInt64LE(t.amount, 64);
  if (t.delegate !== undefined) {
    data.writeUInt32LE(1, 72);
    bs58.decode(t.delegate).forEach((b, i) => (data[76 + i] = b));
  }
  data[108] = 1; // initialized
  if (native) {
    data.writeUInt32LE(1, 109);
    data.writeBigUInt64LE(TOKEN_ACCOUNT_RENT, 113);
  }
  data.writeBigUInt64LE(t.delegatedAmount, 121);
  if (t.closeAuthority !== undefined) {
    data.writeUInt32LE(1, 129);
    bs58.decode(t.closeAuthority).forEach((b, i) => (data[133 + i] = b));
  }
  return data;
}

/** A JSON-RPC account object (`encoding: "base64"`), or null. */
function accountJson(a: LedgerAccount | undefined): Record<string, unknown> | null {
  if (a === undefined) return null;
  const data = a.token === undefined ? Buffer.alloc(0) : tokenData(a.token, a.token.mint === WSOL_MINT);
  return { lamports: Number(a.lamports), owner: a.owner, data: [data.toString("base64"), "base64"], executable: false, rentEpoch: 0, space: data.length };
}

class Ledger {
  readonly #changed = new Map<string, LedgerAccount | undefined>();
  readonly #backend: SimulationBackend;

  constructor(backend: SimulationBackend) {
    this.#backend = backend;
  }

  get(address: string): LedgerAccount | undefined {
    if (this.#changed.has(address)) return this.#changed.get(address);
    if (this.#backend.isWallet(address)) return { lamports: MOCK_WALLET_LAMPORTS, owner: SYSTEM_PROGRAM_ID, token: undefined };
    const t = this.#backend.tokenAccount(address);
    if (t === undefined) return undefined;
    return {
      lamports: TOKEN_ACCOUNT_RENT,
      owner: TOKEN_PROGRAM_ID,
      token: { ...t, delegate: undefined, delegatedAmount: 0n, closeAuthority: undefined },
    };
  }

  set(address: string, account: LedgerAccount | undefined): void {
    this.#changed.set(address, account);
  }

  /** The account, created empty (system-owned) when missing. */
  ensure(address: string): LedgerAccount {
    const a = this.get(address) ?? { lamports: 0n, owner: SYSTEM_PROGRAM_ID, token: undefined };
    return { ...a, token: a.token === undefined ? undefined : { ...a.token } };
  }

  debit(address: string, lamports: bigint, i: number): void {
    const a = this.ensure(address);
    if (a.lamports < lamports) throw new SimulationFailure({ InstructionError: [i, { Custom: 1 }] });
    this.set(address, { ...a, lamports: a.lamports - lamports });
  }

  credit(address: string, lamports: bigint): void {
    const a = this.ensure(address);
    this.set(address, { ...a, lamports: a.lamports + lamports });
  }

  token(address: string, i: number): { account: LedgerAccount; token: TokenState } {
    const account = this.ensure(address);
    if (account.token === undefined) throw new SimulationFailure({ InstructionError: [i, "InvalidAccountData"] });
    return { account, token: account.token };
  }

  moveTokens(from: string, to: string, amount: bigint, i: number): void {
    const src = this.token(from, i);
    if (src.token.amount < amount) throw new SimulationFailure({ InstructionError: [i, { Custom: 1 }] });
    this.set(from, { ...src.account, token: { ...src.token, amount: src.token.amount - amount } });
    const dst = this.token(to, i);
    this.set(to, { ...dst.account, token: { ...dst.token, amount: dst.token.amount + amount } });
  }
}

function u64(data: Uint8Array, at: number): bigint {
  return at + 8 <= data.length ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).readBigUInt64LE(at) : 0n;
}

function simulate(tx: VersionedTransaction, backend: SimulationBackend, addresses: string[]): Record<string, unknown> {
  const ledger = new Ledger(backend);
  const message = tx.message;
  if (message.addressTableLookups.length > 0) {
    return { err: "AddressLookupTableNotFound", logs: [], accounts: null, unitsConsumed: 0 };
  }
  const keys = message.staticAccountKeys.map((k) => k.toBase58());
  const logs: string[] = [];
  let units = 0;
  let cuLimit: number | undefined;
  let cuPrice = 0n;
  try {
    message.compiledInstructions.forEach((ix, i) => {
      const program = keys[ix.programIdIndex] ?? "";
      const acc = ix.accountKeyIndexes.map((k) => keys[k] ?? "");
      const d = ix.data;
      logs.push(`Program ${program} invoke [1]`);
      units += 3_000;
      switch (program) {
        case COMPUTE_BUDGET_PROGRAM_ID:
          if (d[0] === 2 && d.length >= 5) cuLimit = Buffer.from(d).readUInt32LE(1);
          if (d[0] === 3) cuPrice = u64(d, 1);
          break;
        case MEMO_PROGRAM_ID:
          break;
        case SYSTEM_PROGRAM_ID: {
          const tag = d[0];
          const [a0 = "", a1 = "", a2 = ""] = acc;
          if (tag === 2) {
            ledger.debit(a0, u64(d, 4), i);
            ledger.credit(a1, u64(d, 4));
          } else if (tag === 3) {
            const seedLen = Number(u64(d, 36));
            const lamports = u64(d, 44 + seedLen);
            ledger.debit(a0, lamports, i);
            ledger.credit(a1, lamports);
          } else if (tag === 11) {
            ledger.debit(a0, u64(d, 4), i);
            ledger.credit(a2, u64(d, 4));
          } else throw new SimulationFailure({ InstructionError: [i, "InvalidInstructionData"] });
          break;
        }
        case ASSOCIATED_TOKEN_PROGRAM_ID: {
          const [payer = "", ata = "", owner = "", mint = ""] = acc;
          if (ledger.get(ata)?.token !== undefined) break; // idempotent
          ledger.debit(payer, TOKEN_ACCOUNT_RENT, i);
          ledger.set(ata, { lamports: TOKEN_ACCOUNT_RENT, owner: TOKEN_PROGRAM_ID, token: { mint, owner, amount: 0n, delegate: undefined, delegatedAmount: 0n, closeAuthority: undefined } });
          break;
        }
        case TOKEN_PROGRAM_ID:
        case TOKEN_2022_PROGRAM_ID: {
          const [a0 = "", a1 = "", a2 = ""] = acc;
          switch (d[0]) {
            case 3:
              ledger.moveTokens(a0, a1, u64(d, 1), i);
              break;
            case 12:
              ledger.moveTokens(a0, a2, u64(d, 1), i);
              break;
            case 4: {
              const t = ledger.token(a0, i);
              ledger.set(a0, { ...t.account, token: { ...t.token, delegate: a1, delegatedAmount: u64(d, 1) } });
              break;
            }
            case 5: {
              const t = ledger.token(a0, i);
              ledger.set(a0, { ...t.account, token: { ...t.token, delegate: undefined, delegatedAmount: 0n } });
              break;
            }
            case 17: {
              // SyncNative: the wrapped amount follows the lamports above rent.
              const t = ledger.token(a0, i);
              ledger.set(a0, { ...t.account, token: { ...t.token, amount: t.account.lamports - TOKEN_ACCOUNT_RENT } });
              break;
            }
            case 9: {
              const t = ledger.token(a0, i);
              if (t.token.amount > 0n && t.token.mint !== WSOL_MINT) throw new SimulationFailure({ InstructionError: [i, { Custom: 11 }] });
              ledger.set(a0, undefined);
              ledger.credit(a1, t.account.lamports);
              break;
            }
            default:
              throw new SimulationFailure({ InstructionError: [i, "InvalidInstructionData"] });
          }
          break;
        }
        case LASERSELL_ROUTER_PROGRAM_ID: {
          const [wallet = "", userToken = "", mint = "", quote = ""] = acc;
          const amount = u64(d, 8);
          const side = Buffer.from(d.subarray(0, 8)).equals(ROUTER_DISCRIMINATORS.sell) ? "sell" : Buffer.from(d.subarray(0, 8)).equals(ROUTER_DISCRIMINATORS.buy) ? "buy" : undefined;
          if (side === undefined) throw new SimulationFailure({ InstructionError: [i, "InvalidInstructionData"] });
          const out = backend.quote(mint, side, amount);
          units += 60_000;
          if (side === "sell") {
            const t = ledger.token(userToken, i);
            if (t.token.amount < amount) throw new SimulationFailure({ InstructionError: [i, { Custom: 6001 }] });
            ledger.set(userToken, { ...t.account, token: { ...t.token, amount: t.token.amount - amount } });
            ledger.credit(quote, out);
            const q = ledger.get(quote);
            if (q?.token !== undefined) ledger.set(quote, { ...q, token: { ...q.token, amount: q.token.amount + out } });
          } else {
            const q = ledger.get(quote);
            if (q?.token !== undefined) {
              if (q.token.amount < amount) throw new SimulationFailure({ InstructionError: [i, { Custom: 6001 }] });
              ledger.set(quote, { ...q, lamports: q.lamports - amount, token: { ...q.token, amount: q.token.amount - amount } });
            } else ledger.debit(wallet === quote ? wallet : quote, amount, i);
            const t = ledger.get(userToken)?.token === undefined ? undefined : ledger.token(userToken, i);
            if (t === undefined) throw new SimulationFailure({ InstructionError: [i, "UninitializedAccount"] });
            ledger.set(userToken, { ...t.account, token: { ...t.token, amount: t.token.amount + out } });
          }
          break;
        }
        default:
          throw new SimulationFailure({ InstructionError: [i, "UnsupportedProgramId"] });
      }
      logs.push(`Program ${program} success`);
    });
  } catch (err) {
    if (!(err instanceof SimulationFailure)) throw err;
    return { err: err.err, logs, accounts: null, unitsConsumed: units };
  }
  // The fee: 5,000 lamports per signature plus the priority fee.
  const limit = BigInt(cuLimit ?? 200_000 * message.compiledInstructions.length);
  const fee = 5_000n * BigInt(message.header.numRequiredSignatures) + (limit * cuPrice + 999_999n) / 1_000_000n;
  const payer = keys[0] ?? "";
  const before = ledger.ensure(payer);
  ledger.set(payer, { ...before, lamports: before.lamports - fee });
  return { err: null, logs, accounts: addresses.map((a) => accountJson(ledger.get(a))), unitsConsumed: units, fee: Number(fee) };
}

function addressesOf(config: unknown): string[] {
  const accounts = config !== null && typeof config === "object" ? (config as Record<string, unknown>)["accounts"] : undefined;
  const list = accounts !== null && typeof accounts === "object" ? (accounts as Record<string, unknown>)["addresses"] : undefined;
  return Array.isArray(list) ? list.filter((a): a is string => typeof a === "string").slice(0, 64) : [];
}

/**
 * Answers `simulateTransaction` and `getMultipleAccounts` (the result, or `undefined` for another
 * method). Throws `Error` with a message for bad parameters; the caller turns it into a JSON-RPC error.
 */
export function handleSimulationMethod(method: unknown, params: unknown[], backend: SimulationBackend, slot: number): unknown {
  switch (method) {
    case "getMultipleAccounts": {
      const list = Array.isArray(params[0]) ? params[0].filter((a): a is string => typeof a === "string").slice(0, 100) : [];
      const ledger = new Ledger(backend);
      return { context: { slot }, value: list.map((a) => accountJson(ledger.get(a))) };
    }
    case "simulateTransaction": {
      const encoded = params[0];
      if (typeof encoded !== "string") throw new Error("params[0] must be a base64 transaction");
      const tx = VersionedTransaction.deserialize(Buffer.from(encoded, "base64"));
      return { context: { slot }, value: simulate(tx, backend, addressesOf(params[1])) };
    }
    default:
      return undefined;
  }
}

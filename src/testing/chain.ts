/**
 * The mock server's simulated chain: slots (block height = slot), blockhashes that expire after a
 * set number of slots, the status of every signature the RPC accepted, and test hooks that drop,
 * delay or fail the next submissions. It answers the JSON-RPC methods `getLatestBlockhash`,
 * `getBlockHeight`, `getSlot` and `getSignatureStatuses` (see `rpc.ts`).
 *
 * A submission's fate is decided when the RPC accepts it:
 * - normal: it lands after the server's `settleMs` (the sale settles) with status `err: null`;
 * - `drop`: accepted, never lands; its status stays `null` until its blockhash expires;
 * - `delay`: lands `ms` later than normal, unless its blockhash expired by then (then it never lands);
 * - `fail`: lands after `settleMs` with `err` set (default {@link SLIPPAGE_EXCEEDED_ERROR}), sells nothing.
 * A transaction whose blockhash already expired when it was submitted never lands.
 */
import { RpcFailure, RPC_ERRORS } from "./rpc.js";

/**
 * The on-chain error of a mock sale that failed its slippage check: instruction 2 returned custom
 * program error 6001 (the mock's convention, shaped like a real AMM's "slippage exceeded").
 */
export const SLIPPAGE_EXCEEDED_ERROR = { InstructionError: [2, { Custom: 6001 }] } as const;

/** What happens to one submission (`dropNextSubmissions`, `delayNextSubmissions`, `failNextSubmissions` of the mock server). */
export type SubmissionFault =
  | { readonly kind: "drop" }
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "fail"; readonly err?: unknown };

/** Slots after which the mock finalizes a landed transaction. */
const FINALIZED_AFTER = 32;
/** Landed signatures remembered (oldest forgotten first). */
const STATUS_CAPACITY = 100_000;

interface Landed {
  slot: number;
  err: unknown;
}

/** The simulated chain of one {@link MockStreamServer}; owned by the server. */
export class MockChain {
  /** Slot at which each blockhash the server handed out was made. */
  readonly #blockhashes = new Map<string, number>();
  readonly #statuses = new Map<string, Landed>();
  readonly #faults: SubmissionFault[] = [];
  /** Dropped submissions, released when their blockhash expires. */
  readonly #doomed = new Map<string, { lastValid: number; release: () => void }>();
  #counter = 0;

  /** The current slot (the server's clock). */
  readonly #slotNow: () => number;

  constructor(
    slotNow: () => number,
    /** Slots a blockhash stays valid after the slot it was made in. */
    readonly validitySlots: number,
  ) {
    this.#slotNow = slotNow;
    if (!Number.isInteger(validitySlots) || validitySlots < 1) throw new RangeError("blockhashValiditySlots must be a positive integer");
  }

  /** Records a blockhash made now (for an exit transaction). */
  noteBlockhash(blockhash: string): void {
    this.#blockhashes.set(blockhash, this.#slotNow());
    if (this.#blockhashes.size > 4_096) {
      // Forget hashes long expired (insertion order = age).
      const horizon = this.#slotNow() - 4 * this.validitySlots;
      for (const [hash, slot] of this.#blockhashes) {
        if (slot >= horizon) break;
        this.#blockhashes.delete(hash);
      }
    }
  }

  /** Last block height at which `blockhash` is valid; unknown hashes never expire. */
  lastValidBlockHeight(blockhash: string | undefined): number {
    const made = blockhash === undefined ? undefined : this.#blockhashes.get(blockhash);
    return made === undefined ? Number.MAX_SAFE_INTEGER : made + this.validitySlots;
  }

  /** True while `blockhash` can still land. */
  isValid(blockhash: string | undefined): boolean {
    return this.#slotNow() <= this.lastValidBlockHeight(blockhash);
  }

  /** Queues `fault` for each of the next `count` submissions. */
  injectFaults(count: number, fault: SubmissionFault): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError("count must be a non-negative integer");
    if (fault.kind === "delay" && !(fault.ms >= 0)) throw new RangeError("delay ms must be >= 0");
    for (let i = 0; i < count; i++) this.#faults.push(fault);
  }

  /** Submissions still to be dropped, delayed or failed. */
  get pendingFaults(): number {
    return this.#faults.length;
  }

  /** The fault of the submission being accepted now, if one was injected. */
  takeFault(): SubmissionFault | undefined {
    return this.#faults.shift();
  }

  /** A submission that will never land: `release` runs once its blockhash expired. */
  doom(signature: string, blockhash: string | undefined, release: () => void): void {
    const lastValid = this.lastValidBlockHeight(blockhash);
    if (this.#slotNow() > lastValid) release();
    else this.#doomed.set(signature, { lastValid, release });
  }

  /** Records a landed transaction (`err` null: it succeeded). */
  land(signature: string, err: unknown = null): void {
    this.#statuses.set(signature, { slot: this.#slotNow(), err });
    if (this.#statuses.size > STATUS_CAPACITY) {
      const oldest = this.#statuses.keys().next().value;
      if (oldest !== undefined) this.#statuses.delete(oldest);
    }
  }

  /** Releases dropped submissions whose blockhash expired; call after the slot advanced. */
  onSlot(): void {
    const slot = this.#slotNow();
    for (const [signature, d] of this.#doomed) {
      if (slot <= d.lastValid) continue;
      this.#doomed.delete(signature);
      d.release();
    }
  }

  /** A fresh blockhash, valid for {@link validitySlots} from now. */
  latestBlockhash(): { blockhash: string; lastValidBlockHeight: number } {
    this.#counter += 1;
    const blockhash = `MockBlockhash${this.#slotNow()}n${this.#counter}`;
    this.noteBlockhash(blockhash);
    return { blockhash, lastValidBlockHeight: this.lastValidBlockHeight(blockhash) };
  }

  /** Answers the chain's JSON-RPC methods; `undefined` for any other method. Throws {@link RpcFailure}. */
  handle(method: unknown, params: readonly unknown[]): { result: unknown } | undefined {
    const slot = this.#slotNow();
    switch (method) {
      case "getBlockHeight":
      case "getSlot":
        return { result: slot };
      case "getLatestBlockhash":
        return { result: { context: { slot }, value: this.latestBlockhash() } };
      case "getSignatureStatuses": {
        const list = params[0];
        if (!Array.isArray(list) || list.length > 256 || list.some((s) => typeof s !== "string")) {
          throw new RpcFailure(RPC_ERRORS.invalidParams, "params[0] must be an array of at most 256 signature strings");
        }
        const value = (list as string[]).map((signature) => {
          const landed = this.#statuses.get(signature);
          if (landed === undefined) return null;
          const confirmations = slot - landed.slot;
          const finalized = confirmations >= FINALIZED_AFTER;
          return {
            slot: landed.slot,
            confirmations: finalized ? null : confirmations,
            err: landed.err,
            status: landed.err === null ? { Ok: null } : { Err: landed.err },
            confirmationStatus: finalized ? "finalized" : "confirmed",
          };
        });
        return { result: { context: { slot }, value } };
      }
      default:
        return undefined;
    }
  }
}

/**
 * `verifyBySimulation`: the stronger, opt-in check careful wallets make. After the offline guard,
 * the transaction is simulated by an RPC node (`simulateTransaction`, `sigVerify: false`,
 * `replaceRecentBlockhash: true`) and its effects on the wallet are compared with the same
 * accounts before it (`getMultipleAccounts`); only an exit's (or the configured buy's) effects pass.
 */
import bs58 from "bs58";
import { StreamValidationError, TransactionGuardError } from "../errors.js";
import { deadline } from "../util/abort.js";
import type { Base58 } from "./decode.js";
import { associatedTokenAddress } from "./guard.js";
import type { ExitMessageLike } from "./guard-limits.js";
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, USD1_MINT, WSOL_MINT } from "./programs.js";
import { guardTransaction, signExitTransaction, type SignedTransaction, type SignExitOptions } from "./sign.js";
import type { SignerInput } from "./signer.js";
import { createSigner } from "./signer.js";
import { postJsonRpc, type FetchLike } from "./rpc.js";
import { resolveTarget, type SendTarget } from "./targets.js";
import { TX_DEFAULTS } from "./defaults.js";

/** Options of {@link verifyBySimulation}: the guard's, plus the RPC call's. */
export interface SimulationOptions extends SignExitOptions {
  /** Aborts the RPC calls. */
  signal?: AbortSignal;
  /** Whole-call timeout (both RPC calls). @defaultValue 10000 */
  timeoutMs?: number;
  /** Allow `http://` to a host that is not loopback. @defaultValue false */
  allowInsecure?: boolean;
  /** @defaultValue `globalThis.fetch` */
  fetch?: FetchLike;
}

/** What the simulation showed. */
export interface SimulationEffects {
  /** Lamports the wallet gained (negative: lost), fee included. */
  readonly walletLamportsDelta: bigint;
  /** Token balance change of each of the wallet's token accounts the transaction touches. */
  readonly tokenDeltas: Readonly<Record<Base58, bigint>>;
  readonly unitsConsumed: number | undefined;
  readonly logs: readonly string[];
}

interface AccountJson {
  lamports: number;
  owner: string;
  data: [string, string] | unknown;
}

interface TokenView {
  mint: string;
  owner: string;
  amount: bigint;
  delegate: string | undefined;
  closeAuthority: string | undefined;
}

function tokenView(a: AccountJson | null | undefined): TokenView | undefined {
  if (a === null || a === undefined || (a.owner !== TOKEN_PROGRAM_ID && a.owner !== TOKEN_2022_PROGRAM_ID)) return undefined;
  const raw = Array.isArray(a.data) && typeof a.data[0] === "string" ? Buffer.from(a.data[0], "base64") : undefined;
  if (raw === undefined || raw.length < 165) return undefined;
  const key = (at: number): string => bs58.encode(raw.subarray(at, at + 32));
  return {
    mint: key(0),
    owner: key(32),
    amount: raw.readBigUInt64LE(64),
    delegate: raw.readUInt32LE(72) === 1 ? key(76) : undefined,
    closeAuthority: raw.readUInt32LE(129) === 1 ? key(133) : undefined,
  };
}

const refuse = (message: string): never => {
  throw new TransactionGuardError(`simulation: ${message}`, { rule: "simulation" });
};

const big = (v: number | bigint | undefined): bigint | undefined => (v === undefined ? undefined : BigInt(v));

/**
 * Guards `message` offline (as {@link signExitTransaction}), simulates its transaction on `rpc`
 * and signs it only if the effects on the wallet are an exit's (or the configured mirror buy's):
 *
 * - the transaction loads no writable account from an address lookup table (their changes would
 *   not be observed);
 * - the simulation succeeds;
 * - the position's token account (`token_account`, else the wallet's associated account of
 *   `mint`) falls by at most `sell_tokens` (else `position_tokens`);
 * - no other token account of the wallet falls (a SOL mirror buy's wrapped-SOL account may fall
 *   by the configured buy cap), and no owner, delegate or close authority of one changes;
 * - the wallet's SOL falls by no more than the guard's total limit (fee + configured tip + the
 *   0.01 SOL allowance, + the buy cap for a SOL mirror buy);
 * - for an exit, the proceeds arrive: the wallet's SOL and wrapped SOL or USD1 together end
 *   above what the fee and tip alone would leave.
 *
 * Times out (`timeoutMs`, 10 s) and honours `signal` like `submitTransaction`; transport and RPC
 * failures reject with `SubmitError`, refusals with `TransactionGuardError` (rule `simulation`).
 *
 * @example
 * ```ts
 * import { guardFor, submitTransaction, verifyBySimulation } from "lasersell-stream/tx";
 * const signed = await verifyBySimulation(process.env["RPC_URL"] ?? "", event.message, keypair, { ...guardFor(session), timeoutMs: 3_000 });
 * await submitTransaction(process.env["RPC_URL"] ?? "", signed.signedTxB64);
 * ```
 */
export async function verifyBySimulation(
  rpc: string | SendTarget,
  message: ExitMessageLike,
  signer: SignerInput,
  options: SimulationOptions = {},
): Promise<SignedTransaction & { simulation: SimulationEffects }> {
  const key = createSigner(signer);
  const { decoded, summary, limits, wallet } = guardTransaction(message, key.publicKey, options);
  const m = message as ExitMessageLike & { token_account?: string; mint?: string; sell_tokens?: number | bigint; position_tokens?: number | bigint };
  const position = limits.kind === "exit" ? (m.token_account ?? (typeof m.mint === "string" ? associatedTokenAddress(wallet, m.mint, TOKEN_PROGRAM_ID) : undefined)) : undefined;
  // Accounts loaded from lookup tables are not resolved here, so the simulation's report would not
  // include them: a writable one (another token account of the wallet?) could change unseen.
  for (const l of decoded.addressTableLookups) {
    if (l.writableIndexes.length > 0) {
      refuse(`the transaction loads ${l.writableIndexes.length} writable account(s) from lookup table ${l.table}, whose changes this check cannot observe; verify it another way, or sign it with signExitTransaction`);
    }
  }
  // The wallet and every writable static account (its token accounts among them).
  const addresses = [wallet];
  const writableSigned = decoded.header.numRequiredSignatures - decoded.header.numReadonlySignedAccounts;
  const writableUnsigned = decoded.staticAccountKeys.length - decoded.header.numReadonlyUnsignedAccounts;
  decoded.staticAccountKeys.forEach((k, i) => {
    const writable = i < decoded.header.numRequiredSignatures ? i < writableSigned : i < writableUnsigned;
    if (writable && !addresses.includes(k)) addresses.push(k);
  });
  if (position !== undefined && !addresses.includes(position)) addresses.push(position);

  const call = rpcCaller(rpc, options);
  const [pre, sim] = await Promise.all([
    call("getMultipleAccounts", [addresses, { encoding: "base64", commitment: "processed" }]) as Promise<{ value?: (AccountJson | null)[] }>,
    call("simulateTransaction", [
      message.unsigned_tx_b64,
      { encoding: "base64", sigVerify: false, replaceRecentBlockhash: true, commitment: "processed", accounts: { encoding: "base64", addresses } },
    ]) as Promise<{ value?: { err: unknown; logs?: string[] | null; accounts?: (AccountJson | null)[] | null; unitsConsumed?: number } }>,
  ]).finally(call.done);
  const value = sim.value;
  if (value === undefined) refuse("the RPC answered simulateTransaction without a value");
  const logs = value?.logs ?? [];
  if (value?.err !== null && value?.err !== undefined) refuse(`the transaction fails: ${JSON.stringify(value.err)} (${logs.slice(-3).join(" | ")})`);
  const before = pre.value ?? [];
  const after = value?.accounts ?? [];

  const walletBefore = BigInt(before[0]?.lamports ?? 0);
  const walletAfter = BigInt(after[0]?.lamports ?? 0);
  const walletDelta = walletAfter - walletBefore;
  if (-walletDelta > limits.total) refuse(`the wallet's SOL falls by ${-walletDelta} lamports; the limit is ${limits.total}`);

  const tokenDeltas: Record<Base58, bigint> = {};
  let quoteDelta = walletDelta;
  const allowedFall = big(m.sell_tokens) ?? big(m.position_tokens) ?? 0n;
  addresses.forEach((address, i) => {
    const b = tokenView(before[i]);
    if (b === undefined || b.owner !== wallet) return;
    const a = tokenView(after[i]);
    const closed = after[i] === null || after[i] === undefined;
    if (closed) {
      if (b.amount > 0n && b.mint !== WSOL_MINT) refuse(`the wallet's token account ${address} disappears holding ${b.amount} tokens`);
    } else if (a === undefined || a.owner !== wallet || a.delegate !== b.delegate || a.closeAuthority !== b.closeAuthority) {
      refuse(`the owner, delegate or close authority of the wallet's token account ${address} changes`);
    }
    const delta = (a?.amount ?? 0n) - b.amount;
    tokenDeltas[address] = delta;
    if (b.mint === WSOL_MINT || b.mint === USD1_MINT) quoteDelta += delta;
    if (delta >= 0n) return;
    if (address === position) {
      if (-delta > allowedFall) refuse(`the position's token account ${address} falls by ${-delta}, more than the ${allowedFall} this exit sells`);
    } else if (!(b.mint === WSOL_MINT && -delta <= limits.solBuy)) {
      refuse(`the wallet's token account ${address} (mint ${b.mint}) falls by ${-delta}`);
    }
  });
  if (limits.kind === "exit" && allowedFall > 0n && quoteDelta + summary.maxFeeLamports + limits.tip <= 0n) {
    refuse(`no proceeds arrive: the wallet's SOL, wrapped SOL and USD1 change by ${quoteDelta} lamports`);
  }
  const signed = signExitTransaction(message, signer, options);
  return Object.assign(signed, {
    simulation: { walletLamportsDelta: walletDelta, tokenDeltas, unitsConsumed: value?.unitsConsumed, logs },
  });
}

/** One JSON-RPC caller over a target, with one deadline and the caller's signal for all its calls. */
function rpcCaller(rpc: string | SendTarget, options: SimulationOptions): ((method: string, params: unknown[]) => Promise<unknown>) & { done: () => void } {
  const endpoint = resolveTarget(rpc, undefined, options.allowInsecure === true);
  const timeoutMs = options.timeoutMs ?? TX_DEFAULTS.simulate.timeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new StreamValidationError("timeoutMs: must be a non-negative number", { issues: [{ path: "timeoutMs", message: "must be a non-negative number" }] });
  const limit = deadline(timeoutMs, options.signal);
  const call = (method: string, params: unknown[]): Promise<unknown> =>
    postJsonRpc(endpoint, method, params, { signal: limit.signal, reason: limit.reason, timeoutMs, attempts: 1, fetch: options.fetch });
  return Object.assign(call, { done: limit.dispose });
}

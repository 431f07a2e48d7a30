/**
 * The guard's rules: what an exit (or mirror-buy) transaction must satisfy before the wallet signs
 * it (`checkGuard`): the fee payer and signers, the programs, and per instruction the System,
 * SPL Token and Associated Token rules, then the totals against the limits `guard-limits.ts`
 * resolved.
 *
 * The principle: the signature may authorize only what an exit (or the user's configured mirror
 * buy) needs, and every limit comes from the user (options, or the configuration the client itself
 * sent), never from the message being guarded.
 */
import { PublicKey } from "@solana/web3.js";
import { TransactionGuardError } from "../errors.js";
import type { AccountRef, Base58, DecodedInstruction, DecodedTransaction } from "./decode.js";
import { DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS, HOW_TO_CONFIGURE, refuse, type GuardLimits } from "./guard-limits.js";
import { key, systemMovement, type TransactionSummary } from "./inspect.js";
import { ASSOCIATED_TOKEN_PROGRAM_ID, SYSTEM_PROGRAM_ID, TIP_ACCOUNTS, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, USD1_MINT, WSOL_MINT } from "./programs.js";

/** Rent counted for each token account the wallet pays to create (a 170-byte Token-2022 account). */
export const TOKEN_ACCOUNT_RENT_LAMPORTS = 2_074_080n;

const sol = (l: bigint): string => `${l} lamports (${(Number(l) / 1e9).toFixed(9).replace(/\.?0+$/, "")} SOL)`;

const ataCache = new Map<string, Base58>();

/** The wallet's associated token account for `mint` under `tokenProgram` (memoized; bounded). */
export function associatedTokenAddress(wallet: Base58, mint: Base58, tokenProgram: Base58): Base58 {
  const id = `${wallet}:${mint}:${tokenProgram}`;
  let ata = ataCache.get(id);
  if (ata === undefined) {
    ata = PublicKey.findProgramAddressSync(
      [new PublicKey(wallet).toBytes(), new PublicKey(tokenProgram).toBytes(), new PublicKey(mint).toBytes()],
      new PublicKey(ASSOCIATED_TOKEN_PROGRAM_ID),
    )[0].toBase58();
    if (ataCache.size >= 1024) ataCache.clear();
    ataCache.set(id, ata);
  }
  return ata;
}

const refKey = (a: AccountRef): string => (a.source === "static" ? a.pubkey : `lookup:${a.table}:${a.tableIndex}`);
const describe = (a: AccountRef | undefined): string =>
  a === undefined ? "(missing account)" : a.source === "static" ? a.pubkey : `an account from lookup table ${a.table} (#${a.tableIndex})`;
const isTokenProgram = (id: Base58): boolean => id === TOKEN_PROGRAM_ID || id === TOKEN_2022_PROGRAM_ID;
/** The token-program account of an Associated Token create: the created account is owned by it. */
const isTokenProgramRef = (a: AccountRef | undefined): boolean => a?.source === "static" && isTokenProgram(a.pubkey);

/**
 * What the transaction proves the wallet owns: ATAs it creates for itself, and temporary token
 * accounts it initializes with the wallet as owner and closes back to the wallet with the wallet's
 * own authority. Both halves matter: with a pre-signed co-signer, an account merely closed "to the
 * wallet" may belong to the attacker (who empties it first), and one merely initialized for the
 * wallet keeps its lamports unless closed.
 */
class Ownership {
  readonly #created = new Set<string>();
  readonly #initializedForWallet = new Set<string>();
  readonly #initializedForOther = new Set<string>();
  /** Index of the last instruction closing each account to the wallet with the wallet's authority. */
  readonly #closedToWallet = new Map<string, number>();

  constructor(
    tx: DecodedTransaction,
    private readonly wallet: Base58,
  ) {
    for (const ix of tx.instructions) {
      if (ix.programId === ASSOCIATED_TOKEN_PROGRAM_ID && (ix.data.length === 0 || ix.data[0] === 0 || ix.data[0] === 1)) {
        const [, ata, owner, , , tokenProgram] = ix.accounts;
        if (ata !== undefined && this.isWallet(owner) && isTokenProgramRef(tokenProgram)) this.#created.add(refKey(ata));
        continue;
      }
      if (!isTokenProgram(ix.programId)) continue;
      const [account, second, third] = ix.accounts;
      if (account === undefined) continue;
      const tag = ix.data[0];
      // InitializeAccount [account, mint, owner, rent]; InitializeAccount2/3 carry the owner in their data.
      const owner = tag === 1 ? (third?.source === "static" ? third.pubkey : undefined) : tag === 16 || tag === 18 ? key(ix.data, 1) : undefined;
      if (owner === wallet) this.#initializedForWallet.add(refKey(account));
      else if (tag === 1 || tag === 16 || tag === 18) this.#initializedForOther.add(refKey(account));
      // CloseAccount [account, destination, authority]: the wallet itself must be the authority.
      if (tag === 9 && this.isWallet(second) && this.isWallet(third)) this.#closedToWallet.set(refKey(account), ix.index);
    }
  }

  isWallet(a: AccountRef | undefined): boolean {
    return a !== undefined && a.source === "static" && a.pubkey === this.wallet;
  }

  /**
   * A temporary account, for what instruction `at` puts into it: the transaction initializes it for
   * the wallet only, and closes it back to the wallet, with the wallet's authority, after `at`.
   */
  isTemporary(a: AccountRef, at: number): boolean {
    const id = refKey(a);
    const closedAt = this.#closedToWallet.get(id);
    return closedAt !== undefined && closedAt > at && this.#initializedForWallet.has(id) && !this.#initializedForOther.has(id);
  }

  /** Provably the wallet's token account (for `mint`, when known). */
  isOwnTokenAccount(a: AccountRef | undefined, at: number, program: Base58, mint?: AccountRef): boolean {
    if (a === undefined) return false;
    if (this.#created.has(refKey(a)) || this.isTemporary(a, at)) return true;
    if (a.source !== "static") return false;
    const programs = isTokenProgram(program) ? [program] : [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID];
    const mints = mint?.source === "static" ? [mint.pubkey] : [WSOL_MINT, USD1_MINT];
    return programs.some((p) => mints.some((m) => associatedTokenAddress(this.wallet, m, p) === a.pubkey));
  }
}

// ---------------------------------------------------------------------------------------------
// Instruction rules
// ---------------------------------------------------------------------------------------------

interface Flows {
  tips: bigint;
  /** Lamports moved into the wallet's own accounts (wrapped SOL funding, temporary accounts). */
  funding: bigint;
  /** Rent the wallet pays for token accounts created through the Associated Token program. */
  rent: bigint;
}

/** Token instruction tags whose authority (and multisig signers) start at the given account index. */
const TOKEN_AUTHORITY_INDEX: Readonly<Record<number, number>> = {
  3: 2, // Transfer [source, destination, authority]
  4: 2, // Approve [source, delegate, owner]
  5: 1, // Revoke [source, owner]
  6: 1, // SetAuthority [account, current authority]
  7: 2, // MintTo [mint, destination, mint authority]
  8: 2, // Burn [account, mint, authority]
  9: 2, // CloseAccount [account, destination, authority]
  10: 2, // FreezeAccount [account, mint, freeze authority]
  11: 2, // ThawAccount
  12: 3, // TransferChecked [source, mint, destination, authority]
  13: 3, // ApproveChecked [source, mint, delegate, owner]
  14: 2, // MintToChecked
  15: 2, // BurnChecked
};
/** Token instructions that need no authority's signature (initializing accounts and mints, SyncNative, queries). */
const TOKEN_NO_AUTHORITY = new Set([0, 1, 2, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
const TOKEN_NAMES: Readonly<Record<number, string>> = {
  3: "Transfer",
  4: "Approve",
  5: "Revoke",
  6: "SetAuthority",
  7: "MintTo",
  8: "Burn",
  9: "CloseAccount",
  10: "FreezeAccount",
  11: "ThawAccount",
  12: "TransferChecked",
  13: "ApproveChecked",
  14: "MintToChecked",
  15: "BurnChecked",
};

function tokenRule(ix: DecodedInstruction, own: Ownership, wallet: Base58): void {
  const program = ix.programId === TOKEN_PROGRAM_ID ? "SPL Token" : "Token-2022";
  const tag = ix.data[0];
  const where = `instruction #${ix.index} (${program}`;
  if (tag === undefined) {
    if (ix.accounts.some((a) => own.isWallet(a))) refuse("token_authority", `${where}) has no data and involves the wallet ${wallet}`);
    return;
  }
  if (TOKEN_NO_AUTHORITY.has(tag)) return;
  const authorityAt = TOKEN_AUTHORITY_INDEX[tag];
  if (authorityAt === undefined) {
    // Token-2022 extensions, metadata interface...: nothing an exit needs with the wallet's signature.
    if (ix.accounts.some((a) => own.isWallet(a))) {
      refuse("token_authority", `${where} instruction ${tag}) involves the wallet ${wallet}; no exit needs it`);
    }
    return;
  }
  if (!ix.accounts.slice(authorityAt).some((a) => own.isWallet(a))) return; // not the wallet's authority
  const name = `${where} ${TOKEN_NAMES[tag] ?? tag})`;
  const a = ix.accounts;
  switch (tag) {
    case 3:
    case 12: {
      const destination = tag === 3 ? a[1] : a[2];
      if (!own.isOwnTokenAccount(destination, ix.index, ix.programId, tag === 12 ? a[1] : undefined)) {
        refuse("token_authority", `${name} moves the wallet's tokens to ${describe(destination)}, which is not an account of the wallet`);
      }
      return;
    }
    case 4:
    case 13: {
      const delegate = tag === 4 ? a[1] : a[2];
      if (!own.isWallet(delegate)) refuse("token_authority", `${name} makes ${describe(delegate)} a delegate of the wallet's tokens`);
      return;
    }
    case 5:
      return; // Revoke takes a delegate away: never harmful.
    case 6: {
      // data: [6, authority type, option tag, new authority (32)]
      const newAuthority = ix.data[2] === 1 ? key(ix.data, 3) : undefined;
      if (newAuthority !== wallet) {
        refuse("token_authority", `${name} hands an authority of ${describe(a[0])} held by the wallet to ${newAuthority ?? "nobody"}`);
      }
      return;
    }
    case 7:
    case 14:
      if (!own.isOwnTokenAccount(a[1], ix.index, ix.programId, a[0])) refuse("token_authority", `${name} mints with the wallet's authority to ${describe(a[1])}`);
      return;
    case 9:
      if (!own.isWallet(a[1])) refuse("token_authority", `${name} closes ${describe(a[0])} with the wallet's authority and pays its lamports to ${describe(a[1])}, not the wallet`);
      return;
    default:
      // Burn, BurnChecked, FreezeAccount, ThawAccount
      refuse("token_authority", `${name} uses the wallet's authority over ${describe(a[0])}; no exit needs it`);
  }
}

/** System Program tags that change an account's size or owner, and the nonce tags that use its authority. */
const SYSTEM_AUTHORITY_TAGS: Readonly<Record<number, string>> = { 1: "Assign", 8: "Allocate", 9: "AllocateWithSeed", 10: "AssignWithSeed" };

function systemRule(ix: DecodedInstruction, own: Ownership, wallet: Base58, flows: Flows): void {
  const tag = ix.data.length >= 4 ? (ix.data[0] as number) | ((ix.data[1] as number) << 8) | ((ix.data[2] as number) << 16) | ((ix.data[3] as number) << 24) : undefined;
  const involvesWallet = ix.accounts.some((a) => own.isWallet(a));
  const where = `instruction #${ix.index} (System`;
  if (tag !== undefined && SYSTEM_AUTHORITY_TAGS[tag] !== undefined) {
    if (involvesWallet) refuse("system_authority", `${where} ${SYSTEM_AUTHORITY_TAGS[tag]}) targets the wallet ${wallet}; it could lock or hand over its SOL`);
    return;
  }
  if (tag === 5 || tag === 7) {
    // WithdrawNonceAccount [nonce, to, blockhashes, rent, authority]; AuthorizeNonceAccount [nonce, authority]
    const authority = ix.accounts[tag === 5 ? 4 : 1];
    if (own.isWallet(authority)) refuse("system_authority", `${where} ${tag === 5 ? "WithdrawNonceAccount" : "AuthorizeNonceAccount"}) uses the wallet ${wallet} as nonce authority`);
    return;
  }
  if (tag === 4) {
    // AdvanceNonceAccount [nonce, recent blockhashes, authority]: whoever the authority is (the
    // wallet, or a co-signer who signed already), it makes the transaction durable: once signed it
    // stays valid until the nonce advances, long after the exit's blockhash would have expired.
    refuse("system_authority", `${where} AdvanceNonceAccount) makes this a durable-nonce transaction that never expires; no exit needs one`);
  }
  if (tag === 6 || tag === 12) return; // InitializeNonceAccount, UpgradeNonceAccount: no authority's signature
  const m = systemMovement(ix);
  if (m === undefined || m === null) {
    if (involvesWallet) refuse("system_authority", `${where} instruction ${tag ?? "?"}) involving the wallet cannot be read`);
    return;
  }
  // TransferWithSeed moves lamports out of an account derived from the wallet (accounts [from, base, to]).
  const fromWallet = own.isWallet(m.from) || (m.kind === "transfer_with_seed" && own.isWallet(ix.accounts[1]));
  if (!fromWallet || m.lamports === 0n || m.to === undefined || own.isWallet(m.to)) return;
  if (m.kind === "create_account" || m.kind === "create_account_with_seed") {
    if (!own.isTemporary(m.to, ix.index)) {
      refuse("sol_outflow", `${where}) funds ${describe(m.to)} with ${sol(m.lamports)} of the wallet, and the transaction does not close it back to the wallet`);
    }
    flows.funding += m.lamports;
    return;
  }
  if (m.to.source === "static" && TIP_ACCOUNTS.has(m.to.pubkey)) {
    flows.tips += m.lamports;
    return;
  }
  if (own.isOwnTokenAccount(m.to, ix.index, "")) {
    flows.funding += m.lamports;
    return;
  }
  refuse("sol_outflow", `${where}) sends ${sol(m.lamports)} of the wallet to ${describe(m.to)}, which is neither a known tip account nor an account of the wallet`);
}

function associatedTokenRule(ix: DecodedInstruction, own: Ownership, wallet: Base58, flows: Flows): void {
  const tag = ix.data.length === 0 ? 0 : ix.data[0];
  if (tag === 0 || tag === 1) {
    // Create / CreateIdempotent [payer, ata, owner, mint, system, token program]
    const [payer, ata, owner, , , tokenProgram] = ix.accounts;
    if (!own.isWallet(payer)) return;
    if (!own.isWallet(owner)) refuse("sol_outflow", `instruction #${ix.index} (Associated Token create) makes the wallet pay rent for ${describe(ata)}, owned by ${describe(owner)}`);
    if (!isTokenProgramRef(tokenProgram)) {
      // The Associated Token program hands the new account to whatever program is named here.
      refuse("sol_outflow", `instruction #${ix.index} (Associated Token create) makes the wallet pay rent for an account owned by ${describe(tokenProgram)}, which is not SPL Token or Token-2022`);
    }
    flows.rent += TOKEN_ACCOUNT_RENT_LAMPORTS;
    return;
  }
  if (tag === 2) return; // RecoverNested: moves nested tokens into the wallet's own ATA.
  if (ix.accounts.some((a) => own.isWallet(a))) refuse("token_authority", `instruction #${ix.index} (Associated Token instruction ${tag}) involving the wallet ${wallet} is not one an exit needs`);
}

/**
 * Checks every rule after `decode` (the caller decoded `tx` into `summary`). Throws
 * {@link TransactionGuardError} naming the first rule broken, in this order: `fee_payer`,
 * `required_signer`, `signer_mismatch`, `allowed_programs`, then per instruction
 * `system_authority`, `token_authority`, `sol_outflow`, and last the totals (`sol_outflow`).
 *
 * Accounts loaded from address lookup tables cannot be resolved offline. They can never be the
 * wallet: the wallet is the fee payer, so it is a static key, and the runtime refuses a message
 * that loads the same account twice.
 */
export function checkGuard(tx: DecodedTransaction, summary: TransactionSummary, wallet: Base58, signerPublicKey: Base58, limits: GuardLimits): void {
  if (summary.feePayer !== wallet) refuse("fee_payer", `the fee payer is ${summary.feePayer || "(none)"}, not the signal's wallet ${wallet}`);
  const slot = summary.requiredSigners.indexOf(wallet);
  if (slot < 0) refuse("required_signer", `the wallet ${wallet} is not among the required signers (the message requires ${summary.requiredSigners.length})`);
  if (tx.header.numReadonlySignedAccounts >= tx.header.numRequiredSignatures) {
    refuse("fee_payer", `the fee payer ${wallet} is marked read-only, so the runtime would reject the transaction`);
  }
  for (let i = 0; i < summary.requiredSigners.length; i++) {
    if (i !== slot && summary.signaturesPresent[i] !== true) {
      refuse(
        "required_signer",
        `the transaction also needs a signature from ${summary.requiredSigners[i] ?? "?"}, which this signer cannot provide`,
      );
    }
  }
  if (signerPublicKey !== wallet) {
    refuse("signer_mismatch", `the signer's public key is ${signerPublicKey}, but the signal is for wallet ${wallet}`);
  }
  if (!limits.allowAnyProgram) {
    for (const p of summary.programIds) {
      if (!limits.allowedPrograms.has(p)) {
        refuse(
          "allowed_programs",
          `the transaction invokes program ${p}, which is not a known LaserSell, DEX or system program; if you trust it, pass allowedPrograms: ["${p}"]`,
        );
      }
    }
  }

  const own = new Ownership(tx, wallet);
  const flows: Flows = { tips: 0n, funding: 0n, rent: 0n };
  for (const ix of tx.instructions) {
    if (ix.programId === SYSTEM_PROGRAM_ID) systemRule(ix, own, wallet, flows);
    else if (isTokenProgram(ix.programId)) tokenRule(ix, own, wallet);
    else if (ix.programId === ASSOCIATED_TOKEN_PROGRAM_ID) associatedTokenRule(ix, own, wallet, flows);
  }

  if (flows.tips > limits.tip) {
    refuse(
      "sol_outflow",
      limits.tip === 0n
        ? `the transaction tips ${sol(flows.tips)} to a tip account, but no tip is configured: pass tipLamports (the tip_lamports of your configure), or ${HOW_TO_CONFIGURE}`
        : `the transaction tips ${sol(flows.tips)}, more than the ${sol(limits.tip)} you configured (tipLamports)`,
    );
  }
  const beyondBuy = flows.funding > limits.solBuy ? flows.funding - limits.solBuy : 0n;
  const overhead = summary.maxFeeLamports + flows.rent + beyondBuy;
  if (limits.overhead !== undefined && overhead > limits.overhead) {
    refuse(
      "sol_outflow",
      `the fee (up to ${summary.maxFeeLamports}), rent (${flows.rent}) and funding beyond the buy cap (${beyondBuy}) would take ${sol(overhead)} from the wallet ${wallet}; the allowance is ${sol(limits.overhead)} (maxSolOutflowLamports replaces it)`,
    );
  }
  const outflow = summary.maxFeeLamports + flows.tips + flows.funding + flows.rent;
  if (outflow > limits.total) {
    const buy = limits.kind === "mirror_buy" ? `, buy cap ${limits.solBuy}` : "";
    refuse(
      "sol_outflow",
      `up to ${sol(outflow)} would leave the wallet ${wallet} (fee up to ${summary.maxFeeLamports}, tips ${flows.tips}, funding of its own accounts ${flows.funding}, rent ${flows.rent}); the limit is ${sol(limits.total)} (allowance ${DEFAULT_SOL_OUTFLOW_ALLOWANCE_LAMPORTS} + tip ${limits.tip}${buy}; maxSolOutflowLamports replaces it)`,
    );
  }
}

/**
 * The programs, tip accounts and mints the guard knows, each with the source it was taken from
 * (`/work/shared/exit-api.md` §3 collects them). This file is the one place to change when
 * LaserSell deploys a new router or a DEX changes its address.
 */
import type { Base58 } from "./decode.js";

/** A program the guard lets an exit or mirror-buy transaction invoke at top level. */
export interface KnownProgram {
  readonly id: Base58;
  readonly name: string;
  /** Where the address comes from. */
  readonly source: string;
}

/** The System Program. */
export const SYSTEM_PROGRAM_ID = "11111111111111111111111111111111";
/** The Compute Budget program. */
export const COMPUTE_BUDGET_PROGRAM_ID = "ComputeBudget111111111111111111111111111111";
/** The SPL Token program. */
export const TOKEN_PROGRAM_ID = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
/** The SPL Token-2022 program. */
export const TOKEN_2022_PROGRAM_ID = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";
/** The Associated Token Account program. */
export const ASSOCIATED_TOKEN_PROGRAM_ID = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL";
/** The SPL Memo program (v2). */
export const MEMO_PROGRAM_ID = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr";
/**
 * LaserSell's router (fee enforcement). Published in the LaserSell docs in March 2026 and removed
 * from them since; not confirmed from a decoded live transaction. If LaserSell deploys a new one,
 * the guard refuses its exits with rule `allowed_programs` naming the new id: add it with
 * `allowedPrograms: ["<id>"]`.
 */
export const LASERSELL_ROUTER_PROGRAM_ID = "77Fvqi4CFY8AumYEDWbXPwcHf2Hujod6FECSitxPtfon";

/** The DEX program of each `market_type` of the protocol. */
export const DEX_PROGRAM_IDS = {
  pump_fun: "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6P",
  pump_swap: "pAMMBay6oceH9fJKBRHGP5D4bD4sWpmSwMn52FMfXEA",
  raydium_launchpad: "LanMV9sAd7wArD4vJFi2qDdfnVhFxYSUg6eADduJ3uj",
  raydium_cpmm: "CPMMoo8L3F4NbTegBCKVNunggL7H1ZpdTHKxQB5qKP1C",
  meteora_dbc: "dbcij3LWUppWqq96dh6gJWwBifmcGfLSB5D4DuSMaqN",
  meteora_damm_v2: "cpamdpZCGKUy5JxQXB4dcpGPiikHawvSWAd6mEn1sGG",
} as const;

const SKILLS = "lasersell/skills resources/program-addresses.md";

/** Every program allowed by default (`allowedPrograms` adds to it). */
export const KNOWN_PROGRAMS: readonly KnownProgram[] = [
  { id: SYSTEM_PROGRAM_ID, name: "System", source: `${SKILLS} line 27` },
  { id: COMPUTE_BUDGET_PROGRAM_ID, name: "Compute Budget", source: `${SKILLS} line 29` },
  { id: ASSOCIATED_TOKEN_PROGRAM_ID, name: "Associated Token", source: `${SKILLS} line 28` },
  { id: TOKEN_PROGRAM_ID, name: "SPL Token", source: `${SKILLS} line 20` },
  { id: TOKEN_2022_PROGRAM_ID, name: "Token-2022", source: `${SKILLS} line 21` },
  { id: MEMO_PROGRAM_ID, name: "Memo", source: "solana-program-library memo/program/src/lib.rs (declare_id!)" },
  { id: DEX_PROGRAM_IDS.pump_fun, name: "Pump.fun", source: `${SKILLS} line 9; pump-fun/pump-public-docs idl/pump.json` },
  { id: DEX_PROGRAM_IDS.pump_swap, name: "PumpSwap", source: `${SKILLS} line 10; pump-fun/pump-public-docs idl/pump.json (pump_amm)` },
  {
    id: DEX_PROGRAM_IDS.raydium_launchpad,
    name: "Raydium LaunchLab",
    source: `${SKILLS} line 12; raydium-io/raydium-sdk-V2 src/common/programId.ts (LAUNCHPAD_PROGRAM)`,
  },
  { id: DEX_PROGRAM_IDS.raydium_cpmm, name: "Raydium CPMM", source: `${SKILLS} line 11; raydium-sdk-V2 programId.ts (CREATE_CPMM_POOL_PROGRAM)` },
  { id: DEX_PROGRAM_IDS.meteora_dbc, name: "Meteora DBC", source: `${SKILLS} line 13; MeteoraAg/dynamic-bonding-curve lib.rs (declare_id!)` },
  { id: DEX_PROGRAM_IDS.meteora_damm_v2, name: "Meteora DAMM v2", source: `${SKILLS} line 14; MeteoraAg/damm-v2 programs/cp-amm lib.rs (declare_id!)` },
  {
    id: LASERSELL_ROUTER_PROGRAM_ID,
    name: "LaserSell router",
    source: "lasersell/docs pricing/fee-structure.mdx @ ad5c813 lines 17-20 (removed in dd672b9; unconfirmed)",
  },
];

/** Native-signature precompiles: each signature they verify is charged like a transaction signature. */
export const PRECOMPILE_PROGRAM_IDS: readonly Base58[] = [
  "Ed25519SigVerify111111111111111111111111111",
  "KeccakSecp256k11111111111111111111111111111",
  "Secp256r1SigVerify1111111111111111111111111",
];

/** Helius Sender tip accounts (https://www.helius.dev/docs/sending-transactions/sender). */
export const HELIUS_TIP_ACCOUNTS: readonly Base58[] = [
  "4ACfpUFoaSD9bfPdeu6DBt89gB6ENTeHBXCAi87NhDEE",
  "D2L6yPZ2FmmmTKPgzaMKdhu6EWZcTpLy1Vhx8uvZe7NZ",
  "9bnz4RShgq1hAnLnZbP8kbgBg1kEmcJBYQq3gQbmnSta",
  "5VY91ws6B2hMmBFRsXkoAAdsPHBJwRfBht4DXox3xkwn",
  "2nyhqdwKcJZR2vcqCyrYsaPVdAnFoJjiksCXJ7hfEYgD",
  "2q5pghRs6arqVjRvT5gfgWfWcHWmw1ZuCzphgd5KfWGJ",
  "wyvPkWjVZz1M8fHQnMMCDTQDbkManefNNhweYk5WkcF",
  "3KCKozbAaF75qEU33jtzozcJ29yJuaLJTy2jFdzUY8bT",
  "4vieeGHPYPG2MmyPRcYjdiDmmhN3ww7hsFNap8pVN3Ey",
  "4TQLFNWK8AovT1gFvda5jfw2oJeRMKEmw7aH6MGBJ3or",
];

/** Astralane Iris tip accounts (astralane.gitbook.io/docs/low-latency/endpoints-and-configs). */
export const ASTRALANE_TIP_ACCOUNTS: readonly Base58[] = [
  "astrazznxsGUhWShqgNtAdfrzP2G83DzcWVJDxwV9bF",
  "astra4uejePWneqNaJKuFFA8oonqCE1sqF6b45kDMZm",
  "astra9xWY93QyfG6yM8zwsKsRodscjQ2uU2HKNL5prk",
  "astraRVUuTHjpwEVvNBeQEgwYx9w9CFyfxjYoobCZhL",
  "astraEJ2fEj8Xmy6KLG7B3VfbKfsHXhHrNdCQx7iGJK",
  "astraubkDw81n4LuutzSQ8uzHCv4BhPVhfvTcYv8SKC",
  "astraZW5GLFefxNPAatceHhYjfA1ciq9gvfEg2S47xk",
  "astrawVNP4xDBKT7rAdxrLYiTSTdqtUr63fSMduivXK",
  "AstrA1ejL4UeXC2SBP4cpeEmtcFPZVLxx3XGKXyCW6to",
  "AsTra79FET4aCKWspPqeSFvjJNyp96SvAnrmyAxqg5b7",
  "AstrABAu8CBTyuPXpV4eSCJ5fePEPnxN8NqBaPKQ9fHR",
  "AsTRADtvb6tTmrsqULQ9Wji9PigDMjhfEMza6zkynEvV",
  "AsTRAEoyMofR3vUPpf9k68Gsfb6ymTZttEtsAbv8Bk4d",
  "AStrAJv2RN2hKCHxwUMtqmSxgdcNZbihCwc1mCSnG83W",
  "Astran35aiQUF57XZsmkWMtNCtXGLzs8upfiqXxth2bz",
  "AStRAnpi6kFrKypragExgeRoJ1QnKH7pbSjLAKQVWUum",
  "ASTRaoF93eYt73TYvwtsv6fMWHWbGmMUZfVZPo3CRU9C",
];

/** Jito tip accounts (PDAs of the Tip Payment program T1pyyaTNZsKv2WcRAB8oVnk93mLJw2XzjtVYqCsaHqt). */
export const JITO_TIP_ACCOUNTS: readonly Base58[] = [
  "96gYZGLnJYVFmbjzopPSU6QiEV5fGqZNyN9nmNhvrZU5",
  "HFqU5x63VTqvQss8hp11i4wVV8bD44PvwucfZ2bU7gRe",
  "Cw8CFyM9FkoMi7K7Crf6HNQqf4uEMzpKw6QNghXLvLkY",
  "ADaUMid9yfUytqMBgopwjb2DTLSokTSzL1zt6iGPaS49",
  "DfXygSm4jCyNCybVYYK6DwvWqjKee8pbDmJGcLWNDXjh",
  "ADuUkR4vqLUMWXxW9gh6D6L8pMSawimctcNZ5pGwDcEt",
  "DttWaMuVvTiduZRnguLF7jNxTgiMBZ1hyAumKUiL2KRL",
  "3AVi9Tg9Uo68tJfuvoKvqKNWKkC5wPdSSdeBnizKZ6jT",
];

/** Every known tip account (Helius Sender, Astralane, Jito). */
export const TIP_ACCOUNTS: ReadonlySet<Base58> = new Set([...HELIUS_TIP_ACCOUNTS, ...ASTRALANE_TIP_ACCOUNTS, ...JITO_TIP_ACCOUNTS]);

/** Wrapped SOL. */
export const WSOL_MINT = "So11111111111111111111111111111111111111112";
/** USD1 (lasersell/lasersell src/market/mod.rs line 7). */
export const USD1_MINT = "USD1ttGY1N17NEEHLmELoaybftRBUSErhqYiQzvEmuB";

const NAMES = new Map<Base58, string>([
  ...KNOWN_PROGRAMS.map((p) => [p.id, p.name] as const),
  ["Ed25519SigVerify111111111111111111111111111", "Ed25519 precompile"],
  ["KeccakSecp256k11111111111111111111111111111", "Secp256k1 precompile"],
  ["Secp256r1SigVerify1111111111111111111111111", "Secp256r1 precompile"],
]);

/** A program's name when the guard knows it (`"LaserSell router"`, `"Pump.fun"`...), else `undefined`. */
export function programName(id: Base58): string | undefined {
  return NAMES.get(id);
}

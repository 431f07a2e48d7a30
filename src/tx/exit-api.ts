/**
 * Signing what the Exit API built, through the same guard as exit signals: the request that was
 * sent (not the server's answer) says which wallet must sign and how much SOL may leave it.
 */
import { StreamValidationError } from "../errors.js";
import type { ExitMessageLike } from "./guard-limits.js";
import { signExitTransaction, type SignedTransaction, type SignExitOptions } from "./sign.js";
import type { SignerInput } from "./signer.js";

/** An Exit API build answer (`ExitApiClient.buildSellTx` / `buildBuyTx`), or its base64 `tx` alone. */
export type ExitApiBuildLike = { readonly tx: string } | string;

/** What the guard needs of the request that was sent (a `BuildSellTxRequest` or `BuildBuyTxRequest` fits). */
export interface ExitApiRequestLike {
  readonly user_pubkey: string;
  readonly tip_lamports?: number | bigint | undefined;
  /** Buys: `"SOL"` (default) lets the bought amount leave the wallet too. */
  readonly input?: string | undefined;
  /** Buys: input atomic units. */
  readonly amount_in_total?: number | bigint | undefined;
  /** Buys: human units (`0.1` SOL). */
  readonly amount?: number | undefined;
}

/**
 * Checks an Exit API transaction against the guard rules of `signExitTransaction` and signs it:
 * `user_pubkey` of the request must be the fee payer and the signer; SOL may leave the wallet only
 * up to the request's `tip_lamports` + 0.01 SOL of fees (+ the bought amount for a SOL buy), unless
 * `maxSolOutflowLamports` says otherwise; `allowedPrograms` applies when given.
 *
 * @throws `TransactionGuardError` naming the broken rule; nothing is signed.
 * @example
 * ```ts
 * import { ExitApiClient } from "lasersell-stream";
 * import { signExitApiTransaction } from "lasersell-stream/tx";
 * import { Keypair } from "@solana/web3.js";
 *
 * const wallet = Keypair.generate();
 * const request = {
 *   mint: "So11111111111111111111111111111111111111112",
 *   user_pubkey: wallet.publicKey.toBase58(),
 *   amount_tokens: 1_000_000n,
 *   output: "SOL" as const,
 *   slippage_bps: 500,
 *   tip_lamports: 1_000,
 * };
 * const built = await ExitApiClient.withApiKey("my-api-key").buildSellTx(request);
 * const { signedTxB64 } = signExitApiTransaction(built, request, wallet);
 * ```
 */
export function signExitApiTransaction(
  response: ExitApiBuildLike,
  request: ExitApiRequestLike,
  signer: SignerInput,
  options: SignExitOptions = {},
): SignedTransaction {
  const tx = typeof response === "string" ? response : response?.tx;
  if (typeof tx !== "string") {
    throw new StreamValidationError("response: expected an Exit API build answer { tx }", { issues: [{ path: "response.tx", message: "expected a base64 string" }] });
  }
  if (request === null || typeof request !== "object" || typeof request.user_pubkey !== "string") {
    throw new StreamValidationError("request: expected the build request that was sent (user_pubkey, tip_lamports, ...)", { issues: [
      { path: "request.user_pubkey", message: "expected a base58 public key" },
    ] });
  }
  const isBuy = request.amount_in_total !== undefined || request.amount !== undefined;
  // The limits come from the request the caller built (its tip, its buy amount), never from the
  // server's answer; explicit options win over them.
  const tipLamports = options.tipLamports ?? request.tip_lamports;
  if (!isBuy) {
    const sell: ExitMessageLike = { unsigned_tx_b64: tx, wallet_pubkey: request.user_pubkey };
    return signExitTransaction(sell, signer, { ...options, tipLamports });
  }
  // A buy spends its input: the guard's buy rules (the cap is the amount this request asked for).
  const input = request.input ?? "SOL";
  let quote: bigint | number | undefined = request.amount_in_total;
  if (quote === undefined && request.amount !== undefined) {
    if (typeof request.amount !== "number" || !Number.isFinite(request.amount) || request.amount < 0) {
      throw new StreamValidationError("request.amount: expected a finite, non-negative number", { issues: [{ path: "request.amount", message: "expected a finite, non-negative number" }] });
    }
    quote = BigInt(Math.ceil(request.amount * (input === "SOL" ? 1e9 : 1e6)));
  }
  const buy: ExitMessageLike = { unsigned_tx_b64: tx, user_wallet: request.user_pubkey, input, amount_quote_units: quote };
  return signExitTransaction(buy, signer, { ...options, tipLamports, maxBuyQuoteUnits: options.maxBuyQuoteUnits ?? quote });
}

/**
 * Registration before streaming (protocol.md section 15), for `StreamSession.connectWithWallets`.
 */
import type { StreamConfigure } from "../client/types.js";
import { StreamRegistrationError } from "../errors.js";
import { type RegisterWalletOptions, type WalletOwnershipProof } from "../rest/register.js";

/** What `connectWithWallets` needs of a client beyond `connect`: `StreamClient` has it. */
export interface RegisteringClient {
  registerWallet(proof: WalletOwnershipProof, options?: Omit<RegisterWalletOptions, "local">): Promise<void>;
}

/** `configure` for `connectWithWallets`: `wallet_pubkeys` may be left out (taken from the proofs). */
export type ConfigureWithProofs = Omit<StreamConfigure, "wallet_pubkeys"> & { wallet_pubkeys?: string[] };

/** Options of the registration step. */
export type RegistrationOptions = Omit<RegisterWalletOptions, "local" | "signal">;

/**
 * Registers every proof in parallel (each with its own error). Resolves when all succeeded;
 * otherwise rejects with the one `StreamRegistrationError`, or with one naming every wallet that
 * failed (its `cause` an `AggregateError` of them all).
 */
export async function registerProofs(
  client: RegisteringClient,
  proofs: readonly WalletOwnershipProof[],
  options: RegistrationOptions & { signal?: AbortSignal | undefined },
): Promise<void> {
  const { signal, ...rest } = options;
  const results = await Promise.allSettled(
    proofs.map((proof) => client.registerWallet(proof, signal === undefined ? rest : { ...rest, signal })),
  );
  const failures = results.flatMap((r, i) => (r.status === "rejected" ? [{ error: r.reason as unknown, wallet: proofs[i]?.walletPubkey ?? "" }] : []));
  if (failures.length === 0) return;
  const [first] = failures;
  if (failures.length === 1 && first?.error instanceof StreamRegistrationError) throw first.error;
  throw new StreamRegistrationError(
    `registering ${failures.length} of ${proofs.length} wallets failed: ${failures
      .map((f) => `${f.wallet} (${f.error instanceof Error ? f.error.message : String(f.error)})`)
      .join("; ")}`, { kind: first?.error instanceof StreamRegistrationError ? first.error.kind : "transport", walletPubkey: first?.wallet ?? "" }, { cause: new AggregateError(failures.map((f) => f.error)) }
  );
}

/**
 * The configure to connect with: `wallet_pubkeys` as given, else every proven wallet that is not
 * one of the configure's watch wallets (proofs for the user's own watch wallets are registered too,
 * but not streamed as trading wallets).
 */
export function configureFromProofs(configure: ConfigureWithProofs, proofs: readonly WalletOwnershipProof[]): StreamConfigure {
  if (configure.wallet_pubkeys !== undefined) return { ...configure, wallet_pubkeys: configure.wallet_pubkeys };
  const watched = new Set((configure.watch_wallets ?? []).map((w) => w.pubkey));
  const wallets = [...new Set(proofs.map((p) => p.walletPubkey))].filter((w) => !watched.has(w));
  return { ...configure, wallet_pubkeys: wallets };
}

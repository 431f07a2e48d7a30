import { describe, expect, it } from "vitest";
import { StreamRegistrationError, StreamSession, StreamValidationError, type StreamConfigure, type WalletOwnershipProof } from "../../src/index.js";
import { configureFromProofs, registerProofs, type RegisteringClient } from "../../src/session/wallets.js";

const A = "6anbDQNCcVh2f6okexjaX1VGj6tEnizJ1kV5UTBS8Zhi";
const B = "Borqy3dEjw9az7Uj9nW69A9ZDansFGHWEggUx7tkv44f";
const W = "AUH6c4QLMr2qQr9N5Kkpz5astDM9gBNroXCSxQiFTGQv";
const proof = (walletPubkey: string): WalletOwnershipProof => ({ walletPubkey, message: `lasersell-register:${walletPubkey}:1`, signature: "sig" });
const strategy = { target_profit_pct: 10, stop_loss_pct: 5 };

/** A client whose registrations succeed except for `failing`, recording calls and concurrency. */
function fakeClient(failing: Set<string> = new Set()) {
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const connected: StreamConfigure[] = [];
  const client: RegisteringClient & { connect(c: StreamConfigure): Promise<never> } = {
    async registerWallet(p) {
      calls.push(p.walletPubkey);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5)); // a registration takes time: calls can overlap
      inFlight--;
      if (failing.has(p.walletPubkey)) {
        throw new StreamRegistrationError(`registering ${p.walletPubkey} failed: HTTP 400 (bad signature)`, { kind: "http_status", walletPubkey: p.walletPubkey, status: 400, body: "bad signature" });
      }
    },
    connect(c) {
      connected.push(c);
      return Promise.reject(new Error("connect reached"));
    },
  };
  return { client, calls, connected, maxInFlight: () => maxInFlight };
}

describe("connectWithWallets: registration", () => {
  it("registers every proof in parallel, then connects with wallets taken from the proofs (watch wallets excluded)", async () => {
    const f = fakeClient();
    await expect(
      StreamSession.connectWithWallets(f.client, [proof(A), proof(B), proof(W)], {
        strategy,
        send_mode: "helius_sender",
        tip_lamports: 1000,
        watch_wallets: [{ pubkey: W }],
        deadline_timeout_sec: 30,
      }),
    ).rejects.toThrow("connect reached");
    expect(f.calls.sort()).toEqual([A, B, W].sort());
    expect(f.maxInFlight()).toBe(3);
    expect(f.connected).toEqual([
      { strategy, send_mode: "helius_sender", tip_lamports: 1000, watch_wallets: [{ pubkey: W }], deadline_timeout_sec: 30, wallet_pubkeys: [A, B] },
    ]);
  });

  it("an explicit wallet_pubkeys wins over the proofs", () => {
    expect(configureFromProofs({ strategy, wallet_pubkeys: [B] }, [proof(A)]).wallet_pubkeys).toEqual([B]);
  });

  it("names the wallet that failed and connects nothing", async () => {
    const f = fakeClient(new Set([B]));
    const err = await StreamSession.connectWithWallets(f.client, [proof(A), proof(B)], { strategy }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamRegistrationError);
    expect((err as StreamRegistrationError).walletPubkey).toBe(B);
    expect((err as StreamRegistrationError).status).toBe(400);
    expect(f.connected).toEqual([]);
  });

  it("names every wallet when several fail, with each error kept", async () => {
    const f = fakeClient(new Set([A, B]));
    const err = (await registerProofs(f.client, [proof(A), proof(B)], {}).catch((e: unknown) => e)) as StreamRegistrationError;
    expect(err).toBeInstanceOf(StreamRegistrationError);
    expect(err.message).toContain(A);
    expect(err.message).toContain(B);
    expect((err.cause as AggregateError).errors).toHaveLength(2);
  });

  it("refuses an invalid strategy before any request", async () => {
    const f = fakeClient();
    await expect(
      StreamSession.connectWithWallets(f.client, [proof(A)], { strategy: { target_profit_pct: 0, stop_loss_pct: 0 } }),
    ).rejects.toBeInstanceOf(StreamValidationError);
    expect(f.calls).toEqual([]);
  });
});

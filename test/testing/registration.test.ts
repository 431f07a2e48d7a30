import { Keypair } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { StreamClient, StreamSession } from "../../src/index.js";
import { StreamRegistrationError } from "../../src/errors.js";
import { registerWallet, type WalletOwnershipProof } from "../../src/rest/register.js";
import { MockStreamServer, PROOF_MAX_SKEW_SEC, type MockRegistration, type MockStreamServerOptions } from "../../src/testing/index.js";
import { proveOwnership } from "../../src/tx/index.js";
import { RawClient, closeAllRawClients, configureFrame } from "./raw-client.js";

/** Recognisable, so a leak is easy to spot. RawClient connects with "test-key". */
const KEY = "test-key";
const OTHER_KEY = "sk-OTHER-RECOGNISABLE-7731";

const servers: MockStreamServer[] = [];
const sessions: Array<{ close(): Promise<unknown> | unknown }> = [];
async function start(options: MockStreamServerOptions = {}): Promise<MockStreamServer> {
  const s = await MockStreamServer.start({ seed: 3, priceWalk: false, pnlFlushMs: 20, ...options });
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  closeAllRawClients();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Everything the server reported, serialised, to check for the key. */
function recordEvents(server: MockStreamServer): { registrations: MockRegistration[]; text: () => string } {
  const registrations: MockRegistration[] = [];
  const all: unknown[] = [];
  server.on("registration", (r) => {
    registrations.push(r);
    all.push(r);
  });
  server.on("refused", (_c, r) => all.push(r));
  server.on("rejected", (r) => all.push(r));
  server.on("debug", (m) => all.push(m));
  return { registrations, text: () => JSON.stringify(all) };
}

async function refusal(p: Promise<unknown>): Promise<StreamRegistrationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StreamRegistrationError);
  return err as StreamRegistrationError;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(`${url}/v1/wallets/register`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, signal: AbortSignal.timeout(3_000) });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, text };
}

describe("MockStreamServer: POST /v1/wallets/register", () => {
  it("registers a wallet proven with proveOwnership through registerWallet, per API key, again without harm", async () => {
    const server = await start();
    const events = recordEvents(server);
    expect(server.apiUrl).toBe(`http://127.0.0.1:${server.port}`);
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    await registerWallet(KEY, proveOwnership(keypair), { baseUrl: server.apiUrl, label: "bot 1", timeoutMs: 3_000 });
    expect(server.registeredWallets(KEY)).toEqual([wallet]);
    expect(server.registeredWallets(OTHER_KEY)).toEqual([]);
    expect(server.registeredWallets()).toEqual([wallet]);
    await registerWallet(KEY, proveOwnership(keypair), { baseUrl: server.apiUrl, timeoutMs: 3_000 });
    expect(server.registeredWallets(KEY)).toEqual([wallet]);
    expect(events.registrations).toEqual([
      { wallet_pubkey: wallet, status: 200, ok: true, label: "bot 1" },
      { wallet_pubkey: wallet, status: 200, ok: true },
    ]);
    expect(events.text()).not.toContain(KEY);
  });

  it("answers 200 with a JSON body naming the wallet", async () => {
    const server = await start();
    const proof = proveOwnership(Keypair.generate());
    const r = await post(server.apiUrl, JSON.stringify({ wallet_pubkey: proof.walletPubkey, signature: proof.signature, message: proof.message }), { "x-api-key": KEY });
    expect(r).toMatchObject({ status: 200, json: { wallet_pubkey: proof.walletPubkey, registered: true } });
  });

  const a = Keypair.generate();
  const b = Keypair.generate();
  const walletA = a.publicKey.toBase58();
  const fresh = (): WalletOwnershipProof => proveOwnership(a);
  const cases: Array<{ name: string; proof: () => WalletOwnershipProof; status: number; code: string; reason: RegExp }> = [
    { name: "a proof signed 6 minutes ago", proof: () => proveOwnership(a, { nowMs: Date.now() - 6 * 60_000 }), status: 400, code: "proof_expired", reason: /expired.*36\d s ago/ },
    {
      name: "a proof dated beyond the allowed clock skew",
      proof: () => proveOwnership(a, { nowMs: Date.now() + (PROOF_MAX_SKEW_SEC + 60) * 1000 }),
      status: 400,
      code: "proof_in_future",
      reason: /in the future/,
    },
    {
      name: "a tampered message (timestamp changed after signing)",
      proof: () => {
        const p = fresh();
        const ts = Number(p.message.split(":")[2]);
        return { ...p, message: `lasersell-register:${walletA}:${ts - 1}` };
      },
      status: 403,
      code: "invalid_signature",
      reason: new RegExp(`not a valid signature .* by ${walletA}`),
    },
    {
      name: "a signature by another key",
      proof: () => {
        const p = fresh();
        return { ...p, signature: proveOwnership(b).signature };
      },
      status: 403,
      code: "invalid_signature",
      reason: /not a valid signature/,
    },
    {
      name: "a wallet_pubkey other than the message's wallet",
      proof: () => ({ ...proveOwnership(b), walletPubkey: walletA }),
      status: 400,
      code: "wallet_mismatch",
      reason: new RegExp(`names wallet ${b.publicKey.toBase58()}, not wallet_pubkey ${walletA}`),
    },
    {
      name: "a message of another shape",
      proof: () => ({ ...fresh(), message: `lasersell-register:${walletA}` }),
      status: 400,
      code: "invalid_message",
      reason: /lasersell-register:<wallet_pubkey>:<unix seconds>/,
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.name}: HTTP ${c.status} ${c.code}, a StreamRegistrationError, nothing registered`, async () => {
      const server = await start();
      const events = recordEvents(server);
      const proof = c.proof();
      const raw = await post(server.apiUrl, JSON.stringify({ wallet_pubkey: proof.walletPubkey, signature: proof.signature, message: proof.message }), { "x-api-key": KEY });
      expect(raw.status).toBe(c.status);
      expect(raw.json["code"]).toBe(c.code);
      expect(raw.json["error"]).toMatch(c.reason);
      const err = await refusal(registerWallet(KEY, proof, { baseUrl: server.apiUrl, timeoutMs: 3_000 }));
      expect(err.status).toBe(c.status);
      expect(err.reason).toMatch(c.reason);
      expect(err.walletPubkey).toBe(proof.walletPubkey);
      expect(err.message).toContain(`HTTP ${c.status}`);
      expect(server.registeredWallets()).toEqual([]);
      expect(events.registrations.map((r) => [r.status, r.ok, r.code])).toEqual([
        [c.status, false, c.code],
        [c.status, false, c.code],
      ]);
      for (const text of [raw.text, err.message, String(err.reason), JSON.stringify(err), events.text()]) expect(text).not.toContain(KEY);
    });
  }

  it("checks x-api-key like the WebSocket upgrade: 401 when missing or unknown, the key never echoed", async () => {
    const server = await start({ apiKeys: [KEY] });
    const events = recordEvents(server);
    const proof = proveOwnership(a);
    const body = JSON.stringify({ wallet_pubkey: proof.walletPubkey, signature: proof.signature, message: proof.message });
    const missing = await post(server.apiUrl, body, {});
    expect(missing).toMatchObject({ status: 401, json: { error: "missing api key", code: "missing_api_key" } });
    const unknown = await post(server.apiUrl, body, { "x-api-key": OTHER_KEY });
    expect(unknown).toMatchObject({ status: 401, json: { error: "unknown api key", code: "unknown_api_key" } });
    const err = await refusal(registerWallet(OTHER_KEY, proof, { baseUrl: server.apiUrl, timeoutMs: 3_000 }));
    expect(err).toMatchObject({ status: 401, reason: "unknown api key", walletPubkey: walletA });
    for (const text of [unknown.text, err.message, JSON.stringify(err), events.text()]) expect(text).not.toContain(OTHER_KEY);
    expect(server.registeredWallets()).toEqual([]);
    await registerWallet(KEY, proof, { baseUrl: server.apiUrl, timeoutMs: 3_000 });
    expect(server.registeredWallets(KEY)).toEqual([walletA]);
  });

  it("refuses invalid JSON, missing fields and a wrong method with a JSON reason", async () => {
    const server = await start();
    expect(await post(server.apiUrl, "{not json", { "x-api-key": KEY })).toMatchObject({ status: 400, json: { code: "invalid_json" } });
    expect(await post(server.apiUrl, JSON.stringify({ wallet_pubkey: walletA }), { "x-api-key": KEY })).toMatchObject({
      status: 400,
      json: { code: "invalid_request", error: "signature must be a non-empty string" },
    });
    expect(await post(server.apiUrl, JSON.stringify({ wallet_pubkey: "nope", signature: "x", message: "y" }), { "x-api-key": KEY })).toMatchObject({
      status: 400,
      json: { error: "wallet_pubkey is not a base58 public key" },
    });
    const get = await fetch(`${server.apiUrl}/v1/wallets/register`, { headers: { "x-api-key": KEY }, signal: AbortSignal.timeout(3_000) });
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ code: "method_not_allowed" });
  });
});

describe("MockStreamServer: requireRegistration", () => {
  it("refuses configure for an unregistered wallet (wallet_not_registered, close 1008), accepts it once registered", async () => {
    const server = await start({ requireRegistration: true });
    const events = recordEvents(server);
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    const before = await RawClient.connect(server.url, KEY);
    before.send(configureFrame({ wallet_pubkeys: [wallet] }));
    const error = await before.next("error");
    expect(error["code"]).toBe("wallet_not_registered");
    expect(error["message"]).toContain(wallet);
    expect(before.of("hello_ok")).toEqual([]);
    expect((await before.waitClosed()).code).toBe(1008);

    await registerWallet(KEY, proveOwnership(keypair), { baseUrl: server.apiUrl, timeoutMs: 3_000 });
    const after = await RawClient.connect(server.url, KEY);
    after.send(configureFrame({ wallet_pubkeys: [wallet] }));
    expect((await after.next("hello_ok"))["session_id"]).toEqual(expect.any(Number));
    expect(events.text()).not.toContain(KEY);
  });

  it("registrations are per API key; the hook registers for one key or for every key", async () => {
    const server = await start({ requireRegistration: true });
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    await registerWallet(OTHER_KEY, proveOwnership(keypair), { baseUrl: server.apiUrl, timeoutMs: 3_000 });
    const c = await RawClient.connect(server.url, KEY);
    c.send(configureFrame({ wallet_pubkeys: [wallet] }));
    expect((await c.next("error"))["code"]).toBe("wallet_not_registered");

    const hooked = Keypair.generate().publicKey.toBase58();
    server.registerWallet(hooked, KEY);
    expect(server.registeredWallets(KEY)).toEqual([hooked]);
    await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [hooked] }));

    const everyone = Keypair.generate().publicKey.toBase58();
    server.registerWallet(everyone);
    expect(server.registeredWallets(OTHER_KEY).sort()).toEqual([wallet, everyone].sort());
    await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [everyone] }));
  });

  it("names the first unregistered wallet of a list, and refuses update_wallets with it without closing", async () => {
    const server = await start({ requireRegistration: true });
    const registered = Keypair.generate().publicKey.toBase58();
    const stranger = Keypair.generate().publicKey.toBase58();
    server.registerWallet(registered, KEY);
    const mixed = await RawClient.connect(server.url, KEY);
    mixed.send(configureFrame({ wallet_pubkeys: [registered, stranger] }));
    expect((await mixed.next("error"))["message"]).toContain(stranger);

    const c = await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [registered] }));
    c.send({ type: "update_wallets", wallet_pubkeys: [registered, stranger] });
    const error = await c.next("error");
    expect(error).toMatchObject({ code: "wallet_not_registered" });
    expect(error["message"]).toContain(stranger);
    server.registerWallet(stranger, KEY);
    c.send({ type: "update_wallets", wallet_pubkeys: [registered, stranger] });
    await server.waitFor(() => (server.connections[0]?.wallets.has(stranger) === true ? true : undefined), 3_000, "update_wallets applied");
    expect(c.closed).toBeUndefined();
    expect(c.of("error")).toHaveLength(1);
  });

  it("is off by default: an unregistered wallet configures", async () => {
    const server = await start();
    await RawClient.configured(server.url, configureFrame({ wallet_pubkeys: [Keypair.generate().publicKey.toBase58()] }));
    expect(server.registeredWallets()).toEqual([]);
  });
});

describe("registration then connection, end to end (StreamSession.connectWithWallets against the mock)", () => {
  it("registers the proof on server.apiUrl, then streams the wallet; a refused proof names the wallet and connects nothing", async () => {
    const server = await start({ requireRegistration: true, apiKeys: [KEY] });
    const events = recordEvents(server);
    const client = new StreamClient(KEY, { endpoint: server.url });
    const keypair = Keypair.generate();
    const wallet = keypair.publicKey.toBase58();
    const configure = { strategy: { target_profit_pct: 10, stop_loss_pct: 5 } };

    const stale = proveOwnership(keypair, { nowMs: Date.now() - 6 * 60_000 });
    const err = await refusal(StreamSession.connectWithWallets(client, [stale], configure, { registration: { baseUrl: server.apiUrl, timeoutMs: 3_000 } }));
    expect(err).toMatchObject({ status: 400, walletPubkey: wallet });
    expect(err.reason).toMatch(/expired/);
    expect(err.message).toContain(wallet);
    expect(server.connectionCount).toBe(0);
    expect(server.received).toEqual([]);

    const session = await StreamSession.connectWithWallets(client, [proveOwnership(keypair)], configure, {
      registration: { baseUrl: server.apiUrl, timeoutMs: 3_000 },
    });
    sessions.push(session);
    const conn = await server.waitForConnection();
    expect([...conn.wallets]).toEqual([wallet]);
    expect(server.registeredWallets(KEY)).toEqual([wallet]);
    const { position_id } = server.openPosition({ wallet });
    const events$ = session[Symbol.asyncIterator]();
    const deadline = Date.now() + 3_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      const next = await Promise.race([events$.next(), new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 3_000).unref())]);
      if (next === "timeout" || next.done === true) break;
      seen = next.value.type === "position_opened" && next.value.handle.position_id === position_id;
    }
    expect(seen).toBe(true);
    for (const text of [err.message, String(err.reason), JSON.stringify(err), events.text()]) expect(text).not.toContain(KEY);
  });
});

// Runtime smoke suite of the packed package: run by scripts/runtime-matrix.sh in a project that
// installed the tarball, on Node 20/22/24, Bun and Deno. Plain JavaScript (no build step), only the
// published entry points. Prints one line per case and "N passed, N failed"; exits 1 on a failure.
// It never calls process.exit: the process must end by itself once everything is closed (the
// runner's timeout catches a leaked timer or socket).
import { Keypair } from "@solana/web3.js";
import { StreamAuthError, StreamClient, StreamSession } from "lasersell-stream";
import { MockStreamServer } from "lasersell-stream/testing";
import { TransactionGuardError, signExitTransaction, submitTransaction } from "lasersell-stream/tx";

const runtime = globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : globalThis.Bun ? `bun ${globalThis.Bun.version}` : `node ${process.versions.node}`;
const results = [];
const closers = [];

function within(ms, promise, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

async function check(name, fn) {
  const started = Date.now();
  try {
    await within(15_000, fn(), name);
    results.push(true);
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push(false);
    console.log(`FAIL ${name}: ${err?.stack ?? err}`);
  } finally {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** The next session event of `type` (recv() loop), skipping the rest. */
async function next(session, type) {
  for (;;) {
    const event = await session.recv();
    if (event === null) throw new Error(`session ended before ${type}`);
    if (event.type === type) return event;
  }
}

async function mock(options = {}) {
  const server = await MockStreamServer.start({ seed: 7, priceWalk: false, settleMs: 0, pnlFlushMs: 20, ...options });
  closers.push(() => server.close());
  return server;
}

async function session(server, keypair, clientOptions = {}, configure = {}) {
  const client = new StreamClient("smoke-key", { endpoint: server.url, ...clientOptions });
  const s = await StreamSession.connect(client, {
    wallet_pubkeys: [keypair.publicKey.toBase58()],
    strategy: { target_profit_pct: 10, stop_loss_pct: 5 },
    ...configure,
  });
  closers.push(() => s.close());
  return s;
}

console.log(`lasersell-stream smoke on ${runtime}`);

await check("connect, exit signal, guarded sign, submit, settle, close", async () => {
  const server = await mock();
  const keypair = Keypair.generate();
  const s = await session(server, keypair);
  const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58() });
  await next(s, "position_opened");
  server.setPrice(position_id, 1.2);
  const exit = await next(s, "exit_signal_with_tx");
  assert(exit.message.reason === "target_profit", `reason ${exit.message.reason}`);
  let refused;
  try {
    signExitTransaction(exit.message, Keypair.generate());
  } catch (err) {
    refused = err;
  }
  assert(refused instanceof TransactionGuardError && refused.rule === "signer_mismatch", `guard refused a foreign key: ${refused}`);
  const { signedTxB64 } = signExitTransaction(exit.message, keypair);
  const signature = await submitTransaction(server.rpcUrl, signedTxB64, { timeoutMs: 5_000 });
  assert(typeof signature === "string" && signature.length > 40, "signature");
  const closed = await next(s, "position_closed");
  assert(closed.message.reason === "target_profit", `closed ${closed.message.reason}`);
  await s.close();
  assert((await s.recv()) === null, "recv() is null after close()");
});

await check("401: a refused key is a StreamAuthError that does not show the key", async () => {
  const server = await mock({ apiKeys: ["the-right-key"] });
  const client = new StreamClient("sk-WRONG-SMOKE-KEY", { endpoint: server.url });
  let error;
  try {
    await client.connect({ wallet_pubkeys: [Keypair.generate().publicKey.toBase58()], strategy: { target_profit_pct: 10, stop_loss_pct: 5 } });
  } catch (err) {
    error = err;
  }
  assert(error instanceof StreamAuthError && error.code === "auth" && error.status === 401, `auth error: ${error}`);
  assert(!String(error.stack).includes("sk-WRONG-SMOKE-KEY"), "the key is not in the error");
});

await check("dead link: a stalled server is detected by the heartbeat, then the session reconnects", async () => {
  const server = await mock();
  const s = await session(server, Keypair.generate(), { heartbeat: { intervalMs: 150, timeoutMs: 150 }, reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
  server.stall();
  const down = await next(s, "disconnected");
  assert(down.willReconnect, "will reconnect");
  server.resume();
  await next(s, "reconnected");
});

await check("reconnect: a dropped link comes back and positions are re-announced", async () => {
  const server = await mock();
  const keypair = Keypair.generate();
  const s = await session(server, keypair, { reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
  const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58() });
  await next(s, "position_opened");
  server.dropConnections(1006);
  await next(s, "reconnected");
  assert(s.positions().length === 1 && s.positions()[0].position_id === position_id, "one position, same id");
});

await check("deadline: the client-side deadline fires and requests an exit", async () => {
  const server = await mock();
  const keypair = Keypair.generate();
  const s = await session(server, keypair, {}, { deadline_timeout_sec: 1 });
  const { position_id } = server.openPosition({ wallet: keypair.publicKey.toBase58() });
  const deadline = await next(s, "deadline");
  assert(deadline.handle.position_id === position_id, "deadline of the position");
  await server.waitForMessage("request_exit_signal", { timeoutMs: 5_000 });
  const exit = await next(s, "exit_signal_with_tx");
  assert(exit.message.position_id === position_id, "exit of the position");
});

await check("bigint mode: u64 amounts beyond 2^53 arrive exact", async () => {
  const server = await mock();
  const keypair = Keypair.generate();
  const s = await session(server, keypair, { ints: "bigint" });
  server.openPosition({ wallet: keypair.publicKey.toBase58(), tokens: 25_000_000_000_000_001n });
  const opened = await next(s, "position_opened");
  assert(typeof opened.message.position_id === "bigint", "position_id is a bigint");
  assert(opened.message.tokens === 25_000_000_000_000_001n, `tokens exact: ${opened.message.tokens}`);
});

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`${passed} passed, ${failed} failed`);
if (failed > 0) process.exitCode = 1;

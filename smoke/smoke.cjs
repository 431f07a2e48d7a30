// CommonJS consumers: every entry point loads through `require`, and errors are one class across
// entry points (`instanceof` works between "lasersell-stream" and "lasersell-stream/tx").
const assert = require("node:assert");
const main = require("lasersell-stream");
const tx = require("lasersell-stream/tx");
const testing = require("lasersell-stream/testing");

assert.strictEqual(typeof main.StreamClient, "function");
assert.strictEqual(typeof tx.signExitTransaction, "function");
assert.strictEqual(typeof testing.MockStreamServer, "function");
let refused;
try {
  tx.signExitTransaction({ wallet_pubkey: "11111111111111111111111111111111", unsigned_tx_b64: "not base64!" }, new Uint8Array(64));
} catch (err) {
  refused = err;
}
assert.ok(refused instanceof main.StreamError, "a /tx error is a StreamError of the main entry");
console.log("ok   require() of every entry point; one error class across entries");

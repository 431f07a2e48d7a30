/** The bench's signing key: a fixed seed, so the server builds transactions the clients can sign. */
export const BENCH_SEED = new Uint8Array(32).fill(7);

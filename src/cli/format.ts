/** Number and key formatting shared by the CLI commands (mock log, tail, demo). */

/** Shortens a base58 key for logs: `6anb…8Zhi`. */
export function short(key: string): string {
  return key.length > 10 ? `${key.slice(0, 4)}…${key.slice(-4)}` : key;
}

/** Lamports as SOL: `1.2345 SOL` (`digits` decimals), signed when `signed` is set. */
export function sol(lamports: bigint | number, digits = 4, signed = false): string {
  const value = Number(lamports) / 1e9;
  return `${signed ? signPrefix(value, digits) : ""}${fixed(value, digits)} SOL`;
}

/** A percentage: `+12.3%`, `-4.0%`, `0.0%` (never `-0.0%`). */
export function pct(value: number, digits = 1): string {
  return `${signPrefix(value, digits)}${fixed(value, digits)}%`;
}

/**
 * A raw token amount with its decimals: `8976534.617230` for 8976534617230 at 6 decimals, trailing
 * zeros trimmed (`1.5`, `25`). Without decimals the raw integer is printed.
 */
export function tokens(amount: bigint | number, decimals?: number): string {
  const raw = BigInt(amount);
  if (decimals === undefined || decimals <= 0) return raw.toString();
  const negative = raw < 0n;
  const digits = (negative ? -raw : raw).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, -decimals);
  const fraction = digits.slice(-decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${fraction === "" ? "" : `.${fraction}`}`;
}

/**
 * PnL in percent of the cost of what the position still holds: `proceeds - profit` is that cost.
 * `undefined` when it cannot be told (no cost).
 */
export function pnlPercent(profitUnits: bigint | number, proceedsUnits: bigint | number): number | undefined {
  const profit = Number(profitUnits);
  const cost = Number(proceedsUnits) - profit;
  return cost > 0 ? (profit / cost) * 100 : undefined;
}

/** `HH:MM:SS.mmm` of the wall clock. */
export function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

/** `value` with `digits` decimals, never `-0.0`. */
function fixed(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  return Number(text) === 0 || value >= 0 ? text : `-${text}`;
}

function signPrefix(value: number, digits: number): string {
  return value > 0 && Number(Math.abs(value).toFixed(digits)) !== 0 ? "+" : "";
}

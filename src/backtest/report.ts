/**
 * Backtest reports: plain text for terminals, JSON for machines, and one self-contained HTML page
 * (inline CSS and SVG, no JavaScript, no network).
 */
import { writeJson } from "../protocol/json.js";
import { pointPnl, type BacktestReport, type StrategySummary } from "./backtest.js";

const COLORS = ["#d9480f", "#1971c2", "#2f9e44", "#9c36b5", "#e8590c", "#0c8599", "#c2255c", "#5c940d"];

const sol = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(4)} SOL`;
const pc = (x: number): string => `${x >= 0 ? "+" : ""}${x.toFixed(2)}%`;
const reasons = (s: StrategySummary): string =>
  Object.entries(s.exitsByReason)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";

/** The report as readable text (one block per strategy, then the warnings). */
export function formatReport(report: BacktestReport): string {
  const lines: string[] = [];
  lines.push(`backtest: ${report.positions.length} position(s), slippage ${report.slippageBps} bps`);
  lines.push(`readings: ${Object.entries(report.readings).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  for (const s of report.strategies) {
    lines.push("");
    lines.push(`${s.name}${s.deadlineSec === undefined ? "" : ` (deadline ${s.deadlineSec}s)`}`);
    lines.push(`  profit      ${sol(s.profitSol)} (${pc(s.profitPct)})`);
    lines.push(`  hit rate    ${(s.hitRate * 100).toFixed(1)}%`);
    lines.push(`  drawdown    ${s.worstDrawdownSol.toFixed(4)} SOL`);
    lines.push(`  median hold ${s.medianHoldSec.toFixed(1)} s`);
    lines.push(`  exits       ${reasons(s)}`);
  }
  lines.push("");
  lines.push("positions:");
  report.positions.forEach((p, i) => {
    const cells = report.strategies.map((s, k) => {
      const o = report.outcomes[k]?.[i];
      const e = o?.exits ?? [];
      const at = e.map((x) => `${x.reason}@${pc(x.pnlPct)}${x.coarse ? "(coarse)" : ""}`).join("+");
      return `${s.name}: ${at || "held"}`;
    });
    lines.push(`  ${p.positionId} ${p.symbol ?? p.mint.slice(0, 6)}  ${cells.join(" | ")}`);
  });
  if (report.warnings.length > 0) {
    lines.push("");
    for (const w of report.warnings) lines.push(`note: ${w}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The report as JSON text (bigints as exact integers). */
export function reportJson(report: BacktestReport): string {
  return writeJson({ readings: report.readings, slippage_bps: report.slippageBps, strategies: report.strategies, warnings: report.warnings,
    positions: report.positions.map((p, i) => ({
      position_id: p.positionId, mint: p.mint, symbol: p.symbol, entry_quote_units: p.entryQuote, tokens: p.tokens,
      outcomes: report.strategies.map((s, k) => ({ strategy: s.name, ...report.outcomes[k]?.[i] })),
    })) });
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function chart(report: BacktestReport, i: number): string {
  const p = report.positions[i];
  if (p === undefined) return "";
  const W = 560;
  const H = 200;
  const pad = { l: 44, r: 10, t: 10, b: 22 };
  const pts = p.points
    .map((x) => ({ t: (x.t - p.openedAt) / 1000, v: pointPnl(x, report.readings.profitBasis) }))
    .filter((x): x is { t: number; v: number } => x.v !== undefined);
  const exits = report.strategies.flatMap((_, k) => (report.outcomes[k]?.[i]?.exits ?? []).map((e) => ({ k, e })));
  const ts = [0, ...pts.map((x) => x.t)];
  const vs = [0, ...pts.map((x) => x.v), ...exits.map((x) => x.e.pnlPct)];
  const t1 = Math.max(1, ...ts);
  let v0 = Math.min(...vs);
  let v1 = Math.max(...vs);
  if (v1 - v0 < 1) {
    v0 -= 0.5;
    v1 += 0.5;
  }
  const x = (t: number): number => pad.l + (t / t1) * (W - pad.l - pad.r);
  const y = (v: number): number => pad.t + (1 - (v - v0) / (v1 - v0)) * (H - pad.t - pad.b);
  const f = (n: number): string => n.toFixed(1);
  const d = pts.map((q, j) => `${j === 0 ? "M" : "L"}${f(x(q.t))},${f(y(q.v))}`).join(" ");
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="profit path of position ${esc(p.positionId)}">`);
  parts.push(`<rect x="${pad.l}" y="${pad.t}" width="${W - pad.l - pad.r}" height="${H - pad.t - pad.b}" fill="#fafafa" stroke="#ddd"/>`);
  parts.push(`<line class="zero" x1="${pad.l}" x2="${W - pad.r}" y1="${f(y(0))}" y2="${f(y(0))}" stroke="#999" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${pad.l - 4}" y="${f(y(v1) + 4)}" text-anchor="end">${pc(v1)}</text><text x="${pad.l - 4}" y="${f(y(v0))}" text-anchor="end">${pc(v0)}</text>`);
  parts.push(`<text x="${W - pad.r}" y="${H - 6}" text-anchor="end">${t1.toFixed(0)} s</text><text x="${pad.l}" y="${H - 6}">0 s</text>`);
  if (d.length > 0) parts.push(`<path class="pnl" d="${d}" fill="none" stroke="#343a40" stroke-width="1.5"/>`);
  for (const { k, e } of exits) {
    const name = report.strategies[k]?.name ?? "";
    const c = COLORS[k % COLORS.length] as string;
    const cx = f(x((e.t - p.openedAt) / 1000));
    const cy = f(y(e.pnlPct));
    parts.push(
      `<g class="exit-marker" data-strategy="${k}"><circle cx="${cx}" cy="${cy}" r="5" fill="${c}" fill-opacity="0.85" stroke="#fff"${e.coarse ? ' stroke-dasharray="2 1"' : ""}/><title>${esc(name)}: ${esc(e.reason)} at ${pc(e.pnlPct)}, ${e.tokens} tokens${e.coarse ? " (coarse)" : ""}</title></g>`,
    );
  }
  parts.push("</svg>");
  return parts.join("");
}

/**
 * One self-contained HTML page: the strategies side by side, then one SVG chart per position
 * (its profit path, each strategy's exits marked in that strategy's colour) with a table of where
 * each strategy sold. No JavaScript, no external resources.
 */
export function renderHtmlReport(report: BacktestReport, title = "LaserSell backtest"): string {
  const s = report.strategies;
  const head = s.map((x, k) => `<th><span class="swatch" style="background:${COLORS[k % COLORS.length]}"></span>${esc(x.name)}</th>`).join("");
  const row = (label: string, cell: (x: StrategySummary) => string): string =>
    `<tr><th scope="row">${label}</th>${s.map((x) => `<td>${cell(x)}</td>`).join("")}</tr>`;
  const summary = [
    row("Realised profit", (x) => `${sol(x.profitSol)}<br><small>${pc(x.profitPct)}</small>`),
    row("Hit rate", (x) => `${(x.hitRate * 100).toFixed(1)}%`),
    row("Worst drawdown", (x) => `${x.worstDrawdownSol.toFixed(4)} SOL`),
    row("Median hold", (x) => `${x.medianHoldSec.toFixed(1)} s`),
    row("Exits by reason", (x) => esc(reasons(x))),
    row("Deadline", (x) => (x.deadlineSec === undefined ? "none" : `${x.deadlineSec} s`)),
    row("Coarse exits", (x) => String(x.coarseExits)),
  ].join("");
  const positions = report.positions
    .map((p, i) => {
      const rows = s
        .map((x, k) => {
          const o = report.outcomes[k]?.[i];
          const where = (o?.exits ?? []).map((e) => `${esc(e.reason)} at ${pc(e.pnlPct)} (${((e.t - p.openedAt) / 1000).toFixed(1)} s)${e.coarse ? " <em>coarse</em>" : ""}${e.liquidityCapped ? " <em>capped</em>" : ""}`).join("; ");
          const profit = o === undefined ? 0 : Number(o.profit) / 1e9;
          return `<tr><td><span class="swatch" style="background:${COLORS[k % COLORS.length]}"></span>${esc(x.name)}</td><td>${where || "held to the end"}</td><td>${sol(profit)}</td></tr>`;
        })
        .join("");
      return `<section class="position"><h3>Position ${esc(p.positionId)} ${esc(p.symbol ?? "")} <small>${esc(p.mint)}</small></h3>${chart(report, i)}<table class="exits"><tr><th>Strategy</th><th>Exits</th><th>Profit</th></tr>${rows}</table></section>`;
    })
    .join("\n");
  const readings = Object.entries(report.readings).map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`).join(" ");
  const warnings = report.warnings.length === 0 ? "" : `<ul class="warnings">${report.warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#212529;max-width:1200px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #dee2e6;padding:4px 8px;text-align:left;vertical-align:top}
.swatch{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:6px}
.position{display:inline-block;vertical-align:top;margin:8px 16px 16px 0}
.chart text{font:10px sans-serif;fill:#495057}.warnings{color:#862e9c}small{color:#868e96}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${report.positions.length} position(s); sales capped by liquidity at ${report.slippageBps} bps. Readings: ${readings}</p>
${warnings}
<h2>Strategies</h2>
<table class="summary"><tr><th></th>${head}</tr>${summary}</table>
<h2>Positions</h2>
${positions}
</body></html>
`;
}

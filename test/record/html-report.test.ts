/**
 * The HTML report renders in headless Chromium: one chart per position with a drawn profit path
 * and one marker per exit of each strategy, and a screenshot comes out.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { backtestRecording, renderHtmlReport } from "../../src/record/index.js";
import { launchChromium } from "../helpers/chromium.js";
import { buildRecording } from "./paths.js";

const dir = mkdtempSync(join(tmpdir(), "ls-html-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Drawn {
  charts: number;
  pathLengths: number[];
  markers: number[];
  markerBoxes: number;
  scripts: number;
  external: number;
}

const PROBE = `JSON.parse(JSON.stringify((() => {
  const charts = [...document.querySelectorAll("svg.chart")];
  return {
    charts: charts.length,
    pathLengths: charts.map((c) => { const p = c.querySelector("path.pnl"); return p === null ? 0 : p.getTotalLength(); }),
    markers: charts.map((c) => c.querySelectorAll("g.exit-marker circle").length),
    markerBoxes: [...document.querySelectorAll("g.exit-marker circle")].filter((m) => { const b = m.getBoundingClientRect(); return b.width > 0 && b.height > 0; }).length,
    scripts: document.scripts.length,
    external: [...document.querySelectorAll("[src],link[href]")].length,
  };
})()))`;

describe("HTML report in headless Chromium", () => {
  it("draws a profit path per position and one marker per exit; screenshots", async () => {
    const rec = buildRecording([
      // tp=20: one exit; ladder 10:50/30:100: two exits
      { id: 1, openedAt: 0, path: [[1000, 5], [2000, 12], [3000, 21], [4000, 31], [5000, 25]] },
      // sl=10 on both: one exit each
      { id: 2, openedAt: 500, path: [[1000, -4], [2000, -11], [3000, -15]] },
      // neither exits
      { id: 3, openedAt: 900, path: [[1000, 2], [2000, 3], [3000, 1]] },
    ]);
    const report = backtestRecording(rec, ["tp=20,sl=10", "sl=10,ladder=10:50/30:100"]);
    const expected = report.positions.map((_, i) => report.outcomes.reduce((n, o) => n + (o[i]?.exits.length ?? 0), 0));
    expect(expected).toEqual([3, 2, 0]);
    const file = join(dir, "report.html");
    writeFileSync(file, renderHtmlReport(report));

    const browser = await launchChromium();
    try {
      const { value, png } = await browser.inspect<Drawn>(pathToFileURL(file).href, PROBE);
      expect(value.charts).toBe(3);
      for (const length of value.pathLengths) expect(length).toBeGreaterThan(100);
      expect(value.markers).toEqual(expected);
      expect(value.markerBoxes).toBe(5);
      expect(value.scripts).toBe(0);
      expect(value.external).toBe(0);
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      expect(png.length).toBeGreaterThan(10_000);
      writeFileSync(join(dir, "report.png"), png);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

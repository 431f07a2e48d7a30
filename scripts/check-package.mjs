// Checks that the built package loads through its `exports` under both ESM `import` and CJS
// `require`, for every entry point. Run after `npm run build`.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const require = createRequire(import.meta.url);
const entries = Object.keys(pkg.exports).filter((k) => k !== "./package.json");
let failed = false;
for (const entry of entries) {
  const spec = entry === "." ? pkg.name : `${pkg.name}/${entry.slice(2)}`;
  for (const [how, load] of [
    ["import", () => import(spec)],
    ["require", async () => require(spec)],
  ]) {
    try {
      const mod = await load();
      const names = Object.keys(mod).filter((k) => k !== "default");
      if (names.length === 0) throw new Error("no exports");
      console.log(`ok   ${how.padEnd(7)} ${spec} (${names.length} exports)`);
    } catch (err) {
      failed = true;
      console.log(`FAIL ${how.padEnd(7)} ${spec}: ${err.message}`);
    }
  }
}
process.exit(failed ? 1 : 0);

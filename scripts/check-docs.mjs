// Every public export has a doc comment: walks the exports of each published entry point (the
// TypeScript compiler's view, re-exports followed) and lists those whose declaration has no TSDoc.
// Exits 1 when any is missing. Members are TypeDoc's business (`npm run docs:api`).
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const entries = ["src/index.ts", "src/protocol/index.ts", "src/tx/index.ts", "src/testing/index.ts", "src/record/index.ts"];
const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const program = ts.createProgram(entries.map((e) => `${root}${e}`), config.options);
const checker = program.getTypeChecker();
const missing = [];
let count = 0;
for (const entry of entries) {
  const file = program.getSourceFile(`${root}${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(file);
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    count += 1;
    const documented =
      symbol.getDocumentationComment(checker).length > 0 ||
      (symbol.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
    if (!documented) {
      const decl = symbol.declarations?.[0];
      const where = decl ? `${decl.getSourceFile().fileName.replace(root, "")}:${decl.getSourceFile().getLineAndCharacterOfPosition(decl.getStart()).line + 1}` : "?";
      missing.push(`${entry}: ${exported.name} (${where})`);
    }
  }
}
if (missing.length > 0) {
  console.log(`${missing.length} of ${count} public exports have no doc comment:\n${missing.map((m) => `  ${m}`).join("\n")}`);
  process.exit(1);
}
console.log(`all ${count} public exports have a doc comment`);

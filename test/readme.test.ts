/**
 * Every ```ts block of the README compiles against the current sources, with the published
 * import names (`lasersell-stream`, `/tx`, `/testing`) mapped onto `src/`. The blocks are type
 * checked in memory with the strict project settings; snippets may use the few free names
 * declared below (an API key, a wallet, a keypair...).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const virtualDir = resolve(root, "test/__readme__");

/** Names snippets may use without defining them. */
const AMBIENT = `
declare const apiKey: string;
declare const wallet: string;
declare const frameText: string;
declare const keypair: import("@solana/web3.js").Keypair;
declare const session: import("lasersell-stream").StreamSession;
declare const handleExit: (message: import("lasersell-stream").ExitSignalWithTx<"bigint">) => void;
declare const MockStreamServer: typeof import("lasersell-stream/testing").MockStreamServer;
declare const registerWallet: typeof import("lasersell-stream").registerWallet;
declare const proveOwnership: typeof import("lasersell-stream/tx").proveOwnership;
`;
/** The "your bot" module the testing example imports. */
const BOT = `
import type { Keypair } from "@solana/web3.js";
export declare function startBot(options: { endpoint: string; rpcUrl: string; apiKey: string; keypair: Keypair }): Promise<{ stop(): void }>;
`;

function blocks(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```ts") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== "```") end++;
    out.push({ line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return out;
}

function typecheck(files: Map<string, string>): string[] {
  const configFile = ts.readConfigFile(resolve(root, "tsconfig.json"), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    noUnusedLocals: false,
    paths: {
      "lasersell-stream": [resolve(root, "src/index.ts")],
      "lasersell-stream/tx": [resolve(root, "src/tx/index.ts")],
      "lasersell-stream/testing": [resolve(root, "src/testing/index.ts")],
    },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (name) => files.get(resolve(name)) ?? readFile(name);
  host.fileExists = (name) => files.has(resolve(name)) || fileExists(name);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (name) => resolve(name) === virtualDir || (directoryExists?.(name) ?? true);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && files.has(resolve(d.file.fileName)))
    .map((d) => `${d.file?.fileName.replace(`${virtualDir}/`, "")}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

describe("README", () => {
  it("every TypeScript block compiles against the sources", () => {
    const found = blocks(readFileSync(resolve(root, "README.md"), "utf8"));
    expect(found.length).toBeGreaterThanOrEqual(5);
    const files = new Map<string, string>([
      [resolve(virtualDir, "ambient.d.ts"), AMBIENT],
      [resolve(virtualDir, "bot.ts"), BOT],
    ]);
    for (const b of found) files.set(resolve(virtualDir, `readme-line-${b.line}.ts`), `${b.code}\nexport {};\n`);
    expect(typecheck(files)).toEqual([]);
  }, 60_000);
});

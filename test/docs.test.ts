/**
 * The README and every page of `docs/`:
 * - every ```ts block compiles against the current sources, with the published import names
 *   (`lasersell-stream`, `/protocol`, `/tx`, `/testing`, `/record`) mapped onto `src/`. The
 *   blocks are type checked in memory with the strict project settings; snippets may use the few
 *   free names declared below (an API key, a wallet, a keypair...);
 * - every link to a file of this repository resolves: relative links, and absolute links to the
 *   repository (the README's, which also work on the npm page), anchors included;
 * - the wire reference (docs/protocol.md) names every message and field our schemas know.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const virtualDir = resolve(root, "test/__docs__");
/** The repository URL of package.json; links under it are checked against the checkout. */
const REPOSITORY = "https://github.com/lasersell/lasersell-stream";
const pages = ["README.md", ...readdirSync(resolve(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

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
      "lasersell-stream/protocol": [resolve(root, "src/protocol/index.ts")],
      "lasersell-stream/tx": [resolve(root, "src/tx/index.ts")],
      "lasersell-stream/testing": [resolve(root, "src/testing/index.ts")],
      "lasersell-stream/record": [resolve(root, "src/record/index.ts")],
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

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split("\n")) {
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (m?.[1] === undefined) continue;
    out.add(
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  return out;
}

/** Every markdown link target outside code blocks. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
}

/** The checkout path a link points to (`undefined` for other sites), and its anchor. */
function target(page: string, link: string): { path: string; anchor?: string } | undefined {
  let rest: string;
  if (link.startsWith(`${REPOSITORY}/blob/main/`) || link.startsWith(`${REPOSITORY}/tree/main/`)) {
    rest = link.slice(`${REPOSITORY}/blob/main/`.length);
  } else if (link === REPOSITORY || /^[a-z]+:/i.test(link)) {
    return undefined;
  } else {
    const [file = "", anchor] = link.split("#");
    const path = file === "" ? page : relative(root, resolve(root, dirname(page), file));
    return anchor === undefined ? { path } : { path, anchor };
  }
  const [file = "", anchor] = rest.split("#");
  return anchor === undefined ? { path: file } : { path: file, anchor };
}

describe("README and docs/", () => {
  // One program for every page: type checking is the slow part, so it is done once.
  it("every TypeScript block compiles against the sources", () => {
    const files = new Map<string, string>([
      [resolve(virtualDir, "ambient.d.ts"), AMBIENT],
      [resolve(virtualDir, "bot.ts"), BOT],
    ]);
    let count = 0;
    for (const page of pages) {
      const name = page.replace(/[/.]/g, "-");
      for (const b of blocks(readFileSync(resolve(root, page), "utf8"))) {
        files.set(resolve(virtualDir, `${name}-line-${b.line}.ts`), `${b.code}\nexport {};\n`);
        count += 1;
      }
    }
    expect(count).toBeGreaterThanOrEqual(10);
    expect(typecheck(files)).toEqual([]);
  }, 120_000);
});

describe.each(pages)("%s", (page) => {
  const markdown = readFileSync(resolve(root, page), "utf8");

  it("every link into the repository resolves, anchors included", () => {
    const broken: string[] = [];
    for (const link of links(markdown)) {
      const t = target(page, link);
      if (t === undefined) continue;
      if (!existsSync(resolve(root, t.path))) broken.push(`${link}: no ${t.path}`);
      else if (t.anchor !== undefined && t.path.endsWith(".md") && !anchors(readFileSync(resolve(root, t.path), "utf8")).has(t.anchor)) {
        broken.push(`${link}: no heading #${t.anchor} in ${t.path}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe("README", () => {
  it("is a front door: at most 12 KB, the two clone commands first, TypeScript examples", () => {
    const readme = readFileSync(resolve(root, "README.md"), "utf8");
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12 * 1024);
    expect(readme.split("\n").slice(0, 6).join("\n")).toMatch(/npm install && npm run demo[\s\S]*npm test/);
    expect(blocks(readme).length).toBeGreaterThanOrEqual(3);
  });

  it("links only absolutely into the repository (relative links are dead on the npm page)", () => {
    const readme = readFileSync(resolve(root, "README.md"), "utf8");
    const relativeLinks = links(readme).filter((l) => !/^[a-z]+:/i.test(l) && !l.startsWith("#"));
    expect(relativeLinks).toEqual([]);
  });
});

describe("docs/protocol.md", () => {
  it("names every message type and every field the schemas know", async () => {
    const { numberServerSchemas, CLIENT_MESSAGE_TYPES, SERVER_MESSAGE_TYPES } = await import("../src/protocol/schemas.js");
    const doc = readFileSync(resolve(root, "docs/protocol.md"), "utf8");
    const missing: string[] = [];
    for (const type of [...SERVER_MESSAGE_TYPES, ...CLIENT_MESSAGE_TYPES]) {
      if (!doc.includes(`#### \`${type}\``) && !new RegExp(`#### .*\`${type}\``).test(doc)) missing.push(`message ${type}`);
    }
    for (const type of SERVER_MESSAGE_TYPES) {
      for (const field of Object.keys(numberServerSchemas[type].shape)) {
        if (field !== "type" && !doc.includes(`\`${field}\``)) missing.push(`${type}.${field}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

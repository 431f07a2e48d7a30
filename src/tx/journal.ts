/**
 * The exit journal: an append-only file (JSON lines) of exit transactions submitted and not yet
 * settled, so that a restarted bot confirms them before it asks for new transactions.
 *
 * Records: `submit` (written and flushed BEFORE the transaction is sent), `valid` (its
 * `lastValidBlockHeight`, once known) and `done` (how it ended). A process killed at any point
 * leaves whole records plus at most one torn last line, which reading skips. Opening a journal
 * rewrites it (to a temporary file, then an atomic rename) with only the unfinished exits.
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { ExitJournalError } from "../errors.js";

/** An exit transaction the journal knows was (about to be) submitted. */
export interface JournalEntry {
  /** Base58 signature. */
  readonly signature: string;
  /** `position_id`, as a decimal string. */
  readonly positionId: string;
  /** Ladder level, for a partial exit. */
  readonly levelIndex: number | undefined;
  /** The exit signal's `reason`. */
  readonly reason: string;
  /** Position size (raw units, decimal string) when the transaction was signed, if known. */
  readonly tokensBefore: string | undefined;
  /** Wall-clock time of the `submit` record. */
  readonly submittedAtMs: number;
  /** Known once the blockhash's validity was read. */
  lastValidBlockHeight: number | undefined;
}

/** How a journaled exit ended. */
export type JournalOutcome = "landed" | "failed" | "expired" | "rejected" | "closed" | "unconfirmed";

type JournalRecord =
  | { op: "submit"; sig: string; pos: string; lvl?: number; reason: string; tok?: string; at: number; lvbh?: number }
  | { op: "valid"; sig: string; lvbh: number }
  | { op: "done"; sig: string; outcome: JournalOutcome };

function submitRecord(e: JournalEntry): JournalRecord {
  const r: JournalRecord = { op: "submit", sig: e.signature, pos: e.positionId, reason: e.reason, at: e.submittedAtMs };
  if (e.levelIndex !== undefined) r.lvl = e.levelIndex;
  if (e.tokensBefore !== undefined) r.tok = e.tokensBefore;
  if (e.lastValidBlockHeight !== undefined) r.lvbh = e.lastValidBlockHeight;
  return r;
}

/**
 * Reads a journal: the exits submitted and not finished, in submission order. A missing file is
 * an empty journal; lines that do not parse (a torn last write) are skipped and counted.
 */
export function readExitJournal(path: string): { unfinished: JournalEntry[]; skippedLines: number } {
  let text: string;
  try {
    text = existsSync(path) ? readFileSync(path, "utf8") : "";
  } catch (err) {
    throw new ExitJournalError(`exit journal: cannot read ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  const open = new Map<string, JournalEntry>();
  let skippedLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let r: Partial<JournalRecord> & { op?: unknown; sig?: unknown };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      skippedLines++;
      continue;
    }
    if (typeof r.sig !== "string") {
      skippedLines++;
      continue;
    }
    if (r.op === "submit" && typeof r.pos === "string") {
      open.set(r.sig, {
        signature: r.sig,
        positionId: r.pos,
        levelIndex: typeof r.lvl === "number" ? r.lvl : undefined,
        reason: typeof r.reason === "string" ? r.reason : "",
        tokensBefore: typeof r.tok === "string" ? r.tok : undefined,
        submittedAtMs: typeof r.at === "number" ? r.at : 0,
        lastValidBlockHeight: typeof r.lvbh === "number" ? r.lvbh : undefined,
      });
    } else if (r.op === "valid" && typeof r.lvbh === "number") {
      const e = open.get(r.sig);
      if (e !== undefined) e.lastValidBlockHeight = r.lvbh;
    } else if (r.op === "done") {
      open.delete(r.sig);
    } else {
      skippedLines++;
    }
  }
  return { unfinished: [...open.values()], skippedLines };
}

/** An open journal file (internal to the executor; {@link readExitJournal} is public). */
export class ExitJournal {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    private readonly fsync: boolean,
    /** Exits left unfinished by the previous run. */
    readonly unfinished: readonly JournalEntry[],
  ) {
    this.fd = this.attempt("open", () => openSync(path, "a"));
  }

  /** Reads `path`, rewrites it with only the unfinished exits (atomically), and opens it for appending. */
  static open(path: string, options: { fsync?: boolean } = {}): ExitJournal {
    const fsync = options.fsync ?? true;
    const { unfinished } = readExitJournal(path);
    const tmp = `${path}.tmp`;
    try {
      const fd = openSync(tmp, "w");
      try {
        const text = unfinished.map((e) => `${JSON.stringify(submitRecord(e))}\n`).join("");
        if (text !== "") writeSync(fd, text);
        if (fsync) fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch (err) {
      throw new ExitJournalError(`exit journal: cannot rewrite ${path}: ${(err as Error).message}`, { path }, { cause: err });
    }
    return new ExitJournal(path, fsync, unfinished);
  }

  /** Records an exit about to be submitted; throws {@link ExitJournalError} when it cannot. */
  submitting(entry: JournalEntry): void {
    this.append(submitRecord(entry));
  }

  validUntil(signature: string, lastValidBlockHeight: number): void {
    this.append({ op: "valid", sig: signature, lvbh: lastValidBlockHeight });
  }

  done(signature: string, outcome: JournalOutcome): void {
    this.append({ op: "done", sig: signature, outcome });
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.attempt("close", () => closeSync(fd));
  }

  private append(record: JournalRecord): void {
    const fd = this.fd;
    if (fd === undefined) throw new ExitJournalError(`exit journal ${this.path} is closed`, { path: this.path });
    this.attempt("write", () => {
      writeSync(fd, `${JSON.stringify(record)}\n`);
      if (this.fsync) fdatasyncSync(fd);
    });
  }

  private attempt<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw new ExitJournalError(`exit journal: cannot ${what} ${this.path}: ${(err as Error).message}`, { path: this.path }, { cause: err });
    }
  }
}

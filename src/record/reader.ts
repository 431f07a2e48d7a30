/**
 * Reading recordings: streaming ({@link readRecordingLines}) or into memory ({@link loadRecording}).
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { constants, createGunzip } from "node:zlib";
import { StreamError } from "../errors.js";
import {
  RECORDING_FORMAT,
  RECORDING_FORMAT_VERSION,
  type Recording,
  type RecordingEntry,
  type RecordingHeader,
} from "./format.js";

function open(path: string): Readable {
  const file = createReadStream(path);
  if (!path.endsWith(".gz")) return file;
  // A killed recorder leaves a gzip stream without its trailer: read what is there.
  const gunzip = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH });
  file.on("error", (e) => gunzip.destroy(e));
  return file.pipe(gunzip);
}

function bad(path: string, line: number, why: string): StreamError {
  return new StreamError("recording", `${path}:${line}: ${why}`);
}

function checkHeader(value: unknown, path: string): RecordingHeader {
  const h = value as Partial<RecordingHeader> | null;
  if (h === null || typeof h !== "object" || h.format !== RECORDING_FORMAT) {
    throw bad(path, 1, `not a lasersell-stream recording (the first line must be its header)`);
  }
  if (h.format_version !== RECORDING_FORMAT_VERSION) {
    throw bad(path, 1, `recording format version ${String(h.format_version)} is not supported (this library reads ${RECORDING_FORMAT_VERSION})`);
  }
  return h as RecordingHeader;
}

/**
 * Reads a recording line by line (bounded memory): the header first, then each entry. A
 * truncated last line is skipped; a bad line elsewhere throws a `StreamError` with code
 * `recording` naming the file and line.
 */
export async function* readRecordingLines(path: string): AsyncGenerator<RecordingHeader | RecordingEntry, { truncated: boolean }> {
  const lines = createInterface({ input: open(path), crlfDelay: Infinity });
  let n = 0;
  let pending: string | undefined;
  let truncated = false;
  try {
    for await (const line of lines) {
      if (pending !== undefined) yield parseLine(pending, n, path);
      n++;
      pending = line;
    }
  } catch (error) {
    throw new StreamError("recording", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (pending !== undefined) {
    try {
      yield parseLine(pending, n, path);
    } catch (error) {
      if (n === 1) throw error;
      truncated = true;
    }
  }
  if (n === 0) throw bad(path, 1, "empty file");
  return { truncated };
}

function parseLine(text: string, line: number, path: string): RecordingHeader | RecordingEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad(path, line, "not a JSON line");
  }
  if (line === 1) return checkHeader(value, path);
  const entry = value as Partial<RecordingEntry> | null;
  if (entry === null || typeof entry !== "object" || typeof entry.t !== "number") throw bad(path, line, "not a recording entry");
  return entry as RecordingEntry;
}

/** Reads a whole recording into memory. */
export async function loadRecording(path: string): Promise<Recording> {
  const it = readRecordingLines(path);
  let header: RecordingHeader | undefined;
  const entries: RecordingEntry[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done === true) {
      return { header: header as RecordingHeader, entries, truncated: r.value.truncated };
    }
    if (header === undefined) header = r.value as RecordingHeader;
    else entries.push(r.value as RecordingEntry);
  }
}

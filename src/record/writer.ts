/**
 * Writing recordings: {@link RecordingWriter} (lines to a file or stream, bounded memory) and
 * {@link recordSession} (a listener on a connection's raw-frame tap).
 */
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { createGzip, type Gzip } from "node:zlib";
import { StreamError } from "../errors.js";
import { writeJson } from "../protocol/json.js";
import type { ReplayState } from "../client/types.js";
import {
  LIBRARY_VERSION,
  RECORDING_FORMAT,
  RECORDING_FORMAT_VERSION,
  type EventEntry,
  type RecordingHeader,
} from "./format.js";

/** Options of {@link recordSession} (and of the `RecordingWriter` behind it). */
export interface RecordingWriterOptions {
  /**
   * Most bytes waiting for the sink before lines are dropped (a `gap` line then says how many).
   * @defaultValue 8 MiB
   */
  maxPendingBytes?: number;
  /** How often a gzip sink is flushed to disk, so a killed recorder loses at most this much. @defaultValue 1000 */
  flushIntervalMs?: number;
}

/** Counters of a writer. */
export interface RecordingWriterStats {
  lines: number;
  bytes: number;
  /** Lines dropped because the sink fell behind. */
  dropped: number;
}

/**
 * Writes a recording line by line. `sink` is a file path (gzip when it ends in `.gz`) or any
 * writable stream. Never blocks the caller: lines queue in the stream up to `maxPendingBytes`,
 * beyond that they are dropped and counted.
 */
export class RecordingWriter {
  readonly startedAtMs: number;
  readonly #out: Writable;
  readonly #file: Writable | undefined;
  readonly #gzip: Gzip | undefined;
  readonly #maxPending: number;
  readonly #flushTimer: ReturnType<typeof setInterval> | undefined;
  #lines = 0;
  #bytes = 0;
  #dropped = 0;
  #unreported = 0;
  #error: Error | undefined;
  #closed: Promise<void> | undefined;
  /** Lines of the current event-loop turn, written together (one stream write per batch). */
  #batch: string[] = [];
  #batchBytes = 0;
  #flushScheduled = false;

  constructor(sink: string | Writable, header: Omit<RecordingHeader, "format" | "format_version" | "library" | "library_version" | "started_at" | "started_at_ms">, options: RecordingWriterOptions = {}, startedAtMs = Date.now()) {
    this.startedAtMs = startedAtMs;
    this.#maxPending = options.maxPendingBytes ?? 8 * 1024 * 1024;
    if (typeof sink === "string") {
      this.#file = createWriteStream(sink);
      if (sink.endsWith(".gz")) {
        this.#gzip = createGzip();
        this.#gzip.pipe(this.#file);
        this.#out = this.#gzip;
        const every = options.flushIntervalMs ?? 1000;
        this.#flushTimer = setInterval(() => this.#gzip?.flush(), every);
        this.#flushTimer.unref();
      } else {
        this.#out = this.#file;
      }
    } else {
      this.#out = sink;
    }
    const onError = (error: Error): void => {
      this.#error ??= error;
    };
    this.#out.on("error", onError);
    this.#file?.on("error", onError);
    const full: RecordingHeader = {
      format: RECORDING_FORMAT,
      format_version: RECORDING_FORMAT_VERSION,
      library: "lasersell-stream",
      library_version: LIBRARY_VERSION,
      started_at: new Date(startedAtMs).toISOString(),
      started_at_ms: startedAtMs,
      ...header,
    };
    this.#write(JSON.stringify(full));
  }

  /** Counters so far. */
  get stats(): RecordingWriterStats {
    return { lines: this.#lines, bytes: this.#bytes, dropped: this.#dropped };
  }

  /** A frame that crossed the socket, at local time `atMs`. */
  frame(direction: "in" | "out", text: string, atMs = Date.now()): void {
    this.#entry(`{"t":${atMs - this.startedAtMs},"at":${atMs},"dir":"${direction}","frame":${JSON.stringify(text)}}`, atMs);
  }

  /** A connection event. */
  event(event: Omit<EventEntry, "t" | "at">, atMs = Date.now()): void {
    this.#entry(JSON.stringify({ t: atMs - this.startedAtMs, at: atMs, ...event }), atMs);
  }

  /** Flushes and closes the sink (a path sink's file is closed; a stream sink is ended). Idempotent. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve, reject) => {
      this.#flushBatch();
      if (this.#flushTimer !== undefined) clearInterval(this.#flushTimer);
      const last = this.#file ?? this.#out;
      const done = (): void => (this.#error === undefined ? resolve() : reject(this.#wrap(this.#error)));
      last.once("finish", done);
      last.once("close", done);
      last.once("error", done);
      this.#out.end();
    });
    return this.#closed;
  }

  #entry(line: string, atMs: number): void {
    if (this.#closed !== undefined || this.#error !== undefined) return;
    if (this.#out.writableLength + this.#batchBytes > this.#maxPending) {
      this.#dropped++;
      this.#unreported++;
      return;
    }
    if (this.#unreported > 0) {
      const lost = this.#unreported;
      this.#unreported = 0;
      this.#write(JSON.stringify({ t: atMs - this.startedAtMs, at: atMs, event: "gap", lost }));
    }
    this.#write(line);
  }

  #write(line: string): void {
    this.#lines++;
    this.#bytes += line.length + 1;
    this.#batch.push(line);
    this.#batchBytes += line.length + 1;
    if (this.#batchBytes >= 64 * 1024) this.#flushBatch();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flushBatch);
    }
  }

  #flushBatch = (): void => {
    this.#flushScheduled = false;
    if (this.#batch.length === 0) return;
    const text = `${this.#batch.join("\n")}\n`;
    this.#batch = [];
    this.#batchBytes = 0;
    this.#out.write(text);
  };

  #wrap(error: Error): StreamError {
    return new StreamError("recording", `cannot write the recording: ${error.message}`, { cause: error });
  }
}

/** What {@link recordSession} needs of a connection: the raw-frame tap and connection events. */
export interface RecordableConnection {
  on(event: "frame", listener: (frame: { direction: "in" | "out"; text: string; atMs: number }) => void): unknown;
  on(event: "disconnected", listener: (info: { code: number; reason: string }) => void): unknown;
  on(event: "reconnected", listener: (info: { attempt: number }) => void): unknown;
  off(event: "frame", listener: (frame: { direction: "in" | "out"; text: string; atMs: number }) => void): unknown;
  off(event: "disconnected", listener: (info: { code: number; reason: string }) => void): unknown;
  off(event: "reconnected", listener: (info: { attempt: number }) => void): unknown;
  readonly state?: ReplayState;
  /** @internal The first handshake's frames (`StreamConnection` keeps them until the turn after `connect()`). */
  _earlyFrames?(): readonly { direction: "in" | "out"; text: string; atMs: number }[];
}

/** A running recorder, returned by {@link recordSession}. */
export interface SessionRecorder {
  /** Counters: lines written, bytes, lines dropped because the sink fell behind. */
  readonly stats: RecordingWriterStats;
  /** Detaches from the connection and closes the file. Idempotent. */
  stop(): Promise<void>;
}

/** The configure in force (wallets, strategy, watch list...), as JSON text: never the API key. */
export function configureText(state: ReplayState | undefined): string | null {
  if (state === undefined) return null;
  // The state is the configure in its own casing: only the replay-only fields are left out.
  const { positionStrategies: _overrides, version: _version, ...fields } = state;
  const configure: Record<string, unknown> = { type: "configure", ...fields };
  return writeJson(configure);
}

/**
 * Records a session or connection to `sink` (a path, gzip when it ends in `.gz`, or a writable
 * stream): every inbound frame exactly as received with its local receive time, every frame the
 * client sends, and disconnects/reconnects. A listener, never a stage: the stream is not slowed
 * or blocked, and memory stays bounded (see {@link RecordingWriterOptions}).
 *
 * Attach right after `connect()` (in the same turn): the first handshake (the configure sent, the
 * `hello_ok` and any frame that came in the same read) is kept by the connection until then and
 * written first.
 *
 * @example
 * ```ts
 * import { StreamClient, StreamSession } from "lasersell-stream";
 * import { recordSession } from "lasersell-stream/record";
 *
 * declare const session: StreamSession;
 * const recorder = recordSession(session, "session.ndjson.gz");
 * // ... later
 * await recorder.stop();
 * ```
 */
export function recordSession(
  target: RecordableConnection | { readonly connection: unknown },
  sink: string | Writable,
  options: RecordingWriterOptions = {},
): SessionRecorder {
  const connection = ("connection" in target ? target.connection : target) as RecordableConnection;
  const writer = new RecordingWriter(sink, { source: "connection", configure: configureText(connection.state) }, options);
  const onFrame = (f: { direction: "in" | "out"; text: string; atMs: number }): void => writer.frame(f.direction, f.text, f.atMs);
  const onDisconnected = (info: { code: number; reason: string }): void =>
    writer.event({ event: "disconnected", code: info.code, reason: info.reason });
  const onReconnected = (info: { attempt: number }): void => writer.event({ event: "reconnected", attempt: info.attempt });
  for (const f of connection._earlyFrames?.() ?? []) onFrame(f);
  connection.on("frame", onFrame);
  connection.on("disconnected", onDisconnected);
  connection.on("reconnected", onReconnected);
  let stopped: Promise<void> | undefined;
  return {
    get stats() {
      return writer.stats;
    },
    stop() {
      stopped ??= (async () => {
        connection.off("frame", onFrame);
        connection.off("disconnected", onDisconnected);
        connection.off("reconnected", onReconnected);
        await writer.close();
      })();
      return stopped;
    },
  };
}

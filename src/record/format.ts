/**
 * The recording format (NDJSON, one JSON object per line; gzip when the file name ends in `.gz`).
 *
 * Line 1 is the {@link RecordingHeader}. Every other line is a {@link RecordingEntry}:
 * - `{"t":12,"at":1764495123012,"dir":"in","frame":"{...}"}`: a frame exactly as received (the raw
 *   text, as a JSON string, so integers beyond 2^53 stay exact), `t` ms after the start, `at` the
 *   local receive time;
 * - `{"t":..,"at":..,"dir":"out","frame":"{...}"}`: a frame the client sent (configure, updates);
 * - `{"t":..,"at":..,"event":"disconnected","code":1006,"reason":"..."}` and
 *   `{"t":..,"at":..,"event":"reconnected","attempt":1}`: connection events (the `hello_ok` of a
 *   reconnect is the `in` frame that precedes `reconnected`);
 * - `{"t":..,"at":..,"event":"gap","lost":N}`: the writer fell behind and dropped N lines.
 *
 * A truncated last line (the recorder was killed mid-write) is ignored on read.
 */

/** The `format` value of every recording header. */
export const RECORDING_FORMAT = "lasersell-stream-recording";
/** The format version this library writes and reads. */
export const RECORDING_FORMAT_VERSION = 1;
/** The library version written into headers. */
export const LIBRARY_VERSION = "0.1.0";

/** The first line of a recording. */
export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  format_version: number;
  library: string;
  library_version: string;
  /** ISO 8601 start time. */
  started_at: string;
  started_at_ms: number;
  /** What recorded it: a live connection, or the mock's market simulator. */
  source: "connection" | "mock";
  /** The configure in force when recording started (never the API key), as JSON text. */
  configure: string | null;
  /** Free text, e.g. the mock seed. */
  note?: string;
}

/** A frame that crossed the socket. */
export interface FrameEntry {
  t: number;
  at: number;
  dir: "in" | "out";
  frame: string;
}

/** A connection event. */
export interface EventEntry {
  t: number;
  at: number;
  event: "disconnected" | "reconnected" | "gap";
  code?: number;
  reason?: string;
  attempt?: number;
  lost?: number;
}

/** One line after the header. */
export type RecordingEntry = FrameEntry | EventEntry;

/** A recording read into memory. */
export interface Recording {
  header: RecordingHeader;
  entries: RecordingEntry[];
  /** True when the last line was truncated (and ignored). */
  truncated: boolean;
}

/** True for an inbound or outbound frame entry. */
export function isFrame(entry: RecordingEntry): entry is FrameEntry {
  return "dir" in entry;
}

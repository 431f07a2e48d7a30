/**
 * Replay of a recording by {@link MockStreamServer}: the recorded inbound frames go to every
 * configured client with their original spacing divided by `speed`; recorded disconnects drop
 * the clients and the replay waits for them to reconnect, answering the new `configure` with the
 * recorded reconnect `hello_ok`. Recorded exit transactions are registered with the mock RPC so a
 * client can sign and submit them.
 */
import { VersionedTransaction } from "@solana/web3.js";
import { isFrame, type Recording, type RecordingEntry } from "../record/format.js";
import type { MockConnection } from "./session.js";

/** Options of `MockStreamServer.replay`. */
export interface ReplayOptions {
  /** Playback speed: 2 plays twice as fast as recorded. @defaultValue 1 */
  speed?: number;
  /** Start over when the recording ends. @defaultValue false */
  loop?: boolean;
}

/** A running replay. */
export interface ReplayHandle {
  /** Frames sent so far (each counted once, whatever the number of clients). */
  readonly sent: number;
  /** Frames in one pass of the recording. */
  readonly total: number;
  /** Completed passes (a non-looping replay is done at 1). */
  readonly passes: number;
  /** Stops the replay (the server keeps running). */
  stop(): void;
}

type Item =
  | { kind: "frame"; t: number; text: string; hello: boolean; exitTx: string | undefined }
  | { kind: "drop"; t: number; code: number; reason: string };

/** @internal What the player needs of the server. */
export interface ReplayHost {
  configured(): MockConnection[];
  helloFor(conn: MockConnection): string;
  registerExit(messageKey: string): void;
  changed(): void;
}

const typeOf = (text: string): string | undefined => /"type"\s*:\s*"([a-z_]+)"/.exec(text)?.[1];

function itemsOf(entries: readonly RecordingEntry[]): Item[] {
  const items: Item[] = [];
  for (const e of entries) {
    if (isFrame(e)) {
      if (e.dir !== "in") continue;
      const type = typeOf(e.frame);
      let exitTx: string | undefined;
      if (type === "exit_signal_with_tx") exitTx = /"unsigned_tx_b64"\s*:\s*"([^"]+)"/.exec(e.frame)?.[1];
      items.push({ kind: "frame", t: e.t, text: e.frame, hello: type === "hello_ok", exitTx });
    } else if (e.event === "disconnected") {
      items.push({ kind: "drop", t: e.t, code: e.code ?? 1006, reason: e.reason ?? "replay: recorded disconnect" });
    }
  }
  return items;
}

function isRecordingList(source: Recording | readonly RecordingEntry[]): source is readonly RecordingEntry[] {
  return Array.isArray(source);
}

/** A close code `ws` can send; anything else (1005, 1006, 1015...) is a cut connection. */
const sendable = (code: number): boolean => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

/** The message bytes (base64) of an unsigned transaction: what the mock RPC matches a submission on. */
export function messageKeyOf(unsignedTxB64: string): string | undefined {
  try {
    const tx = VersionedTransaction.deserialize(Buffer.from(unsignedTxB64, "base64"));
    return Buffer.from(tx.message.serialize()).toString("base64");
  } catch {
    return undefined;
  }
}

/** @internal Plays one recording; the server owns it. */
export class ReplayPlayer implements ReplayHandle {
  readonly total: number;
  #items: Item[];
  #cursor = 0;
  #speed: number;
  #loop: boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #host: ReplayHost;
  /** Wall time and recording time the current run of frames is anchored on. */
  #anchorWall = 0;
  #anchorT = 0;
  #state: "waiting" | "playing" | "done" | "stopped" = "waiting";
  sent = 0;
  passes = 0;

  constructor(source: Recording | readonly RecordingEntry[], options: ReplayOptions, host: ReplayHost) {
    const speed = options.speed ?? 1;
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError("speed must be a positive number");
    this.#items = itemsOf(isRecordingList(source) ? source : source.entries);
    this.total = this.#items.filter((i) => i.kind === "frame").length;
    this.#speed = speed;
    this.#loop = options.loop === true;
    this.#host = host;
  }

  /** A client configured: answer with the recorded hello when one is due, and (re)start playing. */
  onConfigure(conn: MockConnection): void {
    const next = this.#items[this.#cursor];
    if (this.#state !== "waiting") {
      conn.send(this.#host.helloFor(conn));
      return;
    }
    // The spacing after the handshake is kept too: from the recorded hello_ok, or from the start
    // of the recording (a recorder attaches right after the first hello_ok).
    let anchorT = this.#cursor === 0 ? 0 : (next?.t ?? 0);
    if (next?.kind === "frame" && next.hello) {
      conn.send(next.text);
      anchorT = next.t;
      this.#cursor++;
      this.sent++;
    } else {
      conn.send(this.#host.helloFor(conn));
    }
    this.#state = "playing";
    this.#anchorWall = performance.now();
    this.#anchorT = anchorT;
    this.#pump();
  }

  stop(): void {
    this.#state = "stopped";
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #pump = (): void => {
    this.#timer = undefined;
    if (this.#state !== "playing") return;
    for (;;) {
      if (this.#cursor >= this.#items.length) {
        this.passes++;
        if (!this.#loop || this.total === 0) {
          this.#state = "done";
          this.#host.changed();
          return;
        }
        this.#cursor = 0;
        this.#anchorWall = performance.now();
        this.#anchorT = this.#items[0]?.t ?? 0;
      }
      const item = this.#items[this.#cursor] as Item;
      const due = this.#anchorWall + (item.t - this.#anchorT) / this.#speed;
      const wait = due - performance.now();
      if (wait > 1) {
        this.#timer = setTimeout(this.#pump, wait);
        this.#timer.unref();
        return;
      }
      this.#cursor++;
      if (item.kind === "drop") {
        // The clients reconnect; the replay continues after their new configure.
        this.#state = "waiting";
        for (const c of this.#host.configured()) {
          if (sendable(item.code)) c.close(item.code, item.reason);
          else c.terminate();
        }
        this.#host.changed();
        return;
      }
      if (item.hello && this.passes > 0) continue; // a looped pass: the clients are configured already
      if (item.exitTx !== undefined) {
        const key = messageKeyOf(item.exitTx);
        if (key !== undefined) this.#host.registerExit(key);
      }
      this.sent++;
      for (const c of this.#host.configured()) c.send(item.text);
      this.#host.changed();
    }
  };
}

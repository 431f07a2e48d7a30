/**
 * The raw-frame tap behind the connection's `frame` event: every frame as it crossed the socket,
 * the key redacted. For recorders and debugging taps, never a stage of the inbound path: it costs
 * one branch per frame when nobody listens.
 */

/** One frame as the `frame` event reports it. */
export interface RawFrame {
  direction: "in" | "out";
  text: string;
  atMs: number;
}

/** Handshake frames kept for a recorder attached right after `connect()`. */
const EARLY_FRAMES_MAX = 64;

/**
 * Emits frames while someone listens. Until {@link FrameTap.settle} (the turn after the first
 * `connect()` resolved), frames are also kept (at most 64) so a recorder attached then still sees
 * the handshake.
 */
export class FrameTap {
  #early: RawFrame[] | undefined = [];
  readonly #listening: () => boolean;
  readonly #emit: (frame: RawFrame) => void;
  readonly #redact: (text: string) => string;

  constructor(listening: () => boolean, emit: (frame: RawFrame) => void, redact: (text: string) => string) {
    this.#listening = listening;
    this.#emit = emit;
    this.#redact = redact;
  }

  /** A frame crossed the socket. */
  tap(direction: "in" | "out", text: string): void {
    const early = this.#early;
    if (early === undefined && !this.#listening()) return;
    const frame: RawFrame = { direction, text: this.#redact(text), atMs: Date.now() };
    if (early !== undefined && early.length < EARLY_FRAMES_MAX) early.push(frame);
    this.#emit(frame);
  }

  /** Stops keeping the handshake's frames. */
  settle(): void {
    this.#early = undefined;
  }

  /** Whether the handshake's frames are still kept. */
  get keeping(): boolean {
    return this.#early !== undefined;
  }

  /** The handshake's frames, while they are kept. */
  early(): readonly RawFrame[] {
    return this.#early ?? [];
  }
}

/**
 * Turning an inbound frame into a message without letting the API key through: the key is
 * redacted from the text before parsing, so nothing built from the frame (message, unknown value,
 * `raw`, error texts and causes) can carry it. The first step of the hot path.
 */
import { parseServerMessage, type IntMode, type ParseOptions } from "../protocol/index.js";
import type { Redactor } from "../util/secrets.js";

/** What {@link FrameDecoder.decode} returns: `parseServerMessage`'s result. */
export type DecodedFrame<M extends IntMode> = ReturnType<typeof parseServerMessage<M>>;

/** Decodes inbound frames with one connection's key kept out of everything they produce. */
export class FrameDecoder<M extends IntMode> {
  readonly #redactor: Redactor;
  readonly #parse: ParseOptions<M>;

  constructor(redactor: Redactor, parse: ParseOptions<M>) {
    this.#redactor = redactor;
    this.#parse = parse;
  }

  /**
   * Parses a frame with the key redacted from it first. A key written with JSON escapes
   * (`\u0041...`) is not in the text but appears once parsed: frames with a backslash (rare) are
   * checked again after parsing.
   */
  decode(frame: string): DecodedFrame<M> {
    const redactor = this.#redactor;
    const text = redactor.leaks(frame) ? redactor.text(frame) : frame;
    const result = parseServerMessage<M>(text, this.#parse);
    if (result.kind === "invalid" || !text.includes("\\")) return result;
    if (result.kind === "unknown") {
      const value = redactor.value(result.value);
      return value === result.value ? result : { ...result, value, type: redactor.text(result.type) };
    }
    const message = redactor.value(result.message);
    if (message === result.message) return result;
    const redacted: typeof result = { kind: "message", message };
    if (result.precisionLoss !== undefined) redacted.precisionLoss = result.precisionLoss.map(redactor.text);
    return redacted;
  }

  /**
   * A frame's text without the key, for the raw-frame tap. A key written with JSON escapes only
   * shows once parsed: such a frame (rare: a server echoing the key) is re-serialized with the key
   * redacted, which may round integers beyond 2^53 in it.
   */
  redactedText(text: string): string {
    const redactor = this.#redactor;
    const plain = redactor.leaks(text) ? redactor.text(text) : text;
    if (!plain.includes("\\")) return plain;
    try {
      const decoded = JSON.stringify(JSON.parse(plain));
      return redactor.leaks(decoded) ? redactor.text(decoded) : plain;
    } catch {
      return plain;
    }
  }
}

/**
 * TextPayload: the open batch's payload on the record path, encoded to UTF-8 as records come, so
 * that its byte count is exact without a second pass. Records wait as text until 64 KiB of them are
 * encoded at once (not one short write per record). Buffers: one of maxBytes, reused, and a second
 * one while the last batch's is being written.
 */
import type { BatchLimits } from './batch-limits.js';

const ENCODE_CHARS = 65_536;

export class TextPayload {
  readonly #maxBytes: number;
  readonly #maxChars: number;
  #head = '';
  #tail = '';
  #body: Buffer | undefined;
  #used = 0;
  /** Records not yet encoded into #body. */
  #pending = '';
  #spare: Buffer | undefined;
  #chars = 0;

  constructor(limits: BatchLimits) {
    this.#maxBytes = limits.maxBytes;
    this.#maxChars = limits.maxCharacters;
  }

  /** What every payload begins and ends with (the CSV header, the XML or JSON frame). */
  frame(head: string, tail: string): void {
    this.#head = head;
    this.#tail = tail;
  }

  /** The head's and tail's length: both ASCII, so characters and bytes alike. */
  get frameLength(): number {
    return this.#head.length + this.#tail.length;
  }

  /** The limit a record's text breaks even in a payload of its own, if any. */
  limitAlone(text: string): string | undefined {
    const overhead = this.frameLength;
    if (text.length + overhead > this.#maxChars) return `${this.#maxChars} characters`;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count the bytes only when that bound is too loose.
    if (text.length * 3 + overhead > this.#maxBytes && Buffer.byteLength(text) + overhead > this.#maxBytes) return `${this.#maxBytes} bytes`;
    return undefined;
  }

  /** Whether a record's text fits into the open payload, with room left for the tail. */
  fits(text: string): boolean {
    if (this.#chars + text.length + this.#tail.length > this.#maxChars) return false;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: encode and count exactly only near the limit.
    if ((this.#pending.length + text.length) * 3 <= this.#maxBytes - this.#tail.length - this.#used) return true;
    this.#encodePending();
    const room = this.#maxBytes - this.#tail.length - this.#used;
    return text.length * 3 <= room || Buffer.byteLength(text) <= room;
  }

  /** Starts a payload with its head. */
  begin(): void {
    this.#body ??= Buffer.allocUnsafe(this.#maxBytes);
    this.#used = this.#body.write(this.#head, 0);
    this.#chars = this.#head.length;
  }

  append(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= ENCODE_CHARS) this.#encodePending();
    this.#chars += text.length;
  }

  /** The head's length (ASCII: characters and bytes alike). */
  get headLength(): number {
    return this.#head.length;
  }

  /** The tail's length (ASCII: characters and bytes alike). */
  get tailLength(): number {
    return this.#tail.length;
  }

  /**
   * Ends the payload with its tail and hands its buffer over (`bytes` of it are the payload). Call
   * `swap` before the next payload begins, and give the buffer back with `recycle` once written.
   */
  take(): { readonly body: Buffer; readonly bytes: number } {
    const body = this.#body as Buffer;
    this.#encodePending();
    return { body, bytes: this.#used + body.write(this.#tail, this.#used) };
  }

  /** The next payload fills the spare buffer (the one written before last, if it is written by now), the taken one being written meanwhile. */
  swap(): void {
    this.#body = this.#spare;
    this.#spare = undefined;
  }

  /** A buffer `take` handed over, written: reused for the payload after next. */
  recycle(body: Buffer): void {
    this.#spare = body;
  }

  /** Drops every buffer (an aborted run). */
  drop(): void {
    this.#body = undefined;
    this.#spare = undefined;
    this.#pending = '';
  }

  #encodePending(): void {
    if (this.#pending === '') return;
    this.#used += (this.#body as Buffer).write(this.#pending, this.#used);
    this.#pending = '';
  }
}

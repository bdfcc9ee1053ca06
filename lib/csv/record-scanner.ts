/**
 * Finds CSV record ends in raw bytes, quote-aware (RFC 4180), across chunk boundaries: a newline
 * ends a record unless it lies inside double quotes; `""` toggles the quote state twice, so parity
 * is enough. Uses Buffer.indexOf, never decoding or building strings, and remembers the next quote
 * of the chunk so that quote-free data is scanned once, not once per record.
 */
const QUOTE = 0x22;
const LF = 0x0a;

export class CsvRecordScanner {
  #inQuote = false;
  #chunk: Buffer | undefined;
  /** Position of the next quote at or after the scan position in #chunk (chunk.length when none). */
  #nextQuote = -1;

  /** True while the scan is inside a quoted field (at the end of the input: an unterminated quote). */
  get inQuote(): boolean {
    return this.#inQuote;
  }

  /** The index just past the next record end at or after `from`, or -1 when the chunk ends first. */
  next(chunk: Buffer, from: number): number {
    if (chunk !== this.#chunk) {
      this.#chunk = chunk;
      this.#nextQuote = -1;
    }
    let i = from;
    for (;;) {
      if (this.#nextQuote < i) {
        const q = chunk.indexOf(QUOTE, i);
        this.#nextQuote = q < 0 ? chunk.length : q;
      }
      if (this.#inQuote) {
        if (this.#nextQuote >= chunk.length) return -1;
        this.#inQuote = false;
        i = this.#nextQuote + 1;
        continue;
      }
      const nl = chunk.indexOf(LF, i);
      if (nl >= 0 && nl < this.#nextQuote) return nl + 1;
      if (this.#nextQuote >= chunk.length) return -1;
      this.#inQuote = true;
      i = this.#nextQuote + 1;
    }
  }
}

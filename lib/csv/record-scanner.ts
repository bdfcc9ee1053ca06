/**
 * Finds CSV record ends in raw bytes, quote-aware (RFC 4180), across chunk boundaries: a newline
 * ends a record unless it lies inside double quotes; `""` toggles the quote state twice, so parity
 * is enough. Uses Buffer.indexOf for both bytes, never decoding or building strings.
 */
const QUOTE = 0x22;
const LF = 0x0a;

export class CsvRecordScanner {
  #inQuote = false;

  /** True while the scan is inside a quoted field (at the end of the input: an unterminated quote). */
  get inQuote(): boolean {
    return this.#inQuote;
  }

  /** The index just past the next record end at or after `from`, or -1 when the chunk ends first. */
  next(chunk: Buffer, from: number): number {
    let i = from;
    for (;;) {
      if (this.#inQuote) {
        const q = chunk.indexOf(QUOTE, i);
        if (q < 0) return -1;
        this.#inQuote = false;
        i = q + 1;
        continue;
      }
      const nl = chunk.indexOf(LF, i);
      const q = chunk.indexOf(QUOTE, i);
      if (nl < 0 && q < 0) return -1;
      if (q < 0 || (nl >= 0 && nl < q)) return nl + 1;
      this.#inQuote = true;
      i = q + 1;
    }
  }
}

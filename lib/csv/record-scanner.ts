/**
 * Finds CSV record ends in raw bytes (RFC 4180), across chunk boundaries, never decoding or building
 * strings: a line end (LF, CRLF or a CR alone, mixed as a file mixes them) ends a record unless it
 * lies inside a quoted field. A CR that ends a chunk ends its record only once the next chunk shows
 * that no LF follows it (a CRLF split across chunks is one line end): the record is then ended at
 * offset 0 of that chunk. A quote opens a quoted
 * field only where a field starts (after the delimiter or a line end, or right after a closing
 * quote: `""`); anywhere else it is a stray quote, taken literally, so that `O"Brien` costs its own
 * record and never swallows the lines after it. Uses Buffer.indexOf and remembers the next quote, LF
 * and CR of the chunk, so that quote-free data is scanned once, not once per record.
 * For the record whose end was returned last it tells whether it held a quote at all (`quoted`) and
 * whether one was stray (`stray`): callers check only such records more closely.
 */
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const BOM = [0xef, 0xbb, 0xbf] as const;

export class CsvRecordScanner {
  readonly #delimiter: number;
  #inQuote = false;
  #chunk: Buffer | undefined;
  /** Position of the next quote (newline) at or after the scan position in #chunk (chunk.length when none). */
  #nextQuote = -1;
  #nextLf = -1;
  /** The next CR not followed by an LF (a CRLF is found by its LF): in a CRLF file, one pass over the chunk's CRs, not one search per record. */
  #nextCr = -1;
  /** The last chunk ended in a CR outside quotes: its record ends there unless the next chunk starts with LF. */
  #pendingCr = false;
  /** Position of the last closing quote in #chunk (-1: the byte before the chunk; -2: none near). */
  #lastClose = -2;
  /** The last byte of the previous chunk (a line end at the start of the input). */
  #before = LF;
  /** Where a field starts although the byte before is no delimiter: after a BOM at the very start. */
  #bomEnd = -1;
  #started = false;
  #ended = true;
  #quoted = false;
  #stray = false;
  #multiline = false;

  /** `delimiter`: the field separator's byte; default a comma. */
  constructor(delimiter: number = COMMA) {
    this.#delimiter = delimiter;
  }

  /** True while the scan is inside a quoted field (at the end of the input: an unterminated quote). */
  get inQuote(): boolean {
    return this.#inQuote;
  }

  /** Whether the record last ended (or the one in progress) holds a quote. */
  get quoted(): boolean {
    return this.#quoted;
  }

  /** Whether the record last ended (or the one in progress) holds a quote where no field starts. */
  get stray(): boolean {
    return this.#stray;
  }

  /**
   * Whether the record last ended (or the one in progress) may hold a line end inside quotes: false
   * means it holds none, so that a caller counts lines inside a record only when there may be some.
   */
  get multiline(): boolean {
    return this.#multiline;
  }

  /** The index just past the next record end at or after `from`, or -1 when the chunk ends first. */
  next(chunk: Buffer, from: number): number {
    if (chunk !== this.#chunk) this.#enter(chunk);
    if (this.#ended) {
      this.#ended = false;
      this.#quoted = false;
      this.#stray = false;
      this.#multiline = false;
    }
    const n = chunk.length;
    let i = from;
    if (this.#pendingCr && n > 0) {
      this.#pendingCr = false;
      this.#ended = true;
      return chunk[0] === LF ? 1 : 0;
    }
    for (;;) {
      if (this.#nextQuote < i) {
        const q = chunk.indexOf(QUOTE, i);
        this.#nextQuote = q < 0 ? n : q;
      }
      if (this.#inQuote) {
        if (this.#nextQuote >= n) {
          this.#multiline = true; // the quote goes on in the next chunk: its line ends are not looked for
          return -1;
        }
        if (!this.#multiline) this.#multiline = this.#lineEndBefore(chunk, i, this.#nextQuote);
        this.#inQuote = false;
        this.#lastClose = this.#nextQuote;
        i = this.#nextQuote + 1;
        continue;
      }
      if (this.#nextLf < i) {
        const nl = chunk.indexOf(LF, i);
        this.#nextLf = nl < 0 ? n : nl;
      }
      if (this.#nextCr < i) this.#nextCr = bareCr(chunk, i);
      const lineEnd = Math.min(this.#nextLf, this.#nextCr);
      if (lineEnd < this.#nextQuote) {
        if (lineEnd >= n) return -1;
        if (lineEnd + 1 === n && lineEnd === this.#nextCr) {
          this.#pendingCr = true; // the next chunk tells whether an LF follows
          return -1;
        }
        this.#ended = true;
        return lineEnd + 1; // past the LF (of a CRLF too), or past a CR alone
      }
      if (this.#nextQuote >= n) return -1;
      const q = this.#nextQuote;
      this.#quoted = true;
      if (this.#opensField(chunk, q)) this.#inQuote = true;
      else this.#stray = true;
      i = q + 1;
    }
  }

  /** Whether chunk[i, to) holds a line end; the searches are the ones the record's end needs anyway (kept in #nextLf and #nextCr). */
  #lineEndBefore(chunk: Buffer, i: number, to: number): boolean {
    if (this.#nextLf < i) {
      const nl = chunk.indexOf(LF, i);
      this.#nextLf = nl < 0 ? chunk.length : nl;
    }
    if (this.#nextLf < to) return true;
    if (this.#nextCr < i) this.#nextCr = bareCr(chunk, i);
    return this.#nextCr < to;
  }

  #enter(chunk: Buffer): void {
    const previous = this.#chunk;
    if (previous && previous.length > 0) {
      this.#before = previous[previous.length - 1] as number;
      this.#lastClose = this.#lastClose === previous.length - 1 ? -1 : -2;
    }
    this.#bomEnd = -1;
    if (!this.#started && chunk.length > 0) {
      this.#started = true;
      if (chunk.length >= 3 && chunk[0] === BOM[0] && chunk[1] === BOM[1] && chunk[2] === BOM[2]) this.#bomEnd = 3;
    }
    this.#chunk = chunk;
    this.#nextQuote = -1;
    this.#nextLf = -1;
    this.#nextCr = -1;
  }

  /** Whether a quote at q (outside quotes) opens a quoted field: at a field's start, or as the second quote of `""`. */
  #opensField(chunk: Buffer, q: number): boolean {
    if (q === this.#bomEnd) return true;
    const before = q > 0 ? (chunk[q - 1] as number) : this.#before;
    if (before === this.#delimiter || before === LF || before === CR) return true;
    return this.#lastClose === q - 1;
  }
}

/** The position of the next CR at or after `from` that no LF follows (one at the chunk's end counts: the next chunk decides), or the chunk's length. */
function bareCr(chunk: Buffer, from: number): number {
  for (let p = chunk.indexOf(CR, from); p >= 0; p = chunk.indexOf(CR, p + 1)) if (chunk[p + 1] !== LF) return p;
  return chunk.length;
}

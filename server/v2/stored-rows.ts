/**
 * The rows of a stored internal batch (comma CSV, the splitter's own writing) as a Bulk API 2.0
 * result file writes their values: every value double-quoted, its quotes doubled (csvQuote: an
 * empty cell comes back `""`, `#N/A` as `"#N/A"`), joined by the job's delimiter. Values only,
 * none of readPayload's checks, so that a batch the processor refused (a duplicate column) still
 * shows its rows; the header line is passed over.
 *
 * Worked on the batch's bytes, with no string per value (issue 28: parsing each batch into strings,
 * quoting them again and encoding the rows back to bytes was 1.6 s of the org's one thread in a
 * 40 MB load). The splitter writes each value either unquoted, holding no quote, comma, CR or LF,
 * or quoted exactly as csvQuote writes its value (`"..."`, inner quotes doubled); every record ends
 * with an LF, no line is empty and the bytes are valid UTF-8. So a quoted value is copied as it is,
 * an unquoted one gains its quotes, and each comma between values becomes the job's delimiter. A
 * batch not in that form (none is written so; one from an earlier version could be) is decoded and
 * quoted value by value, as it was before, so that every batch reads as it always did.
 */
import { isUtf8 } from 'node:buffer';
import { parseCsvText } from '../../lib/csv/parse-csv-text.js';
import { csvQuote } from '../../lib/wire/dml-results.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** The bytes that end an unquoted value, or have no place in one: a comma, an LF, a quote, a CR. */
const ENDS_UNQUOTED = new Uint8Array(256);
for (const b of [COMMA, LF, QUOTE, CR]) ENDS_UNQUOTED[b] = 1;

/**
 * One batch's rows at a time, in buffers kept from batch to batch (one result file's): row `i`'s
 * values are `body[starts[i]..starts[i + 1])`, for i < count.
 */
export class StoredRows {
  body: Buffer = Buffer.alloc(0);
  starts = new Int32Array(0);
  count = 0;

  /** Reads the rows of a batch's stored bytes, for a job whose delimiter is `delimiter`. */
  read(bytes: Buffer, delimiter: string): void {
    if (isUtf8(bytes) && this.#copy(bytes, delimiter.charCodeAt(0))) return;
    this.#decode(bytes, delimiter);
  }

  /** The rows from the bytes as they are; false when the batch is not in the splitter's form (nothing is kept then). */
  #copy(bytes: Buffer, delimiter: number): boolean {
    const n = bytes.length;
    let out = this.#room(0, n + (n >> 2) + 16);
    let at = 0;
    let row = -1; // the header
    let i = 0;
    while (i < n) {
      if (bytes[i] === LF) return false; // an empty line
      if (row >= 0) this.#start(row, at);
      for (;;) {
        // Room for the rest of the batch and three bytes (a value gains at most its two quotes):
        // no value can overflow, and the loops below check nothing but their bytes.
        if (out.length - at < n - i + 3) out = this.#room(at, at + n - i + 3 + (n >> 2));
        if (bytes[i] === QUOTE) {
          out[at++] = QUOTE;
          for (i++; ; ) {
            if (i >= n) return false; // not closed
            const b = bytes[i++] as number;
            out[at++] = b;
            if (b !== QUOTE) continue;
            if (bytes[i] !== QUOTE) break;
            out[at++] = QUOTE;
            i++;
          }
        } else {
          out[at++] = QUOTE;
          let b = 0;
          while (i < n && ENDS_UNQUOTED[(b = bytes[i] as number)] === 0) {
            out[at++] = b;
            i++;
          }
          if (i < n && (b === QUOTE || b === CR)) return false;
          out[at++] = QUOTE;
        }
        if (i === n) break;
        const b = bytes[i++];
        if (b === LF) break;
        if (b !== COMMA) return false; // text after a closing quote
        out[at++] = delimiter;
      }
      if (row < 0) at = 0; // the header's line is not served from here
      row++;
    }
    this.#close(Math.max(row, 0), at);
    return true;
  }

  /**
   * The rows read as strings, window by window (about 1 MB: no string of the whole batch), with the
   * reader the org used for every batch before; tolerant, never throws.
   */
  #decode(bytes: Buffer, delimiter: string): void {
    let at = 0;
    let row = -1;
    const line = (record: string[]) => {
      if (row >= 0) {
        const text = record.map(csvQuote).join(delimiter);
        this.#start(row, at);
        const out = this.#room(at, at + 3 * text.length);
        at += out.write(text, at);
      }
      row++;
    };
    for (let from = 0; from < bytes.length; ) {
      const to = windowEnd(bytes, from, WINDOW_BYTES);
      parseCsvText(bytes.toString('utf8', from, to), line, 'stored batch', 1, { tolerant: true });
      from = to;
    }
    this.#close(Math.max(row, 0), at);
  }

  #start(row: number, at: number): void {
    if (row + 1 >= this.starts.length) {
      const grown = new Int32Array(Math.max(2 * this.starts.length, row + 2, 1024));
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[row] = at;
  }

  #close(count: number, at: number): void {
    this.#start(count, at);
    this.count = count;
  }

  /** The body with room for `size` bytes, its first `kept` bytes kept. */
  #room(kept: number, size: number): Buffer {
    if (size <= this.body.length) return this.body;
    const grown = Buffer.allocUnsafe(Math.max(size, 2 * this.body.length));
    this.body.copy(grown, 0, 0, kept);
    this.body = grown;
    return grown;
  }
}

const WINDOW_BYTES = 1 << 20;

/** The end of the window from `from`: past the first LF outside quotes at or after `from + size - 1`, or the end. */
function windowEnd(bytes: Buffer, from: number, size: number): number {
  let quoted = false;
  for (let i = from; ; ) {
    const lf = bytes.indexOf(0x0a, Math.max(i, from + size - 1));
    if (lf < 0) return bytes.length;
    // The quotes before it (a stored batch's are balanced in each value): their count tells whether it is inside one.
    const span = bytes.subarray(i, lf);
    for (let q = span.indexOf(0x22); q >= 0; q = span.indexOf(0x22, q + 1)) quoted = !quoted;
    if (!quoted) return lf + 1;
    i = lf + 1;
  }
}

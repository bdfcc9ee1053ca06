/**
 * One CSV row's field places in a buffer, and the reader that finds them: the byte-level core of the
 * two result readers (csv-results.ts, the v1 results the joiner streams; unordered-csv-rows.ts, the
 * 2.0 files the unordered join hashes), so that neither makes a string or object per row. Fields may
 * be quoted (`""` for a quote, line breaks inside) or not; a quote inside an unquoted field is
 * literal; LF, CRLF or CR ends a row.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** readRow's answer when the row goes on past the buffer (more may come, or a quote never closes). */
export const ROW_CUT = -1;
/** readRow's answer when a closing quote is followed by something else than a comma or a line end. */
export const ROW_BAD_QUOTE = -2;

/** One row's fields: field i is `buf[starts[i], ends[i])`, its quotes doubled when `escaped[i]`. Valid only during the callback. */
export class CsvRow {
  buf: Buffer = Buffer.alloc(0);
  starts = new Int32Array(16);
  ends = new Int32Array(16);
  escaped = new Uint8Array(16);
  count = 0;

  add(start: number, end: number, escaped: boolean): void {
    if (this.count === this.starts.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts, (n) => new Int32Array(n));
      this.ends = grow(this.ends, (n) => new Int32Array(n));
      this.escaped = grow(this.escaped, (n) => new Uint8Array(n));
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.escaped[this.count] = escaped ? 1 : 0;
    this.count++;
  }

  /** Field i as text (only for headers and rows that need it: it makes a string). */
  text(i: number): string {
    if (i >= this.count || this.starts[i] === this.ends[i]) return '';
    const value = this.buf.toString('utf8', this.starts[i], this.ends[i]);
    return this.escaped[i] === 1 ? value.replaceAll('""', '"') : value;
  }
}

/** Bytes a quoted field is scanned for its closing quote in JS before Buffer#indexOf takes over. */
const SHORT = 48;

/**
 * The next quote at or after `from`, or -1. A result's fields are short (an id, `true`, an empty
 * error): a loop finds their closing quote sooner than a call into Buffer#indexOf would start.
 */
function nextQuote(buf: Buffer, from: number, n: number): number {
  const stop = Math.min(n, from + SHORT);
  for (let j = from; j < stop; j++) if (buf[j] === QUOTE) return j;
  return stop < n ? buf.indexOf(QUOTE, stop) : -1;
}

/**
 * Reads one row from `pos` into `row`; returns the position after its line end, ROW_CUT when `buf`
 * ends first (a final row without a line end is read when `last`; a quote that never closes is
 * ROW_CUT even then), or ROW_BAD_QUOTE. `row.count` says how many fields were read.
 */
export function readRow(buf: Buffer, pos: number, row: CsvRow, last: boolean): number {
  row.count = 0;
  const n = buf.length;
  let i = pos;
  for (;;) {
    if (buf[i] === QUOTE) {
      let q = nextQuote(buf, i + 1, n);
      let escaped = false;
      while (q >= 0 && buf[q + 1] === QUOTE) {
        escaped = true;
        q = buf.indexOf(QUOTE, q + 2);
      }
      if (q < 0 || (q + 1 >= n && !last)) return ROW_CUT;
      row.add(i + 1, q, escaped);
      i = q + 1;
    } else {
      let j = i;
      while (j < n && buf[j] !== COMMA && buf[j] !== LF && buf[j] !== CR) j++;
      if (j >= n && !last) return ROW_CUT;
      row.add(i, j, false);
      i = j;
    }
    const c = buf[i];
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c === LF) return i + 1;
    if (c === CR) {
      if (i + 1 >= n && !last) return ROW_CUT;
      return buf[i + 1] === LF ? i + 2 : i + 1;
    }
    if (i >= n) return n;
    return ROW_BAD_QUOTE;
  }
}

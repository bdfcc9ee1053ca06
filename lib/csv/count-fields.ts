/**
 * How many fields one CSV record holds, counted in its bytes with indexOf (no decoding, no strings):
 * the fast path's check of each record against the header. -1 when the record's quoting is broken
 * (text after a closing quote, a quote never closed), which only a parse can word.
 * The bytes [start, end) are one record without its line end, as CsvRecordScanner cut it; a quote
 * inside an unquoted field is not looked for here: the scanner flags it (`stray`).
 */
const QUOTE = 0x22;

export function countCsvFields(bytes: Buffer, start: number, end: number, delimiter: number): number {
  let fields = 1;
  let i = start;
  for (;;) {
    if (i < end && bytes[i] === QUOTE) {
      let from = i + 1;
      for (;;) {
        const q = bytes.indexOf(QUOTE, from);
        if (q < 0 || q >= end) return -1;
        if (q + 1 < end && bytes[q + 1] === QUOTE) {
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i >= end) return fields;
      if (bytes[i] !== delimiter) return -1;
      fields++;
      i++;
      continue;
    }
    const d = bytes.indexOf(delimiter, i);
    if (d < 0 || d >= end) return fields;
    fields++;
    i = d + 1;
  }
}

/** The end of a record's bytes without its line end (LF or CRLF). */
export function withoutLineEnd(bytes: Buffer, start: number, end: number): number {
  let e = end;
  if (e > start && bytes[e - 1] === 0x0a) e--;
  if (e > start && bytes[e - 1] === 0x0d) e--;
  return e;
}

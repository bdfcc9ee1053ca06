/**
 * How many fields one CSV record holds, counted in its bytes (no decoding, no strings):
 * the fast path's check of each record against the header. -1 when the record's quoting is broken
 * (text after a closing quote, a quote never closed), which only a parse can word.
 * The bytes [start, end) are one record without its line end, as CsvRecordScanner cut it; a quote
 * inside an unquoted field is not looked for here: the scanner flags it (`stray`).
 */
const QUOTE = 0x22;

/** The delimiters in bytes[start, end): the fields of a record without quotes, less one. The hot path: the simplest loop runs fastest. */
export function countDelimiters(bytes: Buffer, start: number, end: number, delimiter: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (bytes[i] === delimiter) n++;
  return n;
}

export function countCsvFields(bytes: Buffer, start: number, end: number, delimiter: number): number {
  let fields = 1;
  let i = start;
  while (i < end) {
    const c = bytes[i] as number;
    if (c === delimiter) {
      fields++;
      i++;
    } else if (c === QUOTE) {
      // A quoted field (the scanner flagged any quote that is not at a field start): to its closing quote.
      i++;
      for (;;) {
        if (i >= end) return -1;
        if (bytes[i] === QUOTE) {
          if (i + 1 < end && bytes[i + 1] === QUOTE) {
            i += 2;
            continue;
          }
          break;
        }
        i++;
      }
      i++;
      if (i < end && bytes[i] !== delimiter) return -1;
    } else {
      i++;
    }
  }
  return fields;
}

/** The end of a record's bytes without its line end (LF, CRLF or a CR alone). */
export function withoutLineEnd(bytes: Buffer, start: number, end: number): number {
  let e = end;
  if (e > start && bytes[e - 1] === 0x0a) e--;
  if (e > start && bytes[e - 1] === 0x0d) e--;
  return e;
}

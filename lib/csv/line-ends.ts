/**
 * Line ends as CSV input has them: LF, CRLF or a CR alone (old Mac files, and files pasted together
 * from several systems mix all three). Each is one line end, so that the line numbers in errors are
 * the ones an editor shows. In bytes (the fast path, the scanner) and in text (the parser).
 */
const LF = 0x0a;
const CR = 0x0d;

/**
 * The line ends in bytes[start, end): every LF, and every CR not followed by an LF. A CR at `end`
 * whose LF comes later (in the next chunk) is counted here, so pass `crBefore` (the byte before
 * `start` was a CR) to the next call, which then does not count that LF again.
 */
export function countByteLineEnds(bytes: Buffer, start: number, end: number, crBefore = false): number {
  let count = crBefore && start < end && bytes[start] === LF ? -1 : 0;
  if (end - start < 1024) {
    // A record's bytes (the fast path asks once per quoted record): a loop costs less than a view and two searches.
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      if (c === LF || (c === CR && (i + 1 >= end || bytes[i + 1] !== LF))) count++;
    }
    return count;
  }
  // indexOf runs on to the end of the buffer when nothing is found (a CR in an LF file): bounded by a view.
  const range = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  const n = range.length;
  for (let i = range.indexOf(LF); i >= 0; i = range.indexOf(LF, i + 1)) count++;
  for (let i = range.indexOf(CR); i >= 0; i = range.indexOf(CR, i + 1)) if (i + 1 >= n || range[i + 1] !== LF) count++;
  return count;
}

/** The line ends in text[from, to): every LF, and every CR not followed by an LF. */
export function countTextLineEnds(text: string, from = 0, to = text.length): number {
  let n = 0;
  for (let k = text.indexOf('\n', from); k >= 0 && k < to; k = text.indexOf('\n', k + 1)) n++;
  for (let k = text.indexOf('\r', from); k >= 0 && k < to; k = text.indexOf('\r', k + 1)) if (text.charCodeAt(k + 1) !== LF || k + 1 >= to) n++;
  return n;
}

/** Where the line holding text[at] starts: just past the line end before it (0 on the first line). */
export function textLineStart(text: string, at: number): number {
  if (at <= 0) return 0;
  return Math.max(text.lastIndexOf('\n', at - 1), text.lastIndexOf('\r', at - 1)) + 1;
}

/** Where the line holding bytes[at] starts, not before `from`. */
export function byteLineStart(bytes: Buffer, from: number, at: number): number {
  if (at <= from) return from;
  const start = Math.max(bytes.lastIndexOf(LF, at - 1), bytes.lastIndexOf(CR, at - 1)) + 1;
  return Math.max(start, from);
}

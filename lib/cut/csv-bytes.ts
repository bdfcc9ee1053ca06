/**
 * Byte helpers of the CSV fast path (CsvCutter): checks over a chunk or a record's bytes, and the
 * line ends of a record too large to keep, counted as it is passed over.
 */
import { isUtf8 } from 'node:buffer';
import { withoutLineEnd } from '../csv/count-fields.js';
import { countByteLineEnds } from '../csv/line-ends.js';

export const CR = 0x0d;
export const NEWLINE = Buffer.from('\n');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A record too large to keep, being passed over: the line it starts on, its size so far, the line ends in it and whether it ends in a CR so far. */
export interface Skipping {
  line: number;
  bytes: number;
  lines: number;
  cr: boolean;
}

/**
 * The part [from, to) of a chunk that is valid UTF-8 (all of it when the chunk is): all but up to 3
 * leading continuation bytes and the last 3 bytes from a lead byte on, which may be a character cut
 * between chunks; undefined when that part is not valid. Those edge bytes are not judged here: a
 * record that reaches into them is checked on its own (a whole record may lie in them).
 */
export function utf8Span(chunk: Buffer): [from: number, to: number] | undefined {
  if (isUtf8(chunk)) return [0, chunk.length];
  let from = 0;
  while (from < 3 && from < chunk.length && ((chunk[from] as number) & 0xc0) === 0x80) from++;
  let to = chunk.length;
  for (let back = 1; back <= 3 && chunk.length - back >= from; back++) {
    if (((chunk[chunk.length - back] as number) & 0xc0) === 0xc0) {
      to = chunk.length - back;
      break;
    }
  }
  return isUtf8(chunk.subarray(from, to)) ? [from, to] : undefined;
}

/** Line ends inside a record (quoted), not counting the one that ends it. */
export function innerLineEnds(bytes: Buffer, start: number, end: number): number {
  return countByteLineEnds(bytes, start, withoutLineEnd(bytes, start, end));
}

/** Whether bytes[start, end) hold no NUL byte. */
export function noNul(bytes: Buffer, start: number, end: number): boolean {
  const at = bytes.indexOf(0, start);
  return at < 0 || at >= end;
}

/** A copy of a record that ends in a CR alone, ending in an LF instead. */
export function withLf(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[copy.length - 1] = 0x0a;
  return copy;
}

/** A record's bytes without a leading byte order mark (the header line's). */
export function withoutBom(bytes: Buffer): Buffer {
  return bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes;
}

/** Counts bytes[from..] of a record being passed over into its size and lines (a CRLF cut between two chunks is one line end). */
export function skipLines(skipping: Skipping, bytes: Buffer, from: number): void {
  if (from >= bytes.length) return;
  skipping.bytes += bytes.length - from;
  skipping.lines += countByteLineEnds(bytes, from, bytes.length, skipping.cr);
  skipping.cr = bytes[bytes.length - 1] === CR;
}

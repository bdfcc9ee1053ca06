/**
 * Where bytes stop being valid UTF-8. Asked only after node:buffer's isUtf8 (native, GB/s) said a
 * stretch is invalid, to name the first bad byte's place in an error; a plain loop over one record.
 */
import { isUtf8 } from 'node:buffer';

/** Marks a stream that has held invalid UTF-8 (decoded then as U+FFFD): set by decodeUtf8. */
export interface Utf8Seen {
  invalid: boolean;
}

/** The index of the first byte of [start, end) that is not part of a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Buffer, start: number, end: number): number {
  if (isUtf8(bytes.subarray(start, end))) return -1;
  let i = start;
  while (i < end) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0 || i + need >= end) return i;
    if (!isUtf8(bytes.subarray(i, i + need + 1))) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * The records of a CSV file as the bytes of their lines, header skipped, read a chunk at a time:
 * the join copies these bytes into the outputs instead of parsing and writing the fields again.
 * Record ends are found by the quote-aware scanner, so a quoted newline stays inside its record.
 * Memory: one chunk (256 KiB) and a record that spans chunks; the lines are views of the chunks.
 */
import { open } from 'node:fs/promises';
import { CsvRecordScanner } from '../csv/record-scanner.js';

const CHUNK_BYTES = 256 * 1024;

/** A record's bytes without its line end (LF or CRLF). */
export function withoutLineEnd(record: Buffer): Buffer {
  let end = record.length;
  if (end > 0 && record[end - 1] === 0x0a) end--;
  if (end > 0 && record[end - 1] === 0x0d) end--;
  return end === record.length ? record : record.subarray(0, end);
}

/** Yields the lines of each chunk's whole records; an empty line (no record) is skipped. */
export async function* readCsvLines(path: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<Buffer[]> {
  const file = await open(path, 'r');
  const scanner = new CsvRecordScanner();
  let carry: Buffer[] = [];
  let header = true;
  try {
    for (;;) {
      // A fresh buffer per chunk: the lines handed out are views of it and live on in the outputs' queue.
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await file.read(chunk, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      const data = chunk.subarray(0, bytesRead);
      const lines: Buffer[] = [];
      let pos = 0;
      for (let end = scanner.next(data, 0); end >= 0; end = scanner.next(data, end)) {
        const piece = data.subarray(pos, end);
        const record = carry.length > 0 ? Buffer.concat([...carry, piece]) : piece;
        carry = [];
        pos = end;
        const line = withoutLineEnd(record);
        if (line.length === 0) continue;
        if (header) header = false;
        else lines.push(line);
      }
      if (pos < data.length) carry.push(data.subarray(pos));
      if (lines.length > 0) yield lines;
    }
    const last = withoutLineEnd(Buffer.concat(carry));
    if (last.length > 0 && !header) yield [last];
  } finally {
    await file.close();
  }
}

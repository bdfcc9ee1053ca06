/**
 * Drops the first CSV record (a header line) from a byte stream, quote-aware, without decoding:
 * the second and later result files of a query each start with the header again.
 */
import { CsvRecordScanner } from './record-scanner.js';

async function* skipCsvHeader(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const scanner = new CsvRecordScanner();
  let skipped = false;
  for await (const piece of chunks) {
    const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (skipped) {
      yield chunk;
      continue;
    }
    const end = scanner.next(chunk, 0);
    if (end < 0) continue; // still inside the header
    skipped = true;
    if (end < chunk.length) yield chunk.subarray(end);
  }
}

/**
 * Joins CSV files that each start with the same header (a query's result files) into one CSV:
 * the returned function passes the first file whole and later ones without their header.
 */
export function oneHeader(): (file: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array> {
  let first = true;
  return (file) => {
    if (!first) return skipCsvHeader(file);
    first = false;
    return file;
  };
}

// Kept over csv-parse (issue 28): 4.9x less CPU on data.ts Accounts as query results (2.8-3.0x quoted, multi-byte) (benchmarks/hand-written-vs-library.bench.ts).
/**
 * Streams CSV records out of byte chunks: the quote-aware scanner finds the last complete record of
 * each chunk, and the text up to there is parsed in one go (parseCsvText). Memory: one chunk plus a
 * partial record, bounded by `maxRecordBytes`. Several times faster than csv-parse on result files.
 */
import { ParseError } from '../errors.js';
import { parseCsvText } from './parse-csv-text.js';
import { CsvRecordScanner } from './record-scanner.js';

export async function* readCsvRecords(
  chunks: AsyncIterable<Uint8Array | string>,
  options: { readonly source: string; readonly maxRecordBytes?: number },
): AsyncGenerator<string[][]> {
  const max = options.maxRecordBytes ?? 16 * 1024 * 1024;
  const scanner = new CsvRecordScanner();
  let carry: Buffer = Buffer.alloc(0);
  let first = true;
  for await (const piece of chunks) {
    let chunk = typeof piece === 'string' ? Buffer.from(piece) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    first = false;
    // Only the new bytes are scanned: the carry was scanned already and ends inside a record.
    let end = -1;
    for (let next = scanner.next(chunk, 0); next >= 0; next = scanner.next(chunk, next)) end = next;
    if (end < 0) {
      carry = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      if (carry.length > max) throw new ParseError(`a CSV record is larger than ${max} bytes`, { source: options.source });
      continue;
    }
    const complete = carry.length ? Buffer.concat([carry, chunk.subarray(0, end)]) : chunk.subarray(0, end);
    carry = Buffer.from(chunk.subarray(end));
    yield parse(complete.toString('utf8'), options.source);
  }
  if (scanner.inQuote) throw new ParseError('unterminated quoted field at the end of the input', { source: options.source });
  if (carry.length) yield parse(carry.toString('utf8'), options.source);
}

function parse(text: string, source: string): string[][] {
  const records: string[][] = [];
  parseCsvText(text, (fields) => records.push(fields), source);
  return records;
}

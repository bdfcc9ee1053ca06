/**
 * A CSV byte stream passed on as it is, its records counted on the way (quote-aware, by
 * CsvRecordScanner: a line break inside quotes is no record end): a 2.0 query page's rows are
 * checked against the count the org sent with it, so that rows lost on the way (a page cut and
 * fetched again with other bytes, an org that sent fewer) are an error, never a shorter output.
 * Memory: none but the scanner's place.
 */
import { CsvRecordScanner } from './record-scanner.js';

/** Yields the chunks unchanged; when they end, `onEnd` gets the number of records (a last one without a line end counts). */
export async function* countingRecords(chunks: AsyncIterable<Uint8Array>, onEnd: (records: number) => void): AsyncGenerator<Buffer> {
  const scanner = new CsvRecordScanner();
  let records = 0;
  /** Bytes came since the last record end: a record that goes on (or ends the input without a line end). */
  let open = false;
  for await (const piece of chunks) {
    const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let last = -1;
    for (let end = scanner.next(chunk, 0); end >= 0; end = scanner.next(chunk, end)) {
      records++;
      last = end;
    }
    open = last < 0 ? open || chunk.length > 0 : last < chunk.length;
    yield chunk;
  }
  onEnd(records + (open ? 1 : 0));
}

/**
 * A record retry's rows (issue 26): which rows of a segment's results may be sent again (a scan of
 * its results file in payload order), and the retry payload that carries them (the header and those
 * rows' payload lines, ordered by parent so that rows that wait for the same record lock go together).
 * Memory: the rows to retry of one segment (a batch's at most: 10,000 lines), never the segment's others.
 */
import { createReadStream } from 'node:fs';
import { parseCsvText } from '../csv/parse-csv-text.js';
import { readCsvLines } from '../join/csv-lines.js';
import { readCsvResults } from '../join/csv-results.js';
import { csvField } from '../records/serialize-record.js';
import { isRetryableError, lockedIds } from './retryable-errors.js';

/** A row whose result proved it unwritten: its 0-based place in the segment's payload, and the record its lock failure names ('' when none). */
export interface RetryRow {
  readonly index: number;
  readonly locked: string;
}

/** What a scan of a segment's results found. */
export interface RetryScan {
  /** Result rows in the file (a segment's records, when the results are whole). */
  readonly rows: number;
  /** The rows to send again, in payload order. */
  readonly retry: readonly RetryRow[];
}

/** Scans a results file (v1's CSV result form, in payload order) for the rows that may be sent again. */
export async function scanRetryable(path: string): Promise<RetryScan> {
  const retry: RetryRow[] = [];
  let rows = 0;
  for await (const block of readCsvResults(createReadStream(path, { highWaterMark: 256 * 1024 }), `results ${path}`)) {
    for (let j = 0; j < block.count; j++, rows++) {
      const error = block.errors[j] ?? '';
      if (block.success[j] === 0 && isRetryableError(error)) retry.push({ index: rows, locked: lockedIds(error)[0] ?? '' });
    }
  }
  return { rows, retry };
}

/** A retry payload: its bytes (whole, for the spool to write), and the payload places of its rows in its order. */
export interface RetryPayload {
  readonly parts: readonly Buffer[];
  readonly order: readonly number[];
}

/**
 * The retry payload of `rows` of a CSV payload: the header (the uploaded columns) and each row's
 * line as uploaded, LF-ended (a Bulk API 2.0 job is LF; quoted line breaks stay the value's).
 * Ordered by parent: by the `groupBy` column's value when given, else by the record each lock
 * failure names; rows of one parent keep their payload order.
 */
export async function retryPayload(payloadPath: string, columns: readonly string[], rows: readonly RetryRow[], groupBy?: string): Promise<RetryPayload> {
  const wanted = new Map(rows.map((r) => [r.index, r]));
  const lines = new Map<number, Buffer>();
  let index = 0;
  for await (const block of readCsvLines(payloadPath)) {
    for (let k = 0; k < block.count; k++, index++) {
      if (!wanted.has(index)) continue;
      // A copy: the chunk the line is a place in is 256 KiB.
      lines.set(index, Buffer.from(block.chunkOf(k).subarray(block.starts[k], block.ends[k])));
    }
  }
  const column = groupBy === undefined ? -1 : columns.findIndex((c) => c.toLowerCase() === groupBy.toLowerCase());
  const keyOf = (row: RetryRow): string => {
    if (column < 0) return row.locked;
    let value = '';
    parseCsvText((lines.get(row.index) as Buffer).toString('utf8'), (fields) => (value = fields[column] ?? ''), 'retry payload');
    return value;
  };
  const keyed = rows.filter((r) => lines.has(r.index)).map((r) => ({ index: r.index, key: keyOf(r) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  const parts: Buffer[] = [Buffer.from(`${columns.map(csvField).join(',')}\n`)];
  const lf = Buffer.from('\n');
  for (const { index: i } of keyed) parts.push(lines.get(i) as Buffer, lf);
  return { parts, order: keyed.map((k) => k.index) };
}

/**
 * The uploaded rows of a Bulk API 2.0 job, read back from its segments' spooled payloads in input
 * order and numbered across the job (entry 0 is the first segment's first record). Each payload's
 * header is the job's columns: they must agree, and each payload must hold the records its segment
 * was cut with.
 * Memory: forEachCsvRow's chunk.
 */
import { ParseError, SpoolRowsMismatchError } from '../errors.js';
import type { ReusedBuffer } from './unordered-buffer.js';
import { type CsvRow, forEachCsvRow } from './unordered-csv-rows.js';

export interface JobSegmentPayload {
  readonly seq: number;
  /** The spooled payload: a header line, then the records (comma CSV). */
  readonly path: string;
  /** The records it holds. */
  readonly records: number;
}

/**
 * Calls `onRow(row, entry, fields)` for each uploaded record, `fields` being the job's columns as
 * field indexes (0..n-1: a row's fields past them are not the job's; one short of them is empty
 * there); returns the job's columns (those of the first payload read that has a header).
 */
export async function forEachJobRow(
  segments: readonly JobSegmentPayload[],
  onRow: (row: CsvRow, entry: number, fields: Int32Array) => void,
  options: {
    readonly signal?: AbortSignal | undefined;
    readonly buffer?: ReusedBuffer;
    /** Whether to read the segment whose rows are entries `first` to `first + records - 1` (default: every one). */
    readonly wanted?: (first: number, records: number) => boolean;
    /** Awaited after each chunk (where onRow's writes are flushed). */
    readonly afterChunk?: () => Promise<void>;
  } = {},
): Promise<readonly string[]> {
  let columns: string[] | undefined;
  let fields = new Int32Array(0);
  let base = 0;
  for (const segment of segments) {
    const source = `the payload of segment ${segment.seq}`;
    const end = base + segment.records;
    if (options.wanted && !options.wanted(base, segment.records)) {
      base = end;
      continue;
    }
    const rows = await forEachCsvRow(
      segment.path,
      (row, index) => {
        if (index === 0) {
          const names = Array.from({ length: row.count }, (_, i) => row.text(i));
          if (!columns) {
            columns = names;
            fields = Int32Array.from(names, (_, i) => i);
          } else if (names.join('\n') !== columns.join('\n')) {
            throw new ParseError(`its header ${JSON.stringify(names).slice(0, 300)} is not the job's ${JSON.stringify(columns).slice(0, 300)}`, { source, record: 0 });
          }
          return;
        }
        const entry = base + index - 1;
        if (entry >= end) throw mismatch(segment, 'more');
        onRow(row, entry, fields);
      },
      { source, signal: options.signal, ...(options.buffer && { buffer: options.buffer }), ...(options.afterChunk && { afterChunk: options.afterChunk }) },
    );
    if (Math.max(0, rows - 1) < segment.records) throw mismatch(segment, 'fewer');
    base = end;
  }
  return columns ?? [];
}

const mismatch = (segment: JobSegmentPayload, found: 'more' | 'fewer') =>
  new SpoolRowsMismatchError(`the spooled payload of segment ${segment.seq} (${segment.path}) holds ${found} records than the ${segment.records} it was cut with`, {
    batchId: undefined,
    records: segment.records,
    found,
  });

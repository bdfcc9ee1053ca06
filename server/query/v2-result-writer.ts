/**
 * Writes a Bulk API 2.0 query job's rows as they are read: CSV lines in the job's delimiter and line
 * ending, stored a chunk at a time (at most CHUNK_ROWS rows or about CHUNK_BYTES, whichever comes
 * first) under the batch's claim. Memory holds one chunk, whatever the size of the result. An
 * aborted job stops at the next chunk.
 */
import type { Db } from '../store/database.js';
import type { BatchRow, JobRow, JobsStore } from '../store/jobs-store.js';
import type { V2QueryStore } from '../store/v2-query-store.js';
import { queryRows } from './query-rows.js';
import type { CompiledQuery } from './soql.js';
import { dialectOf } from '../v2/csv-format.js';
import { csvWriter } from './result-writers.js';

/** Rows in one stored chunk: a page start reads at most one chunk it does not serve. */
const CHUNK_ROWS = 1000;
/** A chunk is cut at about this many bytes too (rows of up to 400,000 characters are legal, spec §6). */
const CHUNK_BYTES = 4 * 1024 * 1024;

export interface V2ResultWriterContext {
  readonly db: Db;
  readonly jobs: JobsStore;
  readonly store: V2QueryStore;
}

/** Runs the query of `batch` and stores its rows; resolves to the number of rows stored. */
export async function writeV2Results(c: V2ResultWriterContext, job: JobRow, batch: BatchRow, q: CompiledQuery): Promise<number> {
  const { delimiter, lineEnding } = dialectOf(job);
  const format = csvWriter(q.fields, delimiter, lineEnding);
  c.jobs.underClaim(batch, () => c.store.clear(batch.id));
  let lines: string[] = [];
  let ends: number[] = [];
  let bytes = 0;
  let total = 0;
  const flush = () => {
    const offsets = Buffer.alloc((ends.length + 1) * 4);
    for (let i = 0; i < ends.length; i++) offsets.writeUInt32LE(ends[i] as number, (i + 1) * 4);
    const data = Buffer.from(lines.join(''), 'utf8');
    c.jobs.underClaim(batch, () => c.store.add(batch.id, total - lines.length, lines.length, offsets, data));
    [lines, ends, bytes] = [[], [], 0];
  };
  for await (const row of queryRows(c.db, q, { all: job.operation === 'queryAll' })) {
    const line = format.row(row);
    lines.push(line);
    bytes += Buffer.byteLength(line, 'utf8');
    ends.push(bytes);
    total++;
    if (lines.length >= CHUNK_ROWS || bytes >= CHUNK_BYTES) {
      flush();
      // An abort (PATCH Aborted) ends the run here; its results are never served.
      if (c.jobs.job(job.id)?.state === 'Aborted') return total;
    }
  }
  if (lines.length > 0) flush();
  return total;
}

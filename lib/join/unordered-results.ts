/**
 * The exact join of a Bulk API 2.0 ingest job's unordered results (successfulResults, failedResults,
 * unprocessedrecords: spec §3.9) with its uploaded rows, written back as one v1-form result file
 * per segment in payload order, so that the load joins a 2.0 job as it joins v1 batches.
 *
 * A result names its row only by the values it echoes. So: (1) each payload row's values and each
 * result's echoed values are hashed (64 bits, unordered-row-hash.ts) into a hash join
 * (unordered-partitions.ts: in memory, or spilled by hash range when the rows are more than
 * `partitionRows`); (2) partition by partition, each result takes a row of its hash
 * not taken before (identical rows are one record, so they may take each other's results), across
 * the whole job; (3) only then are the rows still without a result and the results that found none
 * hashed again by their normalized values (numbers in canonical form, `#N/A` as empty, ...:
 * unordered-values.ts) and joined the same way, so that a re-serialized value never takes a row an
 * exact result needed; (4) when every row has exactly one result and every result a row, the
 * matched results, spilled to buckets by row (unordered-result-buckets.ts), are written out in row
 * order. Otherwise the outcome says how many results matched no row and how many rows have no
 * result, and nothing is written.
 *
 * Memory: a matched flag a row (1 byte), one partition's index at a time (about 21 bytes a row of
 * at most `partitionRows` rows: 21 MiB by default), one bucket of results, and a few 64-256 KiB
 * buffers; never the rows' values or results: those stream from the files and wait on disk (in
 * `tmpDir`, removed at the end).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join as pathJoin } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import type { ReusedBuffer } from './unordered-buffer.js';
import { readBuffer, type CsvRow } from './unordered-csv-rows.js';
import { ResultFileWriter } from './unordered-output.js';
import { forEachJobRow, type JobSegmentPayload } from './unordered-payloads.js';
import { forEachResult, type ResultFileKind, type ResultLayout } from './unordered-result-files.js';
import { ResultBuckets } from './unordered-result-buckets.js';
import { RowHasher } from './unordered-row-hash.js';
import { HashJoin, ROWS_PER_PARTITION } from './unordered-partitions.js';
import { forEachSpillRecord, SpillWriter } from './unordered-spill.js';

export type { JobSegmentPayload } from './unordered-payloads.js';

/** The job's three result files, downloaded by the caller. */
export interface UnorderedResultFiles {
  readonly successful: string;
  readonly failed: string;
  readonly unprocessed: string;
}

export interface OrderResultsOptions {
  readonly jobId: string;
  /** The job's segments in input order; their payload headers are the job's columns. */
  readonly segments: readonly JobSegmentPayload[];
  readonly results: UnorderedResultFiles;
  /** Where segment `seq`'s ordered results go: a v1-form CSV result file ("Id","Success","Created","Error"), one row per payload record in payload order, readable by readCsvResults. */
  readonly outputPath: (seq: number) => string;
  /** The Error text of an unprocessed row. */
  readonly notProcessed: string;
  /** Where the spill files go (a folder of its own is made in it and removed). */
  readonly tmpDir: string;
  readonly signal?: AbortSignal;
  /** Rows of a partition of the hash join at most: the index's memory, about 21 bytes a row (default 1,048,576: about 21 MiB). */
  readonly partitionRows?: number;
}

export type OrderResultsOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Joins the job's results to its rows and writes each segment's results in payload order.
 * Resolves `{ ok: false, reason }` when results and rows do not pair one for one (nothing is
 * written then); rejects with a BulkError for a malformed or unreadable file (BULK_PARSE,
 * BULK_SPOOL, BULK_JOIN_MISMATCH for a payload that does not hold its segment's records),
 * an output that cannot be written (BULK_OUTPUT), or an abort (BULK_ABORTED).
 * @example
 * const outcome = await orderResults({ jobId, segments, results, outputPath: (seq) => `${dir}/${seq}.csv`, notProcessed, tmpDir });
 */
export async function orderResults(options: OrderResultsOptions): Promise<OrderResultsOutcome> {
  const { jobId, segments, outputPath, notProcessed, tmpDir } = checked(options);
  const total = segments.reduce((sum, s) => sum + s.records, 0);
  const work = await mkdtemp(pathJoin(tmpDir, 'bulkpipe-join2-'));
  const state: JoinState = {
    options,
    total,
    work,
    buckets: new ResultBuckets(total, work),
    hasher: new RowHasher(),
    matched: new Uint8Array(total),
    buffer: readBuffer(),
  };
  try {
    const e = await exactPass(state);
    const { exact, results } = e;
    const normalized = exact < results && exact < total ? await normalizedPass(state, e) : 0;
    const unmatchedResults = results - exact - normalized;
    const rowsWithout = total - exact - normalized;
    if (unmatchedResults > 0 || rowsWithout > 0) return { ok: false, reason: mismatchReason(unmatchedResults, rowsWithout, total, results) };
    // (4) Every row has its one result: out in payload order.
    await state.buckets.close();
    let entry = 0;
    for (const segment of segments) {
      const out = new ResultFileWriter(outputPath(segment.seq), jobId, notProcessed, state.buffer);
      try {
        for (const end = entry + segment.records; entry < end; entry++) {
          if (!state.buckets.holds(entry)) await state.buckets.load(entry);
          out.add(state.buckets.result(entry));
          if (out.full) await out.flush();
        }
        await out.close();
      } finally {
        await out.dispose();
      }
    }
    return { ok: true };
  } finally {
    await state.buckets.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

/** What the passes share. */
interface JoinState {
  readonly options: OrderResultsOptions;
  readonly total: number;
  /** The folder of the spill files. */
  readonly work: string;
  /** Matched results, by row. */
  readonly buckets: ResultBuckets;
  readonly hasher: RowHasher;
  /** 1 for a row that has its result. */
  readonly matched: Uint8Array;
  /** The buffer the reads (then the writes) take in turn. */
  readonly buffer: ReusedBuffer;
}

const RESULT_FILES = (o: OrderResultsOptions): ReadonlyArray<[ResultFileKind, string]> => [
  ['successfulResults', o.results.successful],
  ['failedResults', o.results.failed],
  ['unprocessedrecords', o.results.unprocessed],
];

/** Every result of the job's three files, numbered across them in one order (both passes name a result by its number); resolves to how many. */
async function forEachJobResult(
  options: OrderResultsOptions,
  columns: readonly string[],
  onResult: (row: CsvRow, layout: ResultLayout, n: number) => void,
  read: Parameters<typeof forEachResult>[4],
): Promise<number> {
  let count = 0;
  for (const [kind, path] of RESULT_FILES(options)) await forEachResult(kind, path, columns, (row, layout) => onResult(row, layout, count++), read);
  return count;
}

/** What the exact pass leaves to the normalized one. */
interface ExactOutcome {
  readonly exact: number;
  readonly results: number;
  /** Results that found no row, when known at once (rows in one partition): with the hash of their normalized values. */
  readonly pending: SpillWriter;
  /** The others (a bit per result number), found once the partitions were joined: read again from the result files. */
  readonly missed: Uint8Array;
  readonly missedCount: number;
}

/**
 * (1) The rows by the hash of their values, then (2) each result takes a row of its exact values;
 * says how many did, and which did not.
 */
async function exactPass(state: JoinState): Promise<ExactOutcome> {
  const { options, hasher, matched, buffer } = state;
  const { signal } = options;
  let exact = 0;
  let missed: Uint8Array = new Uint8Array(Math.ceil(state.total / 8) + 1);
  let missedCount = 0;
  const pending = new SpillWriter(pathJoin(state.work, 'pending'));
  const join = new HashJoin({
    ...joinOptions(state, 'exact', state.total),
    onMatch: (entry) => {
      matched[entry] = 1;
      exact++;
    },
    onMiss: (n) => {
      if (n >>> 3 >= missed.length) missed = grown(missed, n >>> 3);
      missed[n >>> 3] = (missed[n >>> 3] as number) | (1 << (n & 7));
      missedCount++;
    },
  });
  try {
    const columns = await forEachJobRow(
      options.segments,
      (row, entry, fields) => {
        hasher.exact(row, fields);
        join.addRow(hasher.hi, hasher.lo, entry);
      },
      { signal, buffer, afterChunk: () => join.flush() },
    );
    await join.rowsDone();
    const afterChunk = async () => {
      await join.flush();
      await pending.flush();
    };
    const count = await forEachJobResult(
      options,
      columns,
      (row, layout, n) => {
        hasher.exact(row, layout.values);
        if (join.addResult(hasher.hi, hasher.lo, n, layout.flags(row), row, layout.id, layout.error)) return;
        hasher.normalized(row, layout.values);
        pending.add(hasher.hi, hasher.lo, n, layout.flags(row), row, layout.id, layout.error);
      },
      { signal, afterChunk, buffer },
    );
    await join.finish();
    await pending.close();
    return { exact, results: count, pending, missed, missedCount };
  } finally {
    await join.dispose();
    await pending.dispose();
  }
}

/**
 * (3) The rows left without a result and the results the exact pass missed, both by the hash of
 * their normalized values, joined the same way; returns how many results found a row. Only the
 * payloads that hold a row left are read again (one re-serialized value must not mean reading the
 * whole job twice), and the result files only when the misses were found late (many rows).
 */
async function normalizedPass(state: JoinState, e: ExactOutcome): Promise<number> {
  const { options, hasher, matched, buffer } = state;
  const { signal } = options;
  let normalized = 0;
  const join = new HashJoin({
    ...joinOptions(state, 'normalized', state.total - e.exact),
    onMatch: (entry) => {
      matched[entry] = 1;
      normalized++;
    },
    onMiss: () => undefined,
  });
  try {
    const columns = await forEachJobRow(
      options.segments,
      (row, entry, fields) => {
        if (matched[entry] === 1) return;
        hasher.normalized(row, fields);
        join.addRow(hasher.hi, hasher.lo, entry);
      },
      { signal, buffer, afterChunk: () => join.flush(), wanted: (first, records) => matched.subarray(first, first + records).includes(0) },
    );
    await join.rowsDone();
    if (e.pending.records > 0)
      await forEachSpillRecord(
        e.pending.path,
        (r) => join.addSpilled(r),
        () => join.flush(),
        signal,
      );
    if (e.missedCount > 0)
      await forEachJobResult(
        options,
        columns,
        (row, layout, n) => {
          if (((e.missed[n >>> 3] ?? 0) & (1 << (n & 7))) === 0) return;
          hasher.normalized(row, layout.values);
          join.addResult(hasher.hi, hasher.lo, n, layout.flags(row), row, layout.id, layout.error);
        },
        { signal, afterChunk: () => join.flush(), buffer },
      );
    await join.finish();
    return normalized;
  } finally {
    await join.dispose();
  }
}

const joinOptions = (state: JoinState, name: string, rows: number) => ({
  dir: state.work,
  name,
  rows,
  partitionRows: state.options.partitionRows ?? ROWS_PER_PARTITION,
  buckets: state.buckets,
  signal: state.options.signal,
});

/** `bits` twice as long (at least `index + 1`), its bits kept. */
function grown(bits: Uint8Array, index: number): Uint8Array {
  const bigger = new Uint8Array(Math.max(bits.length * 2, index + 1));
  bigger.set(bits);
  return bigger;
}

/** `3 results match no uploaded row; 1,000 rows have no result (1,000,000 rows, 999,003 results)`. */
function mismatchReason(unmatchedResults: number, rowsWithout: number, rows: number, results: number): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const parts: string[] = [];
  if (unmatchedResults > 0) parts.push(`${n(unmatchedResults)} result${unmatchedResults === 1 ? ' matches' : 's match'} no uploaded row`);
  if (rowsWithout > 0) parts.push(`${n(rowsWithout)} row${rowsWithout === 1 ? ' has' : 's have'} no result`);
  return `${parts.join('; ')} (${n(rows)} rows uploaded, ${n(results)} results)`;
}

function checked(o: OrderResultsOptions): OrderResultsOptions {
  if (typeof o.jobId !== 'string') throw new InvalidOptionError('jobId', 'a string', o.jobId);
  const seen = new Set<number>();
  for (const s of o.segments) {
    if (!Number.isSafeInteger(s.records) || s.records < 0) throw new InvalidOptionError('segments[].records', 'an integer >= 0', s.records);
    if (seen.has(s.seq)) throw new InvalidOptionError('segments[].seq', 'a different seq for each segment', s.seq);
    seen.add(s.seq);
  }
  if (o.segments.reduce((sum, s) => sum + s.records, 0) > 0x7fffffff) throw new InvalidOptionError('segments', 'at most 2^31 - 1 records in a job', o.segments.length);
  if (o.partitionRows !== undefined && (!Number.isSafeInteger(o.partitionRows) || o.partitionRows < 1))
    throw new InvalidOptionError('partitionRows', 'an integer >= 1', o.partitionRows);
  if (typeof o.outputPath !== 'function') throw new InvalidOptionError('outputPath', 'a function', o.outputPath);
  if (typeof o.notProcessed !== 'string') throw new InvalidOptionError('notProcessed', 'a string', o.notProcessed);
  if (typeof o.tmpDir !== 'string' || o.tmpDir === '') throw new InvalidOptionError('tmpDir', 'a folder', o.tmpDir);
  return o;
}

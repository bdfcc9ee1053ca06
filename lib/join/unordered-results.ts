/**
 * The exact join of a Bulk API 2.0 ingest job's unordered results (successfulResults, failedResults,
 * unprocessedrecords: spec §3.9) with its uploaded rows, written back as one v1-form result file
 * per segment in payload order, so that the load joins a 2.0 job as it joins v1 batches.
 *
 * A result names its row only by the values it echoes. So: (1) each payload row's values are hashed
 * (64 bits) into a RowIndex; (2) each result row's echoed values are hashed and take a row of that
 * hash not taken before, across the whole job (identical rows are one record, so they may take each
 * other's results); a result that finds none is spilled with the hash of its normalized values;
 * (3) only then are the rows still without a result indexed by their normalized values (numbers in
 * canonical form, `#N/A` as empty, ...: unordered-values.ts) and the spilled results matched to
 * them, so that a re-serialized value never takes a row an exact result needed; (4) when every row
 * has exactly one result and every result a row, the matched results, spilled to buckets by row,
 * are written out in row order. Otherwise the outcome says how many results matched no row and how
 * many rows have no result, and nothing is written.
 *
 * Memory: about 21 bytes a row in typed arrays (hashes, chain links, hash table, a matched flag),
 * plus that again for the rows left to the normalized pass, never the rows' values or results:
 * those stream from the files and wait on disk (in `tmpDir`, removed at the end).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { forEachSpillRecord, SpillWriter } from './unordered-spill.js';
import type { ReusedBuffer } from './unordered-buffer.js';
import { readBuffer } from './unordered-csv-rows.js';
import { ResultFileWriter } from './unordered-output.js';
import { forEachJobRow, type JobSegmentPayload } from './unordered-payloads.js';
import { forEachResult, type ResultFileKind } from './unordered-result-files.js';
import { ResultBuckets } from './unordered-result-buckets.js';
import { RowHasher } from './unordered-row-hash.js';
import { RowIndex } from './unordered-row-index.js';

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
  const work = await mkdtemp(join(tmpDir, 'bulkpipe-join2-'));
  const state: JoinState = {
    options,
    total,
    buckets: new ResultBuckets(total, work),
    pending: new SpillWriter(join(work, 'pending')),
    hasher: new RowHasher(),
    matched: new Uint8Array(total),
    buffer: readBuffer(),
  };
  try {
    const { exact, results } = await exactPass(state);
    const normalized = (await state.pending.close()) && exact < total ? await normalizedPass(state, exact) : 0;
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
    await state.pending.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

/** What the passes share. */
interface JoinState {
  readonly options: OrderResultsOptions;
  readonly total: number;
  /** Matched results, by row. */
  readonly buckets: ResultBuckets;
  /** Results the exact pass left, with the hash of their normalized values. */
  readonly pending: SpillWriter;
  readonly hasher: RowHasher;
  /** 1 for a row that has its result. */
  readonly matched: Uint8Array;
  /** The buffer the reads (then the writes) take in turn. */
  readonly buffer: ReusedBuffer;
}

/**
 * (1) The rows by the hash of their values, then (2) each result takes a row of its exact values or
 * is spilled for the normalized pass. The index lives only in this call: its arrays may go before
 * the normalized pass makes its own.
 */
async function exactPass(state: JoinState): Promise<{ exact: number; results: number }> {
  const { options, hasher, buckets, pending, matched } = state;
  const { signal } = options;
  const rows = new RowIndex(state.total);
  const columns = await forEachJobRow(
    options.segments,
    (row, entry, fields) => {
      hasher.exact(row, fields);
      rows.set(entry, hasher.hi, hasher.lo);
    },
    { signal, buffer: state.buffer },
  );
  rows.build();
  let exact = 0;
  let results = 0;
  const afterChunk = async () => {
    await buckets.flush();
    await pending.flush();
  };
  const files: ReadonlyArray<[ResultFileKind, string]> = [
    ['successfulResults', options.results.successful],
    ['failedResults', options.results.failed],
    ['unprocessedrecords', options.results.unprocessed],
  ];
  for (const [kind, path] of files) {
    results += await forEachResult(
      kind,
      path,
      columns,
      (row, layout) => {
        hasher.exact(row, layout.values);
        const entry = rows.take(hasher.hi, hasher.lo);
        if (entry >= 0) {
          matched[entry] = 1;
          exact++;
          buckets.add(entry, layout.flags(row), row, layout.id, layout.error);
        } else {
          hasher.normalized(row, layout.values);
          pending.add(hasher.hi, hasher.lo, layout.flags(row), row, layout.id, layout.error);
        }
      },
      { signal, afterChunk, buffer: state.buffer },
    );
  }
  return { exact, results };
}

/** (3) The rows without a result, by their normalized values, each taken by a spilled result; returns how many were. */
async function normalizedPass(state: JoinState, exact: number): Promise<number> {
  const { options, hasher, buckets, pending, matched } = state;
  const left = new RowIndex(state.total - exact);
  const entries = new Int32Array(state.total - exact);
  let k = 0;
  await forEachJobRow(
    options.segments,
    (row, entry, fields) => {
      if (matched[entry] === 1) return;
      hasher.normalized(row, fields);
      left.set(k, hasher.hi, hasher.lo);
      entries[k++] = entry;
    },
    // Only the payloads that hold a row left: one re-serialized value must not mean reading the whole job again.
    { signal: options.signal, buffer: state.buffer, wanted: (first, records) => matched.subarray(first, first + records).includes(0) },
  );
  left.build();
  let normalized = 0;
  await forEachSpillRecord(
    pending.path,
    (r) => {
      const at = left.take(r.a, r.b);
      if (at < 0) return;
      const entry = entries[at] as number;
      matched[entry] = 1;
      normalized++;
      buckets.copy(entry, r);
    },
    () => buckets.flush(),
    options.signal,
  );
  return normalized;
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
  if (typeof o.outputPath !== 'function') throw new InvalidOptionError('outputPath', 'a function', o.outputPath);
  if (typeof o.notProcessed !== 'string') throw new InvalidOptionError('notProcessed', 'a string', o.notProcessed);
  if (typeof o.tmpDir !== 'string' || o.tmpDir === '') throw new InvalidOptionError('tmpDir', 'a folder', o.tmpDir);
  return o;
}

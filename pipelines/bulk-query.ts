/**
 * bulkQuery: a query (or queryAll) as a Readable. It creates the job, submits the SOQL (optionally
 * with PK chunking), polls, and streams every result file of every batch in batch-creation order:
 * raw CSV bytes with one header line, or typed records, NDJSON or a JSON array (the job then runs
 * as JSON, whose results carry numbers, booleans and nulls). Result files are streamed, never held
 * whole; up to `concurrency` batches download at once, those ahead of the reader to spool files.
 * A PK-chunked query's original batch being NotProcessed is normal. The job is closed in every case.
 * Memory: one result chunk and one poll's batch list.
 */
import { Readable } from 'node:stream';
import { pollLoopOptions, pollTicks, type PollLoopOptions } from '../lib/poll-loop.js';
import { AbortedError, BatchFailedError, InvalidOptionError, PollTimeoutError } from '../lib/errors.js';
import { oneHeader } from '../lib/csv/skip-header.js';
import type { BulkClient, PkChunkingOptions } from '../lib/http/client.js';
import { unknownObjectOr } from '../lib/http/unknown-object.js';
import { DEFAULT_MAX_POLL_INTERVAL_MS, DEFAULT_MIN_POLL_INTERVAL_MS, DEFAULT_POLL_TIMEOUT_MS, DEFAULT_QUERY_PAGE_ROWS, MAX_QUERY_PAGE_ROWS } from '../lib/limits.js';
import { nonEmptyString, oneOf, positiveInteger } from '../lib/options.js';
import type { BatchInfo } from '../lib/types.js';
import { queryObject } from '../lib/soql/query-object.js';
import { soqlCsvHeader } from '../lib/soql/select-columns.js';
import { readJsonArray } from '../lib/wire/json-reader.js';
import type { PollSettings } from './poll-settings.js';
import { runBulk2Query } from './bulk2-query.js';
import { queryBudget } from './daily-budget.js';
import { QueryRecordOutput } from './query-output.js';
import { QueryResultPrefetcher } from './query-result-prefetcher.js';

const QUERY_OUTPUTS = ['csv', 'records', 'ndjson', 'json'] as const;
export type QueryOutput = (typeof QUERY_OUTPUTS)[number];

/** A value of a typed query record: JSON's types; a parent relationship is a nested record (or null). */
export type QueryValue = string | number | boolean | null | QueryRecord;
/** One record of a typed query result, without the `attributes` Salesforce adds. */
export interface QueryRecord {
  [field: string]: QueryValue;
}

/** Most batches downloaded at once; the default. */
const DEFAULT_QUERY_CONCURRENCY = 3;

export interface QueryProgress {
  readonly batchesTotal: number;
  readonly batchesDone: number;
  readonly rows: number;
}

export interface BulkQueryOptions extends PollSettings {
  readonly client: BulkClient;
  readonly soql: string;
  /** The object; default: the SOQL's FROM. */
  readonly object?: string;
  /** queryAll: deleted and archived records too. */
  readonly all?: boolean;
  readonly pkChunking?: boolean | PkChunkingOptions;
  /**
   * Default csv (raw bytes, values as text). `records` yields QueryRecord objects; `records`,
   * `ndjson` and `json` run the job as JSON, so values have JSON's types (numbers, booleans, null;
   * dateTimes as epoch milliseconds, as Salesforce sends them) and parents are nested records.
   */
  readonly format?: QueryOutput;
  /** Most result downloads at once (batches, or 2.0 pages, ahead of the reader go to spool files); default 3. */
  readonly concurrency?: number;
  /** The Bulk API: 1 (default) or 2.0 (pipelines/bulk2-query.ts: `pkChunking` does not apply, the org splits the results in pages). */
  readonly bulkApi?: 1 | 2;
  /**
   * Bulk API 2.0: rows per result page, the pages read one after another by their locators (at most
   * 1,000,000). Without it, an org that lists its pages (resultPages, API 58.0+) has them downloaded
   * `concurrency` at once, as it cuts them; another is read by locator in pages of 50,000.
   */
  readonly maxRecords?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: QueryProgress) => void;
  /** Called once the job is created. */
  readonly onJob?: (jobId: string) => void;
  /**
   * Before the job is created, what is left of the org's daily limits (`/limits`) is checked: a 2.0
   * query needs one of DailyBulkV2QueryJobs, a v1 query one of DailyBulkApiBatches, and a few
   * DailyApiRequests. None left: the stream fails with DailyLimitError (`BULK_DAILY_LIMIT`). True
   * skips the check. Default false.
   */
  readonly ignoreLimits?: boolean;
  /** One line worth telling the user (the org's limits could not be read); a library never prints. */
  readonly onNotice?: (message: string) => void;
}

export function bulkQuery(given: BulkQueryOptions): Readable {
  // A reader that destroys the stream (a pipe closed, an output that failed) ends the polling and the
  // downloads at once, not at the next row: the run's own signal, the caller's joined to it.
  const stop = new AbortController();
  const options: BulkQueryOptions = { ...given, signal: given.signal ? AbortSignal.any([given.signal, stop.signal]) : stop.signal };
  const format = oneOf('format', options.format ?? 'csv', QUERY_OUTPUTS);
  nonEmptyString('soql', options.soql);
  const object = options.object ?? queryObject(options.soql);
  const loop = pollLoopOptions(
    { min: 'minPollIntervalMs', max: 'maxPollIntervalMs', timeout: 'pollTimeoutMs' },
    {
      min: options.minPollIntervalMs ?? DEFAULT_MIN_POLL_INTERVAL_MS,
      max: options.maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS,
      timeout: options.pollTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS,
    },
    options.signal,
  );
  const concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_QUERY_CONCURRENCY, 64);
  const bulkApi = options.bulkApi ?? 1;
  if (bulkApi !== 1 && bulkApi !== 2) throw new InvalidOptionError('bulkApi', '1 or 2', bulkApi);
  const maxRecords = positiveInteger('maxRecords', options.maxRecords ?? DEFAULT_QUERY_PAGE_ROWS, MAX_QUERY_PAGE_ROWS);
  if (bulkApi === 2 && options.pkChunking) throw new InvalidOptionError('pkChunking', 'no PK chunking with bulkApi 2 (the org pages 2.0 results itself)', options.pkChunking);
  const source =
    bulkApi === 2
      ? runBulk2Query(options, object, format, loop, { maxRecords, ahead: options.maxRecords === undefined ? concurrency - 1 : 0 })
      : run(options, object, format, loop);
  const stream = Readable.from(format === 'csv' ? headerWhenEmpty(source, options.soql) : source, {
    objectMode: format === 'records',
    highWaterMark: format === 'records' ? 16 : 64 * 1024,
  });
  // At the destroy itself: Readable.from closes the stream only once its generator has returned, which a poll would hold up.
  const destroy = stream._destroy.bind(stream);
  stream._destroy = (err, callback) => {
    if (!stream.readableEnded) stop.abort(err ?? new Error('the query stream was destroyed before its end'));
    destroy(err, callback);
  };
  return stream;
}

async function* run(options: BulkQueryOptions, object: string, format: QueryOutput, loop: PollLoopOptions): AsyncGenerator<Uint8Array | string | QueryRecord> {
  const { client, signal } = options;
  const call = { signal };
  const contentType = format === 'csv' ? 'CSV' : 'JSON';
  // Create, the SOQL batch, close, a poll, a result list and a file: the fewest requests of a v1 query.
  await queryBudget(options, [
    { limit: 'DailyBulkApiBatches', needed: 1 },
    { limit: 'DailyApiRequests', needed: 6 },
  ]);
  const job = await client
    .createJob({ operation: options.all ? 'queryAll' : 'query', object, contentType }, { signal, ...(options.pkChunking ? { pkChunking: options.pkChunking } : {}) })
    .catch(async (err: unknown) => {
      // An object the org does not have (InvalidJob: Unable to find object): said with the nearest name.
      throw await unknownObjectOr(client, object, err, signal);
    });
  options.onJob?.(job.id);
  const prefetcher = new QueryResultPrefetcher(client, job.id, (options.concurrency ?? DEFAULT_QUERY_CONCURRENCY) - 1, signal);
  let rows = 0;
  let closed = false;
  try {
    const original = await client.addBatch(job.id, options.soql, { contentType, signal });
    const csvBody = oneHeader();
    const typed = new QueryRecordOutput(format === 'csv' ? 'records' : format);
    let done = 0;
    const emitted = new Set<string>();
    let work: BatchInfo[] = [];
    const unfinished = () =>
      new PollTimeoutError(
        job.id,
        work.filter((b) => !emitted.has(b.id)).map((b) => b.id),
        loop.timeoutMs,
      );
    for await (const tick of pollTicks(loop, unfinished)) {
      // Batches in creation order; without PK chunking, only the original one.
      const batches = options.pkChunking ? await client.listBatches(job.id, call) : [await client.getBatch(job.id, original.id, call)];
      const chunked = batches.length > 1 || batches[0]?.state === 'NotProcessed';
      work = chunked ? batches.filter((b) => b.id !== original.id) : batches;
      const originalInfo = batches.find((b) => b.id === original.id);
      if (originalInfo?.state === 'Failed') throw new BatchFailedError(job.id, original.id, 'Failed', originalInfo.stateMessage);
      for (const [index, batch] of work.entries()) {
        if (emitted.has(batch.id)) continue;
        if (batch.state === 'Queued' || batch.state === 'InProgress') break; // keep the order: wait for this one
        if (batch.state !== 'Completed') throw new BatchFailedError(job.id, batch.id, batch.state, batch.stateMessage);
        for (const next of work.slice(index + 1)) if (next.state === 'Completed') prefetcher.offer(next);
        for await (const part of prefetcher.files(batch)) {
          if (format === 'csv') {
            yield* csvBody(part);
            continue;
          }
          for await (const value of readJsonArray(part, { source: `result of batch ${batch.id}` })) yield typed.item(plainRecord(value as Record<string, unknown>));
        }
        rows = format === 'csv' ? rows + batch.numberRecordsProcessed : typed.rows;
        emitted.add(batch.id);
        done++;
        tick.changed = true;
        options.onProgress?.({ batchesTotal: work.length, batchesDone: done, rows });
      }
      const pkDone = !options.pkChunking || (originalInfo !== undefined && originalInfo.state !== 'Queued' && originalInfo.state !== 'InProgress');
      if (pkDone && work.length > 0 && work.every((b) => emitted.has(b.id))) break;
    }
    const end = typed.end();
    if (end !== undefined) yield end;
    await client.closeJob(job.id, call);
    closed = true;
  } catch (err) {
    if (signal?.aborted) throw new AbortedError(`query on ${object}`, signal.reason);
    throw err;
  } finally {
    await prefetcher.close();
    // Closed in every case: after an error, an abort or a reader that stopped early.
    if (!closed) await client.closeJob(job.id).catch(() => undefined);
  }
}

/**
 * CSV output that ends without a byte (no row matched: the org then sends no header, v1's result
 * being "Records not found for this query") still gets its header line, named from the SELECT list
 * (issue 27), so that the file reads back as an empty table. A SELECT list the scan cannot name
 * (TYPEOF, a subquery) leaves it empty.
 */
async function* headerWhenEmpty(source: AsyncIterable<Uint8Array | string | QueryRecord>, soql: string): AsyncGenerator<Uint8Array | string | QueryRecord> {
  let wrote = false;
  for await (const chunk of source) {
    wrote ||= typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk.length > 0 : true;
    yield chunk;
  }
  const header = wrote ? undefined : soqlCsvHeader(soql);
  if (header !== undefined) yield header;
}

/** A JSON result record without Salesforce's `attributes`, at every level. */
function plainRecord(value: Record<string, unknown>): QueryRecord {
  const record: QueryRecord = {};
  for (const key in value) {
    if (key === 'attributes') continue;
    const v = value[key];
    record[key] = v !== null && typeof v === 'object' && !Array.isArray(v) ? plainRecord(v as Record<string, unknown>) : (v as QueryValue);
  }
  return record;
}

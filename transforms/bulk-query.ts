/**
 * bulkQuery: a query (or queryAll) as a Readable. It creates the job, submits the SOQL (optionally
 * with PK chunking), polls, and streams every result file of every batch in batch-creation order:
 * raw CSV bytes with one header line, parsed records, NDJSON or a JSON array. Result files are
 * streamed, never held whole; a PK-chunked query's original batch being NotProcessed is normal.
 * The job is closed in every case. Memory: one result chunk and one poll's batch list.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseQuery } from '@jetstreamapp/soql-parser-js';
import { AdaptiveInterval } from '../lib/adaptive-interval.js';
import { AbortedError, BatchFailedError, InvalidOptionError, PollTimeoutError } from '../lib/errors.js';
import { readCsvRecords } from '../lib/csv/read-csv-records.js';
import { skipCsvHeader } from '../lib/csv/skip-header.js';
import type { BulkClient, PkChunkingOptions } from '../lib/http/client.js';
import { duration, nonEmptyString, oneOf } from '../lib/options.js';
import type { BatchInfo } from '../lib/types.js';

export const QUERY_OUTPUTS = ['csv', 'records', 'ndjson', 'json'] as const;
export type QueryOutput = (typeof QUERY_OUTPUTS)[number];

export interface QueryProgress {
  readonly batchesTotal: number;
  readonly batchesDone: number;
  readonly rows: number;
}

export interface BulkQueryOptions {
  readonly client: BulkClient;
  readonly soql: string;
  /** The object; default: the SOQL's FROM. */
  readonly object?: string;
  /** queryAll: deleted and archived records too. */
  readonly all?: boolean;
  readonly pkChunking?: boolean | PkChunkingOptions;
  /** Default csv (raw bytes). `records` yields objects (values as text, empty as null). */
  readonly format?: QueryOutput;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: QueryProgress) => void;
  /** Called once the job is created. */
  readonly onJob?: (jobId: string) => void;
  readonly minPollIntervalMs?: number;
  readonly maxPollIntervalMs?: number;
  /** Most time waiting for the batches; default 6 h. */
  readonly pollTimeoutMs?: number;
}

/** The object a SOQL query reads (its FROM). */
export function queryObject(soql: string): string {
  try {
    const object = parseQuery(soql).sObject;
    if (object) return object;
  } catch {
    /* fall through to the option error */
  }
  throw new InvalidOptionError('soql', 'a SOQL query with a FROM clause (or give `object`)', soql);
}

export function bulkQuery(options: BulkQueryOptions): Readable {
  const format = oneOf('format', options.format ?? 'csv', QUERY_OUTPUTS);
  nonEmptyString('soql', options.soql);
  const object = options.object ?? queryObject(options.soql);
  duration('minPollIntervalMs', options.minPollIntervalMs ?? 250, 3_600_000);
  const source = run(options, object, format);
  return Readable.from(source, { objectMode: format === 'records', highWaterMark: format === 'records' ? 16 : 64 * 1024 });
}

async function* run(options: BulkQueryOptions, object: string, format: QueryOutput): AsyncGenerator<Uint8Array | string | Record<string, string | null>> {
  const { client, signal } = options;
  const call = { signal };
  const job = await client.createJob(
    { operation: options.all ? 'queryAll' : 'query', object, contentType: 'CSV' },
    { signal, ...(options.pkChunking ? { pkChunking: options.pkChunking } : {}) },
  );
  options.onJob?.(job.id);
  let rows = 0;
  let closed = false;
  try {
    const original = await client.addBatch(job.id, options.soql, { contentType: 'CSV', signal });
    let first = true;
    let done = 0;
    const emitted = new Set<string>();
    const interval = new AdaptiveInterval(options.minPollIntervalMs ?? 250, options.maxPollIntervalMs ?? 10_000);
    const deadline = Date.now() + (options.pollTimeoutMs ?? 6 * 3_600_000);
    for (;;) {
      // Batches in creation order; without PK chunking, only the original one.
      const batches = options.pkChunking ? await client.listBatches(job.id, call) : [await client.getBatch(job.id, original.id, call)];
      const chunked = batches.length > 1 || batches[0]?.state === 'NotProcessed';
      const work = chunked ? batches.filter((b) => b.id !== original.id) : batches;
      const originalInfo = batches.find((b) => b.id === original.id);
      if (originalInfo?.state === 'Failed') throw new BatchFailedError(job.id, original.id, 'Failed', originalInfo.stateMessage);
      let changed = false;
      for (const batch of work) {
        if (emitted.has(batch.id)) continue;
        if (batch.state === 'Queued' || batch.state === 'InProgress') break; // keep the order: wait for this one
        if (batch.state !== 'Completed') throw new BatchFailedError(job.id, batch.id, batch.state, batch.stateMessage);
        for await (const part of resultFiles(client, job.id, batch, call)) {
          if (format === 'csv') {
            for await (const chunk of first ? part : skipCsvHeader(part)) yield chunk;
            first = false;
            continue;
          }
          // Every file starts with the header.
          let header: string[] | undefined;
          for await (const records of readCsvRecords(part, { source: `result of batch ${batch.id}` })) {
            let i = 0;
            if (!header) header = records[i++];
            for (; i < records.length; i++) {
              const record = toRecord(header ?? [], records[i] as string[]);
              rows++;
              if (format === 'records') yield record;
              else if (format === 'ndjson') yield `${JSON.stringify(record)}\n`;
              else yield `${rows === 1 ? '[' : ','}${JSON.stringify(record)}`;
            }
          }
        }
        if (format === 'csv') rows += batch.numberRecordsProcessed;
        emitted.add(batch.id);
        done++;
        changed = true;
        options.onProgress?.({ batchesTotal: work.length, batchesDone: done, rows });
      }
      const pkDone = !options.pkChunking || (originalInfo !== undefined && originalInfo.state !== 'Queued' && originalInfo.state !== 'InProgress');
      if (pkDone && work.length > 0 && work.every((b) => emitted.has(b.id))) break;
      if (Date.now() > deadline) throw new PollTimeoutError(job.id, work.filter((b) => !emitted.has(b.id)).map((b) => b.id), options.pollTimeoutMs ?? 0);
      interval.next(changed);
      if (!changed) await sleep(interval.ms, undefined, { signal });
    }
    if (format === 'json') yield rows === 0 ? '[]' : ']';
    await client.closeJob(job.id, call);
    closed = true;
  } catch (err) {
    if (signal?.aborted) throw new AbortedError(`query on ${object}`, signal.reason);
    throw err;
  } finally {
    // Closed in every case: after an error, an abort or a reader that stopped early.
    if (!closed) await client.closeJob(job.id).catch(() => undefined);
  }
}

/** A completed batch's result files, each as a byte stream; "no records" bodies are skipped. */
async function* resultFiles(client: BulkClient, jobId: string, batch: BatchInfo, call: { signal?: AbortSignal | undefined }): AsyncGenerator<AsyncIterable<Uint8Array>> {
  if (batch.numberRecordsProcessed === 0) return;
  for (const resultId of await client.listQueryResultIds(jobId, batch.id, call)) {
    const { body } = await client.getQueryResult(jobId, batch.id, resultId, call);
    yield body as AsyncIterable<Uint8Array>;
  }
}

function toRecord(header: readonly string[], values: readonly string[]): Record<string, string | null> {
  const record: Record<string, string | null> = {};
  for (let i = 0; i < header.length; i++) {
    const v = values[i];
    record[header[i] as string] = v === undefined || v === '' ? null : v;
  }
  return record;
}

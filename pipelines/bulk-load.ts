/**
 * bulkLoad: the whole load as one pipeline, file (or stream) to result files:
 * parse -> chunk (or the CSV fast path) -> submit -> poll -> join -> write. Every input record ends in
 * exactly one of the success or error outputs, in input order. One LoadSpool owns the run's files on
 * disk and is disposed of on every exit path. Resolves to the run's summary.
 */
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AbortedError, InvalidOptionError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import { describeColumnPlan, type ColumnPlan } from '../lib/load/column-plan.js';
import { LoadSpool } from '../lib/load/load-spool.js';
import { LOAD_OPERATIONS, type FinishedBatch, type LoadOperation, type SpooledBatch } from '../lib/load-types.js';
import { nonEmptyString, nonNegativeInteger, oneOf } from '../lib/options.js';
import type { ConcurrencyMode, JobInfo } from '../lib/types.js';
import type { PayloadType } from '../lib/records/serialize-record.js';
import { OutcomeSink } from '../sinks/outcome-sink.js';
import { BatchChunker } from '../transforms/batch-chunker.js';
import { BulkSubmitter } from '../transforms/bulk-submitter.js';
import { CsvBatchSplitter } from '../transforms/csv-batch-splitter.js';
import { RecordParser, INPUT_FORMATS, type InputFormat } from '../transforms/record-parser.js';
import { ResultJoiner } from '../transforms/result-joiner.js';
import type { PollSettings } from './poll-settings.js';
import { StatusPoller, type BatchCounts } from '../transforms/status-poller.js';
import { stoppableInput } from '../transforms/stoppable-input.js';

export { LOAD_OPERATIONS, type LoadOperation };

export interface LoadProgress {
  readonly recordsRead: number;
  readonly batchesSubmitted: number;
  /** As last polled: submitted batches the server has not started, and those it is processing. */
  readonly batchesQueued: number;
  readonly batchesInProgress: number;
  readonly batchesCompleted: number;
  readonly batchesFailed: number;
  readonly recordsProcessed: number;
  readonly recordsSucceeded: number;
  readonly recordsFailed: number;
}

export interface LoadSummary extends LoadProgress {
  readonly jobId: string | null;
  /** True when `stopSignal` ended the reading early. */
  readonly stopped: boolean;
  readonly batches: number;
  /** Payload bytes uploaded. */
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  readonly successPath: string | undefined;
  readonly errorPath: string | undefined;
  readonly resultsPath: string | undefined;
  /** Input columns not uploaded: bulkpipe's result columns (`sf__*`), or all but the Id of a delete fed a success file. */
  readonly droppedColumns: readonly string[];
  /** Set when the input is an earlier run's error file (`errors`) or success file (`success`). */
  readonly reload: 'errors' | 'success' | undefined;
}

export interface BulkLoadOptions extends PollSettings {
  readonly client: BulkClient;
  readonly object: string;
  readonly operation: LoadOperation;
  /** For upsert: the External ID field (or Id). */
  readonly externalIdField?: string;
  /** A file path, or a byte stream (stdin). */
  readonly input: string | Readable;
  readonly format: InputFormat;
  /** Named in errors; default the path, or `input`. */
  readonly source?: string;
  /** The job's content type; default CSV. */
  readonly contentType?: PayloadType;
  /** Declared columns (otherwise the CSV header or the first record's fields). */
  readonly columns?: readonly string[];
  /** Uploads in flight; default 4. */
  readonly concurrency?: number;
  /** Records per batch; default and maximum 10,000. */
  readonly batchSize?: number;
  /** A Serial job: batches processed one at a time. */
  readonly serial?: boolean;
  readonly successPath?: string;
  readonly errorPath?: string;
  /** NDJSON of every row with its outcome. */
  readonly resultsPath?: string;
  readonly signal?: AbortSignal;
  /** On abort, abort the job (queued batches become NotProcessed) rather than close it. */
  readonly abortJobOnAbort?: boolean;
  /**
   * A graceful stop (a first Ctrl-C): reading ends at the last whole record, what was read is
   * uploaded (uploads in flight finish), the job is closed, and the results are joined and written
   * as usual. The summary says `stopped`.
   */
  readonly stopSignal?: AbortSignal;
  /** On a stop, abort the job once the uploads are done (queued batches become NotProcessed, their rows go to the errors). */
  readonly abortJobOnStop?: boolean;
  readonly onProgress?: (progress: LoadProgress) => void;
  /** One line worth telling the user, e.g. which columns are not uploaded; a library never prints. */
  readonly onNotice?: (message: string) => void;
  /** Called once the job is created (its id is what a resumed or inspected run needs). */
  readonly onJob?: (job: JobInfo) => void;
  /**
   * Finished batches whose results download to the spool while the one before is written out;
   * default 1, at most 8. Their results wait on disk, not in memory.
   */
  readonly joinAhead?: number;
  /**
   * A folder for the spool files (removed from it at the end; the folder is kept). Default: a new
   * folder in the OS temp dir, made at the first batch and removed with everything in it.
   */
  readonly spoolDir?: string;
}

export async function bulkLoad(options: BulkLoadOptions): Promise<LoadSummary> {
  const { client } = options;
  const operation = oneOf('operation', options.operation, LOAD_OPERATIONS);
  const joinAhead = nonNegativeInteger('joinAhead', options.joinAhead ?? 1, 8);
  const format = oneOf('format', options.format, INPUT_FORMATS);
  const contentType = oneOf('contentType', options.contentType ?? 'CSV', ['CSV', 'XML', 'JSON'] as const);
  const object = nonEmptyString('object', options.object);
  if (operation === 'upsert') nonEmptyString('externalIdField', options.externalIdField);
  const input = options.input as unknown;
  if (typeof input !== 'string' && !(input instanceof Readable)) throw new InvalidOptionError('input', 'a file path or a byte stream (a Readable)', input);
  const source = options.source ?? (typeof options.input === 'string' ? options.input : 'input');
  const started = performance.now();
  const progress = { recordsRead: 0, batchesSubmitted: 0, batchesQueued: 0, batchesInProgress: 0, batchesCompleted: 0, batchesFailed: 0, recordsProcessed: 0, recordsSucceeded: 0, recordsFailed: 0 };
  let bytes = 0;
  const report = () => options.onProgress?.({ ...progress });

  // Every stage is built (and so every option checked) before anything touches the disk; the spool
  // makes its folder only at the first batch.
  const spool = new LoadSpool(options.spoolDir ? { dir: options.spoolDir } : {});
  // Malformed input stops the reading, but the records accepted before it are still loaded and
  // written out; then the run fails with the input's error.
  let inputError: Error | undefined;
  const onError = (err: Error) => {
    inputError ??= err;
  };
  const batchSize = options.batchSize ? { maxRecords: options.batchSize } : {};
  const fastPath = format === 'csv' && contentType === 'CSV' && options.columns === undefined;
  const chunking = fastPath
    ? [new CsvBatchSplitter({ spool, operation, source, onError, ...batchSize })]
    : [
        new RecordParser({ format, source, onError }),
        new BatchChunker({ contentType, spool, operation, ...(options.columns ? { columns: options.columns } : {}), ...batchSize }),
      ];
  const chunker = chunking[chunking.length - 1] as CsvBatchSplitter | BatchChunker;
  let plan: ColumnPlan | undefined = chunker.plan;
  const onColumns = (columns: ColumnPlan, notice: string | undefined) => {
    plan = columns;
    if (notice) options.onNotice?.(notice);
  };
  if (plan) onColumns(plan, describeColumnPlan(plan));
  chunker.on('columns', onColumns);
  chunker.on('batch', (b: SpooledBatch) => {
    progress.recordsRead += b.records;
    bytes += b.bytes;
    report();
  });
  chunker.on('rejected', () => {
    progress.recordsRead++;
  });
  const concurrencyMode: ConcurrencyMode = options.serial ? 'Serial' : 'Parallel';
  const submitter = new BulkSubmitter({
    client,
    job: { operation, object, concurrencyMode, ...(options.externalIdField ? { externalIdFieldName: options.externalIdField } : {}) },
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  if (options.onJob) submitter.on('job', options.onJob);
  submitter.on('batchSubmitted', () => {
    progress.batchesSubmitted++;
    report();
  });
  const poller = new StatusPoller({
    client,
    ...(options.minPollIntervalMs !== undefined ? { minIntervalMs: options.minPollIntervalMs } : {}),
    ...(options.maxPollIntervalMs !== undefined ? { maxIntervalMs: options.maxPollIntervalMs } : {}),
    ...(options.pollTimeoutMs !== undefined ? { timeoutMs: options.pollTimeoutMs } : {}),
  });
  poller.on('poll', (counts: BatchCounts) => {
    progress.batchesQueued = counts.queued;
    progress.batchesInProgress = counts.inProgress;
    report();
  });
  poller.on('batchFinished', (b: FinishedBatch) => {
    if (b.state === 'Completed') progress.batchesCompleted++;
    else progress.batchesFailed++;
    report();
  });
  const joiner = new ResultJoiner({ client, spool, prefetch: joinAhead });
  const sink = new OutcomeSink({
    ...(options.successPath ? { successPath: options.successPath } : {}),
    ...(options.errorPath ? { errorPath: options.errorPath } : {}),
    ...(options.resultsPath ? { resultsPath: options.resultsPath } : {}),
  });
  const written = () => {
    progress.recordsSucceeded = sink.succeeded;
    progress.recordsFailed = sink.failed;
    progress.recordsProcessed = sink.succeeded + sink.failed;
  };
  joiner.on('batchJoined', () => {
    written();
    report();
  });
  let stopped = false;
  try {
    // An output that cannot be written is an option error, found before any job exists.
    await sink.open();
    const opened = typeof options.input === 'string' ? createReadStream(options.input, { highWaterMark: 256 * 1024 }) : options.input;
    const stopSignal = options.stopSignal;
    const stream = stopSignal ? stoppableInput(opened, stopSignal) : opened;
    const stop = () => {
      stopped = true;
      (chunking[0] as RecordParser | CsvBatchSplitter).stop();
      if (options.abortJobOnStop) submitter.abortAtEnd();
    };
    if (stopSignal?.aborted) stop();
    else stopSignal?.addEventListener('abort', stop, { once: true });
    try {
      await pipeline([stream, ...chunking, submitter, poller, joiner, sink], options.signal ? { signal: options.signal } : {});
    } finally {
      stopSignal?.removeEventListener('abort', stop);
    }
  } catch (err) {
    // When the pipeline never ran, this closes the files (whole segments only); wait for it, so that
    // the outputs are final when the caller sees the error.
    if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()).destroy());
    await settleJob(client, submitter.job, options.signal?.aborted === true && options.abortJobOnAbort === true);
    written();
    report();
    if (options.signal?.aborted) throw new AbortedError(`load of ${source}`, options.signal.reason);
    throw err;
  } finally {
    await spool.dispose();
  }
  written();
  report();
  if (inputError) throw inputError;
  const elapsedMs = performance.now() - started;
  return {
    ...progress,
    jobId: submitter.job?.id ?? null,
    stopped,
    batches: progress.batchesSubmitted,
    bytes,
    elapsedMs,
    recordsPerSecond: elapsedMs > 0 ? (progress.recordsProcessed * 1000) / elapsedMs : 0,
    successPath: options.successPath,
    errorPath: options.errorPath,
    resultsPath: options.resultsPath,
    droppedColumns: plan?.dropped ?? [],
    reload: plan?.reload,
  };
}

/** After a failed or aborted run: leave no job open (abort it when asked). Errors here are secondary. */
async function settleJob(client: BulkClient, job: JobInfo | undefined, abort: boolean): Promise<void> {
  if (!job) return;
  try {
    if (abort) await client.abortJob(job.id);
    else await client.closeJob(job.id);
  } catch {
    /* the run's own error is the one to report */
  }
}

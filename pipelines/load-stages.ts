/**
 * A load's stages, built from its plan: the reading and cutting (the CSV fast path, or a parser or
 * record reader with the date converter and attachment resolver it needs, then the chunker), the
 * submitter, the poller, the joiner and the outcome sink, over one LoadSpool. Building them checks
 * their options; nothing here touches the disk (the spool makes its folder at the first batch).
 */
import type { Transform } from 'node:stream';
import type { BulkClient } from '../lib/http/client.js';
import { MAX_BATCH_BYTES } from '../lib/limits.js';
import { BatchAlignment } from '../lib/load/batch-alignment.js';
import { ColumnCheckError, UnnamedColumnError } from '../lib/errors.js';
import { checkColumns, columnsOfNothing, unknownColumns } from '../lib/load/column-check.js';
import type { ColumnMap } from '../lib/load/column-map.js';
import { segmentMaxBytes } from '../lib/load/ingest-job-plan.js';
import { describeColumnPlan, type ColumnPlan } from '../lib/load/column-plan.js';
import type { LedgerJoined, LedgerState, LoadLedger } from '../lib/load/load-ledger.js';
import type { LoadShape } from '../lib/load/load-shape.js';
import { LoadSpool } from '../lib/load/load-spool.js';
import type { RejectEntry } from '../lib/load/reject-file.js';
import { isUnnamedValueFault, unnamedNotice } from '../lib/load/unnamed-columns.js';
import type { SpooledBatch } from '../lib/load-types.js';
import type { JobRequest } from '../lib/types.js';
import { OutcomeSink } from '../sinks/outcome-sink.js';
import { AttachmentResolver } from '../transforms/attachment-resolver.js';
import { BatchChunker } from '../transforms/batch-chunker.js';
import { BulkSubmitter } from '../transforms/bulk-submitter.js';
import { CsvBatchSplitter } from '../transforms/csv-batch-splitter.js';
import { IngestJobPoller } from '../transforms/ingest-job-poller.js';
import { IngestJobSubmitter } from '../transforms/ingest-job-submitter.js';
import { DateConverter, type DateFieldType } from '../transforms/date-converter.js';
import { RecordGrouper } from '../transforms/record-grouper.js';
import { RecordParser } from '../transforms/record-parser.js';
import { RecordReader } from '../transforms/record-reader.js';
import { RecordRetrier } from '../transforms/record-retrier.js';
import { BacklogGate } from '../transforms/backlog-gate.js';
import { ResultJoiner } from '../transforms/result-joiner.js';
import { StatusPoller } from '../transforms/status-poller.js';
import type { BulkLoadOptions } from './load-options.js';
import { LockFailureTap } from '../transforms/lock-failure-tap.js';
import { DateErrorTap } from '../transforms/date-error-tap.js';
import { LoadDateHints } from './load-date-hints.js';
import { adaptConcurrency, type LoadConcurrency } from './load-concurrency.js';
import { convertsDates, knownPayloadBytes, takesFastPath, type LoadPlan } from './load-plan.js';
import { readingOn, type InputReading } from './load-resume.js';

export interface LoadStages {
  readonly spool: LoadSpool;
  /** From the reader to the chunker: the first reads the input (and is what a stop ends), the last cuts the segments. */
  readonly chunking: readonly [RecordParser | RecordReader | CsvBatchSplitter, ...Transform[]];
  readonly chunker: CsvBatchSplitter | BatchChunker;
  /** A grouped load's grouper (before the chunker); a stop tells it to end at the last whole window. */
  readonly grouper: RecordGrouper | undefined;
  /** Bulk API v1's (batches into one job), or 2.0's (segments gathered into jobs of one upload each). */
  readonly submitter: BulkSubmitter | IngestJobSubmitter;
  readonly poller: StatusPoller | IngestJobPoller;
  /** Between the poller and the joiner when records are retried (issue 26). */
  readonly retrier: RecordRetrier | undefined;
  readonly joiner: ResultJoiner;
  /** Before the submitter: holds the input while the joiner's reader leaves finished results untaken. */
  readonly gate: BacklogGate;
  /** Adaptive concurrency (undefined when off), and the tap on the joined blocks that feeds it. */
  readonly concurrency: LoadConcurrency | undefined;
  readonly lockTap: LockFailureTap | undefined;
  /** The `--date-format` hints (issue 27): from the first batch, before the job, and at the first row the org refuses for a date (the tap on the joined blocks). */
  readonly dateHints: LoadDateHints;
  readonly dateTap: DateErrorTap;
  readonly sink: OutcomeSink;
  /** The job the submitter creates (a resume looks for one it may have made). */
  readonly job: JobRequest;
  /** How the input is read on (a resume's), or all of it. */
  readonly reading: InputReading;
  /** A resume's org batches by their first record, filled by planResume before the input is read: the chunker cuts a segment whose ledger line is lost where the batch ended. */
  readonly align: BatchAlignment | undefined;
  /** The columns uploaded and those dropped, once known. */
  columns(): ColumnPlan | undefined;
  /** The 1-based numbers of the header's columns without a name (the CSV fast path's plan, or the parser's). */
  unnamedColumns(): readonly number[];
  /** Once the input is read and no job was made (no record to upload): throws UnnamedColumnError when a record held a value in an unnamed column. */
  checkUnnamedWithoutJob(): void;
}

/** Builds every stage of the plan (so every stage option is checked before anything touches the disk). Malformed input goes to `onInputError`. */
export function assembleStages(plan: LoadPlan, ledger: LoadLedger | undefined, state: LedgerState | undefined, onInputError: (err: Error) => void): LoadStages {
  const { shape, run } = plan;
  const spool = new LoadSpool(ledger ? { dir: ledger.spoolDir } : run.spoolDir ? { dir: run.spoolDir } : {});
  const reading = readingOn(state, takesFastPath(plan));
  const align = state ? new BatchAlignment() : undefined;
  const chunking = chunkingStages(plan, spool, reading, align, onInputError);
  const chunker = chunking[chunking.length - 1] as CsvBatchSplitter | BatchChunker;
  const grouper = chunking.find((stage): stage is RecordGrouper => stage instanceof RecordGrouper);
  const sink = outcomeSink(shape, ledger, state, spool);
  let columns = chunker.plan;
  const onColumns = (known: ColumnPlan, notice: string | undefined) => {
    columns = known;
    sink.knowColumns(known.upload);
    sink.knowUnnamed(known.unnamed);
    if (notice) run.callbacks.onNotice?.(notice);
  };
  if (columns) onColumns(columns, describeColumnPlan(columns, shape.source));
  chunker.on('columns', onColumns);
  // Only a fresh run refuses before its job: a resume's ledger has a job already (a stop closed it), and a record then costs only itself.
  const unnamed = watchUnnamed(chunking, chunker, shape.source, run.callbacks.onNotice, state === undefined, shape.batchSize);
  // The error file keeps the values of a record's columns without a name (the fast path's plan says them; the parser, here).
  if (chunking[0] instanceof RecordParser) chunking[0].on('unnamedColumns', (numbers: readonly number[]) => sink.knowUnnamed(numbers));
  const job = jobRequest(shape);
  // Records from code: their columns (their first records' fields) are checked for names of nothing even unasked (issue 27).
  const check = run.checkColumns ? checkColumns : shape.format === 'records' ? unknownColumns : undefined;
  const dateHints = new LoadDateHints(run.callbacks.onNotice, { ...(shape.dateFormat !== undefined ? { dateFormat: shape.dateFormat } : {}), fresh: state === undefined });
  const beforeJob = {
    beforeJob: async (first: SpooledBatch) => {
      unnamed.check(first);
      if (!check) return; // then no describe is read here: the hint waits for the first date the org refuses
      await columnsFit(run.client, shape, first.columns, run.signal, check);
      // The describe the column check read (the client keeps it).
      await dateHints.sample(first, await run.client.describe(shape.object, run.signal ? { signal: run.signal } : {}));
    },
  };
  const expectedBytes = state === undefined ? knownPayloadBytes(plan) : undefined;
  const polling = { client: run.client, minIntervalMs: run.minPollIntervalMs, maxIntervalMs: run.maxPollIntervalMs, timeoutMs: run.pollTimeoutMs };
  const submitter =
    shape.bulkApi === 2
      ? new IngestJobSubmitter({
          client: run.client,
          job: { object: shape.object, operation: shape.operation, ...(shape.externalIdField ? { externalIdFieldName: shape.externalIdField } : {}) },
          ...(shape.jobSize !== undefined ? { jobSize: shape.jobSize } : {}),
          concurrency: run.concurrency,
          untilJobsEnd: true,
          // The org starts on a first job of one segment, and the last job's results are a small tail (issue 28):
          // a new run of a CSV file knows its size, so its jobs shrink again towards the end (a resume's only grow).
          growJobs: true,
          ...(expectedBytes !== undefined ? { expectedBytes } : {}),
          ...(ledger ? { ledger } : {}),
          ...beforeJob,
          digest: (batch: SpooledBatch, path: string) => spool.digest(batch.seq, path),
        })
      : new BulkSubmitter({ client: run.client, job, concurrency: run.concurrency, ...(ledger ? { ledger } : {}), ...beforeJob });
  if (run.callbacks.onJob) submitter.on('job', run.callbacks.onJob);
  const poller = shape.bulkApi === 2 ? new IngestJobPoller({ ...polling, spool, fetchQueue: run.concurrency, ...(ledger ? { ledger } : {}) }) : new StatusPoller(polling);
  if (poller instanceof IngestJobPoller && submitter instanceof IngestJobSubmitter) {
    // A job's slot is free once the org has ended it, while its results download (issue 28: the org waited for them).
    poller.on('jobLeftOrg', (jobId) => submitter.jobEnded(jobId));
    submitter.on('notice', (message) => run.callbacks.onNotice?.(message));
  }
  if (poller instanceof IngestJobPoller)
    poller.on('jobFailed', (info) =>
      run.callbacks.onNotice?.(
        `job ${info.id} ended ${info.state}${info.errorMessage ? `: ${info.errorMessage}` : ''}; its records the org did not process are in the errors (BULKPIPE_NOT_PROCESSED)`,
      ),
    );
  const firstSeq = state?.joined ? state.joined.seq + 1 : 0;
  const joiner = new ResultJoiner({ client: run.client, spool, prefetch: run.joinAhead, firstSeq, releaseSpool: ledger === undefined });
  // The joiner holds the input only behind a segment that needs no more of it: one whose upload started (issue 28).
  submitter.on('batchUploading', (batch: SpooledBatch) => joiner.submitted(batch.seq));
  const concurrency = adaptConcurrency(run.concurrency, run.adaptiveConcurrency, submitter, run.callbacks.onNotice);
  if (concurrency && submitter instanceof BulkSubmitter && poller instanceof StatusPoller) poller.on('batchFinished', (finished) => submitter.batchEnded(finished.batchId));
  const observe = concurrency ? (sent: number, lockFailed: number) => concurrency.observe(sent, lockFailed) : undefined;
  const retrier = recordRetrierFor(plan, ledger, spool, job, observe);
  retrier?.on('notice', (message) => run.callbacks.onNotice?.(message));
  // The submitter's settling of lost creates at its end must not take a live retry job for one.
  if (retrier && submitter instanceof IngestJobSubmitter) submitter.shareJobs(retrier);
  // Without a retrier the joined blocks tell the lock failures; the retrier tells them as each batch ends, before the join.
  const lockTap = observe && !retrier ? new LockFailureTap(observe) : undefined;
  const dateTap = new DateErrorTap(
    () => dateHints.watching,
    (row, error) => dateHints.rowFailed(row, error),
  );
  return {
    spool,
    chunking,
    chunker,
    grouper,
    submitter,
    poller,
    retrier,
    joiner,
    gate: new BacklogGate(() => joiner.whenRoom()),
    concurrency,
    lockTap,
    dateHints,
    dateTap,
    sink,
    job,
    reading,
    align,
    columns: () => columns,
    unnamedColumns: unnamed.numbers,
    checkUnnamedWithoutJob: unnamed.checkNoJob,
  };
}

/** The record retrier of a load that retries records (`retryRecords` > 0): at most half the load's uploads at once are retries. */
function recordRetrierFor(
  plan: LoadPlan,
  ledger: LoadLedger | undefined,
  spool: LoadSpool,
  job: JobRequest,
  onLockFailures: ((sent: number, lockFailed: number) => void) | undefined,
): RecordRetrier | undefined {
  const { shape, run } = plan;
  const retryRecords = shape.retryRecords ?? 0;
  if (retryRecords === 0) return undefined;
  return new RecordRetrier({
    client: run.client,
    spool,
    ...(ledger ? { ledger } : {}),
    job,
    bulkApi: shape.bulkApi ?? 1,
    retryRecords,
    concurrency: Math.max(1, Math.floor(run.concurrency / 2)),
    delayMs: run.retryDelayMs,
    minIntervalMs: run.minPollIntervalMs,
    maxIntervalMs: run.maxPollIntervalMs,
    timeoutMs: run.pollTimeoutMs,
    ...(shape.groupBy !== undefined ? { groupBy: shape.groupBy } : {}),
    ...(onLockFailures ? { onLockFailures } : {}),
  });
}

/** The stages from the input to the segments: the CSV fast path alone, or a reader, the converters it needs, and the chunker. */
function chunkingStages(plan: LoadPlan, spool: LoadSpool, reading: InputReading, align: BatchAlignment | undefined, onError: (err: Error) => void): LoadStages['chunking'] {
  const { shape, run } = plan;
  const { object, operation, source, format } = shape;
  const { delimiter, replaceInvalidUtf8, columnMap } = shape;
  const read = readingOptions({
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(replaceInvalidUtf8 !== undefined ? { replaceInvalidUtf8 } : {}),
    ...(columnMap ? { columnMap: new Map(Object.entries(columnMap)) } : {}),
  });
  // A 2.0 job smaller than a batch: its segments are cut no larger than the job.
  const segmentBytes = segmentMaxBytes(shape.jobSize);
  const maxBytes = segmentBytes < MAX_BATCH_BYTES ? { maxBytes: segmentBytes } : {};
  const cutting = { spool, operation, source, maxRecords: shape.batchSize, ...maxBytes, cuts: reading.cuts, ...(align ? { align } : {}) };
  if (takesFastPath(plan)) return [new CsvBatchSplitter({ ...cutting, onError, ...read, ...(reading.splitterResume ? { resume: reading.splitterResume } : {}) })];
  const grouper =
    shape.groupBy !== undefined
      ? new RecordGrouper({
          field: shape.groupBy,
          ...(shape.groupWindow !== undefined ? { maxRecords: shape.groupWindow } : {}),
          ...(shape.columns ? { columns: shape.columns } : {}),
          object,
        })
      : undefined;
  return [
    // Records from code: a Date takes its field's form (a date field's day) by the describe, as in a pipeline of one's own.
    format === 'records'
      ? new RecordReader({ source, describe: () => run.client.describe(object, run.signal ? { signal: run.signal } : {}) })
      : new RecordParser({ format, source, onError, ...read }),
    ...(convertsDates(shape) ? [dateConverterFor(run.client, object, shape, run.signal)] : []),
    ...(shape.attachments !== undefined ? [attachmentResolverFor(run.client, object, shape.attachments, source, run.signal)] : []),
    ...(grouper ? [grouper] : []),
    new BatchChunker({
      ...cutting,
      contentType: shape.contentType,
      ...(shape.columns ? { columns: shape.columns } : {}),
      // Records from code vary in their keys (an optional field left out): their columns are the union over a look-ahead (issue 27).
      // A file's are its first record's, as before: a stray key in a record costs that record, never the load.
      // A key that names nothing of the object is dropped from them and costs its records only (kept for
      // the column check to refuse when it is the first record's and the check was asked for).
      ...(format === 'records'
        ? {
            unknownColumns: (columns: readonly string[]) =>
              columnsOfNothing({ object, columns, describe: (name) => run.client.describe(name, run.signal ? { signal: run.signal } : {}) }),
            refuseFirstUnknown: run.checkColumns,
          }
        : { lookaheadRecords: 0 }),
      ...(reading.chunkerResume ? { resume: reading.chunkerResume } : {}),
      ...(shape.attachments !== undefined ? { attachments: true } : {}),
      ...(grouper ? { firstRecord: () => grouper.firstRecord } : {}),
    }),
  ];
}

/** The outputs; a resume's are appended to after their last whole segment. With a ledger a segment's spool files go only once the ledger says its rows are in the outputs. */
function outcomeSink(shape: LoadShape, ledger: LoadLedger | undefined, state: LedgerState | undefined, spool: LoadSpool): OutcomeSink {
  return new OutcomeSink({
    ...(shape.successPath ? { successPath: shape.successPath } : {}),
    ...(shape.errorPath ? { errorPath: shape.errorPath } : {}),
    ...(shape.resultsPath ? { resultsPath: shape.resultsPath } : {}),
    ...((shape.retryRecords ?? 0) > 0 ? { attempts: true } : {}),
    ...(state ? { resume: { sizes: state.joined?.sizes ?? {}, succeeded: state.joined?.succeeded ?? 0, failed: state.joined?.failed ?? 0 } } : {}),
    ...(ledger
      ? {
          onSegmentWritten: async (joined: LedgerJoined) => {
            await ledger.joined(joined);
            await spool.release(joined.seq);
          },
        }
      : {}),
  });
}

function jobRequest(shape: LoadShape): JobRequest {
  const { operation, object, contentType } = shape;
  return {
    operation,
    object,
    concurrencyMode: shape.serial ? 'Serial' : 'Parallel',
    contentType,
    ...(shape.externalIdField ? { externalIdFieldName: shape.externalIdField } : {}),
  };
}

/**
 * The header's columns without a name (lib/load/unnamed-columns.ts): told as a notice (the CSV fast
 * path tells them with its column plan), and the first record rejected for a value in one watched
 * for. The first batch is read before the job is made: a value in the first `batchSize` records
 * (the rows a first batch spans at least, on every path: the fast path, the record path, a grouped
 * load's window, the dry run) stops a fresh load with no job (`check`, before the job); one past them
 * costs that record only. Fewer when the first batch's bytes fill it first: only rows read count.
 */
function watchUnnamed(
  chunking: LoadStages['chunking'],
  chunker: CsvBatchSplitter | BatchChunker,
  source: string,
  onNotice: ((message: string) => void) | undefined,
  fresh: boolean,
  batchSize: number,
): { check(first: SpooledBatch): void; checkNoJob(): void; numbers(): readonly number[] } {
  const [reader] = chunking;
  let told: readonly number[] = [];
  if (reader instanceof RecordParser)
    reader.on('unnamedColumns', (numbers: readonly number[]) => {
      told = numbers;
      onNotice?.(unnamedNotice(source, numbers));
    });
  // The one of the lowest input row (a grouped load rejects in its grouped order, and numbers its rows so: its sourceRow is the input's).
  let seen: { readonly row: number; readonly error: string } | undefined;
  chunker.on('rejected', (entry: RejectEntry) => {
    const row = entry.sourceRow ?? entry.row;
    if ((seen === undefined || row < seen.row) && isUnnamedValueFault(entry.error)) seen = { row, error: entry.error };
  });
  // The rows of the segments up to the first with a record to upload: what is read before a job would be made.
  let beforeJob = 0;
  let uploading = false;
  chunker.on('batch', (batch) => {
    if (uploading) return;
    beforeJob = batch.end?.row ?? Number.POSITIVE_INFINITY;
    uploading = batch.records > 0;
  });
  const check = (end: number) => {
    if (fresh && seen && seen.row <= end) throw new UnnamedColumnError(seen.row, seen.error);
  };
  return {
    check: (first) => check(Math.min(first.end?.row ?? Number.POSITIVE_INFINITY, batchSize)),
    // An input none of whose records could be uploaded never makes a job: a value there is the same usage error.
    checkNoJob: () => check(uploading ? 0 : beforeJob),
    numbers: () => (told.length > 0 ? told : (chunker.plan?.unnamed ?? [])),
  };
}

/** Throws ColumnCheckError when the columns do not fit the object's describe (by `check`: all of it, or the names only). */
async function columnsFit(
  client: BulkClient,
  shape: LoadShape,
  columns: readonly string[],
  signal: AbortSignal | undefined,
  check: typeof checkColumns | typeof unknownColumns,
): Promise<void> {
  const { object, operation, externalIdField } = shape;
  const problems = await check({ object, operation, columns, externalIdField, describe: (name) => client.describe(name, { signal }) });
  if (problems.length > 0) throw new ColumnCheckError(object, problems);
}

/** The options of the input's reading, as both the parser and the fast path take them. */
export function readingOptions(options: Pick<BulkLoadOptions, 'delimiter' | 'replaceInvalidUtf8' | 'columnMap'>): {
  delimiter?: string;
  replaceInvalidUtf8?: boolean;
  columnMap?: ColumnMap;
} {
  return {
    ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
    ...(options.replaceInvalidUtf8 !== undefined ? { replaceInvalidUtf8: options.replaceInvalidUtf8 } : {}),
    ...(options.columnMap !== undefined ? { columnMap: options.columnMap } : {}),
  };
}

/** A DateConverter whose date and date-time fields are the object's, from its describe (names matched regardless of case). */
export function dateConverterFor(client: BulkClient, object: string, options: Pick<BulkLoadOptions, 'dateFormat' | 'timeZone'>, signal: AbortSignal | undefined): DateConverter {
  return new DateConverter({
    ...(options.dateFormat !== undefined ? { dateFormat: options.dateFormat } : {}),
    ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
    fieldTypes: async () => {
      const described = await client.describe(object, signal ? { signal } : {});
      return new Map(described.fields.filter((f) => f.type === 'date' || f.type === 'datetime').map((f) => [f.name, f.type as DateFieldType]));
    },
  });
}

/** An AttachmentResolver whose binary fields are the object's base64 fields, from its describe. */
export function attachmentResolverFor(client: BulkClient, object: string, dir: string, source: string, signal: AbortSignal | undefined): AttachmentResolver {
  return new AttachmentResolver({
    dir,
    object,
    source,
    binaryFields: async () => (await client.describe(object, signal ? { signal } : {})).fields.filter((f) => f.type === 'base64').map((f) => f.name),
  });
}

/**
 * bulkLoad: the whole load as one pipeline, file (or stream) to result files:
 * parse -> chunk (or the CSV fast path) -> submit -> poll -> join -> write. Every input record ends in
 * exactly one of the success or error outputs, in input order. One LoadSpool owns the run's files on
 * disk and is disposed of on every exit path. Resolves to the run's summary.
 * With a ledger (`ledgerDir`) the run is crash-proof: the ledger records the job, each segment
 * before it is uploaded, each batch, and each segment once its rows are in the outputs; a run that
 * fails or is killed keeps its spool there, and `resume` goes on from it without uploading a batch
 * twice (pipelines/load-resume.ts).
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AbortedError, BulkError, InvalidOptionError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import { BatchAlignment } from '../lib/load/batch-alignment.js';
import { checkColumns, ColumnCheckError } from '../lib/load/column-check.js';
import type { ColumnMap } from '../lib/load/column-map.js';
import { describeColumnPlan, type ColumnPlan } from '../lib/load/column-plan.js';
import { holdsLedger, LoadLedger, ledgerTaken, readLedger, type LedgerJoined, type LedgerRun, type LedgerState } from '../lib/load/load-ledger.js';
import { LoadSpool } from '../lib/load/load-spool.js';
import { describeBatches } from '../lib/load/org-batches.js';
import { isGzipFile, ungzipped } from '../lib/streams/gunzip.js';
import { LOAD_OPERATIONS, type FinishedBatch, type JoinedRow, type LoadOperation, type SpooledBatch, type SubmittedBatch } from '../lib/load-types.js';
import { nonEmptyString, nonNegativeInteger, oneOf } from '../lib/options.js';
import type { BatchInfo, ConcurrencyMode, JobInfo } from '../lib/types.js';
import type { PayloadType } from '../lib/records/serialize-record.js';
import { OutcomeSink } from '../sinks/outcome-sink.js';
import { AttachmentResolver } from '../transforms/attachment-resolver.js';
import { BatchChunker } from '../transforms/batch-chunker.js';
import { BulkSubmitter } from '../transforms/bulk-submitter.js';
import { DateConverter, type DateFieldType } from '../transforms/date-converter.js';
import { LedgerRecorder } from '../transforms/ledger-recorder.js';
import { CsvBatchSplitter } from '../transforms/csv-batch-splitter.js';
import { RecordParser, INPUT_FORMATS, type InputFormat } from '../transforms/record-parser.js';
import { RecordReader } from '../transforms/record-reader.js';
import { SegmentRows } from '../transforms/segment-rows.js';
import { ResultJoiner } from '../transforms/result-joiner.js';
import type { PollSettings } from './poll-settings.js';
import { StatusPoller, type BatchCounts } from '../transforms/status-poller.js';
import { stoppableInput } from '../transforms/stoppable-input.js';
import { checkLedger, PrependSegments, planResume, readingOn } from './load-resume.js';

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
  /** Bytes of the input file read so far (its offset, for a resumed run), when the input is a file. */
  readonly bytesRead: number | undefined;
  /** Records read whose rows are not in the outputs yet (uploaded or spooled, results not written): read = succeeded + failed + pending. */
  readonly recordsPending: number;
}

export interface LoadSummary extends LoadProgress {
  readonly jobId: string | null;
  /**
   * True when `stopSignal` ended the reading early. With a ledger and a file input the ledger stays
   * open, at the next unread record: `resume` reads on from there.
   */
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
  /** The run went on from a ledger. */
  readonly resumed: boolean;
  /**
   * A resumed run whose input was a stream, or a stopped run whose input was a stream or records: the
   * records after this row were never read, so they are not in the org and not in the outputs (load
   * them with a run of their own). Undefined otherwise.
   */
  readonly unreadAfterRow: number | undefined;
}

export interface BulkLoadOptions extends PollSettings {
  readonly client: BulkClient;
  readonly object: string;
  readonly operation: LoadOperation;
  /** For upsert: the External ID field (or Id). */
  readonly externalIdField?: string;
  /** A file path, or a byte stream (stdin); or give `records`. */
  readonly input?: string | Readable;
  /** The input's format; needed with `input`. */
  readonly format?: InputFormat;
  /**
   * Records from code instead of `input`: plain objects from any Iterable or AsyncIterable, or an
   * object-mode stream. Values: strings, numbers, booleans, null (sets the field to null), Dates (ISO
   * 8601), nested parent objects (`{ Account: { Ext_Id__c: 'X' } }`). The columns are `columns`, or
   * the first record's keys; a record with a field outside them is rejected.
   */
  readonly records?: RecordInput;
  /**
   * Each segment's rows with their outcomes, in input order, once all of them are known (a segment
   * is a batch and the records rejected beside it); awaited before the next, so that a slow consumer
   * holds the load back. For code that routes failures itself (`loadRows` wraps it as an iterator).
   */
  readonly onRows?: (rows: readonly JoinedRow[]) => void | Promise<void>;
  /** Each batch's way through the stages, as it goes (for measurements such as `benchLoad`'s). */
  readonly onBatch?: (event: LoadBatchEvent) => void;
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
   * A graceful stop (a first Ctrl-C, SIGTERM): reading ends at the last whole record, what was read
   * is uploaded (uploads in flight finish), the job is closed, and the results are joined and written
   * as usual. The summary says `stopped`. With a ledger and a file input, the ledger is kept open at
   * the next unread record (not finished): `resume` reads on from there, with a new job.
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
  /**
   * Keep a ledger of the run in this folder (made if missing), with the spool beside it
   * (`<ledgerDir>/spool`, which takes the place of `spoolDir`). A run that fails, or is killed,
   * can be resumed from it; a run that completes marks it finished and removes the spool.
   */
  readonly ledgerDir?: string;
  /**
   * Go on with the load whose ledger is in `ledgerDir`: the same object, operation, input, format
   * and outputs as the run that stopped (checked against the ledger). Created batches are never
   * uploaded again; the outputs are appended to after their last whole segment.
   */
  readonly resume?: boolean;
  /** The org named in the ledger (to find a run again); default the client's instance URL. */
  readonly org?: string;
  /**
   * Before the job is created, check the columns against the object's describe (unknown fields,
   * fields the operation cannot set, the external id, relationship columns, required fields of an
   * insert): a misfit rejects with ColumnCheckError (`BULK_COLUMNS`) and no job. Default false.
   */
  readonly checkColumns?: boolean;
  /** CSV input: the field separator, one character (`;`, `\t`, `|` ...); default a comma. Records are uploaded with commas. */
  readonly delimiter?: string;
  /** Load invalid UTF-8 as U+FFFD instead of rejecting its record (BULKPIPE_INVALID_UTF8). Default false. */
  readonly replaceInvalidUtf8?: boolean;
  /** Input column names to API field names (parseColumnMap reads Data Loader's .sdl form). */
  readonly columnMap?: ColumnMap;
  /** How the input writes dates (`MM/dd/yyyy`, `dd.MM.yyyy`, ...): date and date-time fields (from the describe) are converted. */
  readonly dateFormat?: string;
  /** The IANA time zone of date-times without an offset; default UTC. */
  readonly timeZone?: string;
  /**
   * A binary-attachment load (Attachment, Document, ContentVersion): the folder of the files that the
   * object's binary fields (`Body`, `VersionData`) name, relative to it, with or without a leading `#`.
   * Each batch is a zip of the records (its manifest, in `contentType`) and their files, for a ZIP_CSV,
   * ZIP_XML or ZIP_JSON job. A record whose file is missing, unreadable or too large for a batch is
   * rejected before upload. For insert, update and upsert.
   */
  readonly attachments?: string;
}

export async function bulkLoad(options: BulkLoadOptions): Promise<LoadSummary> {
  const ledgerDir = options.ledgerDir === undefined ? undefined : nonEmptyString('ledgerDir', options.ledgerDir);
  const ledger = ledgerDir === undefined ? undefined : new LoadLedger(resolve(ledgerDir));
  // The run's lock (a resume takes it before it reads the ledger, a new run when its ledger starts) is let go however the run ends.
  try {
    return await loadUnder(options, ledger);
  } finally {
    await ledger?.close().catch(() => undefined);
  }
}

async function loadUnder(options: BulkLoadOptions, ledger: LoadLedger | undefined): Promise<LoadSummary> {
  const { client } = options;
  const operation = oneOf('operation', options.operation, LOAD_OPERATIONS);
  const joinAhead = nonNegativeInteger('joinAhead', options.joinAhead ?? 1, 8);
  const records = options.records;
  if ((options.input === undefined) === (records === undefined))
    throw new InvalidOptionError('input', 'either input (a file path or a byte stream) or records (objects), not both', options.input ?? records);
  if (records !== undefined && !isRecordInput(records)) throw new InvalidOptionError('records', 'an Iterable or AsyncIterable of plain objects, or an object-mode stream', records);
  const format: InputFormat | 'records' = records !== undefined ? 'records' : oneOf('format', options.format, INPUT_FORMATS);
  const contentType = oneOf('contentType', options.contentType ?? 'CSV', ['CSV', 'XML', 'JSON'] as const);
  const object = nonEmptyString('object', options.object);
  if (operation === 'upsert') nonEmptyString('externalIdField', options.externalIdField);
  const input = options.input as unknown;
  if (records === undefined && typeof input !== 'string' && !(input instanceof Readable)) {
    const objects = typeof input === 'object' && input !== null && (Symbol.iterator in input || Symbol.asyncIterator in input);
    throw new InvalidOptionError('input', objects ? `a file path or a byte stream: ${OBJECTS_GO_IN_RECORDS}` : 'a file path or a byte stream (a Readable)', input);
  }
  const attachments = options.attachments === undefined ? undefined : resolve(nonEmptyString('attachments', options.attachments));
  if (attachments !== undefined && (operation === 'delete' || operation === 'hardDelete'))
    throw new InvalidOptionError('attachments', 'an insert, update or upsert (a delete uploads no files)', operation);
  if (options.resume && ledger === undefined) throw new InvalidOptionError('ledgerDir', 'the folder of the ledger to resume (with resume)', undefined);
  const source = options.source ?? (typeof options.input === 'string' ? options.input : records !== undefined ? 'records' : 'input');
  const started = performance.now();
  const progress = {
    recordsRead: 0,
    batchesSubmitted: 0,
    batchesQueued: 0,
    batchesInProgress: 0,
    batchesCompleted: 0,
    batchesFailed: 0,
    recordsProcessed: 0,
    recordsSucceeded: 0,
    recordsFailed: 0,
  };
  let bytes = 0;
  let file: { stream: { bytesRead: number }; start: number } | undefined;
  /** The counts, with what derives from them: the bytes read, and the records not in the outputs yet. */
  const snapshot = (): LoadProgress => ({
    ...progress,
    bytesRead: file ? file.start + file.stream.bytesRead : undefined,
    recordsPending: progress.recordsRead - progress.recordsSucceeded - progress.recordsFailed,
  });
  const report = () => options.onProgress?.(snapshot());
  const run: LedgerRun = {
    runId: '',
    org: options.org ?? client.instanceUrl,
    input: null,
    source,
    format,
    contentType,
    object,
    operation,
    externalIdField: options.externalIdField,
    batchSize: options.batchSize,
    columns: options.columns,
    serial: options.serial === true,
    successPath: options.successPath && resolve(options.successPath),
    errorPath: options.errorPath && resolve(options.errorPath),
    resultsPath: options.resultsPath && resolve(options.resultsPath),
    delimiter: options.delimiter,
    replaceInvalidUtf8: options.replaceInvalidUtf8,
    columnMap: options.columnMap && Object.fromEntries(options.columnMap),
    dateFormat: options.dateFormat,
    timeZone: options.timeZone,
    attachments,
  };
  // A resumed run reads its ledger before anything is built: the stages go on from where it stands.
  // It takes the run's lock first: a process that read and then waited for the lock would go on from a ledger another has moved on.
  if (options.resume) await ledger?.lock();
  const read = options.resume && ledger ? await readLedger(ledger.dir) : undefined;
  if (read) sameLoad(read, run, typeof options.input === 'string' ? resolve(options.input) : null);
  // Segments whose spool files are gone or damaged are cut again: the state is cut back to before them.
  const checked = read && ledger ? await checkLedger(read, ledger.spoolDir) : undefined;
  const state = checked?.state;
  // Records from code may hold Dates, which a date field takes as its day: converted by the describe's types.
  const converting = options.dateFormat !== undefined || options.timeZone !== undefined || records !== undefined;
  // A gzip file is read as it is decompressed, by the parser: a resume re-reads it and passes over the rows cut before (no byte offset to seek to).
  const gzipFile = typeof options.input === 'string' && (await isGzipFile(options.input).catch(() => false));
  const fastPath = format === 'csv' && contentType === 'CSV' && options.columns === undefined && !converting && attachments === undefined && !gzipFile;
  const { readInput, splitterResume, chunkerResume, fromOffset, fromRow, unreadAfterRow, cuts } = readingOn(state, fastPath);
  if (state) progress.recordsRead = state.inputAt.row;

  // Every stage is built (and so every option checked) before anything touches the disk; the spool
  // makes its folder only at the first batch.
  const spool = new LoadSpool(ledger ? { dir: ledger.spoolDir } : options.spoolDir ? { dir: options.spoolDir } : {});
  // Malformed input stops the reading, but the records accepted before it are still loaded and
  // written out; then the run fails with the input's error.
  let inputError: Error | undefined;
  const onError = (err: Error) => {
    inputError ??= err;
  };
  const batchSize = options.batchSize ? { maxRecords: options.batchSize } : {};
  // A resume's org batches by their first record, filled by planResume before the input is read: the chunker cuts a segment whose ledger line is lost where the batch ended.
  const align = state ? { align: new BatchAlignment() } : {};
  const reading = readingOptions(options);
  const chunking = fastPath
    ? [new CsvBatchSplitter({ spool, operation, source, onError, ...reading, ...batchSize, cuts, ...align, ...(splitterResume ? { resume: splitterResume } : {}) })]
    : [
        format === 'records' ? new RecordReader({ source }) : new RecordParser({ format, source, onError, ...reading }),
        ...(converting ? [dateConverterFor(client, object, options, options.signal)] : []),
        ...(attachments !== undefined ? [attachmentResolverFor(client, object, attachments, source, options.signal)] : []),
        new BatchChunker({
          contentType,
          spool,
          operation,
          source,
          ...(options.columns ? { columns: options.columns } : {}),
          ...batchSize,
          ...(chunkerResume ? { resume: chunkerResume } : {}),
          cuts,
          ...align,
          ...(attachments !== undefined ? { attachments: true } : {}),
        }),
      ];
  const chunker = chunking[chunking.length - 1] as CsvBatchSplitter | BatchChunker;
  let plan: ColumnPlan | undefined = chunker.plan;
  const sink = new OutcomeSink({
    ...(options.successPath ? { successPath: options.successPath } : {}),
    ...(options.errorPath ? { errorPath: options.errorPath } : {}),
    ...(options.resultsPath ? { resultsPath: options.resultsPath } : {}),
    ...(state ? { resume: { sizes: state.joined?.sizes ?? {}, succeeded: state.joined?.succeeded ?? 0, failed: state.joined?.failed ?? 0 } } : {}),
    // With a ledger a segment's files go only once the ledger says its rows are in the outputs.
    ...(ledger
      ? {
          onSegmentWritten: async (joined: LedgerJoined) => {
            await ledger.joined(joined);
            await spool.release(joined.seq);
          },
        }
      : {}),
  });
  const onColumns = (columns: ColumnPlan, notice: string | undefined) => {
    plan = columns;
    sink.knowColumns(columns.upload);
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
  const jobRequest = { operation, object, concurrencyMode, contentType, ...(options.externalIdField ? { externalIdFieldName: options.externalIdField } : {}) };
  const submitter = new BulkSubmitter({
    client,
    job: jobRequest,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(ledger ? { ledger } : {}),
    ...(options.checkColumns ? { beforeJob: (first: SpooledBatch) => columnsFit(client, object, operation, first.columns, options.externalIdField, options.signal) } : {}),
  });
  if (options.onJob) submitter.on('job', options.onJob);
  const onBatch = options.onBatch;
  if (onBatch) {
    chunker.on('batch', (batch: SpooledBatch) => onBatch({ stage: 'cut', batch }));
    submitter.on('batchUploading', (batch) => onBatch({ stage: 'uploading', batch }));
    submitter.on('batchSubmitted', (batch) => onBatch({ stage: 'submitted', batch }));
  }
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
  if (onBatch) poller.on('batchFinished', (batch, info) => onBatch({ stage: 'finished', batch, info }));
  poller.on('batchFinished', (b: FinishedBatch) => {
    if (b.state === 'Completed') progress.batchesCompleted++;
    else progress.batchesFailed++;
    report();
  });
  const joiner = new ResultJoiner({ client, spool, prefetch: joinAhead, firstSeq: state?.joined ? state.joined.seq + 1 : 0, releaseSpool: ledger === undefined });
  const written = () => {
    progress.recordsSucceeded = sink.succeeded;
    progress.recordsFailed = sink.failed;
    progress.recordsProcessed = sink.succeeded + sink.failed;
  };
  written();
  if (onBatch) joiner.on('batchJoined', (batch) => onBatch({ stage: 'joined', seq: batch.seq }));
  joiner.on('batchJoined', () => {
    written();
    report();
  });
  let stopped = false;
  let finished = false;
  const fileInput = typeof options.input === 'string';
  try {
    // A new run takes its lock before it opens (truncates) an output: a folder that another run holds is refused untouched.
    if (ledger && !state) {
      await mkdir(ledger.dir, { recursive: true }).then(() => ledger.lock());
      // An abandoned load's folder: opening the outputs would cut back the rows its ledger accounts for, which its resume needs.
      if (await holdsLedger(ledger.dir)) throw ledgerTaken(ledger.dir);
    }
    // An output that cannot be written is an option error, found before any job exists.
    await sink.open();
    if (ledger && state) await ledger.reopen();
    else if (ledger) {
      const file = typeof options.input === 'string' ? await stat(options.input) : undefined;
      await ledger.start({ ...run, runId: ledger.dir, input: file ? { path: resolve(options.input as string), size: file.size, mtimeMs: file.mtimeMs } : null });
    }
    const resumed = checked && ledger ? await planResume(checked, ledger, client, spool, jobRequest, options.signal, align.align) : undefined;
    if (resumed && checked) {
      if (checked.notice) options.onNotice?.(checked.notice);
      submitter.goOn({
        openJob: resumed.openJob,
        orgBatches: resumed.orgBatches,
        refuseUpload: resumed.refuseUpload,
        uploads: resumed.uploads,
        // The spool hashed each payload as it wrote it: matching a segment with the org's batches reads no file again.
        digest: (batch, path) => spool.digest(batch.seq, path),
      });
      if (resumed.openJob) options.onJob?.(resumed.openJob);
      if (unreadAfterRow !== undefined)
        options.onNotice?.(`the input was a stream, which cannot be read again: the records after row ${unreadAfterRow} were never read, and are not loaded`);
    }
    const head: Array<Readable | Transform> = [];
    const stopSignal = options.stopSignal;
    const stop = () => {
      // A stop after the whole input was taken (or with none left to read) ends nothing: the load completes as it is.
      if (!readInput || !(chunking[0] as RecordParser | RecordReader | CsvBatchSplitter).stop()) return;
      stopped = true;
      if (options.abortJobOnStop) submitter.abortAtEnd();
    };
    if (readInput) {
      if (records !== undefined) {
        head.push(Readable.from(untilStopped(records, stopSignal), { objectMode: true, highWaterMark: 16 }), ...chunking);
      } else {
        const opened = typeof options.input === 'string' ? createReadStream(options.input, { highWaterMark: 256 * 1024, start: fromOffset }) : (options.input as Readable);
        // Progress counts the file's own bytes (compressed ones, for a gzip file).
        if (typeof options.input === 'string') file = { stream: opened as unknown as { bytesRead: number }, start: fromOffset };
        // A stream's chunks are checked (Readable.from(['text']) is an object-mode byte stream; objects are not bytes), and gunzipped when they are gzip.
        // gzip data cut off keeps what came before the cut, as a cut-off JSON array does: the reader drops the partial record at the cut, and the run ends with the cut's error.
        const onCut = (err: Error) => {
          onError(err);
          (chunking[0] as RecordParser | CsvBatchSplitter).endsCut();
        };
        const bytes = typeof options.input === 'string' && !gzipFile ? opened : Readable.from(ungzipped(byteChunks(opened), { source, onCut }), { objectMode: false });
        head.push(stopSignal ? stoppableInput(bytes, stopSignal) : bytes, ...chunking);
      }
      if (ledger) {
        const recorder = new LedgerRecorder({
          ledger,
          spool,
          header: () => (chunker instanceof CsvBatchSplitter ? chunker.inputHeader : undefined),
          readToEnd: () => !stopped && inputError === undefined,
          fromRow,
        });
        head.push(recorder);
      }
      if (resumed) head.push(new PrependSegments(resumed.segments));
    } else {
      if (options.input instanceof Readable) options.input.resume(); // not read: let it go
      head.push(Readable.from(resumed?.segments ?? [], { objectMode: true }));
    }
    if (stopSignal?.aborted) stop();
    else stopSignal?.addEventListener('abort', stop, { once: true });
    try {
      const tail = options.onRows ? [new SegmentRows(options.onRows), sink] : [sink];
      await pipeline([...head, submitter, poller, joiner, ...tail], options.signal ? { signal: options.signal } : {});
    } finally {
      stopSignal?.removeEventListener('abort', stop);
    }
    // Every record read is in the outputs. A stop leaves a file's ledger open: its last segment says
    // where the next unread record starts, and a resume reads on from there. A stream cannot be read
    // again, and malformed input ended the reading for good: nothing to go on with.
    finished = !stopped || inputError !== undefined || !fileInput;
    if (ledger && finished) await ledger.finished();
    // A job of the run that the ledger lost (proven by its batches, all taken) is left Open by the
    // stop: closed, its batches being all in the outputs. One that holds more batches than were
    // listed is being added to by another live process: it is not the run's, and is left alone.
    const notOurs: string[] = [];
    for (const { jobId, batches } of resumed?.orgBatches.foundJobs() ?? []) {
      const job = await client.getJob(jobId, { signal: options.signal });
      if (job.numberBatchesTotal !== batches) notOurs.push(jobId);
      else if (job.state === 'Open') await client.closeJob(jobId, { signal: options.signal });
    }
    // The org holds batches of the run's jobs that no segment of the input took: their records are in no output. Said, never resumed in a loop.
    const unplaced = resumed?.orgBatches.unplaced() ?? [];
    const unproven = resumed?.orgBatches.unproven() ?? [];
    if (unplaced.length > 0 && !stopped && inputError === undefined)
      throw new BulkError(
        'BULK_LEDGER',
        `the org holds ${unplaced.length} batch(es) of this load's jobs whose records match no segment of the input, so no output has them (${describeBatches(unplaced)}); every input row is in the outputs`,
      );
    if ((unproven.length > 0 && !stopped && inputError === undefined) || notOurs.length > 0) {
      const named = [describeBatches(unproven), notOurs.length > 0 ? `every batch of job ${notOurs.join(', ')}, which is still being added to` : ''].filter(Boolean).join('; ');
      throw new BulkError(
        'BULK_LEDGER',
        `segments of this load were matched by their bytes with batches of jobs made since it began that its ledger does not know (it may have lost their lines) and that are not proven its own (they hold other batches too, or are still being added to): they may be another load's, and the rows of these segments, in the outputs with those batches' results, may not have been loaded by this one (${named}). Check them in the org; none of these jobs was closed`,
      );
    }
  } catch (err) {
    // When the pipeline never ran, this closes the files (whole segments only); wait for it, so that
    // the outputs are final when the caller sees the error.
    if (!sink.closed) await new Promise<void>((resolve) => sink.once('close', () => resolve()).destroy());
    const unsettled = await settleJob(client, submitter.job, options.signal?.aborted === true && options.abortJobOnAbort === true);
    if (unsettled) options.onNotice?.(unsettled);
    written();
    report();
    if (options.signal?.aborted) throw new AbortedError(`load of ${source}`, options.signal.reason);
    throw err;
  } finally {
    // A ledger's spool outlives a run that did not finish: its resume needs it. The lock is let go last, once nothing of the run is touched.
    await spool.dispose(ledger !== undefined && !finished);
    if (ledger && finished) await rm(ledger.spoolDir, { recursive: true, force: true });
    await ledger?.close().catch(() => undefined);
  }
  written();
  report();
  if (inputError) throw inputError;
  const elapsedMs = performance.now() - started;
  return {
    ...snapshot(),
    jobId: submitter.job?.id ?? state?.jobs[state.jobs.length - 1] ?? null,
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
    resumed: state !== undefined,
    unreadAfterRow: stopped && !fileInput && inputError === undefined ? progress.recordsRead : unreadAfterRow,
  };
}

const OBJECTS_GO_IN_RECORDS = 'records (objects) go in the records option';

/** A stream's chunks as bytes (text too); any other chunk fails the load with BULK_INVALID_OPTION instead of crashing the parser. */
async function* byteChunks(stream: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<unknown>) {
    if (typeof chunk === 'string') yield Buffer.from(chunk);
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new InvalidOptionError('input', `a stream of bytes or text: ${OBJECTS_GO_IN_RECORDS}`, chunk);
  }
}

/** A batch at a stage of a load: cut (spooled), uploading, submitted (created in the org), finished (a terminal state), joined (its rows written). */
export type LoadBatchEvent =
  | { readonly stage: 'cut'; readonly batch: SpooledBatch }
  | { readonly stage: 'uploading'; readonly batch: SpooledBatch }
  | { readonly stage: 'submitted'; readonly batch: SubmittedBatch }
  | { readonly stage: 'finished'; readonly batch: FinishedBatch; readonly info: BatchInfo }
  | { readonly stage: 'joined'; readonly seq: number };

/** Records from code: an object-mode stream, or an Iterable or AsyncIterable (not a string or a byte stream). */
export type RecordInput = Iterable<object> | AsyncIterable<object> | Readable;

/** The records until a stop: the source is left (its return() called) at the next record after it. */
async function* untilStopped(records: RecordInput, stop: AbortSignal | undefined): AsyncGenerator<unknown> {
  for await (const record of records as AsyncIterable<unknown>) {
    if (stop?.aborted) return;
    yield record;
  }
}

function isRecordInput(value: unknown): value is RecordInput {
  if (value instanceof Readable) return value.readableObjectMode;
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return false;
  return Symbol.iterator in value || Symbol.asyncIterator in value;
}

/** Throws ColumnCheckError when the columns do not fit the object's describe. */
async function columnsFit(
  client: BulkClient,
  object: string,
  operation: LoadOperation,
  columns: readonly string[],
  externalIdField: string | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const problems = await checkColumns({ object, operation, columns, externalIdField, describe: (name) => client.describe(name, { signal }) });
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

/** A resumed run must be the same load as the one in the ledger: the same input, object, operation, batches and outputs. */
function sameLoad(state: LedgerState, run: LedgerRun, inputPath: string | null): void {
  const was = state.run;
  const differs: string[] = [];
  for (const key of [
    'object',
    'operation',
    'format',
    'contentType',
    'externalIdField',
    'batchSize',
    'serial',
    'successPath',
    'errorPath',
    'resultsPath',
    'delimiter',
    'replaceInvalidUtf8',
    'dateFormat',
    'timeZone',
    'attachments',
  ] as const) {
    if (was[key] !== run[key]) differs.push(`${key} (${JSON.stringify(was[key])} then, ${JSON.stringify(run[key])} now)`);
  }
  if (JSON.stringify(was.columns) !== JSON.stringify(run.columns)) differs.push('columns');
  if (JSON.stringify(was.columnMap) !== JSON.stringify(run.columnMap)) differs.push('columnMap');
  if ((was.input?.path ?? null) !== inputPath) differs.push(`input (${was.input ? was.input.path : 'a stream'} then, ${inputPath ?? 'a stream'} now)`);
  // The differences as a list: an option error cuts a long string value short.
  if (differs.length) throw new InvalidOptionError('resume', `the options of the load in ${state.dir}`, differs);
}

/**
 * After a failed or aborted run: leave no job open (abort it when asked). The run's own error is the
 * one to report; a job that could not be closed is said in a notice (returned), never left silently.
 */
async function settleJob(client: BulkClient, job: JobInfo | undefined, abort: boolean): Promise<string | undefined> {
  if (!job) return undefined;
  try {
    if (abort) await client.abortJob(job.id);
    else await client.closeJob(job.id);
    return undefined;
  } catch (err) {
    return `job ${job.id} could not be ${abort ? 'aborted' : 'closed'} (${(err as Error).message}): it stays Open until it is (bulkpipe job close ${job.id}), or resumed`;
  }
}

/**
 * What a caller gives bulkLoad and gets back: its options, the progress it reports, the summary it
 * resolves to, and the ledger's outcome. Types only; pipelines/load-plan.ts checks the options.
 */
import type { Readable } from 'node:stream';
import type { BulkClient } from '../lib/http/client.js';
import type { ColumnMap } from '../lib/load/column-map.js';
import type { FailedJob, FinishedBatch, JoinedRow, LoadOperation, SpooledBatch, SubmittedBatch } from '../lib/load-types.js';
import type { PayloadType } from '../lib/records/serialize-record.js';
import type { BatchInfo, JobInfo } from '../lib/types.js';
import type { InputFormat } from '../transforms/record-parser.js';
import type { PollSettings } from './poll-settings.js';

export interface LoadProgress {
  readonly recordsRead: number;
  readonly batchesSubmitted: number;
  /** As last polled: submitted batches the server has not started, and those it is processing. */
  readonly batchesQueued: number;
  readonly batchesInProgress: number;
  readonly batchesCompleted: number;
  readonly batchesFailed: number;
  /** Records whose rows are in the outputs: recordsSucceeded + recordsFailed. */
  readonly recordsProcessed: number;
  /**
   * Records the org has processed, as the poller last read it (v1: each batch's
   * numberRecordsProcessed; 2.0: each ingest job's), with the rows a resumed run's outputs held when
   * it began. It leads `recordsProcessed`, which waits for each batch's results to be fetched and
   * written, and never goes down. Not in it: records rejected before upload (never sent, but for
   * those in a resumed run's outputs) and a record retry's later attempts (retryRecords).
   */
  readonly recordsProcessedByOrg: number;
  /**
   * Records this run rejected before upload (BULKPIPE_* rows: never sent to the org). Their rows reach
   * the outputs only in input order, behind the results of earlier batches: this counts them as they come.
   */
  readonly recordsRejectedBeforeUpload: number;
  readonly recordsSucceeded: number;
  readonly recordsFailed: number;
  /**
   * Bytes of the input file read so far (its offset, for a resumed run), when the input is a file; a
   * CSV file on the fast path counts them to the end of the records in `recordsRead`, others as the
   * file is read (ahead of the records by what the stages buffer).
   */
  readonly bytesRead: number | undefined;
  /** The reading has ended (the input's end, a stop, or nothing left to read on a resume): `recordsRead` is every record this run reads. */
  readonly inputEnded: boolean;
  /** Records read whose rows are not in the outputs yet (uploaded or spooled, results not written): read = succeeded + failed + pending. */
  readonly recordsPending: number;
}

export interface LoadSummary extends LoadProgress {
  readonly jobId: string | null;
  /** Bulk API 2.0: the jobs that ended Failed or Aborted, with the org's errorMessage (their unprocessed rows are in the errors as BULKPIPE_NOT_PROCESSED). */
  readonly failedJobs: readonly FailedJob[];
  /**
   * True when `stopSignal` ended the reading early. With a ledger and a file input the ledger stays
   * open, at the next unread record: `resume` reads on from there.
   */
  readonly stopped: boolean;
  readonly batches: number;
  /** Payload bytes uploaded. */
  readonly bytes: number;
  /**
   * Record retry (`retryRecords`): rows whose result was a lock failure, first attempts and retries
   * (each failure counted), and rows sent again (each attempt counted). 0 with retries off.
   */
  readonly lockFailures: number;
  readonly recordsRetried: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  readonly successPath: string | undefined;
  readonly errorPath: string | undefined;
  readonly resultsPath: string | undefined;
  /** Input columns not uploaded: bulkpipe's result columns (`sf__*`), or all but the Id of a delete fed a success file. */
  readonly droppedColumns: readonly string[];
  /** Set when the input is an earlier run's error file (`errors`) or success file (`success`). */
  readonly reload: 'errors' | 'success' | undefined;
  /** The 1-based numbers of the header's columns without a name, not uploaded (issue 27). */
  readonly unnamedColumns: readonly number[];
  /** Which `--date-format` would read a date field's values that are not ISO 8601, in words (issue 27): from the first batch, or the first date the org refused. */
  readonly dateFormatHints: readonly string[];
  /** The run went on from a ledger. */
  readonly resumed: boolean;
  /** The uploads in flight: as configured, the lowest adaptive concurrency took them to, and the limit at the end (all three the same when it never changed). */
  readonly concurrency: number;
  readonly lowestConcurrency: number;
  readonly finalConcurrency: number;
  /**
   * A resumed run whose input was a stream, or a stopped run whose input was a stream or records: the
   * records after this row were never read, so they are not in the org and not in the outputs (load
   * them with a run of their own). Undefined otherwise.
   */
  readonly unreadAfterRow: number | undefined;
  /** With `ledgerDir`: whether the ledger is kept open for a resume (a stopped run's, reading on from where it stands), and whether a job may exist. */
  readonly ledger: LoadLedgerOutcome | undefined /** What the run spent of the org's daily limits, counted from its own requests and batches. */;
  readonly budget: LoadBudget;
}

/** A run's share of the org's daily limits (pipelines/spent-budget.ts). */
export interface LoadBudget {
  /** API requests its client sent (DailyApiRequests), retries included. */
  readonly requests: number;
  /** Bulk API batches it made (DailyBulkApiBatches): v1 batches; 2.0 internal batches of 10,000 records per job. */
  readonly batches: number;
  /** What the org had left once the run ended (`/limits`), when it could be read; undefined with `ignoreLimits`. */
  readonly remaining: { readonly DailyApiRequests: number; readonly DailyBulkApiBatches: number } | undefined;
}

export interface BulkLoadOptions extends PollSettings {
  readonly client: BulkClient;
  /** The object and operation; with `resume`, the ledger's when left out (as is every option of the load's shape). */
  readonly object?: string;
  readonly operation?: LoadOperation;
  /** For upsert: the External ID field (or Id). */
  readonly externalIdField?: string;
  /** A file path, or a byte stream (stdin); or give `records`. */
  readonly input?: string | Readable;
  /** The input's format; needed with `input`. */
  readonly format?: InputFormat;
  /**
   * Records from code instead of `input`: plain objects from any Iterable or AsyncIterable, or an
   * object-mode stream. Values: strings, numbers, booleans, null (sets the field to null), Dates (a
   * date field's day, a date-time field's ISO 8601, by the object's describe), nested parent objects
   * (`{ Account: { Ext_Id__c: 'X' } }`). The columns are `columns`, or the union of the keys of the
   * first 1,000 records (at most about 4 MB of them, held back until then), whose names are checked
   * against the describe before any job (ColumnCheckError with did-you-means); a later record with
   * a key outside them is rejected alone, its error naming it and suggesting `columns`.
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
  /** Declared columns (otherwise the CSV header, a file's first record's fields, or the union over the first `records`). */
  readonly columns?: readonly string[];
  /** Uploads in flight; default 4, at most 25 (lib/limits.ts). */
  readonly concurrency?: number;
  /**
   * Lower the uploads in flight when batches come back with row lock failures (`UNABLE_TO_LOCK_ROW`:
   * a batch with more than 2% of them halves the limit) and raise it again, one at a time, after 4
   * clean batches, between 1 and `concurrency`; each change is told through `onNotice`. Default true.
   */
  readonly adaptiveConcurrency?: boolean;
  /**
   * The Bulk API: 1 (default) uploads batches to one job; 2 uploads the input as Bulk API 2.0 ingest
   * jobs of at most `jobSize` bytes of CSV each, `concurrency` of them at once.
   */
  readonly bulkApi?: 1 | 2;
  /** With `bulkApi: 2`: most bytes of CSV in one job; default 100,000,000, at most 112,500,000 (150 MB after base64). */
  readonly jobSize?: number;
  /**
   * Further attempts of a record whose result proves it was not written (UNABLE_TO_LOCK_ROW: see
   * lib/retry/retryable-errors.ts), sent again in a later batch (2.0: job), grouped by parent, after a
   * backoff; default 3, at most 20; 0 turns record retry off. With retries on, the outputs say each
   * row's attempts (`sf__Attempts`, NDJSON `attempts`). CSV jobs only: 0 (the default) for an XML or
   * JSON job or a binary-attachment load.
   */
  readonly retryRecords?: number;
  /** The wait before a record's first retry, ms (each later one doubles it, with jitter, up to 60 s); default 2,000. */
  readonly retryDelayMs?: number;
  /** Records per batch; default and maximum 10,000. */
  readonly batchSize?: number;
  /**
   * Order the records into batches by this field's value (an input column, after the column map; e.g.
   * `AccountId`), within windows of `groupWindow` consecutive input records and at most about 64 MiB:
   * a parent's children go to the same batches, and batches in flight rarely lock the same parent
   * (fewer `UNABLE_TO_LOCK_ROW`). The outputs are then in the order the records were sent, each row
   * with its input row as `sf__Row` (sort by it for the input order). Takes the record path (not the
   * CSV fast path). A stop ends the load at the last whole window. Default: input order.
   */
  readonly groupBy?: string;
  /** With `groupBy`: most records in a window; default 100,000. */
  readonly groupWindow?: number;
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
   * With `ledgerDir`: called once the run has ended, before bulkLoad resolves or rejects, with what
   * it left in the ledger (a failed run's too, which has no summary). Not called when another
   * process holds the ledger (RunLockedError): it is not this run's.
   */
  readonly onLedger?: (ledger: LoadLedgerOutcome) => void;
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
   * and outputs as the run that stopped. What shapes the load (LoadShape) is read from the ledger:
   * such options may be left out, and one given that differs is refused naming it. Created batches
   * are never uploaded again; the outputs are appended to after their last whole segment.
   */
  readonly resume?: boolean;
  /** The org named in the ledger (to find a run again); default the client's instance URL. */
  readonly org?: string;
  /**
   * Before any job exists, the load's need of the org's daily limits (DailyBulkApiBatches,
   * DailyApiRequests), estimated from the input file's size, is checked against what `/limits` says is
   * left: short, the load rejects with DailyLimitError (`BULK_DAILY_LIMIT`). A stream's size is not
   * known: only that something is left is checked. True skips the check. Default false.
   */
  readonly ignoreLimits?: boolean;
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

/** A batch at a stage of a load: cut (spooled), uploading, submitted (created in the org), finished (a terminal state), joined (its rows written). */
export type LoadBatchEvent =
  | { readonly stage: 'cut'; readonly batch: SpooledBatch }
  | { readonly stage: 'uploading'; readonly batch: SpooledBatch }
  | { readonly stage: 'submitted'; readonly batch: SubmittedBatch }
  | { readonly stage: 'finished'; readonly batch: FinishedBatch; readonly info: BatchInfo }
  | { readonly stage: 'joined'; readonly seq: number };

/** Records from code: an object-mode stream, or an Iterable or AsyncIterable (not a string or a byte stream). */
export type RecordInput = Iterable<object> | AsyncIterable<object> | Readable;

/** Where a run with a ledger left it: what the caller needs to keep or remove the run's folder, without reading the ledger again. */
export interface LoadLedgerOutcome {
  /** The ledger is there and not finished: `resume` goes on with the load. */
  readonly open: boolean;
  /** A job of the load may exist in the org (made, or its create request sent): records may be there, and the ledger accounts for them. */
  readonly jobMayExist: boolean;
}

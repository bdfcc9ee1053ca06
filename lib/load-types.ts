/**
 * The items that flow through a load pipeline (ARCHITECTURE.md): input records, spooled segments of the
 * input (a batch and the records rejected beside it), submitted and finished batches, and blocks of
 * joined result rows.
 */
import type { BatchState, ContentType } from './types.js';

/** A field value of an input record: text, or null to set the field to null (`#N/A`). */
export type InputValue = string | null;

/** One input record with its position in the input. */
export interface InputRecord {
  /**
   * 1-based number of the record in the input (data rows only); in a grouped load (`groupBy`), its
   * place in the grouped stream, and `sourceRow` its input row.
   */
  readonly row: number;
  /** A grouped load: the record's input row (the `sf__Row` of the outputs); `row` is then its place in the grouped stream. */
  readonly sourceRow?: number;
  /** Line of the input where the record starts, where the parser knows it cheaply (not for CSV). */
  readonly line?: number;
  readonly fields: Readonly<Record<string, InputValue>>;
  /**
   * Records from code: keys the record has with the value undefined (set nothing). Not in `fields`,
   * but a column all the same when the columns are taken from a look-ahead (issue 27).
   */
  readonly unset?: readonly string[];
  /**
   * Set on a record rejected for its input (malformed, too large, not UTF-8, a key given twice): the
   * error text in Salesforce's CSV result form; `fields` then holds what could be read of it. Such a
   * record goes to the error output and is never uploaded.
   */
  readonly error?: string;
  /**
   * A binary-attachment load: the files the record's binary fields name (its fields then hold
   * `#entry`), checked to exist and fit in a zip batch. They go into its batch's zip beside the manifest.
   */
  readonly attachments?: readonly AttachmentFile[];
}

/** A file on disk that a record attaches, and its path in the batch's zip. */
export interface AttachmentFile {
  /** The path in the zip, as the manifest names it after its `#` (`photos/a.jpg`). */
  readonly entry: string;
  /** The file on disk. */
  readonly path: string;
  readonly size: number;
}

export const LOAD_OPERATIONS = ['insert', 'update', 'upsert', 'delete', 'hardDelete'] as const;
export type LoadOperation = (typeof LOAD_OPERATIONS)[number];

/** Consecutive input rows `[first, count]`: a batch's rows, in order. */
export type RowRun = readonly [first: number, count: number];

/** Where the input stands after a segment: the last input row it covers and, where known (the CSV fast path), the byte offset of the next record. */
export interface InputPosition {
  readonly row: number;
  readonly offset: number | null;
  /** The CSV fast path: the physical line the next record starts on (for the places named in errors). */
  readonly line?: number;
}

/**
 * A segment of the input, spooled: its records that go to Salesforce as one batch (the payload on
 * disk is the batch's replayable upload body) and the records rejected before upload in the same
 * stretch of the input (in the spool's reject file). Segments are numbered in input order, so that
 * the outputs can be written in input order. A segment of rejected records only is never uploaded.
 */
export interface SpooledBatch {
  readonly kind: 'batch';
  /** 0-based sequence number of the segment in the run; every number from 0 up is used. */
  readonly seq: number;
  /**
   * The payload on disk: the records as they are sent (and read back by the joiner); null when no
   * record is to be uploaded (`records` 0). For a binary-attachment batch, the zip's manifest.
   */
  readonly path: string | null;
  /** A binary-attachment batch: the zip on disk that is uploaded (the manifest `path` and its files). */
  readonly upload?: string;
  /** The job's content type: ZIP_CSV, ZIP_XML or ZIP_JSON for a binary-attachment batch. */
  readonly contentType: ContentType;
  /** Records in the payload. */
  readonly records: number;
  /** Records of this stretch of the input rejected before upload. */
  readonly rejected: number;
  /** Bytes uploaded: the payload's, or the zip's. */
  readonly bytes: number;
  /** The uploaded records' input rows, as runs of consecutive rows (a grouped load's: their grouped rows, see `sources`). */
  readonly rows: readonly RowRun[];
  /**
   * A grouped load (`groupBy`): the spool file of the payload's records' input rows, in payload order
   * (lib/cut/source-rows.ts); `rows` then counts grouped rows, and this file gives the outputs' sf__Row.
   */
  readonly sources?: string;
  /** The columns as uploaded, in order (shared by every batch of a run). */
  readonly columns: readonly string[];
  /** Where the input stands after this segment (what a resumed run reads on from). */
  readonly end?: InputPosition;
}

export interface SubmittedBatch extends Omit<SpooledBatch, 'kind'> {
  readonly kind: 'submitted';
  readonly jobId: string;
  /** The batch; for a Bulk API 2.0 job, which has no batches to see, the job's id. */
  readonly batchId: string;
  /** A Bulk API 2.0 job: how many segments it uploaded together (its results are put in order once all of them are at hand). */
  readonly jobSegments?: number;
  /** A Bulk API 2.0 job: the segment's results in payload order, on disk in the spool, once its job's results are ordered. */
  readonly resultsPath?: string;
}

export interface FinishedBatch extends Omit<SubmittedBatch, 'kind'> {
  readonly kind: 'finished';
  readonly state: BatchState;
  readonly stateMessage: string | undefined;
  /** Records the server says it processed (`numberRecordsProcessed`): as many results as it will return. */
  readonly processed: number /** Records the server says failed (`numberRecordsFailed`), where it says (v1): none, and no row is a lock failure to send again. */;
  readonly failed?: number;
}

/** One input record with its outcome. */
export interface JoinedRow {
  /** 1-based number of the record in the input: the `sf__Row` of the outputs. */
  readonly row: number;
  readonly success: boolean;
  readonly id: string | null;
  readonly created: boolean;
  /** The error text, in Salesforce's CSV result form (`CODE:message:fields --`); '' on success. */
  readonly error: string;
  /**
   * How many times the record was sent to the org: 1, more when a record retry sent it again
   * (issue 26), 0 for a record rejected before upload. Optional in rows given by code (taken as 1
   * for an uploaded row).
   */
  readonly attempts?: number;
  /** Null for a record rejected before upload. */
  readonly batchId: string | null;
  /** The columns as uploaded. */
  readonly columns: readonly string[];
  /**
   * The record's CSV line as uploaded (the input line's own bytes on the CSV fast path), without its
   * line end; undefined when the job was XML or JSON. The outputs copy it as it is.
   */
  readonly line: Buffer | undefined;
  /** The record's fields by column: '' for an empty value, null for `#N/A` (or nil). Read from `line` on first use. */
  readonly fields: Readonly<Record<string, InputValue>>;
}

/** Joined rows of one segment, in input order: what the joiner pushes and the sinks take. */
export interface JoinedBlock {
  readonly kind: 'joined';
  readonly seq: number;
  readonly jobId: string | null;
  readonly batchId: string | null;
  readonly columns: readonly string[];
  readonly rows: readonly JoinedRow[];
  /** The segment's last block: every row of it has been pushed (a boundary the outputs keep whole). */
  readonly last: boolean;
  /**
   * The segment is joined again from its first row: the rows of it pushed before are void (the
   * outputs drop them). Set on the first block of the second join, after results that turned out not
   * to match the batch's records.
   */
  readonly restart: boolean;
}

/** A Bulk API 2.0 job that did not complete, as the org told it (a load's `summary.failedJobs`). */
export interface FailedJob {
  readonly jobId: string;
  readonly state: 'Failed' | 'Aborted';
  readonly errorMessage: string | undefined;
}

/**
 * The items that flow through a load pipeline (DESIGN.md): input records, spooled batches (or
 * records rejected before upload), submitted and finished batches, and joined result rows.
 */
import type { BatchState, ContentType } from './types.js';

/** A field value of an input record: text, or null to set the field to null (`#N/A`). */
export type InputValue = string | null;

/** One input record with its position in the input. */
export interface InputRecord {
  /** 1-based number of the record in the input (data rows only). */
  readonly row: number;
  /** Line of the input where the record starts, where the parser knows it cheaply (not for CSV). */
  readonly line?: number;
  readonly fields: Readonly<Record<string, InputValue>>;
}

/** Consecutive input rows `[first, count]`: a batch's rows, in order. */
export type RowRun = readonly [first: number, count: number];

/** A batch written to a spool file, ready to upload (the file is its replayable body). */
export interface SpooledBatch {
  readonly kind: 'batch';
  /** 0-based sequence number of the batch in the run. */
  readonly seq: number;
  /** The payload on disk, as it will be sent. Deleted after the join. */
  readonly path: string;
  readonly contentType: ContentType;
  readonly records: number;
  readonly bytes: number;
  /** The input rows in the batch, as runs of consecutive rows. */
  readonly rows: readonly RowRun[];
  /** The input columns, in order (shared by every batch of a run). */
  readonly columns: readonly string[];
}

/** A record that never reached Salesforce: it goes to the error output as is. */
export interface RejectedRecord {
  readonly kind: 'rejected';
  readonly row: number;
  readonly fields: Readonly<Record<string, InputValue>>;
  readonly columns: readonly string[];
  readonly error: string;
}

export type ChunkedItem = SpooledBatch | RejectedRecord;

export interface SubmittedBatch extends Omit<SpooledBatch, 'kind'> {
  readonly kind: 'submitted';
  readonly jobId: string;
  readonly batchId: string;
}

export interface FinishedBatch extends Omit<SubmittedBatch, 'kind'> {
  readonly kind: 'finished';
  readonly state: BatchState;
  readonly stateMessage: string | undefined;
}

/** One input record with its outcome. */
export interface JoinedRow {
  readonly row: number;
  readonly fields: Readonly<Record<string, InputValue>>;
  readonly columns: readonly string[];
  readonly success: boolean;
  readonly id: string | null;
  readonly created: boolean;
  /** The error text, in Salesforce's CSV result form; '' on success. */
  readonly error: string;
  readonly batchId: string | null;
}

/**
 * The Bulk API v1 objects as bulkpipe sees them. Field names follow the wire (spec sections 3 to 5);
 * dates are Date objects, counters are numbers, optional elements are absent rather than empty.
 */

export const OPERATIONS = ['insert', 'update', 'upsert', 'delete', 'hardDelete', 'query', 'queryAll'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const JOB_STATES = ['Open', 'Closed', 'Aborted', 'Failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const BATCH_STATES = ['Queued', 'InProgress', 'Completed', 'Failed', 'NotProcessed'] as const;
export type BatchState = (typeof BATCH_STATES)[number];

export const CONTENT_TYPES = ['CSV', 'XML', 'JSON', 'ZIP_CSV', 'ZIP_XML', 'ZIP_JSON'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export const CONCURRENCY_MODES = ['Parallel', 'Serial'] as const;
export type ConcurrencyMode = (typeof CONCURRENCY_MODES)[number];

/** The wire format of a document: XML or JSON (CSV jobs use XML for everything but results). */
export type WireFormat = 'xml' | 'json';

/** What a client sends to create a job. */
export interface JobRequest {
  readonly operation: Operation;
  readonly object: string;
  readonly externalIdFieldName?: string;
  readonly concurrencyMode?: ConcurrencyMode;
  readonly contentType?: ContentType;
  readonly assignmentRuleId?: string;
}

/** The state change a client sends to close or abort a job. */
export interface JobStateRequest {
  readonly state: 'Closed' | 'Aborted';
}

export interface JobInfo {
  readonly id: string;
  readonly operation: Operation;
  readonly object: string;
  readonly createdById: string;
  readonly createdDate: Date;
  readonly systemModstamp: Date;
  readonly state: JobState;
  readonly externalIdFieldName?: string;
  readonly concurrencyMode: ConcurrencyMode;
  readonly contentType: ContentType;
  readonly numberBatchesQueued: number;
  readonly numberBatchesInProgress: number;
  readonly numberBatchesCompleted: number;
  readonly numberBatchesFailed: number;
  readonly numberBatchesTotal: number;
  readonly numberRecordsProcessed: number;
  readonly numberRetries: number;
  /** As in the URL and on the wire, e.g. `35.0`. */
  readonly apiVersion: string;
  readonly assignmentRuleId?: string;
  readonly numberRecordsFailed: number;
  readonly totalProcessingTime: number;
  readonly apiActiveProcessingTime: number;
  readonly apexProcessingTime: number;
}

export interface BatchInfo {
  readonly id: string;
  readonly jobId: string;
  readonly state: BatchState;
  readonly stateMessage?: string;
  readonly createdDate: Date;
  readonly systemModstamp: Date;
  readonly numberRecordsProcessed: number;
  readonly numberRecordsFailed: number;
  readonly totalProcessingTime: number;
  readonly apiActiveProcessingTime: number;
  readonly apexProcessingTime: number;
}

/** The error body of a failed request (wire §6.1). */
export interface ApiErrorBody {
  readonly exceptionCode: string;
  readonly exceptionMessage: string;
}

/** One error of a record-level result (wire §5.1 to 5.3). */
export interface ResultError {
  readonly statusCode: string;
  readonly message: string;
  readonly fields: readonly string[];
}

/** The result of one input row of a DML batch, in request order. */
export interface DmlResult {
  /** The record id; null for a failed row. */
  readonly id: string | null;
  readonly success: boolean;
  readonly created: boolean;
  readonly errors: readonly ResultError[];
}

export const TERMINAL_BATCH_STATES: ReadonlySet<BatchState> = new Set(['Completed', 'Failed', 'NotProcessed']);

/**
 * Errors of a job and its batches: batches unfinished at the poll timeout, a batch that failed, a
 * job that cannot be told from another, and rows that cannot be joined with their results one for one.
 */
import { BulkError, ContextError } from './bulk-error.js';

/** Batches were still unfinished when the poll timeout ran out; the run can resume from these ids. */
export class PollTimeoutError extends BulkError {
  override name = 'PollTimeoutError';
  readonly jobId: string;
  readonly batchIds: readonly string[];
  constructor(jobId: string, batchIds: readonly string[], timeoutMs: number) {
    super(
      'BULK_POLL_TIMEOUT',
      `${batchIds.length} batch(es) of job ${jobId} not finished after ${Math.round(timeoutMs / 1000)} s: ${batchIds.slice(0, 20).join(', ')}${batchIds.length > 20 ? ', ...' : ''}`,
    );
    this.jobId = jobId;
    this.batchIds = batchIds;
  }
}

/** A batch ended Failed (or NotProcessed where a result was needed): `stateMessage` says why. */
export class BatchFailedError extends BulkError {
  override name = 'BatchFailedError';
  readonly jobId: string;
  readonly batchId: string;
  readonly state: string;
  readonly stateMessage: string | undefined;
  constructor(jobId: string, batchId: string, state: string, stateMessage: string | undefined) {
    super('BULK_BATCH_FAILED', `batch ${batchId} of job ${jobId} is ${state}${stateMessage ? `: ${stateMessage}` : ''}`);
    this.jobId = jobId;
    this.batchId = batchId;
    this.state = state;
    this.stateMessage = stateMessage;
  }
}

/** A Bulk API 2.0 query job ended Failed or Aborted: `errorMessage` is the org's reason, when it gave one. */
export class QueryJobFailedError extends BulkError {
  override name = 'QueryJobFailedError';
  readonly jobId: string;
  readonly state: string;
  readonly errorMessage: string | undefined;
  constructor(jobId: string, state: string, errorMessage: string | undefined) {
    super('BULK_JOB_FAILED', `query job ${jobId} is ${state}${errorMessage ? `: ${errorMessage}` : ' (the org gave no reason)'}`);
    this.jobId = jobId;
    this.state = state;
    this.errorMessage = errorMessage;
  }
}

export interface JobUnknownContext {
  readonly object: string;
  readonly operation: string;
  /** The Open jobs any of which may be the one the lost request made. */
  readonly jobIds: readonly string[];
}

/**
 * The answer to a create-job request was lost and more than one like job was made since: which is
 * this run's cannot be told (adopting the wrong one would put its batches in somebody else's job).
 */
export class JobUnknownError extends ContextError<JobUnknownContext> {
  override name = 'JobUnknownError';
  constructor(message: string, context: JobUnknownContext) {
    super('BULK_JOB_UNKNOWN', message, context);
  }
}

/** A batch's results do not match its input rows one for one: joining them would shift rows. */
export class JoinMismatchError extends BulkError {
  override name = 'JoinMismatchError';
  readonly jobId: string;
  readonly batchId: string;
  readonly expected: number;
  readonly actual: number;
  constructor(jobId: string, batchId: string, expected: number, actual: number) {
    super('BULK_JOIN_MISMATCH', `batch ${batchId} of job ${jobId} has ${actual} result rows for ${expected} input rows`);
    this.jobId = jobId;
    this.batchId = batchId;
    this.expected = expected;
    this.actual = actual;
  }
}

export interface SpoolRowsContext {
  /** The segment's batch; undefined when it was not uploaded. */
  readonly batchId: string | undefined;
  /** The records the segment was cut with. */
  readonly records: number;
  /** Whether its spooled payload holds more of them or fewer. */
  readonly found: 'more' | 'fewer';
}

/** A segment's spooled payload, read back to join it with its results, holds another number of records than it was cut with. */
export class SpoolRowsMismatchError extends ContextError<SpoolRowsContext> {
  override name = 'SpoolRowsMismatchError';
  constructor(message: string, context: SpoolRowsContext) {
    super('BULK_JOIN_MISMATCH', message, context);
  }
}

export interface SegmentLostContext {
  /** The segment that never reached the joiner. */
  readonly segment: number;
  /** The later segments that did, in order. */
  readonly arrived: readonly number[];
}

/** A segment of the load never reached the result joiner while later ones did: a stage before it lost it. */
export class SegmentLostError extends ContextError<SegmentLostContext> {
  override name = 'SegmentLostError';
  constructor(message: string, context: SegmentLostContext) {
    super('BULK_JOIN_MISMATCH', message, context);
  }
}

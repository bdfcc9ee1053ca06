/**
 * Errors of a run as a whole: stopped by the caller or not confirmed, an output that cannot be
 * written, stages in the wrong order, an attachment that cannot be read or zipped, and an optional
 * package that is not installed.
 */
import { BulkError, ContextError, errorCodeOf } from './bulk-error.js';

/** The caller's AbortSignal fired. `cause` is the signal's reason. */
export class AbortedError extends BulkError {
  override name = 'AbortedError';
  constructor(what: string, reason?: unknown) {
    super('BULK_ABORTED', `${what} was aborted`, { cause: reason });
  }
}

/** The person at the terminal did not confirm a change to a real org (the CLI): nothing was written. */
export class NotConfirmedError extends ContextError<{ readonly command: string }> {
  override name = 'NotConfirmedError';
  /** `command`: the command that asked, e.g. `load`. */
  constructor(message: string, context: { readonly command: string }) {
    super('BULK_ABORTED', message, context);
  }
}

/**
 * An output file could not be written (a full disk, a permission, a folder gone). Names the file,
 * how many rows it holds whole, and the job, whose results stay on the server for a week
 * (`bulkpipe job results <job>`). `cause` is the file system's error.
 */
export class OutputError extends BulkError {
  override name = 'OutputError';
  readonly path: string;
  readonly rowsWritten: number;
  readonly jobId: string | undefined;
  constructor(path: string, rowsWritten: number, jobId: string | undefined, cause: unknown) {
    const code = errorCodeOf(cause) ?? (cause instanceof Error ? cause.message : String(cause));
    super(
      'BULK_OUTPUT',
      `cannot write ${path} (${code}): ${rowsWritten.toLocaleString('en-US')} rows written to it${jobId ? `; the results of job ${jobId} stay on the server for 7 days (bulkpipe job results ${jobId})` : ''}`,
      { cause },
    );
    this.path = path;
    this.rowsWritten = rowsWritten;
    this.jobId = jobId;
  }
}

/** An output the CLI wrote to a file first could not be copied to stdout; the file is kept. `cause` is the copy's error. */
/** `output`: which one (`success`, `errors` or `results`); `path`: the file that holds it whole, kept. */
export class OutputCopyError extends ContextError<{ readonly output: string; readonly path: string }> {
  override name = 'OutputCopyError';
  constructor(message: string, context: { readonly output: string; readonly path: string }, options?: ErrorOptions) {
    super('BULK_OUTPUT', message, context, options);
  }
}

export interface StageOrderContext {
  /** The stage that was given the item. */
  readonly stage: string;
  /** The kinds of item it takes (lib/streams/stage-items.ts). */
  readonly accepts: readonly string[];
  /** The kind it got. */
  readonly got: string;
}

/** A pipeline stage was given an item of a kind it does not take: the stages are in the wrong order. */
export class StageOrderError extends ContextError<StageOrderContext> {
  override name = 'StageOrderError';
  constructor(message: string, context: StageOrderContext) {
    super('BULK_PIPELINE', message, context);
  }
}

export type AttachmentErrorContext =
  /** An attachment file could not be read. */
  | { readonly problem: 'unreadable'; readonly path: string }
  /** The zip of a batch's attachments could not be written (a file changed size since it was checked?). */
  | { readonly problem: 'zip'; readonly path: string; readonly attachments: number };

/** A batch's attachments could not be read or zipped. `cause` is the file system's or the zip's error. */
export class AttachmentError extends ContextError<AttachmentErrorContext> {
  override name = 'AttachmentError';
  constructor(message: string, context: AttachmentErrorContext, options?: ErrorOptions) {
    super('BULK_ATTACHMENT', message, context, options);
  }
}

export interface MissingPackageContext {
  /** The npm package to install. */
  readonly packageName: string;
}

/** An optional peer dependency that a feature needs is not installed. */
export class MissingPackageError extends ContextError<MissingPackageContext> {
  override name = 'MissingPackageError';
  constructor(message: string, context: MissingPackageContext, options?: ErrorOptions) {
    super('BULK_MISSING_PACKAGE', message, context, options);
  }
}

export interface DailyLimitContext {
  /** The org's limit, as `/limits` names it (`DailyBulkApiBatches`, `DailyApiRequests`, `DailyBulkV2QueryJobs`). */
  readonly limit: string;
  /** What the run needs of it (an estimate for a file, rounded up; for a stream, 1: something left). */
  readonly needed: number;
  /** What the org has left of it. */
  readonly remaining: number;
  /** The org's daily allocation. */
  readonly max: number;
}

/**
 * Before any job exists: what is left of one of the org's daily limits (`/limits`) is less than the
 * run needs. Nothing was sent but the read of `/limits`. The override is `ignoreLimits` (`--ignore-limits`).
 */
export class DailyLimitError extends ContextError<DailyLimitContext> {
  override name = 'DailyLimitError';
  constructor(message: string, context: DailyLimitContext) {
    super('BULK_DAILY_LIMIT', message, context);
  }
}

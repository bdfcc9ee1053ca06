/**
 * Errors of a load's run folder: its lock (another process holds it), its ledger (missing, of
 * another version, unreadable, or a resume it cannot vouch for) and its spool (a file that could
 * not be written whole).
 */
import { BulkError, ContextError } from './bulk-error.js';

/** A process that holds a load's run lock, as it describes itself. */
export interface RunHolder {
  readonly pid: number;
  readonly host: string;
  /** Its command line, the values of secret-looking flags masked. */
  readonly command: string;
  /** When it took the lock (ISO 8601). */
  readonly since: string;
}

/**
 * A load's run folder is held by a live process (this one included): a second resume, a `job clean`
 * or any other taker is refused before it reads or changes anything. `holder` is undefined when the
 * holder did not say who it is in time.
 */
export class RunLockedError extends BulkError {
  override name = 'RunLockedError';
  readonly dir: string;
  readonly holder: RunHolder | undefined;
  constructor(dir: string, holder: RunHolder | undefined) {
    const who = holder
      ? `process ${holder.pid} on ${holder.host}${holder.command ? ` (${holder.command})` : ''}${holder.since ? `, since ${holder.since}` : ''}`
      : 'a live process that did not say which';
    super('BULK_LOCKED', `the load in ${dir} is in use by ${who}`);
    this.dir = dir;
    this.holder = holder;
  }
}

/** A batch of the org, by its job. */
export interface BatchRef {
  readonly jobId: string;
  readonly batchId: string;
}

/** What is wrong with a ledger, or with resuming a load from it; `problem` tells them apart. */
export type LedgerProblem =
  /** The folder holds no ledger. */
  | { readonly problem: 'missing' }
  /** A line was to be written to a ledger that is closed, or was never opened. */
  | { readonly problem: 'closed' | 'not-open' }
  /** A new run was given a folder that holds another load's ledger. */
  | { readonly problem: 'taken' }
  /** The ledger was written by a bulkpipe of another ledger version. */
  | { readonly problem: 'version'; readonly version: number; readonly reads: number }
  /** The ledger has no run line: not a ledger, or cut before its first line. */
  | { readonly problem: 'no-run-line' }
  /** The ledger could not be read (as the list of runs says why). */
  | { readonly problem: 'unreadable'; readonly reason: string }
  /** The ledger does not say where the input stands after this segment. */
  | { readonly problem: 'no-input-position'; readonly afterSegment: number }
  /** The load is finished: there is nothing to resume. */
  | { readonly problem: 'finished' }
  /**
   * The input must be read again (from `fromRow`, 1-based) and cannot be (`reason`: a stream, gone,
   * changed); `damagedFile` is the spool file that made it needed, when one did.
   */
  | { readonly problem: 'input-unusable'; readonly reason: string; readonly fromRow: number; readonly damagedFile: string | undefined }
  /** A segment that took no batch of the org while one may hold its rows: uploading it could load them twice. */
  | { readonly problem: 'upload-refused'; readonly segment: number }
  /** Two jobs found in the org fit a segment equally: which is the load's cannot be told. */
  | { readonly problem: 'ambiguous-job'; readonly jobIds: readonly [string, string] }
  /** Batches of the load's jobs whose records match no segment of the input: in no output. */
  | { readonly problem: 'unplaced-batches'; readonly batches: readonly BatchRef[] }
  /** Batches matched by their bytes in jobs not proven the load's own (`busyJobs`: still being added to). */
  | { readonly problem: 'unproven-batches'; readonly batches: readonly BatchRef[]; readonly busyJobs: readonly string[] }
  /** A Bulk API 2.0 job of the load that the org no longer has, or whose ordered results are gone while some of its rows are written: which rows it loaded cannot be told. */
  | { readonly problem: 'job-unknowable'; readonly jobId: string; readonly segments: readonly number[] }
  /** A segment's record retry cannot go on: a spool file its ledger line names is gone or damaged (`file`), so which rows await which attempt cannot be told. */
  | { readonly problem: 'retry-spool-damaged'; readonly segment: number; readonly file: string };

/** A ledger's problem and its run folder (undefined where the code that finds it does not know the folder). */
export type LedgerErrorContext = LedgerProblem & { readonly dir: string | undefined };

/** A load's ledger is missing, unreadable or closed, or a resume from it is refused: `context.problem` says which. */
export class LedgerError extends ContextError<LedgerErrorContext> {
  override name = 'LedgerError';
  constructor(message: string, context: LedgerErrorContext, options?: ErrorOptions) {
    super('BULK_LEDGER', message, context, options);
  }
}

export interface SpoolErrorContext {
  /** The spool file. */
  readonly path: string;
  /** The file system's error code (`ENOSPC`, `EIO`, ...), when it gave one. */
  readonly causeCode: string | undefined;
}

/** A spool file could not be written whole (a full disk, a quota, an I/O error): nothing of it was recorded or uploaded. `cause` is the file system's error. */
export class SpoolError extends ContextError<SpoolErrorContext> {
  override name = 'SpoolError';
  constructor(message: string, context: SpoolErrorContext, options?: ErrorOptions) {
    super('BULK_SPOOL', message, context, options);
  }
}

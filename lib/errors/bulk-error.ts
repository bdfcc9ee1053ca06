/**
 * The root of the error family: BulkError and its closed union of `BULK_*` codes. Callers branch on
 * `code` (a closed union that never changes once released), never on `name` or `message`. Each code
 * has classes whose context lives on typed readonly fields (lib/errors.ts lists them by family).
 */

export type BulkErrorCode =
  | 'BULK_INVALID_OPTION'
  | 'BULK_INVALID_ID'
  | 'BULK_PARSE'
  | 'BULK_HTTP_STATUS'
  | 'BULK_API_ERROR'
  | 'BULK_SESSION_EXPIRED'
  | 'BULK_LOGIN_FAILED'
  | 'BULK_NETWORK'
  | 'BULK_ABORTED'
  | 'BULK_POLL_TIMEOUT'
  | 'BULK_JOIN_MISMATCH'
  | 'BULK_BATCH_FAILED'
  | 'BULK_JOB_FAILED'
  | 'BULK_OUTPUT'
  | 'BULK_JOB_UNKNOWN'
  | 'BULK_COLUMNS'
  | 'BULK_LEDGER'
  | 'BULK_LOCKED'
  | 'BULK_SPOOL'
  | 'BULK_PIPELINE'
  | 'BULK_ATTACHMENT'
  | 'BULK_MISSING_PACKAGE'
  | 'BULK_DAILY_LIMIT'
  | 'BULK_UNKNOWN_OBJECT';

export class BulkError extends Error {
  override name = 'BulkError';
  readonly code: BulkErrorCode;
  constructor(code: BulkErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** A BulkError whose facts are in one typed `context` object, for callers to read rather than parse the message. */
export class ContextError<C> extends BulkError {
  readonly context: C;
  constructor(code: BulkErrorCode, message: string, context: C, options?: ErrorOptions) {
    super(code, message, options);
    this.context = context;
  }
}

/** The `code` property of an unknown thrown value, if it has a string one. */
export function errorCodeOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

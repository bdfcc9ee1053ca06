/**
 * The one error family of bulkpipe. Callers branch on `code` (a closed union that never changes once
 * released), never on `name` or `message`. Context lives on typed readonly fields: the first classes'
 * own fields, and a `context` object on the others. The classes live in errors/, one file per family;
 * this is the one place to import them from. Row-level codes (the error file's `BULKPIPE_*`) are
 * another closed list, in errors/row-codes.ts.
 */

export { BulkError, ContextError, type BulkErrorCode, errorCodeOf } from './errors/bulk-error.js';
export { ROW_ERROR_CODES, type RowErrorCode, type RowErrorCodes, rowError } from './errors/row-codes.js';
export {
  InvalidOptionError,
  InvalidIdError,
  ParseError,
  type ParseErrorContext,
  PayloadError,
  ColumnCheckError,
  DuplicateColumnError,
  UnknownObjectError,
  UnnamedColumnError,
  DateFormatMismatchError,
  NamelessHeaderError,
} from './errors/input-errors.js';
export {
  BODY_EXCERPT_CHARS,
  type RequestContext,
  HttpStatusError,
  BulkApiError,
  SessionExpiredError,
  LoginError,
  NetworkError,
  BodyReplayError,
  type BodyReplayContext,
  StreamBodyError,
  type StreamBodyContext,
  OrgContactError,
} from './errors/http-errors.js';
export {
  PollTimeoutError,
  BatchFailedError,
  QueryJobFailedError,
  JobUnknownError,
  type JobUnknownContext,
  JoinMismatchError,
  SpoolRowsMismatchError,
  type SpoolRowsContext,
  SegmentLostError,
  type SegmentLostContext,
} from './errors/job-errors.js';
export {
  type RunHolder,
  RunLockedError,
  type BatchRef,
  type LedgerProblem,
  type LedgerErrorContext,
  LedgerError,
  SpoolError,
  type SpoolErrorContext,
} from './errors/load-state-errors.js';
export {
  AbortedError,
  NotConfirmedError,
  OutputError,
  OutputCopyError,
  StageOrderError,
  type StageOrderContext,
  AttachmentError,
  type AttachmentErrorContext,
  MissingPackageError,
  type MissingPackageContext,
  DailyLimitError,
  type DailyLimitContext,
} from './errors/run-errors.js';

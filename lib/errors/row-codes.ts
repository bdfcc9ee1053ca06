/**
 * The codes of bulkpipe's own row-level errors: the error text of a record that bulkpipe rejects
 * before the upload (malformed, too large, not UTF-8, ...) or whose result it cannot tell, written
 * in Salesforce's CSV result form `CODE:message:fields --` so that it sits in the error file beside
 * the org's own status codes. Users filter error files by these codes: like BulkErrorCode, a closed
 * list that never changes once released, and every place that writes one takes it from here, typed.
 */

export const ROW_ERROR_CODES = [
  'BULKPIPE_MALFORMED_RECORD',
  'BULKPIPE_FIELD_COUNT',
  'BULKPIPE_INVALID_UTF8',
  'BULKPIPE_DUPLICATE_FIELD',
  'BULKPIPE_RECORD_TOO_LARGE',
  'BULKPIPE_NUL_CHARACTER',
  'BULKPIPE_ATTACHMENT',
  'BULKPIPE_UNKNOWN_FIELD',
  'BULKPIPE_RESULT_MISMATCH',
  /** A Bulk API 2.0 job ended (Failed, Aborted) before the org processed the record: it never reached the org. */
  'BULKPIPE_NOT_PROCESSED',
  /** A record retry's batch or job failed whole (or its results did not match its rows): whether the org wrote the record is not known. */
  'BULKPIPE_RETRY_FAILED',
  /** A resumed record retry's job (or batch) is gone from the org: whether the org wrote the record is not known, and it is not sent again. */
  'BULKPIPE_RETRY_UNKNOWN',
  /** A value in a column that the header leaves without a name (an Excel export's empty trailing columns): it would go to no field. */
  'BULKPIPE_UNNAMED_COLUMN',
] as const;

export type RowErrorCode = (typeof ROW_ERROR_CODES)[number];

/**
 * Some of the codes, for a field that holds only those: `RowErrorCodes<'BULKPIPE_MALFORMED_RECORD'>`.
 * A name outside the union is a compile error here, where `Extract` would quietly make it `never`.
 */
export type RowErrorCodes<T extends RowErrorCode> = T;

/**
 * A row error as the org writes one in a CSV result (lib/wire/dml-results.ts): `CODE:message:fields --`,
 * or `CODE:message:--` when no field is named. Input faults, which name where the record is, are
 * written by lib/load/input-fault.ts.
 */
export function rowError(code: RowErrorCode, message: string, fields: readonly string[] = []): string {
  return `${code}:${message}:${fields.length ? `${fields.join(',')} --` : '--'}`;
}

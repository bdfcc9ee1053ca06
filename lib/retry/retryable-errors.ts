/**
 * Which row results prove that the record was not written and may be sent again (issue 26). Only
 * those: a result that may have written anything is never retried. Each code is here on what
 * Salesforce says of it:
 * - `UNABLE_TO_LOCK_ROW` ("A deadlock or timeout condition has been detected", the SOAP API's
 *   StatusCode reference): the row's save waited for a record lock and gave up, and its transaction
 *   for that row was rolled back. The Bulk API guide ("Avoid lock contention") and every loader that
 *   retries (Airflow's SalesforceBulkOperator #64575, Data Loader's lock advice) send such rows again.
 * - `CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY` whose message carries `UNABLE_TO_LOCK_ROW`: a trigger or
 *   flow's own DML hit the lock; the whole save of the row is rolled back with it. Any other
 *   CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY (a trigger's validation, a callout) is not transient.
 * Codes sometimes called transient at the request level (`API_TEMPORARILY_UNAVAILABLE`,
 * `SERVER_UNAVAILABLE`) are left out: as a row's result no document says the row was not written.
 */

/** The status codes a row's error may carry alone and be retried. */
const LOCK = 'UNABLE_TO_LOCK_ROW';
const TRIGGER = 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY';

/**
 * Whether a row's error text (the CSV result form, `CODE:message:fields --`, one error a line)
 * proves the row was not written and it may be sent again: every error it holds is a lock failure.
 */
export function isRetryableError(error: string): boolean {
  if (error === '') return false;
  return error.split('\n').every((line) => {
    const code = line.slice(0, line.indexOf(':'));
    return code === LOCK || (code === TRIGGER && line.includes(LOCK));
  });
}

const ID = /\b[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?\b/g;

/**
 * The records a lock failure names (`unable to obtain exclusive access to this record or 2 records:
 * 001..., 001...`): the parent a child row waited for. The first orders a retry's rows by parent.
 */
export function lockedIds(error: string): string[] {
  const at = error.indexOf('records:');
  if (at < 0) return [];
  const tail = error.slice(at + 'records:'.length);
  return [...tail.matchAll(ID)].map((m) => m[0]);
}

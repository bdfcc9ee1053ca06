/**
 * Whether an error says that the org no longer has a retry attempt's job or batch (issue 26): a
 * resumed run may come back after the org deleted it (Salesforce deletes v1 jobs and batches seven
 * days old, "Job and Batch Lifespan"; a 2.0 job may be deleted by anyone). Bulk API 2.0 answers an
 * unknown or deleted job with 404 `NOT_FOUND` (spec bulk-api-v2.md); v1 with `InvalidJob` "Unable to
 * find job id" or `InvalidBatch` "Unable to find batch for id" (HTTP 400, as the local org answers:
 * the Bulk API v1 docs name the codes, not the deleted case) — only those messages, as `InvalidJob`
 * and `InvalidBatch` also refuse a state or a body.
 */
import { BulkApiError } from '../errors.js';

export function goneFromOrg(err: unknown): boolean {
  if (!(err instanceof BulkApiError)) return false;
  if (err.exceptionCode === 'NOT_FOUND') return err.statusCode === 404;
  return (err.exceptionCode === 'InvalidJob' || err.exceptionCode === 'InvalidBatch') && /^Unable to find (job|batch)\b/.test(err.exceptionMessage);
}

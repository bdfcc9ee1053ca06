/**
 * The keys every JobInfo of a job opens with in the REST answers (2.0 ingest and query shapes, the
 * job lists), in the recorded order (spec §3.3, §3.8, §4.2): id ... systemModstamp, state,
 * [externalIdFieldName], concurrencyMode, contentType, apiVersion. `apiVersion` is a JSON number:
 * Salesforce prints `66.0`, JSON.stringify `66`; every surveyed client reads it as a number.
 */
import type { JobRow } from '../../store/jobs-store.js';
import { restDate } from '../rest-date.js';

export function jobOpening(job: JobRow, state: string, modstamp: number): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.user_id,
    createdDate: restDate(job.created_date),
    systemModstamp: restDate(modstamp),
    state,
    ...(job.external_id_field ? { externalIdFieldName: job.external_id_field } : {}),
    concurrencyMode: job.concurrency_mode,
    contentType: job.content_type,
    apiVersion: Number(job.api_version),
  };
}

/**
 * What Bulk API 2.0 ingest and query jobs share: a new job's row, and finding the session user's
 * job of one kind by a 15- or 18-character id (anything else, another user's job included, is
 * unknown: 404 NOT_FOUND, as Salesforce answers).
 */
import { isValidId, toId18 } from '../../../lib/ids.js';
import type { JobRow } from '../../store/jobs-store.js';
import type { RestContext } from '../rest-api.js';
import type { V2Route } from './route.js';

/** What a create request decides; the rest of the row is the same for every 2.0 job. */
export type V2JobRequest = Pick<JobRow, 'job_type' | 'operation' | 'object' | 'state' | 'line_ending' | 'column_delimiter'> &
  Partial<Pick<JobRow, 'external_id_field' | 'assignment_rule_id'>>;

/** A new job's row (not yet stored), under the org's own schema, dated to the second as Salesforce dates it. */
export function newV2Job(context: RestContext, route: V2Route, request: V2JobRequest): JobRow {
  const now = Math.floor(context.now() / 1000) * 1000;
  return {
    external_id_field: null,
    assignment_rule_id: null,
    ...request,
    id: context.ids.next('750'),
    user_id: route.userId,
    // "for future use": always Parallel, not settable (spec §3.3).
    concurrency_mode: 'Parallel',
    content_type: 'CSV',
    api_version: route.version,
    pk_chunking: null,
    created_date: now,
    modstamp: now,
    schema_id: context.schemas.ownId,
    error_message: null,
  };
}

/** The user's job of `type` with that id (a %-escaped path segment), or undefined. */
export function findV2Job(context: RestContext, rawId: string, userId: string, type: JobRow['job_type']): JobRow | undefined {
  const id = decodeSegment(rawId);
  const job = isValidId(id) && id.startsWith('750') ? context.jobs.job(toId18(id)) : undefined;
  return job?.job_type === type && job.user_id === userId ? job : undefined;
}

/** A path segment, %-decoded; a malformed escape is kept as it is, to be refused as an unknown id. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The three JobInfo shapes of a Bulk API 2.0 ingest job, keys in the recorded order (spec §3.3;
 * fixtures docs_ingest_jobinfo_*.json, real_v52_ingest_update_trace.txt). Clients parse JSON, so the
 * order is for diffing against recordings.
 */
import type { JobRow } from '../../store/jobs-store.js';
import type { IngestState, IngestStatus } from '../../v2/ingest-status.js';
import { jobOpening } from './job-opening.js';

type Shape = Record<string, unknown>;

/** The opening keys (job-opening.ts); the job's own modstamp unless processing changed it since. */
const opening = (job: JobRow, state: IngestState, modstamp = job.modstamp): Shape => jobOpening(job, state, modstamp);

/** `services/data/v52.0/jobs/ingest/{id}/batches`: relative, no leading slash (node-sf-bulk2 PUTs to instanceUrl + '/' + it). */
const contentUrl = (job: JobRow): string => `services/data/v${job.api_version}/jobs/ingest/${job.id}/batches`;

/**
 * The create answer: contentUrl while Open (a multipart create is UploadComplete and has none).
 * assignmentRuleId's position is not recorded (the docs list keys alphabetically): after apiVersion.
 */
export function createShape(job: JobRow, state: 'Open' | 'UploadComplete'): Shape {
  return {
    ...opening(job, state),
    ...(job.assignment_rule_id ? { assignmentRuleId: job.assignment_rule_id } : {}),
    ...(state === 'Open' ? { contentUrl: contentUrl(job) } : {}),
    lineEnding: job.line_ending ?? 'LF',
    columnDelimiter: job.column_delimiter ?? 'COMMA',
  };
}

/** The PATCH answer: the opening keys only (no jobType, contentUrl, dialect or counters). */
export function shortShape(job: JobRow, state: IngestState): Shape {
  return opening(job, state);
}

/**
 * The GET answer. Record counters are absent while an Open job has no data (recorded v52), present
 * from the upload on (simple-salesforce reads them at JobComplete); errorMessage only when Failed,
 * after the counters (its recorded position was lost to re-serialization).
 */
export function fullShape(job: JobRow, status: IngestStatus): Shape {
  const counted = status.uploaded || status.state !== 'Open';
  return {
    ...opening(job, status.state, status.modstamp),
    jobType: 'V2Ingest',
    ...(job.assignment_rule_id ? { assignmentRuleId: job.assignment_rule_id } : {}),
    ...(status.state === 'Open' ? { contentUrl: contentUrl(job) } : {}),
    lineEnding: job.line_ending ?? 'LF',
    columnDelimiter: job.column_delimiter ?? 'COMMA',
    ...(counted ? { numberRecordsProcessed: status.processed, numberRecordsFailed: status.failed } : {}),
    ...(status.state === 'Failed' && status.errorMessage ? { errorMessage: status.errorMessage } : {}),
    retries: 0,
    totalProcessingTime: status.totalMs,
    apiActiveProcessingTime: status.apiMs,
    apexProcessingTime: 0,
  };
}

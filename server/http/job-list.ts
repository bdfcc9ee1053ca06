/**
 * The org's job lists, REST (`GET /services/data/vXX.X/jobs/ingest` and `/jobs/query`, spec §3.8):
 * the user's Bulk API v1 jobs (`jobType: "Classic"`) with the Bulk API 2.0 jobs of the list's kind
 * (V2Ingest, or V2Query), 1,000 a page with a `nextRecordsUrl` on the resource called. Clients read
 * it to find a job whose create answer was lost (the v1 API cannot list jobs). The REST API has
 * checked the session; errors are REST's JSON arrays.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobRow, JobsStore, JobType } from '../store/jobs-store.js';
import { ingestStatus } from '../v2/ingest-status.js';
import { restError, restJson } from './rest-reply.js';
import { jobOpening } from './v2/job-opening.js';
import { queryJobView } from './v2/query-job-info.js';
import type { V2Route } from './v2/route.js';
import type { RestContext } from './rest-api.js';

const PAGE_SIZE = 1000;
const JOB_TYPES: readonly string[] = ['Classic', 'V2Ingest', 'V2Query', 'BigObjectIngest'];

/** `kind`: which list was called; its 2.0 jobs are listed beside the Classic ones. */
export async function handleJobList(req: IncomingMessage, res: ServerResponse, url: URL, context: RestContext, kind: 'ingest' | 'query', route: V2Route): Promise<void> {
  const { userId, version: apiVersion } = route;
  const jobType = url.searchParams.get('jobType');
  if (jobType !== null && !JOB_TYPES.includes(jobType)) return restError(req, res, 400, 'INVALIDJOBTYPE', `Invalid job type: ${jobType}`);
  const locator = url.searchParams.get('queryLocator');
  const after = locator === null ? 0 : Number.parseInt(locator, 36);
  if (!Number.isSafeInteger(after) || after < 0) return restError(req, res, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  const listed: JobType[] = ['Classic', kind === 'ingest' ? 'V2Ingest' : 'V2Query'];
  const types = jobType === null ? listed : listed.filter((t) => t === jobType);
  const rows = types.length ? context.jobs.listJobs(userId, types, after, PAGE_SIZE + 1) : [];
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  const more = rows.length > PAGE_SIZE && last !== undefined;
  const next = more ? `/services/data/v${apiVersion}/jobs/${kind}?${jobType ? `jobType=${jobType}&` : ''}queryLocator=${last.rowid.toString(36)}` : null;
  await restJson(req, res, { done: !more, records: page.map((job) => listedJob(context.jobs, job)), nextRecordsUrl: next });
}

function listedJob(jobs: JobsStore, job: JobRow): Record<string, unknown> {
  // A 2.0 job's state (and the last change to it) is derived from its internal batches, as its job info shows them.
  const now =
    job.job_type === 'V2Ingest' ? ingestStatus(job, jobs.batches(job.id)) : job.job_type === 'V2Query' ? queryJobView(jobs, job) : { state: job.state, modstamp: job.modstamp };
  return {
    ...jobOpening(job, now.state, now.modstamp),
    jobType: job.job_type,
    lineEnding: job.line_ending ?? 'LF',
    columnDelimiter: job.column_delimiter ?? 'COMMA',
  };
}

/**
 * The org's job list, REST (`GET /services/data/vXX.X/jobs/ingest`): the user's Bulk API v1 jobs as
 * Salesforce lists them, `jobType: "Classic"`, 1,000 a page with a `nextRecordsUrl`. Clients read it
 * to find a job whose create answer was lost (the v1 API cannot list jobs). The session comes as
 * `Authorization: Bearer` (REST) or `X-SFDC-Session`; errors are REST's JSON arrays.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthStore } from '../store/auth-store.js';
import type { JobRow, JobsStore } from '../store/jobs-store.js';
import { restDate } from './rest-date.js';
import { restError as reply, restJson, restUser } from './rest-reply.js';

export interface JobListContext {
  readonly auth: AuthStore;
  readonly jobs: JobsStore;
  readonly now: () => number;
}

const PAGE_SIZE = 1000;

export async function handleJobList(req: IncomingMessage, res: ServerResponse, apiVersion: string, url: URL, context: JobListContext): Promise<void> {
  const restError = (status: number, errorCode: string, message: string) => reply(req, res, status, errorCode, message);
  const userId = restUser(req, context);
  if (!userId) return restError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  const jobType = url.searchParams.get('jobType');
  if (jobType !== null && !['Classic', 'V2Ingest', 'BigObjectIngest'].includes(jobType)) return restError(400, 'INVALIDJOBTYPE', `Invalid job type: ${jobType}`);
  const locator = url.searchParams.get('queryLocator');
  const after = locator === null ? 0 : Number.parseInt(locator, 36);
  if (!Number.isSafeInteger(after) || after < 0) return restError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  // Every job of the local org is a v1 (Classic) job.
  const rows = jobType === null || jobType === 'Classic' ? context.jobs.listJobs(userId, after, PAGE_SIZE + 1) : [];
  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  const more = rows.length > PAGE_SIZE && last !== undefined;
  const next = more ? `/services/data/v${apiVersion}/jobs/ingest?${jobType ? `jobType=${jobType}&` : ''}queryLocator=${last.rowid.toString(36)}` : null;
  await restJson(req, res, { done: !more, records: page.map(listed), nextRecordsUrl: next });
}

function listed(job: JobRow): Record<string, unknown> {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.user_id,
    createdDate: restDate(job.created_date),
    systemModstamp: restDate(job.modstamp),
    state: job.state,
    concurrencyMode: job.concurrency_mode,
    contentType: job.content_type,
    apiVersion: Number(job.api_version),
    jobType: 'Classic',
    lineEnding: 'LF',
    columnDelimiter: 'COMMA',
  };
}

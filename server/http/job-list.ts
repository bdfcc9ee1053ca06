/**
 * The org's job list, REST (`GET /services/data/vXX.X/jobs/ingest`): the user's Bulk API v1 jobs as
 * Salesforce lists them, `jobType: "Classic"`, 1,000 a page with a `nextRecordsUrl`. Clients read it
 * to find a job whose create answer was lost (the v1 API cannot list jobs). The session comes as
 * `Authorization: Bearer` (REST) or `X-SFDC-Session`; errors are REST's JSON arrays.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthStore } from '../store/auth-store.js';
import type { JobRow, JobsStore } from '../store/jobs-store.js';
import { respond } from './respond.js';

export interface JobListContext {
  readonly auth: AuthStore;
  readonly jobs: JobsStore;
  readonly now: () => number;
}

export const JOB_LIST_ROUTE = /^\/services\/data\/v(\d+\.\d)\/jobs\/ingest\/?$/;

const PAGE_SIZE = 1000;
const JSON_TYPE = 'application/json;charset=UTF-8';

/** `2026-12-01T13:08:43.000+0000`: the REST API's date form. */
const restDate = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

export async function handleJobList(req: IncomingMessage, res: ServerResponse, apiVersion: string, url: URL, context: JobListContext): Promise<void> {
  const restError = (status: number, errorCode: string, message: string) => respond(req, res, status, JSON_TYPE, JSON.stringify([{ message, errorCode }]));
  if (req.method !== 'GET') return restError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${req.method}' not allowed. Allowed are GET`);
  const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
  const session = bearer ?? (typeof req.headers['x-sfdc-session'] === 'string' ? req.headers['x-sfdc-session'] : undefined);
  const userId = session ? context.auth.sessionUser(session, context.now()) : undefined;
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
  await respond(req, res, 200, JSON_TYPE, JSON.stringify({ done: !more, records: page.map(listed), nextRecordsUrl: next }));
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

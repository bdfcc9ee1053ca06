/**
 * Bulk API 2.0 query jobs (`/services/data/vXX.X/jobs/query...`, API 47.0+, spec §4.1): create,
 * job info, abort, delete, results and resultPages. A job is the session user's V2Query job, by 15-
 * or 18-character id; any other id (unknown, another user's, deleted, a v1 or ingest job) is a 404.
 * The job list (`GET /jobs/query`) is the one of job-list.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleJobList } from '../job-list.js';
import type { RestContext } from '../rest-api.js';
import { methodNotAllowed } from '../rest-reply.js';
import { createQueryJob } from './query-create.js';
import { abortQueryJob, deleteQueryJob } from './query-job-control.js';
import { infoShape, queryJobView, respondJob, type QueryJobView } from './query-job-info.js';
import { sendResultPages } from './query-result-pages.js';
import { sendQueryResults } from './query-results.js';
import type { V2Route } from './route.js';
import { findV2Job } from './v2-job.js';
import { v2Error } from './v2-error.js';

/** Query jobs arrived in API 47.0; resultPages in 58.0 (spec §1.3). */
const QUERY_JOBS_SINCE = 47;
const RESULT_PAGES_SINCE = 58;

export function handleQueryJobs(req: IncomingMessage, res: ServerResponse, url: URL, context: RestContext, route: V2Route): Promise<void> {
  const notFound = () => v2Error(req, res, 404, 'NOT_FOUND', 'The requested resource does not exist');
  if (Number(route.version) < QUERY_JOBS_SINCE) return notFound();
  if (route.tail === '') {
    if (req.method === 'POST') return createQueryJob(req, res, context, route);
    if (req.method === 'GET' || req.method === 'HEAD') return handleJobList(req, res, url, context, 'query', route);
    return methodNotAllowed(req, res, ['GET', 'HEAD', 'POST']);
  }
  const path = /^\/([A-Za-z0-9]{15,18})(?:\/(results|resultPages))?$/i.exec(route.tail);
  const view = path ? findJob(context, route, path[1] as string) : undefined;
  if (!path || !view) return notFound();
  const resource = path[2]?.toLowerCase();
  if (resource === undefined) {
    if (req.method === 'GET' || req.method === 'HEAD') return respondJob(req, res, infoShape(view));
    if (req.method === 'PATCH') return abortQueryJob(req, res, context, view);
    if (req.method === 'DELETE') return deleteQueryJob(req, res, context, view);
    return methodNotAllowed(req, res, ['GET', 'HEAD', 'PATCH', 'DELETE']);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(req, res, ['GET', 'HEAD']);
  if (resource === 'results') return sendQueryResults(req, res, url, context, route, view);
  // The docs spell the resource resultPages and its nextRecordsUrl resultpages: both are served.
  if (Number(route.version) < RESULT_PAGES_SINCE) return notFound();
  return sendResultPages(req, res, url, context, route, view);
}

function findJob(context: RestContext, route: V2Route, rawId: string): QueryJobView | undefined {
  const job = findV2Job(context, rawId, route.userId, 'V2Query');
  return job && queryJobView(context.jobs, job);
}

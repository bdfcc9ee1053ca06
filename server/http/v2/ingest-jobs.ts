/**
 * Bulk API 2.0 ingest jobs (`/services/data/vXX.X/jobs/ingest...`, spec §3), after the REST API
 * has checked the session: the job list, create (JSON or multipart), job info, PATCH, DELETE, the
 * upload and the three result files. Refusals are `[{"errorCode","message"}]` (v2Error).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ingestStatus } from '../../v2/ingest-status.js';
import { handleJobList } from '../job-list.js';
import type { RestContext } from '../rest-api.js';
import { methodNotAllowed, restJson } from '../rest-reply.js';
import { createIngestJob } from './ingest-create.js';
import { V2Failure, notFound } from './v2-failure.js';
import { fullShape } from './ingest-job-info.js';
import { changeJobState, deleteJob } from './ingest-lifecycle.js';
import { resultKind, sendResults } from './ingest-results.js';
import { createJobWithData, uploadJobData } from './ingest-upload.js';
import { multipartBoundary } from './multipart.js';
import type { V2Route } from './route.js';
import { findV2Job } from './v2-job.js';
import { v2Error } from './v2-error.js';

/** Ingest resources arrived in API 41.0 (spec §1.3). */
const FIRST_VERSION = 41;

export async function handleIngestJobs(req: IncomingMessage, res: ServerResponse, url: URL, context: RestContext, route: V2Route): Promise<void> {
  try {
    await route_(req, res, url, context, route);
  } catch (err) {
    if (!(err instanceof V2Failure) || res.headersSent) throw err;
    // The unread rest of a refused body would be taken for the next request.
    if (!req.complete) res.setHeader('connection', 'close');
    await v2Error(req, res, err.status, err.errorCode, err.message);
  }
}

async function route_(req: IncomingMessage, res: ServerResponse, url: URL, context: RestContext, route: V2Route): Promise<void> {
  const method = req.method ?? 'GET';
  if (Number(route.version) < FIRST_VERSION) throw notFound();
  if (route.tail === '') {
    if (method === 'GET' || method === 'HEAD') return handleJobList(req, res, url, context, 'ingest', route);
    if (method !== 'POST') return methodNotAllowed(req, res, ['GET', 'HEAD', 'POST']);
    if (multipartBoundary(req.headers['content-type']) !== undefined || /^\s*multipart\//i.test(String(req.headers['content-type'] ?? ''))) {
      return createJobWithData(req, res, context, route);
    }
    return createIngestJob(req, res, context, route);
  }
  const match = /^\/([^/]+)(?:\/([^/]+))?$/.exec(route.tail);
  if (!match) throw notFound();
  const [, rawId, resource] = match as unknown as [string, string, string | undefined];
  const job = findV2Job(context, rawId, route.userId, 'V2Ingest');
  if (!job) throw notFound();
  if (resource === undefined) {
    if (method === 'GET' || method === 'HEAD') return restJson(req, res, fullShape(job, ingestStatus(job, context.jobs.batches(job.id))));
    if (method === 'PATCH') return changeJobState(req, res, context, job);
    if (method === 'DELETE') return deleteJob(res, context, job);
    return methodNotAllowed(req, res, ['GET', 'HEAD', 'PATCH', 'DELETE']);
  }
  if (resource === 'batches') return method === 'PUT' ? uploadJobData(req, res, context, job) : methodNotAllowed(req, res, ['PUT']);
  const kind = resultKind(resource);
  if (!kind) throw notFound();
  return method === 'GET' || method === 'HEAD' ? sendResults(req, res, context, route, job, kind) : methodNotAllowed(req, res, ['GET', 'HEAD']);
}

/** The REST framework's refusal (message first), as rest-api.ts answers it. */

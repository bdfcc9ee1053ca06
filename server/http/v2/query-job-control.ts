/**
 * Ending a Bulk API 2.0 query job (spec §4.6): `PATCH {"state":"Aborted"}` while it is UploadComplete
 * or InProgress, and `DELETE` once it is JobComplete, Aborted or Failed (the job, its batch and its
 * results are gone: a later request is a 404). The refusals are the docs' samples
 * (docs_query_abort_completed_400.txt, docs_query_delete_not_terminated_400.txt).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api-error.js';
import { readRequestBody } from '../request-body.js';
import type { RestContext } from '../rest-api.js';
import { abortShape, queryJobView, respondJob, type QueryJobView } from './query-job-info.js';
import { v2Error } from './v2-error.js';

const STATES = ['Open', 'UploadComplete', 'Aborted', 'JobComplete', 'Failed', 'InProgress'];

export async function abortQueryJob(req: IncomingMessage, res: ServerResponse, context: RestContext, view: QueryJobView): Promise<void> {
  let state: unknown;
  try {
    const body = await readRequestBody(req, 64 * 1024, () => new ApiError(400, 'API_ERROR', 'Request body too large'));
    state = (JSON.parse(body.toString('utf8')) as { state?: unknown } | null)?.state;
  } catch (err) {
    if (err instanceof ApiError || err instanceof SyntaxError) return v2Error(req, res, 400, 'JSON_PARSER_ERROR', `Unable to read the request body: ${err.message}`);
    throw err;
  }
  // [unconfirmed] what a query job answers to a state other than Aborted: a known one is a state error.
  if (typeof state !== 'string' || !STATES.includes(state)) return v2Error(req, res, 400, 'API_ERROR', `Invalid value: '${String(state)}' supplied for property: 'state'`);
  if (state !== 'Aborted') return v2Error(req, res, 400, 'INVALIDJOBSTATE', `Invalid job state transition to ${state} for a query job`);
  if (view.state !== 'UploadComplete' && view.state !== 'InProgress') return v2Error(req, res, 400, 'INVALIDJOBSTATE', 'Aborting already Completed Job not allowed');
  // Its queued batch will not run; a running one stops at its next chunk (v2-result-writer.ts).
  context.jobs.abortJob(view.job.id, context.now());
  const job = context.jobs.job(view.job.id) ?? view.job;
  await respondJob(req, res, abortShape(queryJobView(context.jobs, job)));
}

export async function deleteQueryJob(req: IncomingMessage, res: ServerResponse, context: RestContext, view: QueryJobView): Promise<void> {
  if (view.state !== 'JobComplete' && view.state !== 'Aborted' && view.state !== 'Failed')
    return v2Error(req, res, 400, 'API_ERROR', 'Error encountered when deleting the job because the job is not terminated');
  // A batch still running (an aborted job's) loses its claim with its row, and stops writing.
  context.jobs.transaction(() => {
    context.v2Queries.dropResults(view.job.id);
    context.jobs.deleteJob(view.job.id);
  });
  res.writeHead(204);
  res.end();
}

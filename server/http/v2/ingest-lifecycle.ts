/**
 * The state changes a client makes to a Bulk API 2.0 ingest job (spec §3.6, §3.7, §3.10):
 * `PATCH {"state":"UploadComplete"|"Aborted"}` (200, short JobInfo) and DELETE (204), each refused
 * outside the states that allow it. The state compared is the derived one (ingest-status.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobRow } from '../../store/jobs-store.js';
import { ingestStatus, TERMINAL_STATES } from '../../v2/ingest-status.js';
import type { RestContext } from '../rest-api.js';
import { restJson } from '../rest-reply.js';
import { IngestFailure } from './ingest-failure.js';
import { shortShape } from './ingest-job-info.js';
import { readJsonBody, stringProperty } from './json-body.js';

export async function changeJobState(req: IncomingMessage, res: ServerResponse, context: RestContext, job: JobRow): Promise<void> {
  const body = await readJsonBody(req);
  const wanted = stringProperty(body, 'state');
  const { jobs } = context;
  const now = context.now();
  const { state } = ingestStatus(job, jobs.batches(job.id));
  if (wanted === 'Aborted') {
    // Recorded (docs, query abort page) for a completed job; the same form for the other terminal states.
    if (TERMINAL_STATES.has(state)) throw new IngestFailure(400, 'INVALIDJOBSTATE', `Aborting already ${state === 'JobComplete' ? 'Completed' : state} Job not allowed`);
    jobs.abortJob(job.id, now);
    return restJson(req, res, shortShape(jobs.job(job.id) as JobRow, 'Aborted'));
  }
  if (wanted !== 'UploadComplete') throw new IngestFailure(400, 'INVALIDJOBSTATE', `InvalidJobState : Invalid state: ${wanted ?? 'null'}`);
  if (state !== 'Open') throw new IngestFailure(400, 'INVALIDJOBSTATE', `InvalidJobState : Job is ${state}: only an Open job can be set to UploadComplete`);
  // Data that could not be read fails the job now; the answer still says UploadComplete, as the
  // failure of a real org shows only when the job is polled.
  if (job.error_message) jobs.failJob(job.id, job.error_message, now);
  // The job's systemModstamp stays (recorded v47, v52): processing moves it, not this PATCH.
  else jobs.setJobState(job.id, 'UploadComplete', job.modstamp);
  context.processor.wake();
  return restJson(req, res, shortShape(jobs.job(job.id) as JobRow, 'UploadComplete'));
}

/** DELETE: allowed UploadComplete, JobComplete, Aborted, Failed (docs); the job and everything it holds go. */
export async function deleteJob(res: ServerResponse, context: RestContext, job: JobRow): Promise<void> {
  const { state } = ingestStatus(job, context.jobs.batches(job.id));
  if (state === 'Open' || state === 'InProgress') throw new IngestFailure(400, 'API_ERROR', 'Error encountered when deleting the job because the job is not terminated');
  context.jobs.deleteJob(job.id);
  res.writeHead(204).end();
}

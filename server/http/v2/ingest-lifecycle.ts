/**
 * The state changes a client makes to a Bulk API 2.0 ingest job (spec §3.6, §3.7, §3.10):
 * `PATCH {"state":"UploadComplete"|"Aborted"}` (200, short JobInfo) and DELETE (204), each refused
 * outside the states that allow it. The state compared is the derived one (ingest-status.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobRow } from '../../store/jobs-store.js';
import { closeUpload } from '../../v2/close-upload.js';
import { ingestStatus, TERMINAL_STATES } from '../../v2/ingest-status.js';
import { uploadLeases } from '../../v2/upload-lease.js';
import type { RestContext } from '../rest-api.js';
import { restJson } from '../rest-reply.js';
import { V2Failure } from './v2-failure.js';
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
    if (TERMINAL_STATES.has(state)) throw new V2Failure(400, 'INVALIDJOBSTATE', `Aborting already ${state === 'JobComplete' ? 'Completed' : state} Job not allowed`);
    jobs.abortJob(job.id, now);
    return restJson(req, res, shortShape(jobs.job(job.id) as JobRow, 'Aborted'));
  }
  if (wanted !== 'UploadComplete') throw new V2Failure(400, 'INVALIDJOBSTATE', `InvalidJobState : Invalid state: ${wanted ?? 'null'}`);
  if (state !== 'Open') throw notOpen(state);
  // An upload streaming in: the PATCH would close the job on part of its data. One that was cut
  // (its client or its server gone) left staged batches only: they go, and the job is closed as it is.
  const token = job.upload_token ?? null;
  if (token !== null) {
    if (uploadLeases(context.db).isLive(token)) throw stillUploading();
    jobs.dropUpload(job.id, token);
  }
  // Data that could not be read fails the job now; the answer still says UploadComplete, as the
  // failure of a real org shows only when the job is polled.
  const outcome = closeUpload(jobs, context.limits, job.id, now, job.modstamp);
  if (outcome === 'uploading') throw stillUploading();
  if (outcome === 'notOpen') throw notOpen(ingestStatus(jobs.job(job.id) as JobRow, jobs.batches(job.id)).state);
  context.processor.wake();
  return restJson(req, res, shortShape(jobs.job(job.id) as JobRow, 'UploadComplete'));
}

const notOpen = (state: string) => new V2Failure(400, 'INVALIDJOBSTATE', `InvalidJobState : Job is ${state}: only an Open job can be set to UploadComplete`);
/**
 * 400 INVALIDJOBSTATE as the state machine's other refusals (spec §3.10: every violation there is a
 * 400; no recording of this case, and Bulk API v1 answers InvalidJobState with 400 too).
 */
const stillUploading = () => new V2Failure(400, 'INVALIDJOBSTATE', "InvalidJobState : The job's data is still being uploaded: set UploadComplete once its PUT has been answered");

/** DELETE: allowed UploadComplete, JobComplete, Aborted, Failed (docs); the job and everything it holds go. */
export async function deleteJob(res: ServerResponse, context: RestContext, job: JobRow): Promise<void> {
  const { state } = ingestStatus(job, context.jobs.batches(job.id));
  if (state === 'Open' || state === 'InProgress') throw new V2Failure(400, 'API_ERROR', 'Error encountered when deleting the job because the job is not terminated');
  context.jobs.deleteJob(job.id);
  res.writeHead(204).end();
}

/**
 * The data of a Bulk API 2.0 ingest job: `PUT /jobs/ingest/{id}/batches` (spec §3.5), streamed into
 * internal batches (gzip Content-Encoding decoded on the way), and the multipart create (§3.4) that
 * brings the job and its data in one request. One upload per job, refused a second time with
 * Salesforce's recorded message. Data that cannot be read fails the job at UploadComplete.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { closeUpload } from '../../v2/close-upload.js';
import type { JobRow } from '../../store/jobs-store.js';
import { dialectOf } from '../../v2/csv-format.js';
import { MAX_MULTIPART_CHARS, MAX_UPLOAD_BYTES } from '../../v2/ingest-limits.js';
import { ingestStatus } from '../../v2/ingest-status.js';
import { uploadLeases } from '../../v2/upload-lease.js';
import { splitUpload, UploadCut, UploadRejected, UploadTooLarge } from '../../v2/upload-splitter.js';
import type { RestContext } from '../rest-api.js';
import { ApiError } from '../api-error.js';
import { decodedBody, readRequestBody } from '../request-body.js';
import { restJson } from '../rest-reply.js';
import { newIngestJob } from './ingest-create.js';
import { V2Failure } from './v2-failure.js';
import { createShape } from './ingest-job-info.js';
import { multipartBoundary, parseMultipart } from './multipart.js';
import { parseJsonObject } from './json-body.js';
import type { V2Route } from './route.js';

export async function uploadJobData(req: IncomingMessage, res: ServerResponse, context: RestContext, job: JobRow): Promise<void> {
  const leases = uploadLeases(context.db);
  const previous = job.upload_token ?? null;
  // Data received (or refused), or another upload of this job streaming in, here or in another process.
  if (ingestStatus(job, []).uploaded || (previous !== null && leases.isLive(previous))) throw multipleContents(job);
  if (job.state !== 'Open') throw new V2Failure(400, 'INVALIDJOBSTATE', `InvalidJobState : Data can only be uploaded to an Open job; this job is ${job.state}`);
  let body: Readable;
  try {
    body = decodedBody(req, MAX_UPLOAD_BYTES, tooLarge);
  } catch (err) {
    if (err instanceof ApiError) throw new V2Failure(err.status, 'UNSUPPORTED_MEDIA_TYPE', err.message);
    throw err;
  }
  const lease = leases.begin();
  try {
    // A cut upload's staged batches (its token no longer live) go as this one starts.
    if (!context.v2Uploads.beginUpload(job.id, previous, lease.token)) {
      if (body !== req) body.destroy();
      throw multipleContents(job);
    }
    await storeUpload(context, job, lease.token, body);
  } finally {
    lease.release();
  }
  res.writeHead(201).end();
}

/** Recorded v47, misspelling and 15-character id in angle brackets included; 400 as the other upload refusals. */
const multipleContents = (job: JobRow) =>
  new V2Failure(
    400,
    'BULK_API_ERROR',
    `Found multipe contents for job: <${job.id.slice(0, 15)}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`,
  );

/**
 * Stores what the upload holds, staged under its token: the job has its data only once the whole
 * body is stored (receiveUpload, one transaction). Refused data keeps its message on the job (Failed
 * at UploadComplete, as Salesforce reports a bad file after the upload) and no batch; a too-large or
 * cut upload leaves nothing behind, and the job Open for a new PUT.
 */
async function storeUpload(context: RestContext, job: JobRow, token: string, source: AsyncIterable<Buffer>): Promise<void> {
  const { jobs, ids } = context;
  try {
    const summary = await splitUpload(source, {
      dialect: dialectOf(job),
      lineEndingName: job.line_ending ?? 'LF',
      maxBytes: MAX_UPLOAD_BYTES,
      store: (payload) => {
        // Aborted (or deleted) while its data streamed in: the rest is not stored.
        if (!context.v2Uploads.stageBatch(ids.next('751'), job.id, token, payload, context.now())) throw new UploadInterrupted();
      },
    });
    if (!context.v2Uploads.receiveUpload(job.id, token, summary.header, null)) throw new UploadInterrupted();
  } catch (err) {
    if (err instanceof UploadRejected && context.v2Uploads.receiveUpload(job.id, token, err.header, err.message)) return;
    jobs.dropUpload(job.id, token);
    if (err instanceof UploadInterrupted || err instanceof UploadRejected) return interrupted(context, job);
    if (err instanceof UploadTooLarge) throw tooLarge();
    // Whoever cut the body is gone; the answer is for a client that only stopped sending.
    if (err instanceof UploadCut) throw new V2Failure(400, 'ClientInputError', `ClientInputError : The upload ended before its data did; the job has no data: ${err.message}`);
    throw err;
  }
}

/** The job left Open during its upload: what was stored is gone with its upload (Aborted, deleted). */
class UploadInterrupted extends Error {}

function interrupted(context: RestContext, job: JobRow): never {
  const now = context.jobs.job(job.id);
  throw new V2Failure(400, 'INVALIDJOBSTATE', `InvalidJobState : The job left the Open state during its upload; it is ${now?.state ?? 'deleted'}`);
}

/**
 * The size refusal is not recorded (spec §3.5): 400 BULK_API_ERROR, as the other refusals of an
 * upload (the second PUT) and as the v1 API refuses an oversized batch.
 */
const tooLarge = () => new V2Failure(400, 'BULK_API_ERROR', `Exceeded max size limit of ${MAX_UPLOAD_BYTES} bytes for the job's data`);

/** `POST /jobs/ingest` as multipart/form-data: the job (part `job`) and its CSV (part `content`), UploadComplete at once. */
export async function createJobWithData(req: IncomingMessage, res: ServerResponse, context: RestContext, route: V2Route): Promise<void> {
  const boundary = multipartBoundary(req.headers['content-type']);
  if (!boundary) throw new V2Failure(400, 'API_ERROR', 'A multipart request needs a boundary in its Content-Type');
  // Characters are at most 4 bytes of UTF-8; the job part and the part headers take a little more.
  const limit = MAX_MULTIPART_CHARS * 4 + 64 * 1024;
  let body: Buffer;
  try {
    body = await readRequestBody(req, limit, () => new ApiError(400, 'API_ERROR', 'The multipart request is too large'));
  } catch (err) {
    if (err instanceof ApiError) throw new V2Failure(err.status, err.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'API_ERROR', err.message);
    throw err;
  }
  let parts: ReturnType<typeof parseMultipart>;
  try {
    parts = parseMultipart(body, boundary);
  } catch (err) {
    throw new V2Failure(400, 'API_ERROR', `Unable to read the multipart request: ${(err as Error).message}`);
  }
  const jobPart = parts.find((p) => p.name === 'job');
  const content = parts.find((p) => p.name === 'content');
  if (!jobPart || !content) throw new V2Failure(400, 'API_ERROR', "A multipart request needs a 'job' part and a 'content' part");
  const text = content.body.toString('utf8');
  // The limit is stated in characters (spec §6); its over-limit error is not recorded.
  if (text.length > MAX_MULTIPART_CHARS) throw new V2Failure(400, 'API_ERROR', `The content of a multipart request exceeds ${MAX_MULTIPART_CHARS} characters`);
  const job = newIngestJob(parseJsonObject(jobPart.body.toString('utf8')), context, route);
  context.jobs.createJob(job);
  const lease = uploadLeases(context.db).begin();
  try {
    context.v2Uploads.beginUpload(job.id, null, lease.token);
    await storeUpload(context, job, lease.token, Readable.from([content.body]));
  } finally {
    lease.release();
  }
  closeUpload(context.jobs, context.limits, job.id, context.now(), context.now());
  context.processor.wake();
  await restJson(req, res, createShape(job, 'UploadComplete'));
}

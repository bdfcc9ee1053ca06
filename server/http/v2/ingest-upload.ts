/**
 * The data of a Bulk API 2.0 ingest job: `PUT /jobs/ingest/{id}/batches` (spec §3.5), streamed into
 * internal batches (gzip Content-Encoding decoded on the way), and the multipart create (§3.4) that
 * brings the job and its data in one request. One upload per job, refused a second time with
 * Salesforce's recorded message. Data that cannot be read fails the job at UploadComplete.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { JobRow, JobsStore } from '../../store/jobs-store.js';
import { dialectOf } from '../../v2/csv-format.js';
import { MAX_MULTIPART_CHARS, MAX_UPLOAD_BYTES } from '../../v2/ingest-limits.js';
import { ingestStatus } from '../../v2/ingest-status.js';
import { splitUpload, UploadRejected, UploadTooLarge } from '../../v2/upload-splitter.js';
import type { RestContext } from '../rest-api.js';
import { ApiError } from '../api-error.js';
import { readRequestBody } from '../request-body.js';
import { restJson } from '../rest-reply.js';
import { newIngestJob } from './ingest-create.js';
import { IngestFailure } from './ingest-failure.js';
import { createShape } from './ingest-job-info.js';
import { multipartBoundary, parseMultipart } from './multipart.js';
import { parseJsonObject } from './json-body.js';
import type { V2Route } from './route.js';

/** Jobs whose upload is streaming in, per store: a second PUT racing the first is refused like one after it. */
const uploading = new WeakMap<JobsStore, Set<string>>();

export async function uploadJobData(req: IncomingMessage, res: ServerResponse, context: RestContext, job: JobRow): Promise<void> {
  const { jobs } = context;
  const busy = uploading.get(jobs) ?? new Set<string>();
  uploading.set(jobs, busy);
  if (busy.has(job.id) || ingestStatus(job, jobs.batches(job.id)).uploaded) {
    // Recorded v47, misspelling and 15-character id in angle brackets included; 400 as the other upload refusals.
    throw new IngestFailure(
      400,
      'BULK_API_ERROR',
      `Found multipe contents for job: <${job.id.slice(0, 15)}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`,
    );
  }
  if (job.state !== 'Open') throw new IngestFailure(400, 'INVALIDJOBSTATE', `InvalidJobState : Data can only be uploaded to an Open job; this job is ${job.state}`);
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new IngestFailure(415, 'UNSUPPORTED_MEDIA_TYPE', `Unsupported Content-Encoding: ${encoding}`);
  if (encoding === 'identity' && Number(req.headers['content-length'] ?? 0) > MAX_UPLOAD_BYTES) throw tooLarge();
  busy.add(job.id);
  try {
    await storeUpload(context, job, encoding === 'gzip' ? gunzipped(req) : req);
  } finally {
    busy.delete(job.id);
  }
  res.writeHead(201).end();
}

/** The decoded body; a broken gzip stream destroys the gunzip with its error, which the reader sees. */
function gunzipped(req: IncomingMessage): AsyncIterable<Buffer> {
  const gunzip = createGunzip();
  pipeline(req, gunzip).catch(() => {
    /* the error reaches the reader through gunzip */
  });
  return gunzip;
}

/**
 * Stores what the upload holds. Refused data keeps its message on the job (Failed at UploadComplete,
 * as Salesforce reports a bad file after the upload); a too-large upload leaves nothing behind.
 */
async function storeUpload(context: RestContext, job: JobRow, source: AsyncIterable<Buffer>): Promise<void> {
  const { jobs, ids } = context;
  try {
    await splitUpload(source, {
      dialect: dialectOf(job),
      lineEndingName: job.line_ending ?? 'LF',
      maxBytes: MAX_UPLOAD_BYTES,
      store: (payload) => {
        // Aborted (or aborted and deleted) while its data streamed in: the rest is not stored.
        if (jobs.job(job.id)?.state !== 'Open') throw new UploadInterrupted();
        jobs.addBatch(ids.next('751'), job.id, payload, context.now());
      },
    });
  } catch (err) {
    if (err instanceof UploadInterrupted) return interrupted(context, job);
    if (err instanceof UploadTooLarge) {
      jobs.deleteBatches(job.id);
      throw tooLarge();
    }
    if (!(err instanceof UploadRejected)) throw err;
    jobs.setErrorMessage(job.id, err.message);
  }
}

/** The job left Open during its upload: what was stored is not processed (Aborted) or goes (deleted). */
class UploadInterrupted extends Error {}

function interrupted(context: RestContext, job: JobRow): never {
  const now = context.jobs.job(job.id);
  if (now?.state === 'Aborted') context.jobs.abortJob(job.id, context.now());
  else if (!now) context.jobs.deleteBatches(job.id);
  throw new IngestFailure(400, 'INVALIDJOBSTATE', `InvalidJobState : The job left the Open state during its upload; it is ${now?.state ?? 'deleted'}`);
}

/**
 * The size refusal is not recorded (spec §3.5): 400 BULK_API_ERROR, as the other refusals of an
 * upload (the second PUT) and as the v1 API refuses an oversized batch.
 */
const tooLarge = () => new IngestFailure(400, 'BULK_API_ERROR', `Exceeded max size limit of ${MAX_UPLOAD_BYTES} bytes for the job's data`);

/** `POST /jobs/ingest` as multipart/form-data: the job (part `job`) and its CSV (part `content`), UploadComplete at once. */
export async function createJobWithData(req: IncomingMessage, res: ServerResponse, context: RestContext, route: V2Route): Promise<void> {
  const boundary = multipartBoundary(req.headers['content-type']);
  if (!boundary) throw new IngestFailure(400, 'API_ERROR', 'A multipart request needs a boundary in its Content-Type');
  // Characters are at most 4 bytes of UTF-8; the job part and the part headers take a little more.
  const limit = MAX_MULTIPART_CHARS * 4 + 64 * 1024;
  let body: Buffer;
  try {
    body = await readRequestBody(req, limit, () => new ApiError(400, 'API_ERROR', 'The multipart request is too large'));
  } catch (err) {
    if (err instanceof ApiError) throw new IngestFailure(err.status, err.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'API_ERROR', err.message);
    throw err;
  }
  let parts: ReturnType<typeof parseMultipart>;
  try {
    parts = parseMultipart(body, boundary);
  } catch (err) {
    throw new IngestFailure(400, 'API_ERROR', `Unable to read the multipart request: ${(err as Error).message}`);
  }
  const jobPart = parts.find((p) => p.name === 'job');
  const content = parts.find((p) => p.name === 'content');
  if (!jobPart || !content) throw new IngestFailure(400, 'API_ERROR', "A multipart request needs a 'job' part and a 'content' part");
  const text = content.body.toString('utf8');
  // The limit is stated in characters (spec §6); its over-limit error is not recorded.
  if (text.length > MAX_MULTIPART_CHARS) throw new IngestFailure(400, 'API_ERROR', `The content of a multipart request exceeds ${MAX_MULTIPART_CHARS} characters`);
  const job = newIngestJob(parseJsonObject(jobPart.body.toString('utf8')), context, route);
  context.jobs.createJob(job);
  await storeUpload(context, job, Readable.from([content.body]));
  const stored = context.jobs.job(job.id) as JobRow;
  if (stored.error_message) context.jobs.failJob(job.id, stored.error_message, context.now());
  else context.jobs.setJobState(job.id, 'UploadComplete', context.now());
  context.processor.wake();
  await restJson(req, res, createShape(job, 'UploadComplete'));
}

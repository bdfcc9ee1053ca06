/**
 * The Bulk API v1 endpoints of the local org (wire §2): jobs, batches, requests, results
 * and query result files, with the status codes, Content-Types and formats of wire §2.1. Every
 * request needs a live `X-SFDC-Session`; a job and its batches belong to the user who created it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ParseError } from '../../lib/errors.js';
import { isValidId, toId18 } from '../../lib/ids.js';
import { MAX_BATCH_BYTES } from '../../lib/limits.js';
import type { ContentType, JobRequest, WireFormat } from '../../lib/types.js';
import { serializeBatchInfo, serializeBatchInfoList } from '../../lib/wire/batch-info.js';
import { MIME, batchMimeType, dataFormatOf, formatOfMime, wireFormatOf } from '../../lib/wire/content-types.js';
import { serializeDmlResults } from '../../lib/wire/dml-results.js';
import { parseJobRequest, parseJobStateRequest, serializeJobInfo } from '../../lib/wire/job-info.js';
import { serializeResultList } from '../../lib/wire/result-list.js';
import type { IdGenerator } from '../org/id-generator.js';
import { type OrgLimits, QUOTA_MESSAGE, REQUEST_LIMIT_MESSAGE } from '../org/org-limits.js';
import { identifiesRecord, type OrgSchema } from '../org/schema.js';
import type { BatchProcessor } from '../processing/batch-processor.js';
import { parsePkChunking } from '../query/pk-chunking.js';
import type { QueryResultsStore } from '../store/query-results-store.js';
import type { AuthStore } from '../store/auth-store.js';
import { batchInfoOf, type BatchRow, type JobRow, type JobsStore } from '../store/jobs-store.js';
import { ApiError, invalidSession } from './api-error.js';
import { LATEST_API_VERSION, isServedVersion } from './api-versions.js';
import { readRequestBody } from './request-body.js';
import { respond } from './respond.js';

export interface BulkApiContext {
  readonly auth: AuthStore;
  readonly jobs: JobsStore;
  readonly queryResults: QueryResultsStore;
  readonly schema: OrgSchema;
  /** The schema's row in the store: a job records it (JobSchemas). */
  readonly schemaId: number;
  readonly ids: IdGenerator;
  readonly processor: BatchProcessor;
  /** Counts each authenticated request toward the org's DailyApiRequests. */
  readonly limits: OrgLimits;
  readonly now: () => number;
}

/** Parsed `/services/async/<version>/job/...` path. */
export interface AsyncRoute {
  readonly apiVersion: string;
  readonly jobId?: string;
  readonly batch?: 'list' | 'one';
  readonly batchId?: string;
  readonly tail?: 'request' | 'result';
  readonly resultId?: string;
}

const ROUTE = /^\/services\/async\/(\d+\.\d)\/job(?:\/([^/]+)(?:\/(batch)(?:\/([^/]+)(?:\/(request|result)(?:\/([^/]+))?)?)?)?)?\/?$/;

export function parseAsyncPath(pathname: string): AsyncRoute | undefined {
  const m = ROUTE.exec(pathname);
  if (!m) return undefined;
  const [, apiVersion, jobId, batch, batchId, tail, resultId] = m;
  return {
    apiVersion: apiVersion as string,
    ...(jobId ? { jobId: decodeSegment(jobId) } : {}),
    ...(batch ? { batch: batchId ? 'one' : 'list' } : {}),
    ...(batchId ? { batchId: decodeSegment(batchId) } : {}),
    ...(tail ? { tail: tail as 'request' | 'result' } : {}),
    ...(resultId ? { resultId: decodeSegment(resultId) } : {}),
  };
}

/** A path segment, %-decoded; a malformed escape (`%ZZ`) is kept as it is, to be refused as an unknown id. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The format of an answer when no job says otherwise: the request's Content-Type, else XML. */
export function requestFormat(req: IncomingMessage): WireFormat {
  return formatOfMime(req.headers['content-type']) === 'json' ? 'json' : 'xml';
}

const jobOf = (format: WireFormat) => MIME[format];

export class BulkApi {
  readonly #c: BulkApiContext;

  constructor(context: BulkApiContext) {
    this.#c = context;
  }

  /** Handles one request; an ApiError thrown here becomes the error answer (format: `formatHint`). */
  async handle(req: IncomingMessage, res: ServerResponse, route: AsyncRoute, formatHint: { format: WireFormat }): Promise<void> {
    const method = req.method ?? 'GET';
    if (!isServedVersion(route.apiVersion)) throw new ApiError(400, 'InvalidVersion', `Invalid API version: ${route.apiVersion} (this org serves 20.0 to ${LATEST_API_VERSION}.0)`);
    const userId = this.#user(req);
    if (!route.jobId) {
      if (method !== 'POST') throw methodNotAllowed(method, 'POST');
      return this.#createJob(req, res, route.apiVersion, userId);
    }
    const job = this.#job(route.jobId, userId);
    formatHint.format = wireFormatOf(job.content_type);
    if (!route.batch) {
      if (method === 'GET') return this.#sendJob(req, res, job, 200);
      if (method === 'POST') return this.#setJobState(req, res, job);
      throw methodNotAllowed(method, 'GET, POST');
    }
    if (route.batch === 'list') {
      if (method === 'POST') return this.#addBatch(req, res, job, route.apiVersion);
      if (method === 'GET') return respond(req, res, 200, jobOf(formatHint.format), serializeBatchInfoList(this.#c.jobs.batches(job.id).map(batchInfoOf), formatHint.format));
      throw methodNotAllowed(method, 'GET, POST');
    }
    if (method !== 'GET') throw methodNotAllowed(method, 'GET');
    const batch = this.#batch(job, route.batchId as string);
    if (!route.tail) return respond(req, res, 200, jobOf(formatHint.format), serializeBatchInfo(batchInfoOf(batch), formatHint.format));
    if (route.tail === 'request') return this.#sendRequest(req, res, job, batch);
    if (route.resultId !== undefined) return this.#sendQueryResult(req, res, job, batch, route.resultId);
    return this.#sendResult(req, res, job, batch);
  }

  #user(req: IncomingMessage): string {
    const session = req.headers['x-sfdc-session'];
    const userId = typeof session === 'string' && session ? this.#c.auth.sessionUser(session, this.#c.now()) : undefined;
    if (!userId) throw invalidSession();
    // Over DailyApiRequests: v1's quota code with REST's words (org-limits.ts says what is recorded).
    if (!this.#c.limits.countRequest()) throw new ApiError(400, 'ExceededQuota', REQUEST_LIMIT_MESSAGE);
    return userId;
  }

  #job(rawId: string, userId: string): JobRow {
    const id = isValidId(rawId) && rawId.startsWith('750') ? toId18(rawId) : undefined;
    const job = id ? this.#c.jobs.job(id) : undefined;
    // A Bulk API 2.0 job is not one of this API's: unknown here, as on Salesforce.
    if (job?.job_type !== 'Classic') throw new ApiError(400, 'InvalidJob', `Unable to find job id: ${rawId}`);
    if (job.user_id !== userId) throw new ApiError(400, 'InvalidUser', `User is not the creator of job ${job.id}`);
    return job;
  }

  #batch(job: JobRow, rawId: string): BatchRow {
    const id = isValidId(rawId) && rawId.startsWith('751') ? toId18(rawId) : undefined;
    const batch = id ? this.#c.jobs.batch(id) : undefined;
    if (!batch || batch.job_id !== job.id) throw new ApiError(400, 'InvalidBatch', `Unable to find batch for id: ${rawId}`);
    return batch;
  }

  #sendJob(req: IncomingMessage, res: ServerResponse, job: JobRow, status: number, format = wireFormatOf(job.content_type)): Promise<void> {
    return respond(req, res, status, MIME[format], serializeJobInfo(this.#c.jobs.jobInfo(job), format));
  }

  async #createJob(req: IncomingMessage, res: ServerResponse, apiVersion: string, userId: string): Promise<void> {
    const format = requestFormat(req);
    const body = await readRequestBody(req, 64 * 1024, () => new ApiError(400, 'InvalidJob', 'Job request too large'));
    let request: JobRequest;
    try {
      request = parseJobRequest(body, format);
    } catch (err) {
      throw jobRequestError(err, format);
    }
    const contentType: ContentType = request.contentType ?? 'XML';
    if ((contentType === 'JSON' || contentType === 'ZIP_JSON') && Number(apiVersion) < 36)
      throw new ApiError(400, 'InvalidJob', `contentType ${contentType} requires API version 36.0 or later`);
    if (request.operation === 'queryAll' && Number(apiVersion) < 39) throw new ApiError(400, 'InvalidJob', 'queryAll requires API version 39.0 or later');
    if (contentType.startsWith('ZIP_') && Number(apiVersion) < 20) throw new ApiError(400, 'InvalidJob', `contentType ${contentType} requires API version 20.0 or later`);
    const object = this.#c.schema.object(request.object);
    if (!object) throw new ApiError(400, 'InvalidJob', `Unable to find object: ${request.object}`);
    let externalIdField: string | null = null;
    if (request.operation === 'upsert') {
      if (!request.externalIdFieldName) throw new ApiError(400, 'InvalidJob', 'External ID field name is required for upsert');
      const field = this.#c.schema.field(object, request.externalIdFieldName);
      if (!field || !identifiesRecord(field)) {
        throw new ApiError(400, 'InvalidJob', `Field ${request.externalIdFieldName} is not an External ID field of ${object.name}`);
      }
      externalIdField = field.name;
    }
    const pkHeader = req.headers['sforce-enable-pkchunking'];
    const pkChunking = typeof pkHeader === 'string' ? parsePkChunking(pkHeader) : null;
    const now = Math.floor(this.#c.now() / 1000) * 1000;
    const job: JobRow = {
      id: this.#c.ids.next('750'),
      user_id: userId,
      operation: request.operation,
      object: object.name,
      external_id_field: externalIdField,
      concurrency_mode: request.concurrencyMode ?? 'Parallel',
      content_type: contentType,
      state: 'Open',
      api_version: apiVersion,
      assignment_rule_id: request.assignmentRuleId ?? null,
      pk_chunking: pkChunking && (request.operation === 'query' || request.operation === 'queryAll') ? JSON.stringify(pkChunking) : null,
      created_date: now,
      modstamp: now,
      schema_id: this.#c.schemaId,
      job_type: 'Classic',
      line_ending: null,
      column_delimiter: null,
      error_message: null,
    };
    this.#c.jobs.createJob(job);
    // The answer follows the request's Content-Type, not the job's (wire §2.1, recorded).
    await this.#sendJob(req, res, job, 201, format);
  }

  async #setJobState(req: IncomingMessage, res: ServerResponse, job: JobRow): Promise<void> {
    const body = await readRequestBody(req, 64 * 1024, () => new ApiError(400, 'InvalidJob', 'Job request too large'));
    let state: 'Closed' | 'Aborted';
    try {
      ({ state } = parseJobStateRequest(body, requestFormat(req)));
    } catch (err) {
      if (err instanceof ParseError && err.field === 'state') throw new ApiError(400, 'InvalidJobState', `Invalid state: ${err.message}`);
      throw jobRequestError(err, requestFormat(req));
    }
    const allowed = state === 'Closed' ? job.state === 'Open' : job.state === 'Open' || job.state === 'Closed';
    if (!allowed) throw new ApiError(400, 'InvalidJobState', `${job.state} job cannot be ${state === 'Closed' ? 'closed' : 'aborted'}`);
    if (state === 'Aborted') this.#c.jobs.abortJob(job.id, this.#c.now());
    else this.#c.jobs.setJobState(job.id, 'Closed', this.#c.now());
    await this.#sendJob(req, res, this.#c.jobs.job(job.id) as JobRow, 200);
  }

  async #addBatch(req: IncomingMessage, res: ServerResponse, job: JobRow, apiVersion: string): Promise<void> {
    const format = wireFormatOf(job.content_type);
    if (job.state !== 'Open') throw new ApiError(400, 'InvalidJobState', `Job ${job.id} is ${job.state.toLowerCase()}: no batches can be added`);
    const isQuery = job.operation === 'query' || job.operation === 'queryAll';
    const sent = formatOfMime(req.headers['content-type']);
    const expected = dataFormatOf(job.content_type);
    // A zip batch is labelled zip/csv, zip/xml or zip/json; the SOQL of a query job is text, whatever its label.
    const zipped = job.content_type.startsWith('ZIP_');
    const mime = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (!isQuery && (zipped ? mime !== batchMimeType(job.content_type) : sent !== expected)) {
      throw new ApiError(
        400,
        'InvalidBatch',
        `Content-Type ${String(req.headers['content-type'] ?? '(none)')} does not match the job's contentType ${job.content_type} (expected ${batchMimeType(job.content_type)})`,
      );
    }
    // Refused before its body is read: a batch over the daily allocation is never created (org-limits.ts).
    if (!this.#c.limits.batchAllowed()) throw new ApiError(400, 'ExceededQuota', QUOTA_MESSAGE);
    const body = await readRequestBody(req, MAX_BATCH_BYTES, () => new ApiError(400, 'InvalidBatch', `Exceeded max size limit of ${MAX_BATCH_BYTES} bytes`));
    if (isBlank(body)) throw new ApiError(400, 'ClientInputError', 'Unable to find any data to create batch');
    const batch = this.#c.jobs.addBatch(this.#c.ids.next('751'), job.id, body, this.#c.now());
    this.#c.processor.wake();
    await respond(req, res, 201, MIME[format], serializeBatchInfo(batchInfoOf(batch), format), {
      location: `/services/async/${apiVersion}/job/${job.id}/batch/${batch.id}`,
    });
  }

  #sendRequest(req: IncomingMessage, res: ServerResponse, job: JobRow, batch: BatchRow): Promise<void> {
    const isQuery = job.operation === 'query' || job.operation === 'queryAll';
    // A zip batch comes back as it was uploaded, under its own type.
    const type = isQuery ? 'text/plain; charset=UTF-8' : job.content_type.startsWith('ZIP_') ? batchMimeType(job.content_type) : MIME[dataFormatOf(job.content_type)];
    return respond(req, res, 200, type, this.#c.jobs.request(batch.id));
  }

  #sendResult(req: IncomingMessage, res: ServerResponse, job: JobRow, batch: BatchRow): Promise<void> {
    const isQuery = job.operation === 'query' || job.operation === 'queryAll';
    if (batch.state === 'Queued' || batch.state === 'InProgress') throw new ApiError(400, 'InvalidBatch', 'Batch not completed');
    const format = wireFormatOf(job.content_type);
    if (isQuery) {
      if (batch.state !== 'Completed') throw new ApiError(400, 'InvalidBatch', 'Records not found for this batch');
      return respond(req, res, 200, MIME[format], serializeResultList(this.#c.queryResults.ids(batch.id), format));
    }
    if (this.#c.jobs.resultCount(batch.id) === 0) throw new ApiError(400, 'InvalidBatch', 'Records not found for this batch');
    const data = dataFormatOf(job.content_type);
    return respond(req, res, 200, MIME[data], serializeDmlResults(this.#c.jobs.results(batch.id), data));
  }

  #sendQueryResult(req: IncomingMessage, res: ServerResponse, job: JobRow, batch: BatchRow, resultId: string): Promise<void> {
    const data = this.#c.queryResults.data(batch.id, resultId);
    if (!data) throw new ApiError(400, 'InvalidBatch', `Unable to find result for id: ${resultId}`);
    return respond(req, res, 200, MIME[dataFormatOf(job.content_type)], data);
  }
}

/** True when the body holds only ASCII white space (a scan that stops at the first other byte). */
function isBlank(body: Buffer): boolean {
  for (const byte of body) if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false;
  return true;
}

function methodNotAllowed(method: string, allow: string): ApiError {
  return new ApiError(405, 'InvalidUrl', `HTTP method ${method} is not allowed for this resource`, allow);
}

function jobRequestError(err: unknown, format: WireFormat): ApiError {
  if (err instanceof ParseError && err.field) return new ApiError(400, 'InvalidJob', err.message);
  if (format === 'xml') return new ApiError(400, 'InvalidXML', (err as Error).message);
  return new ApiError(400, 'ClientInputError', (err as Error).message);
}

/**
 * BulkClient: every Bulk API v1 call (wire §2) over one undici Pool per instance. Small
 * documents are read whole (bounded); lists and results are read or handed out as streams.
 * The calls go through ApiCaller (retries, session renewal, resumed downloads). A create-job or
 * batch POST whose answer was lost is looked up before it is sent again: a job in the org's job
 * list, a batch among those its UploadRegistry has not accounted for.
 */
import { sha256Of } from '../streams/sha256.js';
import { BulkApiError } from '../errors.js';
import { DEFAULT_API_VERSION } from '../limits.js';
import { UploadRegistry } from '../load/upload-registry.js';
import { apiVersion as checkApiVersion, boolean, httpUrl, nonEmptyString } from '../options.js';
import type { BatchInfo, ContentType, DmlResult, JobInfo, JobRequest, WireFormat } from '../types.js';
import { SoapLoginProvider } from '../auth/soap-login-provider.js';
import { parseBatchInfo, readBatchInfoList } from '../wire/batch-info.js';
import { MIME, batchMimeType, formatOfMime, wireFormatOf } from '../wire/content-types.js';
import { parseGlobalDescribe, parseSObjectDescribe, type GlobalDescribe, type SObjectDescribe } from '../wire/describe.js';
import { readDmlResults } from '../wire/dml-results.js';
import { parseJobInfo, serializeJobRequest, serializeJobStateRequest } from '../wire/job-info.js';
import { readResultList } from '../wire/result-list.js';
import { ApiCaller } from './api-caller.js';
import type { AddBatchOptions, BulkClientOptions, CallOptions, CreateJobOptions, DownloadedBody, LoginOptions, OrgIdentity } from './client-options.js';
import { readBounded, type ExchangeResponse } from './connection.js';
import { DescribeCache } from './describe-cache.js';
import * as paths from './endpoints.js';
import { createJobHeaders } from './job-headers.js';
import { IngestJobs } from './ingest-jobs.js';
import { findCreatedJob, likeJobs, parseJobListPage, type JobListPage } from './job-list.js';
import { KnownJobs } from './known-jobs.js';
import { type ApiUsage, type OrgLimits, parseLimitInfo, parseOrgLimits } from './limit-info.js';
import { QueryJobs } from './query-jobs.js';
import { RetryPolicy } from './retry.js';
import { RenewableSession } from './session-renewal.js';
import { prepareBody, type PreparedBody, type UploadBody } from './upload-body.js';

export type {
  AddBatchOptions,
  BulkClientOptions,
  CallOptions,
  CreateJobOptions,
  DownloadedBody,
  LoginOptions,
  OrgIdentity,
  PkChunkingOptions,
} from './client-options.js';
export type { ReplayableStreamBody, UploadBody } from './upload-body.js';
export type { ApiUsage, OrgLimit, OrgLimits } from './limit-info.js';

/** Most bytes of a jobInfo, batchInfo or error document read into memory. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

export class BulkClient {
  readonly apiVersion: string;
  readonly #session: RenewableSession;
  readonly #api: ApiCaller;
  readonly #gzipUploads: boolean;
  /** The session's user: given, from the login, or learnt from the first job this client reads. */
  #userId: string | undefined;
  readonly #describes = new DescribeCache();
  /** The jobs this client made or read, with their content type. */
  readonly #known = new KnownJobs();
  /** The batches this client's uploads made or found, for an addBatch that brings no registry of its own. */
  readonly #uploads = new UploadRegistry();
  #ingestJobs: IngestJobs | undefined;
  #queryJobs: QueryJobs | undefined;

  constructor(options: BulkClientOptions) {
    const instance = httpUrl('instanceUrl', options.instanceUrl);
    nonEmptyString('accessToken', options.accessToken);
    this.apiVersion = checkApiVersion('apiVersion', options.apiVersion ?? DEFAULT_API_VERSION);
    const policy = new RetryPolicy(options.retry);
    this.#gzipUploads = boolean('gzipUploads', options.gzipUploads ?? false);
    const acceptGzip = options.acceptGzip === undefined ? undefined : boolean('acceptGzip', options.acceptGzip);
    this.#userId = options.userId;
    this.#session = new RenewableSession({ instanceUrl: instance.origin, sessionId: options.accessToken }, options.sessionProvider, options.connection ?? {});
    this.#api = new ApiCaller({ session: this.#session, policy, acceptGzip, onRetry: options.onRetry, onRequest: options.onRequest });
  }

  /**
   * Logs in through the SOAP partner login and returns a client that logs in again when the
   * session expires.
   * @example
   * const client = await BulkClient.login({ loginUrl: 'https://login.salesforce.com', username, password });
   */
  static async login(options: LoginOptions): Promise<BulkClient> {
    const { loginUrl, username, password, apiVersion, signal, ...rest } = options;
    const provider = new SoapLoginProvider({
      loginUrl,
      username,
      password,
      ...(apiVersion !== undefined ? { apiVersion } : {}),
      ...(rest.retry ? { retry: rest.retry } : {}),
      ...(rest.connection ? { connection: rest.connection } : {}),
    });
    const session = await provider.login(signal);
    return new BulkClient({
      ...rest,
      instanceUrl: session.instanceUrl,
      accessToken: session.sessionId,
      sessionProvider: provider,
      ...(session.userId ? { userId: session.userId } : {}),
      ...(apiVersion !== undefined ? { apiVersion } : {}),
    });
  }

  /** Bulk API 2.0 ingest jobs, over this client's connection, retries and session. */
  get ingestJobs(): IngestJobs {
    this.#ingestJobs ??= new IngestJobs(this.#api, this.apiVersion);
    return this.#ingestJobs;
  }

  /** Bulk API 2.0 query jobs (lib/http/query-jobs.ts), over this client's connection and session. */
  get queryJobs(): QueryJobs {
    this.#queryJobs ??= new QueryJobs(this.#api, this.apiVersion);
    return this.#queryJobs;
  }

  /** The org's scheme://host[:port]. */
  get instanceUrl(): string {
    return this.#session.current.instanceUrl;
  }

  async createJob(request: JobRequest, options: CreateJobOptions = {}): Promise<JobInfo> {
    const format = wireFormatOf(request.contentType ?? 'XML');
    const headers = createJobHeaders(options);
    const since = Date.now();
    const job = await this.#api.call(
      {
        method: 'POST',
        path: paths.jobsPath(this.apiVersion),
        contentType: `${MIME[format]}; charset=UTF-8`,
        body: prepareBody(serializeJobRequest(request, format), false),
        headers,
        mode: 'dedupe',
        signal: options.signal,
      },
      (res) => this.#readJob(res),
      // An answer lost after the server may have acted: the org's job list finds the job it made.
      async () => {
        const found = await this.findCreatedJob(request, since, options);
        return found === undefined ? undefined : this.getJob(found, options);
      },
    );
    this.#known.remember(job.id, job.contentType);
    return job;
  }

  /**
   * The Open job a create request like `request`, first sent at `since` (epoch ms), made when its
   * answer was lost: looked for in the org's job list among jobs this client does not know.
   */
  findCreatedJob(request: JobRequest, since: number, options: CallOptions = {}): Promise<string | undefined> {
    return findCreatedJob(this.#jobListPage, { request, since, known: (id) => this.#known.has(id), userId: this.#userId, apiVersion: this.apiVersion, signal: options.signal });
  }

  /**
   * Every job like `request` (object, operation, content type, user), in any state, created since
   * `since` (epoch ms, give or take `skewMs`) and not `known` (default: unknown to this client): a
   * resumed load whose ledger lost a job line looks among them for the job it made. A load passes
   * the jobs its ledger knows: this client may have made the lost job itself (a library user's
   * client that ran the stopped load too).
   */
  findLikeJobs(request: JobRequest, since: number, options: CallOptions & { readonly skewMs?: number; readonly known?: (jobId: string) => boolean } = {}): Promise<string[]> {
    return likeJobs(this.#jobListPage, {
      request,
      since,
      known: options.known ?? ((id) => this.#known.has(id)),
      userId: this.#userId,
      apiVersion: this.apiVersion,
      signal: options.signal,
      anyState: true,
      skewMs: options.skewMs,
    });
  }

  async getJob(jobId: string, options: CallOptions = {}): Promise<JobInfo> {
    const job = await this.#api.call({ method: 'GET', path: paths.jobPath(this.apiVersion, jobId), jobId, mode: 'idempotent', signal: options.signal }, (res) =>
      this.#readJob(res),
    );
    this.#known.remember(job.id, job.contentType);
    return job;
  }

  /** Closes the job: no more batches; those queued still run. */
  closeJob(jobId: string, options: CallOptions = {}): Promise<JobInfo> {
    return this.#setJobState(jobId, 'Closed', options);
  }

  /** Aborts the job: queued batches become NotProcessed. */
  abortJob(jobId: string, options: CallOptions = {}): Promise<JobInfo> {
    return this.#setJobState(jobId, 'Aborted', options);
  }

  /**
   * Adds a batch: records for a load job, SOQL for a query job. A Buffer, a string or `{ path }` is
   * retried on transient failures (after checking that the lost attempt did not create the batch:
   * see AddBatchOptions.uploads); a stream is sent once.
   */
  async addBatch(jobId: string, body: UploadBody, options: AddBatchOptions = {}): Promise<BatchInfo> {
    const contentType = options.contentType ?? (await this.#contentTypeOf(jobId, options.signal));
    // A zip is compressed already, and binary: no gzip over it, no charset on its type.
    const zipped = contentType.startsWith('ZIP_');
    const gzip = this.#gzipUploads && !zipped;
    const prepared = prepareBody(body, gzip);
    this.#known.remember(jobId, contentType);
    const { signal } = options;
    const upload = (options.uploads ?? this.#uploads).begin(jobId);
    try {
      const batch = await this.#api.call(
        {
          method: 'POST',
          path: paths.batchesPath(this.apiVersion, jobId),
          jobId,
          contentType: zipped ? batchMimeType(contentType) : `${batchMimeType(contentType)}; charset=UTF-8`,
          body: prepared,
          compressed: gzip,
          mode: prepared.replayable ? 'dedupe' : 'once',
          signal,
        },
        (res) => this.#readBatch(res, wireFormatOf(contentType)),
        async () => {
          const found = await upload.lost((claimed) => this.#uploadedBatch(jobId, prepared, claimed, signal));
          return found === undefined ? undefined : this.getBatch(jobId, found, { signal });
        },
      );
      upload.created(batch.id);
      return batch;
    } finally {
      upload.end();
    }
  }

  /**
   * The SHA-256 (hex) of a batch's stored request, streamed (`GET .../batch/{id}/request`): a resumed
   * load matches the org's batches with its segments by it.
   */
  async batchRequestDigest(jobId: string, batchId: string, options: CallOptions = {}): Promise<string> {
    const { body } = await this.getBatchRequest(jobId, batchId, options);
    return (await sha256Of(body as AsyncIterable<Uint8Array>)).sha256;
  }

  /**
   * Batches of a job that are accounted for elsewhere: never taken for a lost upload by an addBatch
   * that brings no registry of its own. A load claims them in the UploadRegistry it passes instead.
   */
  claimBatches(jobId: string, contentType: ContentType, batchIds: Iterable<string>): void {
    this.#known.remember(jobId, contentType);
    this.#uploads.claim(jobId, batchIds);
  }

  async getBatch(jobId: string, batchId: string, options: CallOptions = {}): Promise<BatchInfo> {
    return this.#api.call({ method: 'GET', path: paths.batchPath(this.apiVersion, jobId, batchId), jobId, batchId, mode: 'idempotent', signal: options.signal }, (res) =>
      this.#readBatch(res, undefined),
    );
  }

  /** Every batch of the job, read incrementally from the list. */
  async listBatches(jobId: string, options: CallOptions = {}): Promise<BatchInfo[]> {
    // Read inside the retried call: a list cut mid-way is asked for again.
    return this.#api.call({ method: 'GET', path: paths.batchesPath(this.apiVersion, jobId), jobId, mode: 'idempotent', signal: options.signal }, async (res) => {
      const batches: BatchInfo[] = [];
      for await (const batch of readBatchInfoList(res.body, documentFormat(res))) batches.push(batch);
      return batches;
    });
  }

  /** The batch as it was uploaded (records or SOQL). */
  async getBatchRequest(jobId: string, batchId: string, options: CallOptions = {}): Promise<DownloadedBody> {
    return this.#api.download(paths.batchRequestPath(this.apiVersion, jobId, batchId), { jobId, batchId, signal: options.signal });
  }

  /** The raw result of a batch: per-row results of a DML batch, the result-id list of a query batch. */
  async getBatchResult(jobId: string, batchId: string, options: CallOptions = {}): Promise<DownloadedBody> {
    return this.#api.download(paths.batchResultPath(this.apiVersion, jobId, batchId), { jobId, batchId, signal: options.signal });
  }

  /** The per-row results of a DML batch, parsed as they stream in, in request order. */
  async *batchResults(jobId: string, batchId: string, options: CallOptions = {}): AsyncGenerator<DmlResult> {
    const { body, contentType } = await this.getBatchResult(jobId, batchId, options);
    yield* readDmlResults(body, formatOfMime(contentType) ?? 'csv');
  }

  /** The ids of a query batch's result files (15 characters, prefix 752). */
  async listQueryResultIds(jobId: string, batchId: string, options: CallOptions = {}): Promise<string[]> {
    const { body, contentType } = await this.getBatchResult(jobId, batchId, options);
    const ids: string[] = [];
    for await (const id of readResultList(body, formatOfMime(contentType) === 'json' ? 'json' : 'xml')) ids.push(id);
    return ids;
  }

  /** One result file of a query batch, as the server sends it (CSV, XML or JSON). */
  async getQueryResult(jobId: string, batchId: string, resultId: string, options: CallOptions = {}): Promise<DownloadedBody> {
    return this.#api.download(paths.queryResultPath(this.apiVersion, jobId, batchId, resultId), { jobId, batchId, signal: options.signal });
  }

  /**
   * Who the session is (OAuth `userinfo`, which takes a session id too): the user and the org, to
   * say where a load is about to write. A cheap first call that also shows the org answers.
   */
  async identity(options: CallOptions = {}): Promise<OrgIdentity> {
    return this.#api.call({ method: 'GET', path: '/services/oauth2/userinfo', mode: 'idempotent', signal: options.signal, rest: true }, async (res) => {
      const body = JSON.parse((await readBounded(res.body, MAX_DOCUMENT_BYTES, 'userinfo')).toString('utf8')) as Record<string, unknown>;
      const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : undefined);
      return { username: text('preferred_username'), userId: text('user_id'), organizationId: text('organization_id'), name: text('name') };
    });
  }

  /**
   * The org's limits (`GET /services/data/vXX.X/limits`): each limit's Max and Remaining, for the whole
   * org (other users and integrations share them). Needs the "View Setup and Configuration"
   * permission: without it the org answers 403 (a BulkApiError).
   */
  limits(options: CallOptions = {}): Promise<OrgLimits> {
    return this.#api.call({ method: 'GET', path: paths.limitsPath(this.apiVersion), mode: 'idempotent', signal: options.signal, rest: true }, async (res) =>
      parseOrgLimits(await readBounded(res.body, MAX_DOCUMENT_BYTES, 'limits')),
    );
  }

  /** The org's DailyApiRequests as the latest answer's `Sforce-Limit-Info` said (REST and 2.0 answers carry it); undefined before one did. */
  get apiUsage(): ApiUsage | undefined {
    const info = this.#api.limitInfo;
    return info === undefined ? undefined : parseLimitInfo(info);
  }

  /** Requests this client has sent, retries included: its own share of the org's DailyApiRequests. */
  get requestsSent(): number {
    return this.#api.requests;
  }

  /** Every object of the org (REST describeGlobal), read once per client and kept. */
  describeGlobal(options: CallOptions = {}): Promise<GlobalDescribe> {
    return this.#described('', paths.sobjectsPath(this.apiVersion), parseGlobalDescribe, options);
  }

  /** An object's fields (REST describe), read once per client and kept; an unknown object is a BulkApiError `NOT_FOUND`. */
  describe(object: string, options: CallOptions = {}): Promise<SObjectDescribe> {
    nonEmptyString('object', object);
    return this.#described(object.toLowerCase(), paths.describePath(this.apiVersion, object), parseSObjectDescribe, options);
  }

  #described<T>(key: string, path: string, parse: (body: Buffer) => T, options: CallOptions): Promise<T> {
    return this.#describes.get(key, () =>
      this.#api.call({ method: 'GET', path, mode: 'idempotent', signal: options.signal, rest: true }, async (res) =>
        parse(await readBounded(res.body, MAX_DOCUMENT_BYTES * 16, 'describe')),
      ),
    );
  }

  /** Lets in-flight requests finish and closes the connections. */
  close(): Promise<void> {
    return this.#api.close();
  }

  async #setJobState(jobId: string, state: 'Closed' | 'Aborted', options: CallOptions): Promise<JobInfo> {
    const format = wireFormatOf(this.#known.get(jobId) ?? 'XML');
    try {
      const job = await this.#api.call(
        {
          method: 'POST',
          path: paths.jobPath(this.apiVersion, jobId),
          jobId,
          contentType: `${MIME[format]}; charset=UTF-8`,
          body: prepareBody(serializeJobStateRequest({ state }, format), false),
          mode: 'idempotent',
          signal: options.signal,
        },
        (res) => this.#readJob(res),
      );
      // No batch is added to it again.
      this.#known.forget(jobId);
      this.#uploads.forget(jobId);
      return job;
    } catch (err) {
      // A retried close whose first answer was lost finds the job closed already: that is success.
      if (err instanceof BulkApiError && err.exceptionCode === 'InvalidJobState') {
        const job = await this.getJob(jobId, options);
        if (job.state === state) return job;
      }
      throw err;
    }
  }

  /** One page of the org's job list (REST), read whole: the first, or the one `next` names. */
  readonly #jobListPage = (path: string, signal: AbortSignal | undefined): Promise<JobListPage> =>
    this.#api.call({ method: 'GET', path, mode: 'idempotent', signal, rest: true }, async (res) =>
      parseJobListPage(await readBounded(res.body, MAX_DOCUMENT_BYTES * 8, 'job list')),
    );

  async #readJob(res: ExchangeResponse): Promise<JobInfo> {
    const job = parseJobInfo(await readBounded(res.body, MAX_DOCUMENT_BYTES, 'jobInfo'), documentFormat(res));
    this.#userId ??= job.createdById || undefined;
    return job;
  }

  async #readBatch(res: ExchangeResponse, fallback: WireFormat | undefined): Promise<BatchInfo> {
    const format = formatOfMime(res.contentType) === 'json' ? 'json' : (fallback ?? 'xml');
    return parseBatchInfo(await readBounded(res.body, MAX_DOCUMENT_BYTES, 'batchInfo'), format);
  }

  async #contentTypeOf(jobId: string, signal: AbortSignal | undefined): Promise<ContentType> {
    return this.#known.get(jobId) ?? (await this.getJob(jobId, { signal })).contentType;
  }

  /**
   * After a batch POST failed in a way that may have reached the server: a batch of the job that is
   * not `claimed`, whose stored request has the same bytes, is the lost one. Only unclaimed batches
   * are compared, so the cost is bounded by the uploads that were lost (UploadRegistry runs these
   * searches one at a time, once the job's other uploads have settled).
   */
  async #uploadedBatch(jobId: string, body: PreparedBody, claimed: (batchId: string) => boolean, signal: AbortSignal | undefined): Promise<string | undefined> {
    const candidates = (await this.listBatches(jobId, { signal })).filter((b) => !claimed(b.id));
    if (candidates.length === 0) return undefined;
    const digest = await body.digest();
    for (const batch of candidates) {
      if ((await this.batchRequestDigest(jobId, batch.id, { signal })) === digest) return batch.id;
    }
    return undefined;
  }
}

function documentFormat(res: ExchangeResponse): WireFormat {
  return formatOfMime(res.contentType) === 'json' ? 'json' : 'xml';
}

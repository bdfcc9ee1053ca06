/**
 * BulkClient: every Bulk API v1 call (wire §2) over one undici Pool per instance. Small
 * documents are read whole (bounded); lists and results are read or handed out as streams.
 * Retries follow RetryPolicy and the request's mode; an expired session is renewed through the
 * SessionProvider (once per request, shared by concurrent requests) and the request is replayed
 * with its whole body; a batch POST whose answer was lost is looked up before it is sent again.
 */
import { sha256Of } from '../streams/sha256.js';
import type { Readable } from 'node:stream';
import { AbortedError, BulkApiError, SessionExpiredError, type RequestContext } from '../errors.js';
import { toId18 } from '../ids.js';
import { DEFAULT_API_VERSION, MAX_PK_CHUNK_SIZE } from '../limits.js';
import { apiVersion as checkApiVersion, boolean, httpUrl, nonEmptyString, positiveInteger } from '../options.js';
import type { BatchInfo, ContentType, DmlResult, JobInfo, JobRequest, WireFormat } from '../types.js';
import { SoapLoginProvider, type SoapLoginOptions } from '../auth/soap-login-provider.js';
import type { Session, SessionProvider } from '../auth/session.js';
import { parseBatchInfo, readBatchInfoList } from '../wire/batch-info.js';
import { MIME, batchMimeType, formatOfMime, wireFormatOf } from '../wire/content-types.js';
import { parseGlobalDescribe, parseSObjectDescribe, type GlobalDescribe, type SObjectDescribe } from '../wire/describe.js';
import { readDmlResults } from '../wire/dml-results.js';
import { parseJobInfo, serializeJobRequest, serializeJobStateRequest } from '../wire/job-info.js';
import { readResultList } from '../wire/result-list.js';
import { HttpConnection, readBounded, type ConnectionOptions, type ExchangeResponse } from './connection.js';
import * as paths from './endpoints.js';
import { errorFromResponse } from './response-errors.js';
import { RetryPolicy, type RetryOptions } from './retry.js';
import { prepareBody, type PreparedBody, type UploadBody } from './upload-body.js';
import { findCreatedJob, likeJobs, parseJobListPage, type JobListPage } from './job-list.js';
import { bodyFailure, resumableBody } from './resumable-body.js';
import { RetryBudget, withRetries, type RetryEvent, type RetryMode } from './with-retries.js';

export interface BulkClientOptions {
  /** scheme://host[:port] of the org. */
  readonly instanceUrl: string;
  /** Session id or OAuth access token, sent as `X-SFDC-Session`. */
  readonly accessToken: string;
  /** Default DEFAULT_API_VERSION (62.0). */
  readonly apiVersion?: string;
  /** Renews the session on InvalidSessionId; without one an expired session is an error. */
  readonly sessionProvider?: SessionProvider;
  readonly retry?: RetryOptions;
  readonly connection?: ConnectionOptions;
  /** Send batch bodies with `Content-Encoding: gzip`; default false. */
  readonly gzipUploads?: boolean;
  /** Ask for gzip responses (`Accept-Encoding: gzip`); default true. */
  readonly acceptGzip?: boolean;
  /** The session's user (a login knows it): narrows the search for a job whose create answer was lost. */
  readonly userId?: string;
  /** Called before each retry, for logs and metrics. */
  readonly onRetry?: (event: RetryEvent & { readonly method: string; readonly path: string }) => void;
  /** Called as each HTTP request is sent (retries included), for metrics such as the API requests a load used. */
  readonly onRequest?: (request: { readonly method: string; readonly path: string }) => void;
}

export interface LoginOptions extends SoapLoginOptions, Omit<BulkClientOptions, 'instanceUrl' | 'accessToken' | 'sessionProvider' | 'apiVersion'> {
  readonly signal?: AbortSignal;
}

/** The user and org of a session (from OAuth userinfo); a field the org did not send is undefined. */
export interface OrgIdentity {
  readonly username: string | undefined;
  readonly userId: string | undefined;
  readonly organizationId: string | undefined;
  readonly name: string | undefined;
}

export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** `Sforce-Enable-PKChunking` parameters (wire §7.2). */
export interface PkChunkingOptions {
  /** Records per chunk; default 100,000 on the server, at most 250,000. */
  readonly chunkSize?: number;
  /** 15- or 18-character id of the first record of the first chunk. */
  readonly startRow?: string;
  /** Parent object for sharing and history objects, e.g. `Case` for CaseHistory. */
  readonly parent?: string;
}

export interface CreateJobOptions extends CallOptions {
  /** PK chunking for query jobs: true for the server defaults, or its parameters. */
  readonly pkChunking?: boolean | PkChunkingOptions;
  /** `Sforce-Disable-Batch-Retry: TRUE`. */
  readonly disableBatchRetry?: boolean;
  /** `Sforce-Line-Ending`: how line breaks inside text values are read. */
  readonly lineEnding?: 'LF' | 'CRLF';
}

export interface AddBatchOptions extends CallOptions {
  /** The job's content type when known, which saves a lookup for jobs this client did not create. */
  readonly contentType?: ContentType;
}

/** A response body handed to the caller, who must consume or destroy it. */
export interface DownloadedBody {
  readonly body: Readable;
  /** Media type without parameters, e.g. `text/csv`. */
  readonly contentType: string | undefined;
}

interface CallSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly jobId?: string | undefined;
  readonly batchId?: string | undefined;
  readonly contentType?: string;
  readonly body?: PreparedBody;
  /** The body is gzip-compressed (batch uploads with gzipUploads). */
  readonly compressed?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly mode: RetryMode;
  readonly signal?: AbortSignal | undefined;
  /** A REST resource (`/services/data`): the session goes in `Authorization: Bearer`. */
  readonly rest?: boolean;
}

/** What the client remembers of a job it uploads to. */
interface JobMemory {
  readonly contentType: ContentType;
  /** Batches this client created or claimed as its lost upload: each is claimed once only. */
  readonly batches: Set<string>;
  /** Uploads in flight that are not searching for a lost batch; a search waits for them first. */
  readonly sending: Set<Promise<void>>;
  /** Searches run one at a time, so that two lost uploads never claim the same batch. */
  searching: Promise<unknown>;
}

/** Most bytes of a jobInfo, batchInfo or error document read into memory. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** Jobs whose content type and uploaded batch ids are remembered; the oldest are forgotten. */
const MAX_REMEMBERED_JOBS = 256;
/** The wait for the first answer of a client (a host that takes the connection and never answers is told apart from a slow one later). */
const FIRST_CONTACT_HEADERS_MS = 30_000;

export class BulkClient {
  readonly apiVersion: string;
  readonly #provider: SessionProvider | undefined;
  readonly #policy: RetryPolicy;
  /** Until the server has answered once: a wrong URL or a refused port fails within seconds (RetryOptions.firstContactMs). */
  readonly #firstContact: RetryPolicy;
  #reached = false;
  readonly #connectionOptions: ConnectionOptions;
  readonly #gzipUploads: boolean;
  readonly #acceptGzip: boolean;
  readonly #onRetry: BulkClientOptions['onRetry'];
  readonly #onRequest: BulkClientOptions['onRequest'];
  #session: Session;
  #connection: HttpConnection;
  #renewal: Promise<Session> | undefined;
  /** The session's user: given, from the login, or learnt from the first job this client reads. */
  #userId: string | undefined;
  /** Describe documents, by lower-case object name ('' for describeGlobal): read once per client. */
  readonly #describes = new Map<string, Promise<unknown>>();
  #closed = false;
  /** jobId -> what this client knows of the job, bounded (insertion order = age). */
  readonly #jobs = new Map<string, JobMemory>();

  constructor(options: BulkClientOptions) {
    const instance = httpUrl('instanceUrl', options.instanceUrl);
    nonEmptyString('accessToken', options.accessToken);
    this.apiVersion = checkApiVersion('apiVersion', options.apiVersion ?? DEFAULT_API_VERSION);
    this.#provider = options.sessionProvider;
    this.#policy = new RetryPolicy(options.retry);
    this.#firstContact = this.#policy.firstContact();
    this.#connectionOptions = options.connection ?? {};
    this.#gzipUploads = boolean('gzipUploads', options.gzipUploads ?? false);
    this.#acceptGzip = boolean('acceptGzip', options.acceptGzip ?? true);
    this.#onRetry = options.onRetry;
    this.#onRequest = options.onRequest;
    this.#userId = options.userId;
    this.#session = { instanceUrl: instance.origin, sessionId: options.accessToken };
    this.#connection = new HttpConnection(instance.origin, this.#connectionOptions);
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

  /** The org's scheme://host[:port]. */
  get instanceUrl(): string {
    return this.#session.instanceUrl;
  }

  async createJob(request: JobRequest, options: CreateJobOptions = {}): Promise<JobInfo> {
    const format = wireFormatOf(request.contentType ?? 'XML');
    const headers: Record<string, string> = {};
    if (options.pkChunking) headers['sforce-enable-pkchunking'] = pkChunkingHeader(options.pkChunking);
    if (options.disableBatchRetry) headers['sforce-disable-batch-retry'] = 'TRUE';
    if (options.lineEnding) headers['sforce-line-ending'] = options.lineEnding;
    const since = Date.now();
    const job = await this.#call(
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
    this.#remember(job.id, job.contentType);
    return job;
  }

  /**
   * The Open job a create request like `request`, first sent at `since` (epoch ms), made when its
   * answer was lost: looked for in the org's job list among jobs this client does not know.
   */
  findCreatedJob(request: JobRequest, since: number, options: CallOptions = {}): Promise<string | undefined> {
    return findCreatedJob(this.#jobListPage, { request, since, known: (id) => this.#jobs.has(id), userId: this.#userId, apiVersion: this.apiVersion, signal: options.signal });
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
      known: options.known ?? ((id) => this.#jobs.has(id)),
      userId: this.#userId,
      apiVersion: this.apiVersion,
      signal: options.signal,
      anyState: true,
      skewMs: options.skewMs,
    });
  }

  async getJob(jobId: string, options: CallOptions = {}): Promise<JobInfo> {
    const job = await this.#call({ method: 'GET', path: paths.jobPath(this.apiVersion, jobId), jobId, mode: 'idempotent', signal: options.signal }, (res) => this.#readJob(res));
    this.#remember(job.id, job.contentType);
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
   * retried on transient failures (after checking that the lost attempt did not create the batch);
   * a stream is sent once.
   */
  async addBatch(jobId: string, body: UploadBody, options: AddBatchOptions = {}): Promise<BatchInfo> {
    const contentType = options.contentType ?? (await this.#contentTypeOf(jobId, options.signal));
    // A zip is compressed already, and binary: no gzip over it, no charset on its type.
    const zipped = contentType.startsWith('ZIP_');
    const gzip = this.#gzipUploads && !zipped;
    const prepared = prepareBody(body, gzip);
    const memory = this.#remember(jobId, contentType);
    let done = (): void => undefined;
    const enter = () => {
      const sending = new Promise<void>((resolve) => {
        done = () => {
          memory.sending.delete(sending);
          resolve();
        };
      });
      memory.sending.add(sending);
    };
    enter();
    try {
      const batch = await this.#call(
        {
          method: 'POST',
          path: paths.batchesPath(this.apiVersion, jobId),
          jobId,
          contentType: zipped ? batchMimeType(contentType) : `${batchMimeType(contentType)}; charset=UTF-8`,
          body: prepared,
          compressed: gzip,
          mode: prepared.replayable ? 'dedupe' : 'once',
          signal: options.signal,
        },
        (res) => this.#readBatch(res, wireFormatOf(contentType)),
        async () => {
          done();
          const found = await this.#findUploadedBatch(memory, jobId, prepared, options.signal);
          if (!found) enter(); // about to send again
          return found;
        },
      );
      memory.batches.add(batch.id);
      return batch;
    } finally {
      done();
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

  /** Batches of a job that are accounted for elsewhere (a resumed load's ledger): never taken for a lost upload. */
  claimBatches(jobId: string, contentType: ContentType, batchIds: Iterable<string>): void {
    const memory = this.#remember(jobId, contentType);
    for (const id of batchIds) memory.batches.add(id);
  }

  async getBatch(jobId: string, batchId: string, options: CallOptions = {}): Promise<BatchInfo> {
    return this.#call({ method: 'GET', path: paths.batchPath(this.apiVersion, jobId, batchId), jobId, batchId, mode: 'idempotent', signal: options.signal }, (res) =>
      this.#readBatch(res, undefined),
    );
  }

  /** Every batch of the job, read incrementally from the list. */
  async listBatches(jobId: string, options: CallOptions = {}): Promise<BatchInfo[]> {
    // Read inside the retried call: a list cut mid-way is asked for again.
    return this.#call({ method: 'GET', path: paths.batchesPath(this.apiVersion, jobId), jobId, mode: 'idempotent', signal: options.signal }, async (res) => {
      const batches: BatchInfo[] = [];
      for await (const batch of readBatchInfoList(res.body, documentFormat(res))) batches.push(batch);
      return batches;
    });
  }

  /** The batch as it was uploaded (records or SOQL). */
  async getBatchRequest(jobId: string, batchId: string, options: CallOptions = {}): Promise<DownloadedBody> {
    return this.#download(paths.batchRequestPath(this.apiVersion, jobId, batchId), jobId, batchId, options);
  }

  /** The raw result of a batch: per-row results of a DML batch, the result-id list of a query batch. */
  async getBatchResult(jobId: string, batchId: string, options: CallOptions = {}): Promise<DownloadedBody> {
    return this.#download(paths.batchResultPath(this.apiVersion, jobId, batchId), jobId, batchId, options);
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
    return this.#download(paths.queryResultPath(this.apiVersion, jobId, batchId, resultId), jobId, batchId, options);
  }

  /**
   * Who the session is (OAuth `userinfo`, which takes a session id too): the user and the org, to
   * say where a load is about to write. A cheap first call that also shows the org answers.
   */
  async identity(options: CallOptions = {}): Promise<OrgIdentity> {
    return this.#call({ method: 'GET', path: '/services/oauth2/userinfo', mode: 'idempotent', signal: options.signal, rest: true }, async (res) => {
      const body = JSON.parse((await readBounded(res.body, MAX_DOCUMENT_BYTES, 'userinfo')).toString('utf8')) as Record<string, unknown>;
      const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : undefined);
      return { username: text('preferred_username'), userId: text('user_id'), organizationId: text('organization_id'), name: text('name') };
    });
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
    let pending = this.#describes.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = this.#call({ method: 'GET', path, mode: 'idempotent', signal: options.signal, rest: true }, async (res) =>
        parse(await readBounded(res.body, MAX_DOCUMENT_BYTES * 16, 'describe')),
      );
      this.#describes.set(key, pending);
      // A failure is not kept: the next call asks again.
      const kept = pending;
      kept.catch(() => {
        if (this.#describes.get(key) === kept) this.#describes.delete(key);
      });
    }
    return pending;
  }

  /** Lets in-flight requests finish and closes the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#connection.close();
  }

  async #setJobState(jobId: string, state: 'Closed' | 'Aborted', options: CallOptions): Promise<JobInfo> {
    const format = wireFormatOf(this.#jobs.get(jobId)?.contentType ?? 'XML');
    try {
      const job = await this.#call(
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
      this.#jobs.delete(jobId);
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

  /** A body handed out as a stream: a cut mid-way is requested again and resumed where it was (ResumableBody). */
  async #download(path: string, jobId: string, batchId: string, options: CallOptions): Promise<DownloadedBody> {
    const spec: CallSpec = { method: 'GET', path, jobId, batchId, mode: 'idempotent', signal: options.signal };
    const open = () => this.#call(spec, async (res) => res);
    const first = await open();
    const budget = new RetryBudget(this.#policy, `GET ${path}`, options.signal, this.#onRetry && ((event) => this.#onRetry?.({ ...event, method: 'GET', path })));
    const body = resumableBody(first.body, { context: { method: 'GET', path, jobId, batchId }, reopen: async () => (await open()).body, budget, signal: options.signal });
    return { body, contentType: first.contentType };
  }

  /** One page of the org's job list (REST), read whole: the first, or the one `next` names. */
  readonly #jobListPage = (path: string, signal: AbortSignal | undefined): Promise<JobListPage> =>
    this.#call({ method: 'GET', path, mode: 'idempotent', signal, rest: true }, async (res) => parseJobListPage(await readBounded(res.body, MAX_DOCUMENT_BYTES * 8, 'job list')));

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
    return this.#jobs.get(jobId)?.contentType ?? (await this.getJob(jobId, { signal })).contentType;
  }

  #remember(jobId: string, contentType: ContentType): JobMemory {
    let entry = this.#jobs.get(jobId);
    if (!entry) {
      entry = { contentType, batches: new Set(), sending: new Set(), searching: Promise.resolve() };
      this.#jobs.set(jobId, entry);
      if (this.#jobs.size > MAX_REMEMBERED_JOBS) this.#jobs.delete(this.#jobs.keys().next().value as string);
    }
    return entry;
  }

  /**
   * After a batch POST failed in a way that may have reached the server: a batch of this job that
   * this client has not created or claimed, whose stored request has the same bytes, is the lost
   * one. The search first lets the other uploads in flight settle (so that their batches are
   * known) and runs one at a time, so that identical payloads never claim the same batch twice.
   * Only unknown batches are compared, so the cost is bounded by the uploads that were lost.
   */
  #findUploadedBatch(memory: JobMemory, jobId: string, body: PreparedBody, signal: AbortSignal | undefined): Promise<BatchInfo | undefined> {
    const search = memory.searching.then(async () => {
      while (memory.sending.size > 0) await Promise.allSettled([...memory.sending]);
      const candidates = (await this.listBatches(jobId, { signal })).filter((b) => !memory.batches.has(b.id));
      if (candidates.length === 0) return undefined;
      const digest = await body.digest();
      for (const batch of candidates) {
        if ((await this.batchRequestDigest(jobId, batch.id, { signal })) !== digest) continue;
        memory.batches.add(batch.id);
        return this.getBatch(jobId, batch.id, { signal });
      }
      return undefined;
    });
    memory.searching = search.catch(() => undefined);
    return search;
  }

  /**
   * One call with its retries. `read` takes the response's body inside the retried attempt, so that
   * a body cut mid-way is retried like a reset; `recover`, for `dedupe`, finds what a lost attempt made.
   */
  async #call<T>(spec: CallSpec, read: (res: ExchangeResponse) => Promise<T>, recover?: () => Promise<T | undefined>): Promise<T> {
    if (this.#closed) throw new AbortedError(`${spec.method} ${spec.path} (client closed)`);
    const context: RequestContext = { method: spec.method, path: spec.path, jobId: spec.jobId, batchId: spec.batchId };
    const replayable = spec.body?.replayable ?? true;
    return withRetries(async () => readBody(await this.#attempt(spec, context, replayable), read, context, spec.signal), {
      policy: this.#reached ? this.#policy : this.#firstContact,
      mode: spec.mode,
      replayable,
      signal: spec.signal,
      what: `${spec.method} ${spec.path}`,
      ...(recover ? { recover } : {}),
      onRetry: this.#onRetry && ((event) => this.#onRetry?.({ ...event, method: spec.method, path: spec.path })),
    });
  }

  /** One attempt, with at most one session renewal in it. */
  async #attempt(spec: CallSpec, context: RequestContext, replayable: boolean): Promise<ExchangeResponse> {
    let renewed = false;
    for (;;) {
      const session = this.#session;
      this.#onRequest?.({ method: spec.method, path: spec.path });
      const first = this.#reached ? {} : { headersTimeoutMs: FIRST_CONTACT_HEADERS_MS };
      const res = await this.#connection.exchange({
        method: spec.method,
        path: spec.path,
        headers: this.#headers(spec, session),
        ...(spec.body ? { body: spec.body } : {}),
        context,
        signal: spec.signal,
        ...first,
      });
      this.#reached = true;
      if (res.statusCode >= 200 && res.statusCode < 300) return res;
      const error = await errorFromResponse(res, context);
      // Never replay a consumed stream: that would send an empty batch.
      if (!(error instanceof SessionExpiredError) || !this.#provider || renewed || !replayable) throw error;
      await this.#renew(session, spec.signal);
      renewed = true;
    }
  }

  #headers(spec: CallSpec, session: Session): Record<string, string> {
    const headers: Record<string, string> = { 'x-sfdc-session': session.sessionId, 'user-agent': 'bulkpipe', ...spec.headers };
    if (spec.rest) headers.authorization = `Bearer ${session.sessionId}`;
    if (this.#acceptGzip) headers['accept-encoding'] = 'gzip';
    if (spec.contentType) headers['content-type'] = spec.contentType;
    if (spec.compressed) headers['content-encoding'] = 'gzip';
    return headers;
  }

  /** One renewal for all the requests that saw the same expired session. */
  async #renew(stale: Session, signal: AbortSignal | undefined): Promise<void> {
    if (this.#session !== stale || !this.#provider) return;
    this.#renewal ??= this.#provider.login(signal).finally(() => {
      this.#renewal = undefined;
    });
    const fresh = await this.#renewal;
    if (this.#session === stale) {
      if (fresh.instanceUrl !== this.#connection.origin) {
        const old = this.#connection;
        this.#connection = new HttpConnection(fresh.instanceUrl, this.#connectionOptions);
        void old.close();
      }
      this.#session = fresh;
    }
  }
}

/** Reads a response's body; a failure of the stream itself (not of its contents) is a NetworkError, retried like a reset. */
async function readBody<T>(res: ExchangeResponse, read: (res: ExchangeResponse) => Promise<T>, context: RequestContext, signal: AbortSignal | undefined): Promise<T> {
  try {
    return await read(res);
  } catch (err) {
    res.body.destroy();
    throw bodyFailure(err, context, signal);
  }
}

function documentFormat(res: ExchangeResponse): WireFormat {
  return formatOfMime(res.contentType) === 'json' ? 'json' : 'xml';
}

function pkChunkingHeader(option: true | PkChunkingOptions): string {
  if (option === true) return 'TRUE';
  const parts: string[] = [];
  if (option.chunkSize !== undefined) parts.push(`chunkSize=${positiveInteger('pkChunking.chunkSize', option.chunkSize, MAX_PK_CHUNK_SIZE)}`);
  if (option.parent !== undefined) parts.push(`parent=${nonEmptyString('pkChunking.parent', option.parent)}`);
  if (option.startRow !== undefined) parts.push(`startRow=${toId18(option.startRow) && option.startRow}`);
  return parts.length ? parts.join('; ') : 'TRUE';
}

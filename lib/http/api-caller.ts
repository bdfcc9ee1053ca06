/**
 * ApiCaller: one Bulk API or REST call with its retries (RetryPolicy and the request's mode), its
 * session (a renewal at most once per attempt, shared by concurrent requests, the request replayed
 * with its whole body) and its headers; and downloads handed out as streams that resume where they
 * were cut. Until the server has answered once, the first-contact policy applies, so that a wrong
 * URL or a refused port fails within seconds.
 */
import { AbortedError, SessionExpiredError, type RequestContext } from '../errors.js';
import type { Session } from '../auth/session.js';
import type { ExchangeResponse, HttpMethod } from './connection.js';
import { errorFromResponse } from './response-errors.js';
import type { RetryPolicy } from './retry.js';
import { bodyFailure, resumableBody } from './resumable-body.js';
import type { RenewableSession } from './session-renewal.js';
import type { PreparedBody } from './upload-body.js';
import { RetryBudget, withRetries, type RetryEvent, type RetryMode } from './with-retries.js';

export interface CallSpec {
  readonly method: HttpMethod;
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

export interface ApiCallerOptions {
  readonly session: RenewableSession;
  readonly policy: RetryPolicy;
  /** Ask for gzip responses; undefined: except from a loopback origin (HttpConnection.loopback). */
  readonly acceptGzip: boolean | undefined;
  readonly onRetry?: ((event: RetryEvent & { readonly method: string; readonly path: string }) => void) | undefined;
  readonly onRequest?: ((request: { readonly method: string; readonly path: string }) => void) | undefined;
}

/** A response body handed out as a stream, with its media type and the first response's headers (2.0's `Sforce-Locator`). */
export interface OpenedBody {
  readonly body: ExchangeResponse['body'];
  readonly contentType: string | undefined;
  readonly headers: ExchangeResponse['headers'];
}

/** Where a download belongs, for errors and retries; `rest` for a REST resource (Bulk API 2.0 results), which takes the session as a Bearer token. */
export interface DownloadSpec {
  readonly jobId?: string | undefined;
  readonly batchId?: string | undefined;
  readonly rest?: boolean;
  readonly signal?: AbortSignal | undefined;
}

/** The wait for the first answer of a client (a host that takes the connection and never answers is told apart from a slow one later). */
const FIRST_CONTACT_HEADERS_MS = 30_000;

export class ApiCaller {
  readonly #session: RenewableSession;
  readonly #policy: RetryPolicy;
  /** Until the server has answered once: a wrong URL or a refused port fails within seconds (RetryOptions.firstContactMs). */
  readonly #firstContact: RetryPolicy;
  #reached = false;
  readonly #acceptGzip: boolean | undefined;
  readonly #onRetry: ApiCallerOptions['onRetry'];
  readonly #onRequest: ApiCallerOptions['onRequest'];
  #closed = false;
  /** The latest `Sforce-Limit-Info` seen, kept as sent: parsed only when asked for (limit-info.ts). */
  #limitInfo: string | undefined;
  #requests = 0;

  constructor(options: ApiCallerOptions) {
    this.#session = options.session;
    this.#policy = options.policy;
    this.#firstContact = options.policy.firstContact();
    this.#acceptGzip = options.acceptGzip;
    this.#onRetry = options.onRetry;
    this.#onRequest = options.onRequest;
  }

  /**
   * One call with its retries. `read` takes the response's body inside the retried attempt, so that
   * a body cut mid-way is retried like a reset; `recover`, for `dedupe`, finds what a lost attempt made.
   */
  async call<T>(spec: CallSpec, read: (res: ExchangeResponse) => Promise<T>, recover?: () => Promise<T | undefined>): Promise<T> {
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

  /** A GET's body handed out as a stream: a cut mid-way is requested again and resumed where it was (ResumableBody). */
  async download(path: string, where: DownloadSpec): Promise<OpenedBody> {
    const { jobId, batchId, signal } = where;
    const spec: CallSpec = { method: 'GET', path, jobId, batchId, mode: 'idempotent', signal, ...(where.rest ? { rest: true } : {}) };
    const open = () => this.call(spec, async (res) => res);
    const first = await open();
    const budget = new RetryBudget(this.#policy, `GET ${path}`, signal, this.#onRetry && ((event) => this.#onRetry?.({ ...event, method: 'GET', path })));
    const body = resumableBody(first.body, { context: { method: 'GET', path, jobId, batchId }, reopen: async () => (await open()).body, budget, signal });
    return { body, contentType: first.contentType, headers: first.headers };
  }

  /** The latest `Sforce-Limit-Info` header an answer carried, as sent. */
  get limitInfo(): string | undefined {
    return this.#limitInfo;
  }

  /** Requests sent (attempts and renewed replays included): what this client cost the org's DailyApiRequests. */
  get requests(): number {
    return this.#requests;
  }

  /** Refuses new calls, lets in-flight requests finish and closes the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#session.close();
  }

  /** One attempt, with at most one session renewal in it. */
  async #attempt(spec: CallSpec, context: RequestContext, replayable: boolean): Promise<ExchangeResponse> {
    let renewed = false;
    for (;;) {
      const session = this.#session.current;
      this.#requests++;
      this.#onRequest?.({ method: spec.method, path: spec.path });
      const first = this.#reached ? {} : { headersTimeoutMs: FIRST_CONTACT_HEADERS_MS };
      const res = await this.#session.connection.exchange({
        method: spec.method,
        path: spec.path,
        headers: this.#headers(spec, session),
        ...(spec.body ? { body: spec.body } : {}),
        context,
        signal: spec.signal,
        ...first,
      });
      this.#reached = true;
      // Every REST answer, refusals too, says where the org's DailyApiRequests stands.
      const info = res.headers['sforce-limit-info'];
      if (typeof info === 'string') this.#limitInfo = info;
      if (res.statusCode >= 200 && res.statusCode < 300) return res;
      const error = await errorFromResponse(res, context);
      // Never replay a consumed stream: that would send an empty batch.
      if (!(error instanceof SessionExpiredError) || !this.#session.renewable || renewed || !replayable) throw error;
      await this.#session.renew(session, spec.signal);
      renewed = true;
    }
  }

  #headers(spec: CallSpec, session: Session): Record<string, string> {
    const headers: Record<string, string> = { 'x-sfdc-session': session.sessionId, 'user-agent': 'bulkpipe', ...spec.headers };
    if (spec.rest) headers.authorization = `Bearer ${session.sessionId}`;
    if (this.#acceptGzip ?? !this.#session.connection.loopback) headers['accept-encoding'] = 'gzip';
    if (spec.contentType) headers['content-type'] = spec.contentType;
    if (spec.compressed) headers['content-encoding'] = 'gzip';
    return headers;
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

/**
 * QueryJobs: Bulk API 2.0 query jobs (spec §4), one method per call: create, get, abort, delete, a
 * results page (the locator loop of §4.4) and the result page list (`resultPages`, §4.5). Job
 * documents are read whole (bounded); result pages are handed out as streams that resume where a
 * cut left them (ApiCaller.download). Refusals are the 2.0 error array `[{"errorCode","message"}]`,
 * which errorFromResponse turns into BulkApiError.
 */
import type { Readable } from 'node:stream';
import { BulkApiError, HttpStatusError, ParseError } from '../errors.js';
import { nonEmptyString, oneOf, positiveInteger } from '../options.js';
import type { ApiCaller } from './api-caller.js';
import type { CallOptions } from './client-options.js';
import { readBounded, type ExchangeResponse } from './connection.js';
import * as paths from './endpoints.js';
import { prepareBody } from './upload-body.js';
import { COLUMN_DELIMITERS, parseJobDocument, type ColumnDelimiter, type LineEnding } from '../wire/v2-job-document.js';

export type { ColumnDelimiter, LineEnding } from '../wire/v2-job-document.js';
export type QueryOperation = 'query' | 'queryAll';
/** A query job's states (spec §4.3): never Open. */
export type QueryJobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export interface QueryJobRequest {
  /** The SOQL. */
  readonly query: string;
  /** `queryAll` includes deleted and archived records. */
  readonly operation: QueryOperation;
  /** Default COMMA (the org's default too). */
  readonly columnDelimiter?: ColumnDelimiter;
  /** Default LF. */
  readonly lineEnding?: LineEnding;
}

/** What bulkpipe reads of a query job's info; keys the org did not send take their documented defaults. */
export interface QueryJobInfo {
  readonly id: string;
  readonly operation: QueryOperation;
  readonly object: string;
  readonly state: QueryJobState;
  readonly createdDate: string | undefined;
  readonly columnDelimiter: ColumnDelimiter;
  readonly lineEnding: LineEnding;
  /** Every result row once JobComplete (spec §4.3); 0 before. */
  readonly numberRecordsProcessed: number;
  readonly retries: number;
  readonly totalProcessingTime: number;
  /** Why the job Failed, when the org says (jsforce notes a Failed query job usually carries none). */
  readonly errorMessage: string | undefined;
}

/** One page of a query's results, a CSV stream that starts with the header row. */
export interface QueryResultsPage {
  /** The page's bytes; the caller must consume or destroy it. */
  readonly body: Readable;
  readonly contentType: string | undefined;
  /** The next page's locator (`Sforce-Locator`); null on the last page (the org sends the text "null"). */
  readonly locator: string | null;
  /** Rows in this page (`Sforce-NumberOfRecords`). */
  readonly numberOfRecords: number;
}

/** One response of `resultPages`: up to five page paths, and where the next list is. */
export interface ResultPageList {
  /** Paths from the origin (`/services/data/vXX.X/jobs/query/{id}/results?locator=...`), in result order. */
  readonly pages: readonly string[];
  /** The next list's path, or null when this was the last. */
  readonly next: string | null;
}

export interface ResultsOptions extends CallOptions {
  /** The page to read: a previous page's locator; none for the first. */
  readonly locator?: string | null | undefined;
  /** Most rows in the page; the org may send fewer. Default: the org's. */
  readonly maxRecords?: number | undefined;
}

/** Most bytes of a job info, a page list or an error read into memory. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** The API version that brought `resultPages`. */
const RESULT_PAGES_SINCE = 58;
const STATES: readonly QueryJobState[] = ['UploadComplete', 'InProgress', 'JobComplete', 'Failed', 'Aborted'];

export class QueryJobs {
  readonly #api: ApiCaller;
  readonly #version: string;

  constructor(api: ApiCaller, apiVersion: string) {
    this.#api = api;
    this.#version = apiVersion;
  }

  /**
   * Creates a query job; the org queues it at once (state UploadComplete).
   * @example
   * const job = await client.queryJobs.create({ query: 'SELECT Id FROM Account', operation: 'query' });
   */
  create(request: QueryJobRequest, options: CallOptions = {}): Promise<QueryJobInfo> {
    nonEmptyString('query', request.query);
    const body = {
      operation: oneOf('operation', request.operation, ['query', 'queryAll'] as const),
      query: request.query,
      contentType: 'CSV',
      columnDelimiter: oneOf('columnDelimiter', request.columnDelimiter ?? 'COMMA', COLUMN_DELIMITERS),
      lineEnding: oneOf('lineEnding', request.lineEnding ?? 'LF', ['LF', 'CRLF'] as const),
    };
    // Retried like a GET, with no look-up of a job a lost answer made: a query job changes no data,
    // so a second one only costs one of the day's 10,000 query jobs and its run, and the orphan ends
    // by itself (the org deletes finished jobs after 7 days). A search of the job list for it (as v1
    // createJob does) would cost more calls on every lost answer than the duplicate does.
    return this.#json(
      { method: 'POST', path: paths.queryJobsPath(this.#version), contentType: 'application/json; charset=UTF-8', body: prepareBody(JSON.stringify(body), false) },
      options,
    );
  }

  get(jobId: string, options: CallOptions = {}): Promise<QueryJobInfo> {
    return this.#json({ method: 'GET', path: paths.queryJobPath(this.#version, jobId), jobId }, options);
  }

  /** Aborts an UploadComplete or InProgress job; a retry that finds its first attempt took effect is success. */
  async abort(jobId: string, options: CallOptions = {}): Promise<QueryJobInfo> {
    try {
      return await this.#json(
        {
          method: 'PATCH',
          path: paths.queryJobPath(this.#version, jobId),
          jobId,
          contentType: 'application/json; charset=UTF-8',
          body: prepareBody('{"state":"Aborted"}', false),
        },
        options,
      );
    } catch (err) {
      if (err instanceof BulkApiError && err.exceptionCode === 'INVALIDJOBSTATE') {
        const job = await this.get(jobId, options);
        if (job.state === 'Aborted') return job;
      }
      throw err;
    }
  }

  /** Deletes a finished job (JobComplete, Failed or Aborted) and its results. */
  delete(jobId: string, options: CallOptions = {}): Promise<void> {
    return this.#api.call({ method: 'DELETE', path: paths.queryJobPath(this.#version, jobId), jobId, mode: 'idempotent', signal: options.signal, rest: true }, async (res) => {
      res.body.resume();
    });
  }

  /** One page of a JobComplete job's results: the first, or the one `locator` names. */
  results(jobId: string, options: ResultsOptions = {}): Promise<QueryResultsPage> {
    const query = new URLSearchParams();
    if (options.locator) query.set('locator', options.locator);
    if (options.maxRecords !== undefined) query.set('maxRecords', String(positiveInteger('maxRecords', options.maxRecords)));
    const tail = query.size > 0 ? `?${query}` : '';
    return this.resultPage(jobId, `${paths.queryResultsPath(this.#version, jobId)}${tail}`, options);
  }

  /** A page by its path from the origin (as `resultPages` lists them). */
  async resultPage(jobId: string, path: string, options: CallOptions = {}): Promise<QueryResultsPage> {
    const { body, contentType, headers } = await this.#api.download(path, { jobId, rest: true, signal: options.signal });
    const locator = header(headers['sforce-locator']);
    const count = Number(header(headers['sforce-numberofrecords']) ?? Number.NaN);
    if (locator === undefined || !Number.isSafeInteger(count) || count < 0) {
      body.destroy();
      throw new ParseError('a results page without Sforce-Locator or Sforce-NumberOfRecords', { source: path });
    }
    return { body, contentType, locator: locator === 'null' || locator === '' ? null : locator, numberOfRecords: count };
  }

  /**
   * The job's result pages to fetch in parallel (API 58.0+): the first list, or the one `next`
   * names. Undefined when the org does not offer the resource (an API version before 58.0, not
   * asked; a 404: an org without the "Partial Download and Job Completion Events" preference): read the locator loop.
   */
  async resultPages(jobId: string, options: CallOptions & { readonly next?: string } = {}): Promise<ResultPageList | undefined> {
    if (Number(this.#version) < RESULT_PAGES_SINCE) return undefined; // not asked: the resource arrived in 58.0 (spec §1.3)
    const path = options.next ?? paths.queryResultPagesPath(this.#version, jobId);
    try {
      return await this.#api.call({ method: 'GET', path, jobId, mode: 'idempotent', signal: options.signal, rest: true }, async (res) =>
        this.#pageList(await readBounded(res.body, MAX_DOCUMENT_BYTES, 'resultPages'), path),
      );
    } catch (err) {
      if (options.next === undefined && (err instanceof BulkApiError || err instanceof HttpStatusError) && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  /**
   * Two shapes are seen (spec §4.5): the docs' `resultPages[].resultUrl` (from /services) and
   * node-sf-bulk2's `resultChunks[].resultLink` (from /services/data/vXX.X, its maintainer's "actual
   * shape"). Either is read, the docs' first; the local org sends both.
   */
  #pageList(text: Buffer, source: string): ResultPageList {
    let doc: { resultPages?: Array<{ resultUrl?: unknown }>; resultChunks?: Array<{ resultLink?: unknown }>; nextRecordsUrl?: unknown; done?: unknown };
    try {
      doc = JSON.parse(text.toString('utf8')) as typeof doc;
    } catch (err) {
      throw new ParseError('resultPages is not JSON', { source }, { cause: err });
    }
    const links = Array.isArray(doc.resultPages)
      ? doc.resultPages.map((p) => p?.resultUrl)
      : Array.isArray(doc.resultChunks)
        ? doc.resultChunks.map((p) => p?.resultLink)
        : undefined;
    if (!links || links.some((l) => typeof l !== 'string')) throw new ParseError('resultPages without resultPages[].resultUrl or resultChunks[].resultLink', { source });
    const next = typeof doc.nextRecordsUrl === 'string' && doc.done !== true ? this.#fromOrigin(doc.nextRecordsUrl) : null;
    return { pages: (links as string[]).map((l) => this.#fromOrigin(l)), next };
  }

  /** A link as a path from the origin: absolute URLs lose their origin, links under /services/data/vXX.X gain it. */
  #fromOrigin(link: string): string {
    const path = /^https?:\/\//i.test(link) ? link.replace(/^https?:\/\/[^/]+/i, '') : link;
    return path.startsWith('/services/') ? path : `/services/data/v${this.#version}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  #json(spec: Omit<Parameters<ApiCaller['call']>[0], 'mode' | 'rest' | 'signal'>, options: CallOptions): Promise<QueryJobInfo> {
    return this.#api.call({ ...spec, mode: 'idempotent', rest: true, signal: options.signal }, (res) => readJobInfo(res, spec.path));
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readJobInfo(res: ExchangeResponse, source: string): Promise<QueryJobInfo> {
  const doc = parseJobDocument(await readBounded(res.body, MAX_DOCUMENT_BYTES, 'query job info'), source);
  const str = (key: string) => (typeof doc[key] === 'string' ? (doc[key] as string) : undefined);
  const count = (key: string) => (typeof doc[key] === 'number' ? (doc[key] as number) : 0);
  const id = str('id');
  const state = str('state') as QueryJobState | undefined;
  if (!id || !state || !STATES.includes(state)) throw new ParseError(`a query job info without an id or a known state (${JSON.stringify(doc.state)})`, { source });
  return {
    id,
    operation: str('operation') === 'queryAll' ? 'queryAll' : 'query',
    object: str('object') ?? '',
    state,
    createdDate: str('createdDate'),
    columnDelimiter: (str('columnDelimiter') as ColumnDelimiter | undefined) ?? 'COMMA',
    lineEnding: (str('lineEnding') as LineEnding | undefined) ?? 'LF',
    numberRecordsProcessed: count('numberRecordsProcessed'),
    retries: count('retries'),
    totalProcessingTime: count('totalProcessingTime'),
    errorMessage: str('errorMessage'),
  };
}

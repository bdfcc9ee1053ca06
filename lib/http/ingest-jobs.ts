/**
 * IngestJobs: the Bulk API 2.0 ingest calls (spec §3), over the ApiCaller of a BulkClient (its
 * retries, session renewal and resumed downloads). Each call is safe to retry after a lost answer:
 * a create is looked up in the org's job list before it is sent again, a second upload is refused
 * by the org as "multiple contents" (the data is there: 'present'), a close or abort finds the
 * job already in the state it asked for, a delete finds the job gone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError, BulkApiError, ParseError } from '../errors.js';
import {
  hasDialect,
  ingestJobInfoOf,
  INGEST_JOB_SOURCE,
  serializeIngestJobRequest,
  type IngestJobDialect,
  type IngestJobInfo,
  type IngestJobRequest,
  type IngestJobState,
  type IngestResultFile,
} from '../wire/ingest-job-info.js';
import type { ApiCaller } from './api-caller.js';
import type { CallOptions, DownloadedBody } from './client-options.js';
import { readBounded, type ExchangeResponse } from './connection.js';
import { parseJobDocument } from '../wire/v2-job-document.js';
import * as paths from './endpoints.js';
import { parseJobListDocument } from './job-list.js';
import { KnownJobs } from './known-jobs.js';
import { prepareBody, type UploadBody } from './upload-body.js';

export type { IngestJobInfo, IngestJobRequest, IngestJobState, IngestResultFile } from '../wire/ingest-job-info.js';

/** Most bytes of a job info or of a job list page (1,000 jobs) read into memory. */
const MAX_JOB_INFO_BYTES = 1024 * 1024;
const MAX_LIST_PAGE_BYTES = 8 * MAX_JOB_INFO_BYTES;

/**
 * The org's refusal of a second PUT (spec §3.5): recorded v47 with the misspelling "multipe"; a
 * jsforce maintainer quotes it "multiple" (jsforce #1370), so both spellings.
 */
const MULTIPLE_CONTENTS = /Found multip(?:l)?e contents for job/i;

/** How long an upload waits for another upload of the job (a cut attempt of its own) to end on the org's side, and its waits between tries. */
const SETTLE_MS = 30_000;
const SETTLE_FIRST_WAIT_MS = 100;
const SETTLE_MAX_WAIT_MS = 2_000;

/** States a job reaches after UploadComplete: a close whose first answer was lost finds it in one of them. */
const CLOSED_STATES: ReadonlySet<IngestJobState> = new Set(['UploadComplete', 'InProgress', 'JobComplete', 'Failed']);
const TERMINAL_STATES: ReadonlySet<IngestJobState> = new Set(['JobComplete', 'Failed', 'Aborted']);

export interface IngestUploadOptions extends CallOptions {
  /** Send the body with `Content-Encoding: gzip`, compressed per send. */
  readonly gzip?: boolean;
}

export interface IngestListOptions extends CallOptions {
  /** Only jobs created at or after this time (epoch ms). */
  readonly since?: number;
}

export class IngestJobs {
  readonly #api: ApiCaller;
  readonly #apiVersion: string;
  readonly #lostCreates: number[] = [];
  /** The jobs this instance made or read, with their CSV dialect (a PATCH answer has none). */
  readonly #known = new KnownJobs<IngestJobDialect>();

  constructor(api: ApiCaller, apiVersion: string) {
    this.#api = api;
    this.#apiVersion = apiVersion;
  }

  async create(request: IngestJobRequest, options: CallOptions = {}): Promise<IngestJobInfo> {
    const since = Date.now();
    return this.#api.call(
      {
        method: 'POST',
        path: paths.ingestJobsPath(this.#apiVersion),
        contentType: 'application/json; charset=UTF-8',
        body: prepareBody(serializeIngestJobRequest(request), false),
        mode: 'dedupe',
        signal: options.signal,
        rest: true,
      },
      (res) => this.#readJob(res),
      // An answer lost after the org may have acted: the request is sent again, never answered by a
      // job found in the list. A 2.0 job carries nothing of its maker's, so a like job found there may
      // be another process's (taking it would upload into it, and read its rows for ours). The one
      // the lost attempt may have made holds no data: its time is kept (takeLostCreates), for the
      // load to settle such jobs at its end.
      async () => {
        this.#lostCreates.push(since);
        return undefined;
      },
    );
  }

  /** When each create whose answer was lost went out (epoch ms), since the last call; the list is emptied. */
  takeLostCreates(): number[] {
    return this.#lostCreates.splice(0);
  }

  /**
   * The job's one upload (`PUT .../batches`, text/csv). A replayable body is sent again after a
   * transient failure; the org refuses a second upload of a job that holds data already, which is
   * what a lost answer (or a resumed load's second try) meets: 'present'. The same refusal meets a
   * retry while an attempt of ours that was cut still streams in on the org's side (it has not seen
   * the cut yet): the job shows no data then, and the PUT is sent again once the org has dropped it.
   */
  async upload(jobId: string, body: UploadBody, options: IngestUploadOptions = {}): Promise<'uploaded' | 'present'> {
    const gzip = options.gzip ?? false;
    const prepared = prepareBody(body, gzip);
    const put = () =>
      this.#api.call(
        {
          method: 'PUT',
          path: paths.ingestUploadPath(this.#apiVersion, jobId),
          jobId,
          contentType: 'text/csv; charset=UTF-8',
          body: prepared,
          compressed: gzip,
          mode: 'idempotent',
          signal: options.signal,
          rest: true,
        },
        async (res) => {
          res.body.resume();
          return 'uploaded' as const;
        },
      );
    const deadline = Date.now() + SETTLE_MS;
    for (let wait = SETTLE_FIRST_WAIT_MS; ; wait = Math.min(2 * wait, SETTLE_MAX_WAIT_MS)) {
      try {
        return await put();
      } catch (err) {
        if (!(err instanceof BulkApiError && err.exceptionCode === 'BULK_API_ERROR' && MULTIPLE_CONTENTS.test(err.exceptionMessage))) throw err;
        if (await this.#holdsData(jobId, options)) return 'present';
        // Another upload of the job is streaming in and may not end with data: wait for it, bounded.
        if (!prepared.replayable || Date.now() + wait > deadline) throw err;
        await pause(wait, options.signal);
      }
    }
  }

  /** `UploadComplete`: the org starts processing the data. A retried close whose first answer was lost finds the job past Open: success. */
  close(jobId: string, options: CallOptions = {}): Promise<IngestJobInfo> {
    return this.#changeState(jobId, 'UploadComplete', CLOSED_STATES, options);
  }

  /** Aborts the job; one that has ended already (aborted, complete, failed) is returned as it is. */
  abort(jobId: string, options: CallOptions = {}): Promise<IngestJobInfo> {
    return this.#changeState(jobId, 'Aborted', TERMINAL_STATES, options);
  }

  async get(jobId: string, options: CallOptions = {}): Promise<IngestJobInfo> {
    return this.#api.call({ method: 'GET', path: paths.ingestJobPath(this.#apiVersion, jobId), jobId, mode: 'idempotent', signal: options.signal, rest: true }, (res) =>
      this.#readJob(res),
    );
  }

  /** Deletes a job that has ended (UploadComplete or later), its data and results with it. */
  async delete(jobId: string, options: CallOptions = {}): Promise<void> {
    await this.#api.call(
      { method: 'DELETE', path: paths.ingestJobPath(this.#apiVersion, jobId), jobId, mode: 'dedupe', signal: options.signal, rest: true },
      async (res) => {
        res.body.resume();
        return true;
      },
      // A delete whose answer was lost: the job is gone (NOT_FOUND) if it took effect.
      async () => ((await this.#exists(jobId, options)) ? undefined : true),
    );
    this.#known.forget(jobId);
  }

  /** One result file, streamed; a cut download resumes where it was. */
  results(jobId: string, file: IngestResultFile, options: CallOptions = {}): Promise<DownloadedBody> {
    return this.#api.download(paths.ingestResultPath(this.#apiVersion, jobId, file), { jobId, rest: true, signal: options.signal });
  }

  /** The org's 2.0 ingest jobs (this user's), page by page; `since` keeps those created from then on. */
  async *list(options: IngestListOptions = {}): AsyncGenerator<IngestJobInfo> {
    const seen = new Set<string>();
    let path: string | undefined = paths.ingestJobListPath(this.#apiVersion);
    while (path !== undefined) {
      // A locator that comes back would loop for ever.
      if (seen.has(path)) throw new ParseError(`the job list names its page ${path} twice`, { source: 'job list', field: 'nextRecordsUrl' });
      seen.add(path);
      const { records, next } = await this.#listPage(path, options.signal);
      for (const job of records) {
        if (options.since !== undefined && !(Date.parse(job.createdDate) >= options.since)) continue;
        yield job;
      }
      path = next;
    }
  }

  /** The PATCH; refused as INVALIDJOBSTATE with the job in one of `done` (reached already, by a lost attempt or anyone), the job as it is. */
  async #changeState(jobId: string, state: 'UploadComplete' | 'Aborted', done: ReadonlySet<IngestJobState>, options: CallOptions): Promise<IngestJobInfo> {
    try {
      return await this.#patchState(jobId, state, options);
    } catch (err) {
      if (err instanceof BulkApiError && err.exceptionCode.toUpperCase() === 'INVALIDJOBSTATE') {
        const job = await this.get(jobId, options);
        if (done.has(job.state)) return job;
      }
      throw err;
    }
  }

  async #patchState(jobId: string, state: 'UploadComplete' | 'Aborted', options: CallOptions): Promise<IngestJobInfo> {
    const known = this.#known.has(jobId);
    const job = await this.#api.call(
      {
        method: 'PATCH',
        path: paths.ingestJobPath(this.#apiVersion, jobId),
        jobId,
        contentType: 'application/json; charset=UTF-8',
        body: prepareBody(JSON.stringify({ state }), false),
        mode: 'idempotent',
        signal: options.signal,
        rest: true,
      },
      (res) => this.#readJob(res),
    );
    // The PATCH answer has no dialect: for a job this instance never read, the job info has it.
    return known ? job : this.get(jobId, options);
  }

  /**
   * Whether the job shows its data: past Open, or Open with record counters, which the org adds at
   * the upload (recorded v52, spec §3.3; an Open job without data has none).
   */
  async #holdsData(jobId: string, options: CallOptions): Promise<boolean> {
    return this.#api.call({ method: 'GET', path: paths.ingestJobPath(this.#apiVersion, jobId), jobId, mode: 'idempotent', signal: options.signal, rest: true }, async (res) => {
      const doc = parseJobDocument(await readBounded(res.body, MAX_JOB_INFO_BYTES, INGEST_JOB_SOURCE), INGEST_JOB_SOURCE);
      return ingestJobInfoOf(doc).state !== 'Open' || doc.numberRecordsProcessed !== undefined;
    });
  }

  async #exists(jobId: string, options: CallOptions): Promise<boolean> {
    try {
      await this.get(jobId, options);
      return true;
    } catch (err) {
      if (err instanceof BulkApiError && err.exceptionCode === 'NOT_FOUND') return false;
      throw err;
    }
  }

  /** A job info answer; a PATCH answer's missing dialect comes from what this instance knows of the job. */
  async #readJob(res: ExchangeResponse): Promise<IngestJobInfo> {
    const doc = parseJobDocument(await readBounded(res.body, MAX_JOB_INFO_BYTES, INGEST_JOB_SOURCE), INGEST_JOB_SOURCE);
    const job = ingestJobInfoOf(doc, typeof doc.id === 'string' ? this.#known.get(doc.id) : undefined);
    if (hasDialect(doc)) this.#known.remember(job.id, { lineEnding: job.lineEnding, columnDelimiter: job.columnDelimiter });
    return job;
  }

  async #listPage(path: string, signal: AbortSignal | undefined): Promise<{ records: IngestJobInfo[]; next: string | undefined }> {
    return this.#api.call({ method: 'GET', path, mode: 'idempotent', signal, rest: true }, async (res) =>
      parseJobListDocument(await readBounded(res.body, MAX_LIST_PAGE_BYTES, 'job list'), (record) => ingestJobInfoOf(record)),
    );
  }
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch {
    throw new AbortedError('an ingest upload waiting for another upload of its job', signal?.reason);
  }
}

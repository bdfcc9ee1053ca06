/**
 * Bulk API 2.0 record retries (issue 26): each attempt is an ingest job of its own (a 2.0 job takes
 * one upload), made, uploaded, closed and polled as the load's are, its three result files put in
 * the retry payload's order by the 2.0 join (orderResults). Each step is in the ledger: the create
 * announced before its POST, the job's id after it, the upload taken, UploadComplete answered. A
 * resumed attempt goes on from the org's word on its job: Open is uploaded (the org refuses a second
 * upload of a job that holds data, which the client takes for `present`) and closed; Aborted or
 * Failed with nothing processed never wrote anything, and a new job is made; otherwise its results
 * are read. A create whose answer was lost made at most an Open job without data: the resume's plan
 * settles it by the rule of lib/load/ingest-lost-creates.ts (pipelines/load-resume-ingest.ts) before
 * this run makes any job, and a new job is made. A job the org no longer has (deleted) ends the attempt
 * with its rows' fate unknown (BULKPIPE_RETRY_UNKNOWN): they may have been written, so never sent again.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { rowError } from '../errors.js';
import type { BulkClient } from '../http/client.js';
import type { IngestJobInfo } from '../http/ingest-jobs.js';
import { orderResults } from '../join/unordered-results.js';
import { V2_RECORDS_PER_BATCH } from '../load/budget-estimate.js';
import { type IngestJobMaker, settleLostCreates } from '../load/ingest-lost-creates.js';
import type { LoadLedger } from '../load/load-ledger.js';
import type { LoadSpool } from '../load/load-spool.js';
import type { LoadOperation } from '../load-types.js';
import type { PollLoopOptions } from '../poll-loop.js';
import type { AttemptOutcome } from './merge-results.js';
import { pollUntil, type RetryAttempt, type RetrySender } from './retry-attempt.js';
import { goneFromOrg } from './gone-from-org.js';
import { goneJob, mismatch } from './retry-batches.js';

export interface RetryIngestJobsOptions {
  readonly client: BulkClient;
  readonly job: { readonly object: string; readonly operation: LoadOperation; readonly externalIdFieldName?: string };
  readonly spool: LoadSpool;
  readonly ledger: LoadLedger | undefined;
  readonly poll: PollLoopOptions;
  /** What the settling of lost creates did, to tell the user. */
  readonly onNotice?: (message: string) => void;
}

const TERMINAL = new Set(['JobComplete', 'Failed', 'Aborted']);
const FILES = [
  ['successful', 'successfulResults'],
  ['failed', 'failedResults'],
  ['unprocessed', 'unprocessedrecords'],
] as const;
/** New jobs made for one attempt whose job ended with nothing processed (aborted by another's settling, say) before it is given up. */
const MOST_JOBS = 3;

export class RetryIngestJobs implements RetrySender, IngestJobMaker {
  readonly #o: RetryIngestJobsOptions;
  /** Jobs made and not yet sent UploadComplete: a failed run aborts them. */
  readonly #unclosed = new Set<string>();
  /** Every job an attempt made or took on: known to the settling of lost creates. */
  readonly #known = new Set<string>();
  /** Creates in flight: a settling waits for their answers (their jobs are known then). */
  readonly #creating = new Set<Promise<unknown>>();
  /** Set while lost creates are settled: no create starts. */
  #quiet: Promise<void> | undefined;
  #batches = 0;

  constructor(options: RetryIngestJobsOptions) {
    this.#o = options;
  }

  get batches(): number {
    return this.#batches;
  }

  /** A resumed run's retry jobs (the ledger's): known from the start. */
  know(jobs: Iterable<string>): void {
    for (const id of jobs) this.#known.add(id);
  }

  knownJobs(): Iterable<string> {
    return this.#known;
  }

  async quiet<T>(settle: () => Promise<T>): Promise<T> {
    while (this.#quiet) await this.#quiet;
    let release = (): void => undefined;
    this.#quiet = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      while (this.#creating.size > 0) await Promise.allSettled([...this.#creating]);
      return await settle();
    } finally {
      this.#quiet = undefined;
      release();
    }
  }

  async send(attempt: RetryAttempt, signal: AbortSignal): Promise<AttemptOutcome> {
    const { client } = this.#o;
    const step = attempt.resumed;
    let job: { id: string; uploaded: boolean; closed: boolean } | undefined;
    // The job the attempt stands on: when the org no longer has it, its rows' fate cannot be known.
    let current = step?.jobId;
    try {
      if (step?.jobId !== undefined) {
        const info = await client.ingestJobs.get(step.jobId, { signal });
        if (!nothingDone(info)) job = { id: info.id, uploaded: step.uploaded || info.state !== 'Open', closed: step.closed || info.state !== 'Open' };
      }
      return await this.#jobs(
        attempt,
        job,
        (id) => {
          current = id;
        },
        signal,
      );
    } catch (err) {
      if (current === undefined || !goneFromOrg(err)) throw err;
      this.#unclosed.delete(current);
      return { failure: goneJob(attempt.attempt, current) };
    }
  }

  /** The attempt from `job` on (undefined: a new job is made), through as many jobs as it takes; each job told to `using` as it is taken. */
  async #jobs(
    attempt: RetryAttempt,
    resumed: { id: string; uploaded: boolean; closed: boolean } | undefined,
    using: (jobId: string) => void,
    signal: AbortSignal,
  ): Promise<AttemptOutcome> {
    const { client, ledger } = this.#o;
    const { seq } = attempt;
    let job = resumed;
    for (let made = 0; ; made++) {
      if (!job) {
        await ledger?.retry({ type: 'retryCreating', seq, attempt: attempt.attempt, at: Date.now() });
        const info = await this.#create(signal);
        await ledger?.retry({ type: 'retrySent', seq, attempt: attempt.attempt, jobId: info.id });
        job = { id: info.id, uploaded: false, closed: false };
      }
      const { id } = job;
      this.#known.add(id);
      using(id);
      if (!job.closed) this.#unclosed.add(id);
      if (!job.uploaded) {
        await client.ingestJobs.upload(id, { path: attempt.payloadPath }, { signal });
        await ledger?.retry({ type: 'retryUploaded', seq, attempt: attempt.attempt });
      }
      if (!job.closed) {
        await client.ingestJobs.close(id, { signal });
        this.#unclosed.delete(id);
        await ledger?.retry({ type: 'retryClosed', seq, attempt: attempt.attempt });
      }
      const info = await pollUntil<IngestJobInfo>(this.#o.poll, id, id, async () => {
        const got = await client.ingestJobs.get(id, { signal });
        return TERMINAL.has(got.state) ? got : undefined;
      });
      // Counted as the load's 2.0 jobs are (pipelines/spent-budget.ts): an internal batch a 10,000 records processed.
      this.#batches += Math.ceil(info.numberRecordsProcessed / V2_RECORDS_PER_BATCH);
      // Nothing of it reached the org's records: a new job, within reason.
      if (nothingDone(info) && made + 1 < MOST_JOBS) {
        job = undefined;
        continue;
      }
      return this.#results(attempt, info, signal);
    }
  }

  /**
   * After the run: the creates whose answer was lost since the load's submitter settled its own
   * (most retries come after it) made at most an Open job without data each: settled by the rule of
   * ingest-lost-creates.ts, this maker's jobs known (the load's are all sent UploadComplete by then).
   * After a failed run: the jobs never sent UploadComplete are aborted (none is left Open; a resume
   * finds them Aborted with nothing processed).
   */
  async settle(failed: boolean): Promise<void> {
    const { client } = this.#o;
    if (!failed) {
      const lost = client.ingestJobs.takeLostCreates();
      if (lost.length > 0) this.#o.onNotice?.(await settleLostCreates(client, this.#o.job, lost, this.#known, undefined));
      return;
    }
    for (const id of this.#unclosed) await client.ingestJobs.abort(id).catch(() => undefined);
  }

  /** A job made for an attempt, unless lost creates are being settled (then once they are). */
  async #create(signal: AbortSignal): Promise<IngestJobInfo> {
    while (this.#quiet) await this.#quiet;
    const creating = this.#o.client.ingestJobs.create({ ...this.#o.job, lineEnding: 'LF' }, { signal });
    this.#creating.add(creating);
    try {
      return await creating;
    } finally {
      this.#creating.delete(creating);
    }
  }

  async #results(attempt: RetryAttempt, info: IngestJobInfo, signal: AbortSignal): Promise<AttemptOutcome> {
    const { client, spool } = this.#o;
    const notProcessed = rowError(
      'BULKPIPE_NOT_PROCESSED',
      `retry job ${info.id} (attempt ${attempt.attempt}) ended ${info.state}${info.errorMessage ? ` (${info.errorMessage})` : ''} before the org processed this record: it never reached the org; load it again`,
    );
    if (nothingDone(info)) return { failure: notProcessed };
    const files = { successful: '', failed: '', unprocessed: '' };
    for (const [key, file] of FILES) {
      const path = await spool.path(attempt.seq, 'retry', `${attempt.attempt}.${file}.csv`);
      const { body } = await client.ingestJobs.results(info.id, file, { signal });
      await pipeline(body, createWriteStream(path));
      files[key] = path;
    }
    const output = await spool.path(attempt.seq, 'retry', `${attempt.attempt}.results.csv`);
    const outcome = await orderResults({
      jobId: info.id,
      segments: [{ seq: attempt.seq, path: attempt.payloadPath, records: attempt.records }],
      results: files,
      outputPath: () => output,
      notProcessed,
      tmpDir: dirname(output),
      signal,
    });
    await Promise.all(Object.values(files).map((path) => rm(path, { force: true })));
    return outcome.ok ? { resultsPath: output } : { failure: mismatch(info.id, info.id, attempt.records, info.numberRecordsProcessed) };
  }
}

/** A job that ended without the org processing any of its records: nothing of it was written. */
const nothingDone = (info: IngestJobInfo) => (info.state === 'Aborted' || info.state === 'Failed') && info.numberRecordsProcessed === 0;

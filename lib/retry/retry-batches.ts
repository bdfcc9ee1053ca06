/**
 * Bulk API v1 record retries (issue 26): each attempt is a batch of the run's retry job, a job of
 * its own made at the first attempt of each run, a resumed one too (the load's job is closed by its submitter when the input ends,
 * and a resume places the load's job's batches on segments by their bytes: a retry batch in it could
 * be taken for a segment's). The job is announced in the ledger before its create POST and recorded
 * after it; each batch is recorded once it exists. A resumed attempt with no batch recorded is
 * looked for in the org first, among the batches of the run's retry jobs that no attempt recorded,
 * by its request's hash: it is sent again only when none is its payload. A batch or retry job the org
 * no longer has (deleted after 7 days) ends the attempt with its rows' fate unknown
 * (BULKPIPE_RETRY_UNKNOWN), never sent again.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { rowError } from '../errors.js';
import type { BulkClient } from '../http/client.js';
import type { LoadLedger } from '../load/load-ledger.js';
import type { LoadSpool } from '../load/load-spool.js';
import type { PollLoopOptions } from '../poll-loop.js';
import { type BatchInfo, type JobInfo, type JobRequest, TERMINAL_BATCH_STATES } from '../types.js';
import { goneFromOrg } from './gone-from-org.js';
import type { AttemptOutcome } from './merge-results.js';
import { pollUntil, type RetryAttempt, type RetrySender } from './retry-attempt.js';

export interface RetryBatchesOptions {
  readonly client: BulkClient;
  /** The load's job: the retry job is made like it. */
  readonly job: JobRequest;
  readonly spool: LoadSpool;
  readonly ledger: LoadLedger | undefined;
  readonly poll: PollLoopOptions;
}

/** What a resumed run's ledger says of the retry jobs. */
export interface ResumedRetryBatches {
  /** The run's retry jobs, oldest first. */
  readonly jobs: readonly string[];
  /** Their batches that attempts recorded. */
  readonly placed: ReadonlySet<string>;
}

export class RetryBatches implements RetrySender {
  readonly #o: RetryBatchesOptions;
  #job: Promise<JobInfo> | undefined;
  #resumed: ResumedRetryBatches = { jobs: [], placed: new Set() };
  /** Batches of the retry jobs that an attempt of this run sent or took. */
  readonly #taken = new Set<string>();
  /** One search of the org at a time: two attempts never take one batch. */
  #searching: Promise<unknown> = Promise.resolve();
  #made = 0;

  constructor(options: RetryBatchesOptions) {
    this.#o = options;
  }

  get batches(): number {
    return this.#made;
  }

  goOn(resumed: ResumedRetryBatches): void {
    this.#resumed = resumed;
  }

  async send(attempt: RetryAttempt, signal: AbortSignal): Promise<AttemptOutcome> {
    const { client } = this.#o;
    const step = attempt.resumed;
    let sent = step?.jobId !== undefined && step.batchId !== undefined ? { jobId: step.jobId, batchId: step.batchId } : undefined;
    if (!sent && step) {
      const found = await this.#found(attempt, signal);
      if (typeof found === 'string') return { failure: goneJob(attempt.attempt, found) };
      sent = found;
    }
    if (!sent) {
      const job = await this.#jobToUse(signal);
      const batch = await client.addBatch(job.id, { path: attempt.payloadPath }, { contentType: 'CSV', signal });
      sent = { jobId: job.id, batchId: batch.id };
      this.#made++;
      this.#taken.add(batch.id); // never taken by another attempt's search
      await this.#o.ledger?.retry({ type: 'retrySent', seq: attempt.seq, attempt: attempt.attempt, jobId: sent.jobId, batchId: sent.batchId });
    }
    const { jobId, batchId } = sent;
    try {
      return await this.#outcome(attempt, jobId, batchId, signal);
    } catch (err) {
      // Deleted by the org (seven days old) before a resumed run read it: its rows' fate cannot be known.
      if (goneFromOrg(err)) return { failure: goneJob(attempt.attempt, jobId, batchId) };
      throw err;
    }
  }

  /** The attempt's batch awaited, and its results read into the spool. */
  async #outcome(attempt: RetryAttempt, jobId: string, batchId: string, signal: AbortSignal): Promise<AttemptOutcome> {
    const { client } = this.#o;
    const info = await pollUntil<BatchInfo>(this.#o.poll, jobId, batchId, async () => {
      const batch = await client.getBatch(jobId, batchId, { signal });
      return TERMINAL_BATCH_STATES.has(batch.state) ? batch : undefined;
    });
    if (info.state !== 'Completed')
      return {
        failure: rowError(
          'BULKPIPE_RETRY_FAILED',
          `retry batch ${batchId} of job ${jobId} (attempt ${attempt.attempt}) ended ${info.state}${info.stateMessage ? ` (${info.stateMessage})` : ''}: whether the org wrote this record is not known; check it in the org`,
        ),
      };
    if (info.numberRecordsProcessed !== attempt.records) return { failure: mismatch(jobId, batchId, attempt.records, info.numberRecordsProcessed) };
    const path = await this.#o.spool.path(attempt.seq, 'retry', `${attempt.attempt}.results.csv`);
    const { body } = await client.getBatchResult(jobId, batchId, { signal });
    await pipeline(body, createWriteStream(path));
    return { resultsPath: path };
  }

  /** Closes the retry jobs left Open: this run's, and a resumed run's (their batches go on being processed). */
  async settle(): Promise<void> {
    const { client } = this.#o;
    const own = await this.#job?.catch(() => undefined);
    const ids = new Set([...this.#resumed.jobs, ...(own ? [own.id] : [])]);
    for (const id of ids) {
      const job = await client.getJob(id).catch(() => undefined);
      if (job?.state === 'Open') await client.closeJob(id).catch(() => undefined);
    }
  }

  /**
   * The batch of a resumed attempt that the org holds (its request has the payload's bytes), recorded;
   * undefined when none does; a retry job's id when none of the others does and the org no longer
   * has that one (the attempt's batch may have been in it: it cannot be sent again blind).
   */
  #found(attempt: RetryAttempt, signal: AbortSignal): Promise<{ jobId: string; batchId: string } | string | undefined> {
    const search = this.#searching.then(async () => {
      const { client } = this.#o;
      let gone: string | undefined;
      for (const jobId of this.#resumed.jobs) {
        let batches: BatchInfo[];
        try {
          batches = await client.listBatches(jobId, { signal });
        } catch (err) {
          if (!goneFromOrg(err)) throw err;
          gone ??= jobId;
          continue;
        }
        for (const batch of batches) {
          if (this.#resumed.placed.has(batch.id) || this.#taken.has(batch.id)) continue;
          if ((await client.batchRequestDigest(jobId, batch.id, { signal })) !== attempt.payloadSha256) continue;
          this.#taken.add(batch.id);
          await this.#o.ledger?.retry({ type: 'retrySent', seq: attempt.seq, attempt: attempt.attempt, jobId, batchId: batch.id });
          return { jobId, batchId: batch.id };
        }
      }
      return gone;
    });
    this.#searching = search.catch(() => undefined);
    return search;
  }

  /**
   * This run's retry job, made now (announced, then recorded); a resumed run's Open one is closed, never
   * added to. Its batches are the killed run's, which `#found` searches for resumed attempts, and a
   * batch POST of ours whose answer is lost is looked for among its job's batches no upload of ours
   * claimed: in a job of its own, each search sees only its own run's batches, so a lost upload is never
   * taken for an earlier attempt's batch of the same bytes (the same rows failed again), nor a batch of
   * ours for a resumed attempt's. Claiming the old batches instead would leave `#found` looking through
   * a job that this run's uploads, not yet recorded, are landing in.
   */
  #jobToUse(signal: AbortSignal): Promise<JobInfo> {
    this.#job ??= (async () => {
      const { client, ledger } = this.#o;
      const last = this.#resumed.jobs[this.#resumed.jobs.length - 1];
      const open = last === undefined ? undefined : await client.getJob(last, { signal }).catch((err: unknown) => (goneFromOrg(err) ? undefined : Promise.reject(err)));
      if (open?.state === 'Open') await client.closeJob(open.id, { signal });
      await ledger?.retry({ type: 'retryJobCreating', at: Date.now() });
      const job = await client.createJob({ ...this.#o.job, contentType: 'CSV' }, { signal });
      await ledger?.retry({ type: 'retryJob', jobId: job.id });
      return job;
    })();
    this.#job.catch(() => undefined);
    return this.#job;
  }
}

/** How long after its create POST went out a retry job whose id never came back may be dated (the org's clock and ours differ a little). */
const CREATE_WINDOW_MS = 60_000;
const SKEW_MS = 5_000;

/**
 * A resumed v1 load whose ledger announced a retry job's create and recorded no id: the job it made,
 * if any, is Open, like the load's, unknown to it, made within a minute after the POST, and holds no
 * batch (a batch needs its id). It is closed when it is the only such job; otherwise none is, and
 * they are named. Resolves to what to tell the user. Call it before the run makes any job.
 */
export async function settleLostRetryJob(client: BulkClient, request: JobRequest, at: number, known: ReadonlySet<string>, signal: AbortSignal | undefined): Promise<string> {
  const found: string[] = [];
  for (const id of await client.findLikeJobs({ ...request, contentType: 'CSV' }, at, { signal, skewMs: SKEW_MS, known: (jobId) => known.has(jobId) })) {
    const job = await client.getJob(id, { signal });
    if (job.state === 'Open' && job.numberBatchesTotal === 0 && job.createdDate.getTime() <= at + CREATE_WINDOW_MS) found.push(id);
  }
  const lost = 'the create request of a record retry job of this load whose answer was lost';
  if (found.length === 0) return `${lost} made no job in the org`;
  if (found.length > 1) return `${lost}; ${found.length} empty Open jobs like it were made then (${found.join(', ')}): none is closed: close those of this load in the org`;
  await client.closeJob(found[0] as string, { signal });
  return `${lost}: job ${found[0]}, made by it and holding no batch, is closed`;
}

/** The row error of a resumed attempt whose job (or batch) the org no longer has: what it did is unknown, so it is not sent again. */
export function goneJob(attempt: number, jobId: string, batchId?: string): string {
  return rowError(
    'BULKPIPE_RETRY_UNKNOWN',
    `attempt ${attempt}'s ${batchId === undefined ? `job ${jobId}` : `batch ${batchId} of job ${jobId}`} is gone from the org: whether this record was written is unknown; check it in the org before loading it again`,
  );
}

export function mismatch(jobId: string, batchId: string, records: number, results: number): string {
  return rowError(
    'BULKPIPE_RETRY_FAILED',
    `retry ${batchId === jobId ? 'job' : `batch ${batchId} of job`} ${jobId} returned ${results} results for its ${records} records, so which result is whose is unknown; check this record in the org`,
  );
}

/**
 * IngestJobPoller: SubmittedBatch -> FinishedBatch for Bulk API 2.0 (a segment never uploaded passes
 * through). Polls each job (one GET per job per interval, in the poll loop StatusPoller and bulkQuery
 * share: adaptive, bounded by a timeout that ends the stream with a PollTimeoutError naming the job;
 * the records stay pending in the ledger, never failed). When a job ends (JobComplete, Failed or
 * Aborted) its three result files are downloaded into the spool and put in payload order, one
 * result file per segment (lib/join/unordered-results.ts), synced, and recorded in the ledger; then
 * its segments go on, in order, each with its results file. A job whose results do not match its
 * rows exactly sends them all to the errors (BULKPIPE_RESULT_MISMATCH); a job's records the org
 * never processed are BULKPIPE_NOT_PROCESSED. Segments whose results a resumed run ordered already
 * pass at once. A job's results are fetched, ordered and pushed off the poll loop (one job at a
 * time, the next one's results downloading while one is ordered), so that the poll goes on seeing other jobs end meanwhile; at most `fetchQueue` ended jobs
 * wait behind the fetch, and one that ends beyond them stays awaited (its `jobLeftOrg` held). `recordsProcessed` sums the jobs' numberRecordsProcessed as polled: it leads the
 * records whose results are written, which wait for the job's end and its result files.
 * Buffers: the descriptors of the segments whose job is awaited or finishing; results wait on disk.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidOptionError, PollTimeoutError, rowError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { IngestJobInfo, IngestResultFile } from '../lib/http/ingest-jobs.js';
import { orderResults, type UnorderedResultFiles } from '../lib/join/unordered-results.js';
import type { LoadLedger } from '../lib/load/load-ledger.js';
import type { LoadSpool } from '../lib/load/load-spool.js';
import type { FailedJob, FinishedBatch, SpooledBatch, SubmittedBatch } from '../lib/load-types.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';
import type { BatchInfo } from '../lib/types.js';
import { PollingStage, type PollingOptions } from './polling-stage.js';
import type { BatchCounts } from './status-poller.js';

export interface IngestJobPollerOptions extends PollingOptions {
  readonly client: BulkClient;
  /** The load's spool: the jobs' result files go there, and each segment's results in payload order. */
  readonly spool: LoadSpool;
  readonly ledger?: LoadLedger;
  /**
   * Ended jobs that may wait for their results behind the job whose results are being fetched;
   * default 4 (a load passes its concurrency). A job that ends beyond them stays awaited here, its
   * `jobLeftOrg` held, until one is fetched: so a slow fetch holds the submitter back instead of
   * ended jobs queueing without limit.
   */
  readonly fetchQueue?: number;
}

const TERMINAL = new Set(['JobComplete', 'Failed', 'Aborted']);
/**
 * Rows of a job joined in memory at once (the join's index takes about 21 bytes a row): a quarter of
 * the join's default, as a load joins one job while others upload and run; a larger job is joined a
 * partition at a time from the spool.
 */
const JOIN_PARTITION_ROWS = 262_144;
const RESULT_FILES = [
  ['successful', 'successfulResults'],
  ['failed', 'failedResults'],
  ['unprocessed', 'unprocessedrecords'],
] as const satisfies ReadonlyArray<readonly [string, IngestResultFile]>;

/** A job awaited: its segments as they arrive, and how many it has. */
interface AwaitedJob {
  readonly segments: SubmittedBatch[];
  readonly count: number;
  /** Records the org had processed at the last poll. */
  processed: number;
  /** The org ended it, and its fetch waits for room in the queue (`fetchQueue`). */
  ended?: IngestJobInfo;
}

export class IngestJobPoller extends PollingStage {
  readonly #client: BulkClient;
  readonly #spool: LoadSpool;
  readonly #ledger: LoadLedger | undefined;
  readonly #jobs = new Map<string, AwaitedJob>();
  readonly #failedJobs: FailedJob[] = [];
  #processed = 0;
  /**
   * Jobs ended whose results are being fetched, ordered and pushed: one at a time, in the order
   * they ended, off the poll loop, which goes on seeing other jobs end meanwhile (issue 28: a job
   * ending while another's results download frees its slot in the org at once).
   */
  #finishing = 0;
  #finished: Promise<void> = Promise.resolve();
  readonly #fetchQueue: number;
  /** Jobs ended, all their segments here, waiting for room in the fetch queue: ids in the order they ended. */
  readonly #held: string[] = [];
  /** Ends a poll's wait for the finishing jobs: a job to await arrived. */
  #arrived: (() => void) | undefined;
  /** Jobs in the fetch queue whose finish has not begun, in order: the first one's results download ahead. */
  readonly #upcoming: Array<{ readonly info: IngestJobInfo; readonly first: number }> = [];
  /** A job's results being ordered: the next one's may download meanwhile. */
  #ordering = false;
  /** The next job's result files, downloading while the job before it is ordered (one job ahead at most). */
  #ahead: { readonly jobId: string; readonly files: Promise<UnorderedResultFiles> } | undefined;

  constructor(options: IngestJobPollerOptions) {
    super(options);
    this.#client = options.client;
    this.#spool = options.spool;
    this.#ledger = options.ledger;
    this.#fetchQueue = options.fetchQueue ?? 4;
    if (!Number.isInteger(this.#fetchQueue) || this.#fetchQueue < 0) throw new InvalidOptionError('fetchQueue', 'an integer of 0 or more', this.#fetchQueue);
  }

  /**
   * Records the org has processed in the jobs this stage polled: each job's numberRecordsProcessed as
   * last polled (non-zero while InProgress already: spec bulk-api-v2.md, job info counters), summed,
   * with the records of segments a resumed run found ordered already (the org processed them before
   * it). It never goes down.
   */
  get recordsProcessed(): number {
    return this.#processed;
  }

  /** The jobs that ended Failed or Aborted so far. */
  get failedJobs(): readonly FailedJob[] {
    return this.#failedJobs;
  }

  override _transform(item: SubmittedBatch | SpooledBatch, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('IngestJobPoller', ['submitted', 'batch'], item);
    if (wrong) return callback(wrong);
    if (item.kind !== 'submitted') {
      this.push(item);
      return callback();
    }
    if (item.resultsPath !== undefined) {
      // Ordered by the run this one resumes: nothing to wait for.
      this.#processed += item.records;
      this.push(finished(item, { state: 'Completed', processed: item.records }));
      return callback();
    }
    let job = this.#jobs.get(item.jobId);
    if (!job) this.#jobs.set(item.jobId, (job = { segments: [], count: item.jobSegments ?? 1, processed: 0 }));
    job.segments.push(item);
    this.#arrived?.();
    this.awaitMore();
    callback();
  }

  protected override get awaited(): number {
    return this.#jobs.size + this.#finishing;
  }

  /**
   * One poll of every job awaited; true when one ended or went on (more records processed): a job
   * moving is polled at the shortest interval, so that its end is seen soon; one that stands backs off.
   */
  protected override async poll(): Promise<boolean> {
    // Only results to finish (or ended jobs waiting for them): nothing to ask the org; the loop goes on once they are pushed.
    if (this.#jobs.size === this.#held.length) {
      // Or until a job arrives, to be polled while they are.
      await new Promise<void>((resolve) => {
        this.#arrived = resolve;
        void this.#finished.then(resolve);
      });
      this.#arrived = undefined;
      return true;
    }
    const signal = this.abort.signal;
    const counts: BatchCounts = { queued: 0, inProgress: 0 };
    const ended: IngestJobInfo[] = [];
    let moved = false;
    for (const [jobId, job] of this.#jobs) {
      if (job.ended) continue;
      const info = await this.#client.ingestJobs.get(jobId, { signal });
      // The org's count only rises; a lower one is taken as no news.
      if (info.numberRecordsProcessed > job.processed) {
        moved = true;
        this.#processed += info.numberRecordsProcessed - job.processed;
        job.processed = info.numberRecordsProcessed;
      }
      if (TERMINAL.has(info.state)) ended.push(info);
      else if (info.state === 'InProgress') counts.inProgress++;
      else counts.queued++;
    }
    this.emit('poll', counts);
    for (const info of ended) {
      const job = this.#jobs.get(info.id) as AwaitedJob;
      // Every segment of the job is at hand: the submitter pushes them together, after UploadComplete.
      if (job.segments.length < job.count) continue;
      job.ended = info;
      this.#held.push(info.id);
    }
    this.#admit();
    return ended.length > 0 || moved;
  }

  /**
   * Moves ended jobs, in the order they ended, into the fetch queue while it has room (the job being
   * fetched and `fetchQueue` more), and only then tells `jobLeftOrg`: the org has room for another
   * job while these download (issue 28), but the jobs waiting for a slow fetch stay bounded.
   */
  #admit(): void {
    const ready: [IngestJobInfo, SubmittedBatch[]][] = [];
    while (this.#held.length > 0 && this.#finishing < this.#fetchQueue + 1) {
      const id = this.#held.shift() as string;
      const job = this.#jobs.get(id) as AwaitedJob;
      this.#jobs.delete(id);
      this.#finishing++;
      ready.push([job.ended as IngestJobInfo, job.segments.sort((a, b) => a.seq - b.seq)]);
    }
    // Told before any of their results is fetched.
    for (const [info] of ready) this.emit('jobLeftOrg', info.id);
    for (const [info, segments] of ready) this.#upcoming.push({ info, first: (segments[0] as SubmittedBatch).seq });
    this.#downloadAhead();
    for (const [info, segments] of ready)
      this.#finished = this.#finished
        .then(() => (this.destroyed ? undefined : this.#finish(info, segments)))
        .catch((err: unknown) => {
          this.destroy(err as Error);
        })
        .finally(() => {
          this.#finishing--;
          if (!this.destroyed) this.#admit();
        });
  }

  /**
   * Starts downloading the next job's results while the job before it is ordered (issue 28: at a
   * load's end several jobs end close together, and the org writes one's results while the client
   * orders another's). One job ahead at most: the spool holds two jobs' result files, never more.
   */
  #downloadAhead(): void {
    const next = this.#upcoming[0];
    if (!this.#ordering || this.#ahead || !next || !hasResults(next.info)) return;
    const files = this.#download(next.info, next.first);
    // Awaited by the next job's finish; a failure is its to report (or the run's abort's).
    files.catch(() => undefined);
    this.#ahead = { jobId: next.info.id, files };
  }

  /**
   * A job's three result files, downloaded into the spool (named by its `first` segment). A download
   * that fails or is aborted (the run torn down, perhaps after the spool was disposed) removes what it
   * wrote: a caller's spool folder keeps no partial file (review).
   */
  async #download(info: IngestJobInfo, first: number): Promise<UnorderedResultFiles> {
    const files = { successful: '', failed: '', unprocessed: '' };
    const written: string[] = [];
    try {
      for (const [key, file] of RESULT_FILES) {
        const path = await this.#spool.path(first, 'download', `${file}.csv`);
        const { body } = await this.#client.ingestJobs.results(info.id, file, { signal: this.abort.signal });
        written.push(path);
        await pipeline(body, createWriteStream(path));
        files[key] = path;
      }
    } catch (err) {
      await Promise.all(written.map((path) => rm(path, { force: true })));
      throw err;
    }
    return files;
  }

  /** A job that ended: its results downloaded, put in order per segment, recorded, and its segments pushed. */
  async #finish(info: IngestJobInfo, segments: SubmittedBatch[]): Promise<void> {
    this.#upcoming.shift();
    if (info.state !== 'JobComplete') {
      this.#failedJobs.push({ jobId: info.id, state: info.state as FailedJob['state'], errorMessage: info.errorMessage });
      this.emit('jobFailed', info);
    }
    const notProcessed = rowError(
      'BULKPIPE_NOT_PROCESSED',
      `job ${info.id} ended ${info.state}${info.errorMessage ? ` (${info.errorMessage})` : ''} before the org processed this record: it never reached the org; load it again`,
    );
    if (!hasResults(info)) {
      // Nothing of it was processed (its data refused at UploadComplete, or aborted before): every row is unprocessed, no file to read.
      for (const s of segments) {
        const done = finished(s, { state: 'Failed', processed: 0, stateMessage: notProcessed });
        this.emit('batchFinished', done, batchInfoOf(info, s));
        await this.pushDone(done);
      }
      this.emit('jobEnded', info.id);
      return;
    }
    const ahead = this.#ahead?.jobId === info.id ? this.#ahead.files : undefined;
    this.#ahead = undefined;
    const files = await (ahead ?? this.#download(info, (segments[0] as SubmittedBatch).seq));
    this.#ordering = true;
    try {
      this.#downloadAhead();
      await this.#order(info, segments, files, notProcessed);
    } finally {
      this.#ordering = false;
    }
    this.emit('jobEnded', info.id);
  }

  /** A job's results put in order per segment, recorded, and its segments pushed on. */
  async #order(info: IngestJobInfo, segments: SubmittedBatch[], files: UnorderedResultFiles, notProcessed: string): Promise<void> {
    const signal = this.abort.signal;
    const outputs = new Map<number, string>();
    for (const s of segments) outputs.set(s.seq, await this.#spool.path(s.seq, 'results', 'csv'));
    const outcome = await orderResults({
      jobId: info.id,
      segments: segments.map((s) => ({ seq: s.seq, path: s.path as string, records: s.records })),
      results: files,
      outputPath: (seq) => outputs.get(seq) as string,
      notProcessed,
      tmpDir: dirname(files.successful),
      partitionRows: JOIN_PARTITION_ROWS,
      signal,
    });
    await Promise.all(Object.values(files).map((path) => rm(path, { force: true })));
    if (outcome.ok) {
      for (const s of segments) await this.#spool.seal(s.seq, outputs.get(s.seq) as string);
      await this.#ledger?.ingestJob({ type: 'v2ordered', jobId: info.id });
    }
    for (const s of segments) {
      const done = outcome.ok
        ? finished({ ...s, resultsPath: outputs.get(s.seq) as string }, { state: 'Completed', processed: s.records })
        : finished(s, {
            state: 'Failed',
            processed: 0,
            stateMessage: rowError(
              'BULKPIPE_RESULT_MISMATCH',
              `the results of job ${info.id} do not match its records (${outcome.reason}), so which result is whose is unknown; check these records in the org before loading them again`,
            ),
          });
      this.emit('batchFinished', done, batchInfoOf(info, s));
      await this.pushDone(done);
    }
  }

  protected override timedOut(): Error | undefined {
    const [jobId] = [...this.#jobs.keys()];
    return jobId ? new PollTimeoutError(jobId, [jobId], this.loop.timeoutMs) : undefined;
  }
}

/** Whether a job that ended has result files to read: not one that never processed a record (its data refused at UploadComplete, or aborted before). */
const hasResults = (info: IngestJobInfo): boolean => info.state === 'JobComplete' || info.numberRecordsProcessed > 0;

function finished(batch: SubmittedBatch, end: { state: FinishedBatch['state']; processed: number; stateMessage?: string }): FinishedBatch {
  const { kind: _kind, ...rest } = batch;
  return { ...rest, kind: 'finished', state: end.state, stateMessage: end.stateMessage, processed: end.processed };
}

/** A job's state told as a batch's, for the listeners of batchFinished (the load's progress and onBatch). */
function batchInfoOf(info: IngestJobInfo, segment: SubmittedBatch): BatchInfo {
  const now = new Date();
  return {
    id: info.id,
    jobId: info.id,
    state: info.state === 'JobComplete' ? 'Completed' : 'Failed',
    ...(info.errorMessage ? { stateMessage: info.errorMessage } : {}),
    createdDate: new Date(info.createdDate),
    systemModstamp: now,
    numberRecordsProcessed: segment.records,
    numberRecordsFailed: 0,
    totalProcessingTime: 0,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
  };
}

/** IngestJobPoller's events, typed (as StatusPoller's, and a job that ended with the org's errorMessage). */
export interface IngestJobPoller {
  on(event: 'poll', listener: (counts: BatchCounts) => void): this;
  on(event: 'batchFinished', listener: (batch: FinishedBatch, info: BatchInfo) => void): this;
  on(event: 'jobFailed', listener: (job: IngestJobInfo) => void): this;
  /** The org has ended a job (JobComplete, Failed, Aborted), its segments are all here, and it has a place in the fetch queue: its results are fetched next. */
  on(event: 'jobLeftOrg', listener: (jobId: string) => void): this;
  /** A job's segments are all pushed on: the org is done with it. */
  on(event: 'jobEnded', listener: (jobId: string) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** An IngestJobPoller; e.g. `ingestJobPoller({ client, spool })` (the spool the chunker and joiner share). */
export const ingestJobPoller = (options: IngestJobPollerOptions) => new IngestJobPoller(options);

/**
 * IngestJobSubmitter: SpooledBatch -> SubmittedBatch for Bulk API 2.0, whose job takes one upload.
 * Consecutive segments are gathered into a job of at most `jobSize` bytes (or one segment); with
 * `growJobs` the first job is one segment and each later one is launched once it holds half the bytes
 * launched before it (issue 28: the org starts at once, and the last job, whose results come only
 * when the org is done with it, is at most a third of the load). The rule is lib/load/ingest-job-plan.ts,
 * which the daily-budget estimate follows too. The job is then created, its
 * segments uploaded from the spool as one body (gzip, except to a loopback org), and UploadComplete
 * sent, with up to `concurrency` jobs in these steps at once. Each step is announced in the ledger
 * before it is taken (lib/load/ledger-ingest-jobs.ts), so that a resume knows what to check in the
 * org. A resumed run hands over its jobs (`goOn`): a segment of one joins it, and the job goes on
 * from its last step, never uploaded twice (a second PUT of a job that holds data is refused by
 * the org, which says so: `'present'`). Segments with nothing to upload pass through.
 * Buffers: the descriptors of the segments of the job being gathered and of the jobs in flight
 * (their data stays on disk).
 */
import { Transform, type TransformCallback } from 'node:stream';
import pLimit, { type LimitFunction } from 'p-limit';
import { LedgerError, SegmentLostError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import { isLoopback } from '../lib/http/connection.js';
import type { IngestJobInfo, IngestJobRequest } from '../lib/http/ingest-jobs.js';
import { type IngestJobMaker, settleLostCreates } from '../lib/load/ingest-lost-creates.js';
import { type JobGathering, launchAfter, launchBefore } from '../lib/load/ingest-job-plan.js';
import { ingestUploadStream, uploadDigest } from '../lib/load/ingest-upload-body.js';
import type { LoadLedger } from '../lib/load/load-ledger.js';
import { fileDigest } from '../lib/load/load-spool.js';
import type { SpooledBatch, SubmittedBatch } from '../lib/load-types.js';
import { DEFAULT_JOB_BYTES, DEFAULT_LOAD_CONCURRENCY, MAX_LOAD_CONCURRENCY } from '../lib/limits.js';
import { nonNegativeInteger, positiveInteger } from '../lib/options.js';
import { changeLimit, InFlight } from '../lib/streams/in-flight.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';
import { stageAbort } from '../lib/streams/stage-abort.js';

export interface IngestJobSubmitterOptions {
  readonly client: BulkClient;
  /** The jobs to create: object, operation and External ID field (their line ending is LF, their delimiter a comma: the upload's). */
  readonly job: Omit<IngestJobRequest, 'lineEnding' | 'columnDelimiter'>;
  /** Most bytes of CSV in one job; default 100,000,000. */
  readonly jobSize?: number;
  /** Jobs at once; default 4, at most 25. Jobs being created and uploaded; with `untilJobsEnd`, until the org has ended them. */
  readonly concurrency?: number;
  /**
   * A job keeps its slot until `jobEnded(id)` is called (a load calls it on an IngestJobPoller's
   * `jobLeftOrg` event: the org has ended the job, its results are still to fetch), so that at most
   * `concurrency` jobs are in the org at once and the input waits for them; one more is created and
   * uploaded meanwhile, its UploadComplete sent once a slot is free; default false (a slot is freed
   * once UploadComplete is answered).
   */
  readonly untilJobsEnd?: boolean;
  /**
   * Launch a job once it holds half the bytes of the jobs launched before it (the first: its
   * first segment), never more than `jobSize`: the org has work at once, and the results of the last
   * job, fetched after the org is done, are a small part of the load; default false (every job is
   * filled to `jobSize`).
   */
  readonly growJobs?: boolean;
  /**
   * With `growJobs`: the bytes of payload the load will hand over, when known ahead (a CSV file's
   * size); the jobs then shrink again towards the end, each launched once it holds half the bytes
   * that will be left after it, so that the last job's results are a small tail (lib/load/ingest-job-plan.ts):
   * the input's size less where a segment says the input stands (`end.offset`), or, for segments that
   * do not say, an estimate from the bytes gathered, past which the jobs only grow.
   */
  readonly expectedBytes?: number;
  /** Upload gzip-compressed; default yes, except to a loopback origin (as responses are asked for: lib/http/api-caller.ts). */
  readonly gzip?: boolean;
  readonly ledger?: LoadLedger;
  /** Awaited before the first job is created, with the first segment: a check that throws stops the run with no job. */
  readonly beforeJob?: (first: SpooledBatch) => Promise<void>;
  /** A segment's payload hash, as the spool took it (default: read from the disk). */
  readonly digest?: (batch: SpooledBatch, path: string) => Promise<string>;
}

/** A resumed run's job: its segments, and how far it got (as checked in the org). */
export interface ResumedIngestJob {
  readonly seqs: readonly number[];
  /** Undefined when a new job is to be made for these segments (none was, or the one made never took data). */
  readonly jobId: string | undefined;
  /** The org holds the upload (or may: a PUT again is refused then, and says so). */
  readonly uploaded: boolean;
  /** UploadComplete was sent: the job runs, or ran. */
  readonly closed: boolean;
  /** The segments' results are in the spool already, in payload order (by seq). */
  readonly resultsPaths?: ReadonlyMap<number, string>;
  /** The hash the ledger recorded before the job's upload: an upload sent again must have it. */
  readonly uploadSha256?: string;
}

/** A job being gathered or in flight. */
interface Group {
  readonly segments: SpooledBatch[];
  bytes: number;
  /** A resumed job's: the segments it holds, and where it stands. */
  readonly resumed?: ResumedIngestJob;
}

export class IngestJobSubmitter extends Transform {
  readonly #client: BulkClient;
  readonly #request: IngestJobSubmitterOptions['job'];
  /** How segments are gathered into jobs (jobSize, growJobs). */
  readonly #gathering: JobGathering;
  #concurrency: number;
  readonly #gzip: boolean;
  readonly #ledger: LoadLedger | undefined;
  readonly #beforeJob: IngestJobSubmitterOptions['beforeJob'];
  #checked: Promise<void> | undefined;
  readonly #digest: (batch: SpooledBatch, path: string) => Promise<string>;
  readonly #limit: LimitFunction;
  readonly #untilJobsEnd: boolean;
  /** Bytes of the jobs gathered and launched so far (growJobs). */
  #launchedBytes = 0;
  /** With untilJobsEnd: the jobs launched whose end the poller has not told yet. */
  readonly #live = new Set<Group>();
  readonly #liveByJob = new Map<string, Group>();
  /** With untilJobsEnd: the live jobs sent UploadComplete (or found closed by a resume): those the org runs. */
  readonly #inOrg = new Set<Group>();
  /** Jobs uploaded ahead, waiting for room in the org to send UploadComplete. */
  #closeWaiters: Array<() => void> = [];
  /** Every request's signal: up to a create, an upload and a close per job in flight. */
  readonly #abort = stageAbort(2 * MAX_LOAD_CONCURRENCY);
  readonly #inFlight = new InFlight(() => this.#hasRoom());
  /** A resumed run's jobs, by each of their segments. */
  readonly #resumed = new Map<number, Group>();
  #open: Group | undefined;
  #abortAtEnd = false;
  readonly #jobs: IngestJobInfo[] = [];
  /** Jobs created and not yet sent UploadComplete: a failed run aborts them (pipelines/load-settle.ts). */
  readonly #unclosed = new Set<string>();
  /** The run's other maker of jobs (the record retrier), whose live jobs a settling of lost creates must not take for theirs. */
  #others: IngestJobMaker | undefined;
  /** Create POSTs sent: with two or more, one refused says nothing of the others. */
  #createsSent = 0;

  constructor(options: IngestJobSubmitterOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, writableHighWaterMark: 1, readableHighWaterMark: 4 });
    this.#client = options.client;
    this.#request = options.job;
    this.#gathering = {
      jobSize: positiveInteger('jobSize', options.jobSize ?? DEFAULT_JOB_BYTES),
      grow: options.growJobs ?? false,
      ...(options.expectedBytes !== undefined ? { expectedBytes: nonNegativeInteger('expectedBytes', options.expectedBytes) } : {}),
    };
    this.#concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_LOAD_CONCURRENCY, MAX_LOAD_CONCURRENCY);
    // No network to save on loopback (the local org): compressing would only cost both sides CPU.
    this.#gzip = options.gzip ?? !isLoopback(options.client.instanceUrl);
    this.#ledger = options.ledger;
    this.#beforeJob = options.beforeJob;
    this.#digest = options.digest ?? (async (_batch, path) => (await fileDigest(path)).sha256);
    this.#limit = pLimit(this.#concurrency);
    this.#untilJobsEnd = options.untilJobsEnd ?? false;
  }

  /** The org ended a job (untilJobsEnd): its slot is free for the next one. */
  jobEnded(jobId: string): void {
    const group = this.#liveByJob.get(jobId);
    if (!group) return;
    this.#liveByJob.delete(jobId);
    this.#live.delete(group);
    this.#inOrg.delete(group);
    this.#wakeClosers();
    this.#inFlight.release();
  }

  /** Goes on with a stopped run's jobs (call it before the first segment). */
  goOn(jobs: readonly ResumedIngestJob[]): void {
    for (const resumed of jobs) {
      const group: Group = { segments: [], bytes: 0, resumed };
      for (const seq of resumed.seqs) this.#resumed.set(seq, group);
    }
  }

  /** The run's record retrier, which makes 2.0 jobs of its own while this one's lost creates are settled. */
  shareJobs(others: IngestJobMaker): void {
    this.#others = others;
  }

  /** When the input ends, abort the jobs still Open instead of sending UploadComplete (a stop that should not wait for the org). */
  abortAtEnd(): void {
    this.#abortAtEnd = true;
    this.#wakeClosers();
  }

  /** The jobs in flight now, at most. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /**
   * Changes how many jobs may be in flight (adaptive concurrency): a lower limit never cancels a job
   * under way, it only holds the next ones; a higher one lets a held segment go at once.
   */
  setConcurrency(n: number): void {
    changeLimit(n, (c) => (this.#concurrency = c), this.#limit, this.#inFlight);
    this.#wakeClosers();
  }

  /** The last job created, once there is one. */
  get job(): IngestJobInfo | undefined {
    return this.#jobs[this.#jobs.length - 1];
  }

  /**
   * Whether this run made no job in the org that it knows of: none created nor handed over by a resume,
   * and at most one create sent (the one the org may have refused); a second create's answer may be pending.
   */
  get madeNoJob(): boolean {
    return this.#jobs.length === 0 && this.#resumed.size === 0 && this.#createsSent <= 1;
  }

  /** Jobs this run created whose UploadComplete was never answered. */
  get unclosedJobs(): readonly string[] {
    return [...this.#unclosed];
  }

  override _transform(item: SpooledBatch, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('IngestJobSubmitter', ['batch'], item);
    if (wrong) return callback(wrong);
    if (item.path === null || item.records === 0) {
      this.push(item); // rejected records only: nothing to upload
      return callback();
    }
    const resumed = this.#resumed.get(item.seq);
    if (resumed) {
      resumed.segments.push(item);
      resumed.segments.sort((a, b) => a.seq - b.seq);
      if (resumed.segments.length === resumed.resumed?.seqs.length) this.#launch(resumed);
      return this.#inFlight.pass(callback);
    }
    if (this.#open && launchBefore(this.#gathering, this.#open.bytes, item.bytes)) this.#launchOpen();
    this.#open ??= { segments: [], bytes: 0 };
    this.#open.segments.push(item);
    this.#open.bytes += item.bytes;
    if (launchAfter(this.#gathering, this.#open.bytes, this.#launchedBytes, this.#leftAfter(item))) this.#launchOpen();
    return this.#inFlight.pass(callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#open) this.#launchOpen();
    (async () => {
      await this.#inFlight.drain();
      // A create answer lost on the way (the client sent it again): the job it may have made is not left Open.
      // (The record retrier settles those made after this, once it drains.)
      const settle = async () => {
        const lost = this.#client.ingestJobs.takeLostCreates();
        if (lost.length === 0) return;
        const resumed = [...this.#resumed.values()].flatMap((g) => (g.resumed?.jobId ? [g.resumed.jobId] : []));
        const known = new Set([...this.#jobs.map((j) => j.id), ...resumed, ...(this.#others?.knownJobs() ?? [])]);
        this.emit('notice', await settleLostCreates(this.#client, this.#request, lost, known, this.#abort.signal));
      };
      await (this.#others ? this.#others.quiet(settle) : settle());
      const incomplete = [...new Set(this.#resumed.values())].filter((g) => g.segments.length !== g.resumed?.seqs.length);
      // A resumed job's segments come from the ledger or are cut again: one missing means a stage lost it.
      if (incomplete.length > 0) {
        const missing = incomplete.flatMap((g) => (g.resumed?.seqs ?? []).filter((seq) => !g.segments.some((s) => s.seq === seq)));
        throw new SegmentLostError(`segments ${missing.join(', ')} of a resumed 2.0 job never reached the submitter`, { segment: missing[0] ?? 0, arrived: [] });
      }
    })().then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#abort.abort(err ?? new Error('destroyed'));
    this.#inFlight.clear();
    this.#wakeClosers();
    callback(err);
  }

  /**
   * Room for the next segment: an upload slot free, and (untilJobsEnd) a job slot, counting one job
   * more than `concurrency`: it is created and uploaded while the org runs the others, and sent
   * UploadComplete once one of them ends (issue 28: the org waited while the next upload streamed in).
   */
  #hasRoom(): boolean {
    return this.#limit.activeCount + this.#limit.pendingCount < this.#concurrency && this.#live.size < this.#concurrency + 1;
  }

  /**
   * Counts `group` among the jobs the org runs once it runs fewer than `concurrency` of this run's jobs
   * (or the run stops, or ends by aborting its jobs). The check and the count are one step: the
   * closers a job's end wakes all check in turn, and one that saw room counted itself before the next
   * looked (review: counted after an await, two took the one slot).
   */
  async #enterOrg(group: Group): Promise<void> {
    while (this.#inOrg.size >= this.#concurrency && !this.#abortAtEnd && !this.#abort.signal.aborted) {
      await new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    }
    this.#inOrg.add(group);
  }

  #wakeClosers(): void {
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const wake of waiters) wake();
  }

  /** With `expectedBytes`: the input's bytes after `segment`, when the segment says where the input stands (the CSV fast path's offset). */
  #leftAfter(segment: SpooledBatch): number | undefined {
    const expected = this.#gathering.expectedBytes;
    const offset = segment.end?.offset;
    return expected === undefined || typeof offset !== 'number' ? undefined : Math.max(0, expected - offset);
  }

  /** Launches the job being gathered. */
  #launchOpen(): void {
    const open = this.#open as Group;
    this.#open = undefined;
    this.#launchedBytes += open.bytes;
    this.#launch(open);
  }

  #launch(group: Group): void {
    // A job whose results a resumed run ordered already is done with the org: it takes no slot.
    if (this.#untilJobsEnd && !group.resumed?.resultsPaths) this.#live.add(group);
    const task = this.#limit(() => this.#submit(group)).then(
      (submitted) => {
        const jobId = submitted[0]?.jobId;
        if (jobId !== undefined && this.#live.has(group)) this.#liveByJob.set(jobId, group);
        for (const batch of submitted) {
          if (this.destroyed) return;
          this.emit('batchSubmitted', batch);
          this.push(batch);
        }
      },
      (err: unknown) => {
        this.destroy(err as Error);
      },
    );
    this.#inFlight.track(task);
  }

  /** A job's steps from where it stands: created, uploaded, UploadComplete (or aborted, on a stop that asks it). */
  async #submit(group: Group): Promise<SubmittedBatch[]> {
    const signal = this.#abort.signal;
    const ingest = this.#client.ingestJobs;
    const { segments } = group;
    const resumed = group.resumed;
    const seqs = segments.map((s) => s.seq);
    for (const segment of segments) this.emit('batchUploading', segment);
    const paths = segments.map((s) => s.path as string);
    const jobId = resumed?.jobId ?? (await this.#create(segments, seqs));
    if (resumed?.jobId !== undefined && !resumed.closed) this.#unclosed.add(jobId);
    if (!resumed?.uploaded) {
      const sha256 = uploadDigest(await Promise.all(segments.map((s) => this.#digest(s, s.path as string))));
      // The org may hold the first attempt's data: a second one with other bytes could load other records.
      if (resumed?.uploadSha256 !== undefined && resumed.uploadSha256 !== sha256)
        throw new LedgerError(`the upload of job ${jobId} was sent before with other bytes than its segments now have: it is not sent again`, {
          problem: 'upload-refused',
          segment: segments[0]?.seq ?? 0,
          dir: this.#ledger?.dir,
        });
      await this.#ledger?.ingestJob({ type: 'v2upload', jobId, sha256 });
      await ingest.upload(jobId, { stream: ingestUploadStream(paths) }, { gzip: this.#gzip, signal });
      await this.#ledger?.ingestJob({ type: 'v2uploaded', jobId });
    }
    if (this.#live.has(group)) {
      if (resumed?.closed) this.#inOrg.add(group);
      else await this.#enterOrg(group);
    }
    if (!resumed?.closed) {
      if (this.#abortAtEnd) await ingest.abort(jobId, { signal });
      else await ingest.close(jobId, { signal });
      this.#unclosed.delete(jobId);
      await this.#ledger?.ingestJob({ type: 'v2closed', jobId });
    }
    return segments.map((segment) => {
      const { kind: _kind, ...rest } = segment;
      const resultsPath = resumed?.resultsPaths?.get(segment.seq);
      return { ...rest, kind: 'submitted', jobId, batchId: jobId, jobSegments: segments.length, ...(resultsPath ? { resultsPath } : {}) };
    });
  }

  /** A new job for the segments: the group announced in the ledger before the POST, the job's id after it. */
  async #create(segments: readonly SpooledBatch[], seqs: readonly number[]): Promise<string> {
    const first = segments[0] as SpooledBatch;
    // One check for the run, before its first job: a job launched beside it waits for it too.
    this.#checked ??= this.#beforeJob ? this.#beforeJob(first) : Promise.resolve();
    await this.#checked;
    await this.#ledger?.ingestJob({ type: 'v2group', seqs, at: Date.now() });
    // LF whatever the input's line ends: the upload body sends every record end outside quotes as LF.
    this.#createsSent++;
    const job = await this.#client.ingestJobs.create({ ...this.#request, lineEnding: 'LF' }, { signal: this.#abort.signal });
    this.#unclosed.add(job.id);
    await this.#ledger?.ingestJob({ type: 'v2job', first: first.seq, jobId: job.id });
    this.#jobs.push(job);
    this.emit('job', job);
    return job.id;
  }
}

/** IngestJobSubmitter's events, typed (as BulkSubmitter's, so that the load's tracker listens to either). */
export interface IngestJobSubmitter {
  on(event: 'job', listener: (job: IngestJobInfo) => void): this;
  on(event: 'batchSubmitted', listener: (batch: SubmittedBatch) => void): this;
  on(event: 'batchUploading', listener: (batch: SpooledBatch) => void): this;
  /** Something the user should know: the jobs of creates whose answers were lost, aborted or named. */
  on(event: 'notice', listener: (message: string) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** An IngestJobSubmitter; e.g. `ingestJobSubmitter({ client, job: { object: 'Account', operation: 'insert' }, jobSize: 50_000_000 })`. */
export const ingestJobSubmitter = (options: IngestJobSubmitterOptions) => new IngestJobSubmitter(options);

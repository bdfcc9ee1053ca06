/**
 * BulkSubmitter: SpooledBatch -> SubmittedBatch (a segment with nothing to upload, or one a resumed
 * run knows the batch of, passes through). Creates the job lazily at the first batch (or goes on
 * with the Open job of the run it resumes), uploads at most `concurrency` batches at once from their spool files
 * (replayable bodies, so the client may retry them), withholds its write callback while every slot
 * is busy (so backpressure reaches the file), and closes the job when its input ends.
 * Buffers: nothing but the batches in flight (their bodies stay on disk).
 */
import { Transform, type TransformCallback } from 'node:stream';
import pLimit, { type LimitFunction } from 'p-limit';
import { LedgerError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { LoadLedger } from '../lib/load/load-ledger.js';
import { fileDigest } from '../lib/load/load-spool.js';
import type { OrgBatch, OrgBatches } from '../lib/load/org-batches.js';
import { UploadRegistry } from '../lib/load/upload-registry.js';
import type { SpooledBatch, SubmittedBatch } from '../lib/load-types.js';
import { DEFAULT_LOAD_CONCURRENCY, MAX_LOAD_CONCURRENCY } from '../lib/limits.js';
import { positiveInteger } from '../lib/options.js';
import type { JobInfo, JobRequest } from '../lib/types.js';
import { changeLimit, InFlight } from '../lib/streams/in-flight.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';
import { stageAbort } from '../lib/streams/stage-abort.js';

export interface BulkSubmitterOptions {
  readonly client: BulkClient;
  /** The job to create at the first batch. */
  readonly job: JobRequest;
  /** Uploads in flight at once; default 4, at most 25. */
  readonly concurrency?: number;
  /** Close the job when the input ends; default true. */
  readonly closeJob?: boolean;
  /** The load's ledger: the job creation, the job and each batch are recorded in it, in order. */
  readonly ledger?: LoadLedger;
  /** Awaited before the job is created, with the first batch: a check that throws stops the run with no job. */
  readonly beforeJob?: (first: SpooledBatch) => Promise<void>;
}

/** What a resumed run's submitter goes on with. */
export interface ResumedUploads {
  /** The stopped run's job, when it is still Open: batches go to it, and it is closed at the end. */
  readonly openJob: JobInfo | undefined;
  /**
   * The batches the org holds for the run's jobs that the ledger does not place: a segment whose
   * payload has the bytes of one takes it instead of being uploaded again.
   */
  readonly orgBatches: OrgBatches;
  /**
   * Asked before a segment that took none of them is uploaded: why it must not be (a batch of the
   * run that no segment took may hold some of its rows), refused as BULK_LEDGER; undefined to upload it.
   */
  readonly refuseUpload?: (batch: SpooledBatch) => Promise<string | undefined>;
  /** A segment's uploaded file's SHA-256 (the spool took it as it wrote the file; default: read from the disk). */
  readonly digest?: (batch: SpooledBatch, path: string) => Promise<string>;
  /** The batches the run's jobs hold, claimed (the resume plan's): an upload whose answer was lost never takes one of them for its own. */
  readonly uploads?: UploadRegistry;
}

export class BulkSubmitter extends Transform {
  readonly #client: BulkClient;
  readonly #request: JobRequest;
  #concurrency: number;
  readonly #closeJob: boolean;
  #orgBatches: OrgBatches | undefined;
  #refuseUpload: ResumedUploads['refuseUpload'];
  #digest: (batch: SpooledBatch, path: string) => Promise<string> = async (_batch, path) => (await fileDigest(path)).sha256;
  /** The batches this run's uploads made or found (and, resumed, those its jobs held before): a lost upload is looked for among the others. */
  #uploads = new UploadRegistry();
  /** The last segment's match with the org's batches: the next one's waits for it. */
  #matched: Promise<void> = Promise.resolve();
  readonly #ledger: LoadLedger | undefined;
  readonly #beforeJob: BulkSubmitterOptions['beforeJob'];
  #abortAtEnd = false;
  readonly #limit: LimitFunction;
  /** Every request's signal: up to a create, an upload and a close per job in flight. */
  readonly #abort = stageAbort(2 * MAX_LOAD_CONCURRENCY);
  readonly #inFlight = new InFlight(() => this.#limit.activeCount + this.#limit.pendingCount < this.#concurrency && !this.#orgFull());
  /** The concurrency the stage was made with: a limit below it (adaptive concurrency) also counts the batches the org has not finished. */
  readonly #maxConcurrency: number;
  /** Batches this run created that the org has not finished (batchEnded), by id. */
  readonly #inOrg = new Set<string>();
  #job: Promise<JobInfo> | undefined;
  #jobInfo: JobInfo | undefined;

  constructor(options: BulkSubmitterOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, writableHighWaterMark: 1, readableHighWaterMark: 4 });
    this.#client = options.client;
    this.#request = options.job;
    this.#concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_LOAD_CONCURRENCY, MAX_LOAD_CONCURRENCY);
    this.#closeJob = options.closeJob ?? true;
    this.#maxConcurrency = this.#concurrency;
    this.#limit = pLimit(this.#concurrency);
    this.#ledger = options.ledger;
    this.#beforeJob = options.beforeJob;
  }

  /** Goes on with a run that stopped (call it before the first batch): see ResumedUploads. */
  goOn(resumed: ResumedUploads): void {
    this.#orgBatches = resumed.orgBatches;
    this.#refuseUpload = resumed.refuseUpload;
    if (resumed.digest) this.#digest = resumed.digest;
    if (resumed.uploads) this.#uploads = resumed.uploads;
    if (resumed.openJob) {
      this.#jobInfo = resumed.openJob;
      this.#job = Promise.resolve(resumed.openJob);
    }
  }

  /**
   * When the input ends, abort the job instead of closing it (once the uploads in flight are done):
   * its queued batches become NotProcessed. For a stop that should not wait for the server.
   */
  abortAtEnd(): void {
    this.#abortAtEnd = true;
  }

  /** The job, once created. */
  get job(): JobInfo | undefined {
    return this.#jobInfo;
  }

  /** Whether this run made no job in the org: its one create (if sent) was not answered with a job, and no resume handed one over. */
  get madeNoJob(): boolean {
    return this.#jobInfo === undefined;
  }

  /** The uploads in flight now, at most. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /**
   * Changes how many uploads may be in flight (adaptive concurrency): a lower limit never cancels an
   * upload under way, it only holds the next ones; a higher one lets a held batch go at once. Below
   * the concurrency the stage was made with, the limit also holds uploads while as many of this run's
   * batches are unfinished in the org: a v1 upload takes a moment and the org then works on every
   * batch it has queued, so limiting uploads alone would not lower the batches processed at once.
   */
  setConcurrency(n: number): void {
    changeLimit(n, (c) => (this.#concurrency = c), this.#limit, this.#inFlight);
  }

  /** The org finished a batch (the poller saw it end): room for the next upload under a lowered limit. */
  batchEnded(batchId: string): void {
    if (this.#inOrg.delete(batchId)) this.#inFlight.release();
  }

  /** Whether a lowered limit's batches are all unfinished in the org. */
  #orgFull(): boolean {
    return this.#concurrency < this.#maxConcurrency && this.#inOrg.size >= this.#concurrency;
  }

  override _transform(item: SpooledBatch | SubmittedBatch, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('BulkSubmitter', ['batch', 'submitted'], item);
    if (wrong) return callback(wrong);
    if (item.kind === 'submitted') {
      this.push(item); // created by the run this one resumes
      return callback();
    }
    if (item.path === null || item.records === 0) {
      this.push(item); // rejected records only: nothing to upload
      return callback();
    }
    const task = this.#limit(() => this.#submit(item)).then(
      (done) => {
        if (!this.destroyed) this.push(done);
      },
      (err: unknown) => {
        this.destroy(err as Error);
      },
    );
    this.#inFlight.track(task);
    this.#inFlight.pass(callback);
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      await this.#inFlight.drain();
      if (!this.#job) return;
      const { id } = await this.#job;
      if (this.#abortAtEnd) await this.#client.abortJob(id, { signal: this.#abort.signal });
      else if (this.#closeJob) await this.#client.closeJob(id, { signal: this.#abort.signal });
    })().then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#abort.abort(err ?? new Error('destroyed'));
    this.#inFlight.clear();
    callback(err);
  }

  async #submit(batch: SpooledBatch): Promise<SubmittedBatch> {
    this.emit('batchUploading', batch);
    const { kind: _kind, ...rest } = batch;
    const signal = this.#abort.signal;
    const body = { path: batch.upload ?? (batch.path as string) }; // a binary-attachment batch uploads its zip
    // A resumed run: segments are matched with the org's batches in input order, so that one is refused
    // for a batch that may hold its rows only once every segment before it has taken its own.
    // A refusal refuses every segment after it too: none of their rows is uploaded past rows nothing accounts for.
    const matched = this.#matched.then(() => this.#match(batch, body.path));
    this.#matched = matched.then(() => undefined);
    this.#matched.catch(() => undefined); // awaited by the next segment's match, if one comes

    let created = await matched;
    if (!created) {
      const job = await this.#jobToUse(batch);
      created = { jobId: job.id, batchId: (await this.#client.addBatch(job.id, body, { contentType: batch.contentType, uploads: this.#uploads, signal })).id };
    }
    const submitted: SubmittedBatch = { ...rest, kind: 'submitted', ...created };
    this.#inOrg.add(created.batchId);
    await this.#ledger?.batch(batch.seq, created.jobId, created.batchId);
    this.emit('batchSubmitted', submitted);
    return submitted;
  }

  /** A batch the org holds with the segment's very bytes (uploaded before the stop); undefined to upload it, or refused. */
  async #match(batch: SpooledBatch, path: string): Promise<OrgBatch | undefined> {
    const taken = this.#orgBatches?.matching ? await this.#orgBatches.takeHash(await this.#digest(batch, path)) : undefined;
    if (taken) return taken;
    const refused = await this.#refuseUpload?.(batch);
    if (refused !== undefined) throw new LedgerError(refused, { problem: 'upload-refused', segment: batch.seq, dir: this.#ledger?.dir });
    return undefined;
  }

  /** The job, created at the first batch: announced in the ledger before the POST, recorded after it. */
  #jobToUse(batch: SpooledBatch): Promise<JobInfo> {
    this.#job ??= (async () => {
      await this.#beforeJob?.(batch);
      await this.#ledger?.creatingJob();
      const job = await this.#client.createJob({ ...this.#request, contentType: batch.contentType }, { signal: this.#abort.signal });
      this.#jobInfo = job;
      await this.#ledger?.job(job.id);
      this.emit('job', job);
      return job;
    })();
    return this.#job;
  }
}

/** BulkSubmitter's events, typed. */
export interface BulkSubmitter {
  on(event: 'job', listener: (job: JobInfo) => void): this;
  on(event: 'batchSubmitted', listener: (batch: SubmittedBatch) => void): this;
  on(event: 'batchUploading', listener: (batch: SpooledBatch) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'job', listener: (job: JobInfo) => void): this;
  once(event: 'batchSubmitted', listener: (batch: SubmittedBatch) => void): this;
  once(event: 'batchUploading', listener: (batch: SpooledBatch) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  off(event: 'job', listener: (job: JobInfo) => void): this;
  off(event: 'batchSubmitted', listener: (batch: SubmittedBatch) => void): this;
  off(event: 'batchUploading', listener: (batch: SpooledBatch) => void): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** A BulkSubmitter; e.g. `bulkSubmitter({ client, job: { operation: 'insert', object: 'Account' } })`. */
export const bulkSubmitter = (options: BulkSubmitterOptions) => new BulkSubmitter(options);

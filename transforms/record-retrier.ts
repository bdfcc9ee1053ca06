/**
 * RecordRetrier: FinishedBatch -> FinishedBatch with its results in the spool, in payload order
 * (issue 26); between the poller and the joiner, in a load only when records are retried. For each
 * batch (v1) or 2.0 job segment that completed with all its results, it gets them onto disk (2.0's
 * are there already), scans them for rows that a lock failure proved unwritten
 * (lib/retry/retryable-errors.ts), and sends those rows again, in a later batch of its retry job (v1)
 * or an ingest job of their own (2.0), ordered by parent, after a backoff, with at most
 * `concurrency` of them in the org at once, until none is left or `retryRecords` further attempts
 * were made. Each attempt's results are merged into the segment's (an `Attempts` column), and the
 * segment goes on to the joiner with that file as its results. Every step is in the ledger
 * (lib/load/ledger-retries.ts), so that a resumed run goes on from it (`goOn`). Only CSV payloads are
 * retried (XML and JSON batches, and zip batches, pass as they are). Segments leave in any order:
 * the joiner orders them.
 * Buffers: the descriptors of at most `segments` segments being worked on; the lines of one retry
 * payload while it is cut (one at a time: a batch's at most, 10 MB), and one result a retried row
 * while an attempt is merged; results wait on disk.
 */
import { createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { LedgerError, rowError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { LedgerRetries, LedgerRetryAttempt, LedgerRetryStep } from '../lib/load/ledger-retries.js';
import type { LoadLedger } from '../lib/load/load-ledger.js';
import type { IngestJobMaker } from '../lib/load/ingest-lost-creates.js';
import { fileMatches, spoolOption, type LoadSpool, type SpoolFileCheck } from '../lib/load/load-spool.js';
import type { FinishedBatch, LoadOperation, SpooledBatch } from '../lib/load-types.js';
import {
  DEFAULT_MAX_POLL_INTERVAL_MS,
  DEFAULT_MIN_POLL_INTERVAL_MS,
  DEFAULT_POLL_TIMEOUT_MS,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_RETRY_RECORDS,
  MAX_LOAD_CONCURRENCY,
  MAX_RETRY_DELAY_MS,
  MAX_RETRY_RECORDS,
} from '../lib/limits.js';
import { nonNegativeInteger, positiveInteger } from '../lib/options.js';
import { pollLoopOptions } from '../lib/poll-loop.js';
import { mergeAttempt, type AttemptOutcome } from '../lib/retry/merge-results.js';
import type { RetrySender } from '../lib/retry/retry-attempt.js';
import { RetryBatches } from '../lib/retry/retry-batches.js';
import { retryDelay } from '../lib/retry/retry-delay.js';
import { RetryIngestJobs } from '../lib/retry/retry-ingest-jobs.js';
import { retryPayload, scanRetryable } from '../lib/retry/retry-rows.js';
import { InFlight } from '../lib/streams/in-flight.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';
import type { JobRequest } from '../lib/types.js';
import type { PollingOptions } from './polling-stage.js';
import { stageAbort } from '../lib/streams/stage-abort.js';

/** Segments worked on at once by default. */
const DEFAULT_SEGMENTS = 8;

export interface RecordRetrierOptions extends PollingOptions {
  readonly client: BulkClient;
  /** The load's spool: payloads are read from it, results, retry payloads and merged results go to it. */
  readonly spool: LoadSpool;
  readonly ledger?: LoadLedger;
  /** The load's job: v1's retry job is made like it; 2.0's retry jobs take its object, operation and external id. */
  readonly job: JobRequest;
  /** 2 for a Bulk API 2.0 load; default 1. */
  readonly bulkApi?: 1 | 2;
  /** Further attempts of a record whose result proves it unwritten; default 3, at most 20. */
  readonly retryRecords?: number;
  /** Retry uploads (v1 batches, 2.0 jobs) in the org at once; default 1. The load gives max(1, floor(concurrency / 2)). */
  readonly concurrency?: number;
  /** Segments worked on at once (the write callback is held while this many are); default 8. */
  readonly segments?: number;
  /** The wait before the first retry, ms; each later one doubles it (with jitter), up to `maxDelayMs`. Default 2,000. */
  readonly delayMs?: number;
  /** The longest wait before a retry, ms; default 60,000. */
  readonly maxDelayMs?: number;
  /** Orders a retry's rows by this column (a parent's id or key) rather than by the record their lock failure names. */
  readonly groupBy?: string;
  /** Called for every batch scanned (first attempts and retries): its rows sent, and those that failed on a lock. For adaptive concurrency. */
  readonly onLockFailures?: (sent: number, lockFailed: number) => void;
  /** The jitter's source, in [0, 1); default Math.random. */
  readonly random?: () => number;
}

/** What a retrier takes: a finished batch, or a segment never uploaded (passed on). */
type RetrierInput = FinishedBatch | SpooledBatch;

/** A segment's results on disk: the file and, once the ledger names it, its check. */
interface Results {
  readonly path: string;
  readonly check: SpoolFileCheck | undefined;
}

export class RecordRetrier extends Transform implements IngestJobMaker {
  readonly #client: BulkClient;
  readonly #spool: LoadSpool;
  readonly #ledger: LoadLedger | undefined;
  readonly #retryRecords: number;
  readonly #delayMs: number;
  readonly #maxDelayMs: number;
  readonly #groupBy: string | undefined;
  readonly #onLockFailures: RecordRetrierOptions['onLockFailures'];
  readonly #random: () => number;
  readonly #sender: RetrySender;
  readonly #batches: RetryBatches | undefined;
  readonly #ingestJobs: RetryIngestJobs | undefined;
  readonly #limit: LimitFunction;
  /** One retry payload cut at a time: its lines are in memory while it is. */
  readonly #cutting = pLimit(1);
  readonly #segments: number;
  /** Every request's signal and wait: up to a few per retry in flight. */
  readonly #abort = stageAbort(2 * MAX_LOAD_CONCURRENCY);
  readonly #inFlight: InFlight;
  #working = 0;
  #steps: Map<number, LedgerRetryStep> = new Map();
  #noticed = false;
  #lockFailures = 0;
  #retried = 0;

  constructor(options: RecordRetrierOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, writableHighWaterMark: 1, readableHighWaterMark: 4 });
    this.#client = options.client;
    this.#spool = spoolOption(options.spool);
    this.#ledger = options.ledger;
    this.#retryRecords = nonNegativeInteger('retryRecords', options.retryRecords ?? DEFAULT_RETRY_RECORDS, MAX_RETRY_RECORDS);
    this.#delayMs = nonNegativeInteger('delayMs', options.delayMs ?? DEFAULT_RETRY_DELAY_MS);
    this.#maxDelayMs = nonNegativeInteger('maxDelayMs', options.maxDelayMs ?? MAX_RETRY_DELAY_MS);
    this.#segments = positiveInteger('segments', options.segments ?? DEFAULT_SEGMENTS, 64);
    this.#limit = pLimit(positiveInteger('concurrency', options.concurrency ?? 1, MAX_LOAD_CONCURRENCY));
    this.#groupBy = options.groupBy;
    this.#onLockFailures = options.onLockFailures;
    this.#random = options.random ?? Math.random;
    const poll = pollLoopOptions(
      { min: 'minIntervalMs', max: 'maxIntervalMs', timeout: 'timeoutMs' },
      {
        min: options.minIntervalMs ?? DEFAULT_MIN_POLL_INTERVAL_MS,
        max: options.maxIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS,
        timeout: options.timeoutMs ?? DEFAULT_POLL_TIMEOUT_MS,
      },
      this.#abort.signal,
    );
    const { client, spool, ledger } = options;
    if (options.bulkApi === 2) {
      const { object, operation, externalIdFieldName } = options.job;
      this.#ingestJobs = new RetryIngestJobs({
        client,
        spool,
        ledger,
        poll,
        onNotice: (message) => this.emit('notice', message),
        job: { object, operation: operation as LoadOperation, ...(externalIdFieldName ? { externalIdFieldName } : {}) },
      });
      this.#sender = this.#ingestJobs;
    } else {
      this.#batches = new RetryBatches({ client, spool, ledger, poll, job: options.job });
      this.#sender = this.#batches;
    }
    this.#inFlight = new InFlight(() => this.#working < this.#segments);
  }

  /**
   * Goes on with a run that stopped (call it before the first item): each segment's retries from
   * their last step in the ledger. (A 2.0 attempt whose create answer was lost is settled by the
   * resume's plan, planIngestResume, before any job is made.)
   */
  goOn(retries: LedgerRetries): void {
    this.#steps = new Map(retries.steps);
    this.#batches?.goOn({ jobs: retries.batchJobs, placed: retries.placed });
    this.#ingestJobs?.know(retries.jobs);
  }

  /** 2.0: the retry jobs made or taken on (none for v1: its retry job is a Classic job, never a lost 2.0 create's). */
  knownJobs(): Iterable<string> {
    return this.#ingestJobs?.knownJobs() ?? [];
  }

  /** 2.0: runs `settle` (the load's settling of lost creates) with no retry job's create in flight. */
  quiet<T>(settle: () => Promise<T>): Promise<T> {
    return this.#ingestJobs ? this.#ingestJobs.quiet(settle) : settle();
  }

  /** Rows whose result was a lock failure (first attempts and retries): each failure counted. */
  get lockFailures(): number {
    return this.#lockFailures;
  }

  /** Bulk API batches the retries spent of the org's DailyBulkApiBatches (v1: each retry batch; 2.0: each retry job's internal batches). */
  get batchesSpent(): number {
    return this.#sender.batches;
  }

  /** Rows sent again (each attempt counted). */
  get recordsRetried(): number {
    return this.#retried;
  }

  /** After a failed run: leave none of its retry jobs Open (v1's closed, 2.0's not closed aborted). */
  settle(): Promise<void> {
    return this.#sender.settle(true);
  }

  override _transform(item: RetrierInput, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('RecordRetrier', ['finished', 'batch'], item);
    if (wrong) return callback(wrong);
    if (item.kind !== 'finished' || !this.#retries(item)) {
      this.push(item);
      return callback();
    }
    // A batch none of whose records failed has nothing to send again: its results are not spooled to be
    // scanned (issue 28), and the joiner reads them from the org (attempts 1, as the merged file would say).
    if (item.failed === 0 && !this.#steps.has(item.seq)) {
      this.#onLockFailures?.(item.records, 0);
      this.push(item);
      return callback();
    }
    this.#working++;
    const task = this.#work(item).then(
      (done) => {
        if (!this.destroyed) this.push(done);
      },
      (err: unknown) => {
        this.destroy(err as Error);
      },
    );
    this.#inFlight.track(task.finally(() => this.#working--));
    this.#inFlight.pass(callback);
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      await this.#inFlight.drain();
      await this.#sender.settle(false);
    })().then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#abort.abort(err ?? new Error('destroyed'));
    this.#inFlight.clear();
    callback(err);
  }

  /** Whether a finished batch's rows may be retried: it completed with all its results, of a CSV payload. */
  #retries(item: FinishedBatch): boolean {
    if (item.state !== 'Completed' || item.processed !== item.records || item.path === null || item.upload !== undefined) return false;
    if (item.contentType === 'CSV') return true;
    if (!this.#noticed) {
      this.#noticed = true;
      this.emit('notice', `records are retried in CSV jobs only: a ${item.contentType} job's rows that fail on a lock are in the errors`);
    }
    return false;
  }

  /** A segment's attempts, from its first results (or where a resumed run's ledger left it) to its last; resolves to it with its results file. */
  async #work(item: FinishedBatch): Promise<FinishedBatch> {
    const step = this.#steps.get(item.seq);
    this.#steps.delete(item.seq);
    let results: Results;
    let attempt: number;
    let sent = item.records;
    if (!step) {
      results = { path: item.resultsPath ?? (await this.#download(item)), check: undefined };
      attempt = 1;
    } else if (step.kind === 'merged') {
      results = { path: await this.#resumedFile(item.seq, step.results), check: step.results };
      attempt = step.attempt;
      sent = 0;
    } else {
      const base: Results = { path: await this.#resumedFile(item.seq, step.base), check: step.base };
      const payloadPath = await this.#resumedFile(item.seq, step.payload);
      results = await this.#attempt(item, step.attempt, step.rows, payloadPath, step.payload.sha256, base, step);
      attempt = step.attempt;
      sent = step.rows.length;
    }
    for (;;) {
      const scan = await scanRetryable(results.path);
      // Results that are not one a record are the joiner's to tell: nothing is sent again on them.
      if (scan.rows !== item.records) return { ...item, resultsPath: results.path };
      if (sent > 0) {
        this.#lockFailures += scan.retry.length;
        this.#onLockFailures?.(sent, scan.retry.length);
      }
      if (scan.retry.length === 0 || attempt > this.#retryRecords) return { ...item, resultsPath: results.path };
      attempt++;
      const cut = attempt;
      const { order, payloadPath } = await this.#cutting(async () => {
        const { parts, order } = await retryPayload(item.path as string, item.columns, scan.retry, this.#groupBy);
        return { order, payloadPath: await this.#spool.write(item.seq, 'retry', `${cut}.csv`, parts) };
      });
      const payload = this.#check(item.seq, payloadPath);
      const base = results.check ?? (await this.#spool.seal(item.seq, results.path));
      // Before anything of the attempt is sent: a resume knows which rows await it.
      await this.#ledger?.retry({ type: 'retry', seq: item.seq, attempt, rows: order, payload, base });
      this.#retried += order.length;
      this.emit('retry', { seq: item.seq, attempt, records: order.length });
      await sleep(retryDelay(attempt, this.#delayMs, this.#maxDelayMs, this.#random), undefined, { signal: this.#abort.signal });
      results = await this.#attempt(item, attempt, order, payloadPath, payload.sha256, { path: results.path, check: base }, undefined);
      sent = order.length;
    }
  }

  /** One attempt sent (or gone on with), its results merged into the segment's, synced and recorded. */
  async #attempt(
    item: FinishedBatch,
    attempt: number,
    order: readonly number[],
    payloadPath: string,
    payloadSha256: string,
    base: Results,
    resumed: LedgerRetryAttempt | undefined,
  ): Promise<Results> {
    const signal = this.#abort.signal;
    const outcome: AttemptOutcome = await this.#limit(() =>
      this.#sender.send({ seq: item.seq, attempt, records: order.length, payloadPath, payloadSha256, ...(resumed ? { resumed } : {}) }, signal),
    );
    let merged = await mergeAttempt(base.path, order, outcome, attempt);
    if ('mismatch' in merged) {
      const failure = `retry of segment ${item.seq} (attempt ${attempt}) returned ${merged.mismatch} results for its ${order.length} records`;
      merged = await mergeAttempt(
        base.path,
        order,
        { failure: rowError('BULKPIPE_RETRY_FAILED', `${failure}, so which result is whose is unknown; check this record in the org`) },
        attempt,
      );
      if ('mismatch' in merged) throw new Error(failure);
    }
    const path = await this.#spool.write(item.seq, 'retry', `${attempt}.merged.csv`, merged.parts);
    const check = this.#check(item.seq, path);
    await this.#ledger?.retry({ type: 'retried', seq: item.seq, attempt, results: check });
    return { path, check };
  }

  /** A v1 batch's results, downloaded to the spool (v1's CSV result form: a CSV job's). */
  async #download(item: FinishedBatch): Promise<string> {
    const path = await this.#spool.path(item.seq, 'results', 'csv');
    const { body } = await this.#client.getBatchResult(item.jobId, item.batchId, { signal: this.#abort.signal });
    await pipeline(body, createWriteStream(path));
    return path;
  }

  /** A spool file a resumed run's ledger names, as it was made; a damaged one is refused (which rows await which attempt cannot be told). */
  async #resumedFile(seq: number, check: SpoolFileCheck): Promise<string> {
    const ext = check.name.slice(check.name.indexOf('.', check.name.indexOf('segment-')) + 1);
    const kind = ext.startsWith('retry.') ? 'retry' : 'results';
    const path = await this.#spool.path(seq, kind, ext.slice(kind.length + 1));
    if (basename(path) !== check.name || !(await fileMatches(path, check)))
      throw new LedgerError(
        `the record retry of segment ${seq} cannot go on: its spool file ${path} is gone or damaged, so which of its rows await which attempt cannot be told; check the segment's records in the org`,
        { problem: 'retry-spool-damaged', segment: seq, file: path, dir: this.#ledger?.dir },
      );
    return path;
  }

  #check(seq: number, path: string): SpoolFileCheck {
    return this.#spool.checks(seq).find((c) => c.name === basename(path)) as SpoolFileCheck;
  }
}

/** RecordRetrier's events, typed. */
export interface RecordRetrier {
  /** A segment's rows await an attempt (2 for the first retry). */
  on(event: 'retry', listener: (retry: { seq: number; attempt: number; records: number }) => void): this;
  on(event: 'notice', listener: (message: string) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** A RecordRetrier; e.g. `recordRetrier({ client, spool, job: { object: 'Contact', operation: 'insert' } })`. */
export const recordRetrier = (options: RecordRetrierOptions) => new RecordRetrier(options);

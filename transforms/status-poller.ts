/**
 * StatusPoller: SubmittedBatch -> FinishedBatch (a segment never uploaded passes through). Polls
 * each job's batch list, one request per job per interval, in the poll loop it shares with bulkQuery
 * (lib/poll-loop.ts): from minIntervalMs, growing by half while nothing changes, up to maxIntervalMs,
 * back down when something finishes. Each batch is emitted once, when Completed, Failed or
 * NotProcessed, with the count of records the server processed. A batch whose processed count rises
 * tells when it should end (its rate since it was first seen running): once every batch has come
 * (the load's tail), the loop's wait then ends at that time if sooner (never under minIntervalMs),
 * once per batch, the batches due within minIntervalMs of each other served by one poll (issue 28:
 * the org's last batches end between two polls, and the org idles until the next; the due polls are
 * bounded by time, never one per batch). An overall timeout ends the stream with a PollTimeoutError that names the job and the unfinished batch ids. `recordsProcessed` sums
 * the batches' numberRecordsProcessed as polled, which leads the records whose results are written.
 * Buffers: the ids of the batches waiting on the server, two counts of each (no payloads). No timer
 * survives the stream.
 */
import { performance } from 'node:perf_hooks';
import type { TransformCallback } from 'node:stream';
import { PollTimeoutError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { FinishedBatch, SpooledBatch, SubmittedBatch } from '../lib/load-types.js';
import { TERMINAL_BATCH_STATES, type BatchInfo } from '../lib/types.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';
import { PollingStage, type PollingOptions } from './polling-stage.js';

export interface StatusPollerOptions extends PollingOptions {
  readonly client: BulkClient;
}

/** What one poll saw of the batches still awaited: the `poll` event's payload. */
export interface BatchCounts {
  queued: number;
  inProgress: number;
}

/** A running batch's processed count when first seen rising from, and as last polled (performance clock, ms). */
interface Progress {
  readonly firstMs: number;
  readonly firstProcessed: number;
  lastMs: number;
  lastProcessed: number;
  /** Its due time was given to the loop (once per batch). */
  dueGiven: boolean;
}

/** Records per ms since the batch was first seen running; undefined until its count has risen. */
function rateOf(progress: Progress): number | undefined {
  if (progress.lastProcessed <= progress.firstProcessed) return undefined;
  return (progress.lastProcessed - progress.firstProcessed) / (progress.lastMs - progress.firstMs);
}

export class StatusPoller extends PollingStage {
  readonly #client: BulkClient;
  /** jobId -> batchId -> the batch. */
  readonly #pending = new Map<string, Map<string, SubmittedBatch>>();
  /** batchId -> its numberRecordsProcessed at the last poll, for the batches awaited. */
  readonly #processedOf = new Map<string, number>();
  /** batchId -> how its processed count rose, for the batches awaited that are InProgress. */
  readonly #progress = new Map<string, Progress>();
  /** Records per ms of the last batch seen running at two polls. */
  #perMs: number | undefined;
  #processed = 0;

  constructor(options: StatusPollerOptions) {
    super(options);
    this.#client = options.client;
  }

  override _transform(item: SubmittedBatch | SpooledBatch, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('StatusPoller', ['submitted', 'batch'], item);
    if (wrong) return callback(wrong);
    // A segment that was never uploaded (its records were all rejected) has nothing to wait for.
    if (item.kind !== 'submitted') {
      this.push(item);
      return callback();
    }
    let batches = this.#pending.get(item.jobId);
    if (!batches) this.#pending.set(item.jobId, (batches = new Map()));
    batches.set(item.batchId, item);
    this.awaitMore();
    callback();
  }

  /**
   * Records the org has processed in the batches this stage polled: each batch's
   * numberRecordsProcessed as last polled, summed. It never goes down: a batch that ends keeps the
   * count it ended with. Salesforce's BatchInfo gives the count "at the time the request was sent",
   * and its batch-list example shows an InProgress batch at 800 (docs: asynch_api_reference_batchinfo,
   * asynch_api_batches_get_info_all), so it rises while the batch runs.
   */
  get recordsProcessed(): number {
    return this.#processed;
  }

  protected override get awaited(): number {
    let n = 0;
    for (const batches of this.#pending.values()) n += batches.size;
    return n;
  }

  /** One poll of every job with batches awaited; true when a batch finished. */
  protected override async poll(): Promise<boolean> {
    const signal = this.abort.signal;
    let changed = false;
    for (const [jobId, batches] of this.#pending) {
      if (batches.size === 0) continue;
      const infos = await this.#client.listBatches(jobId, { signal });
      const counts: BatchCounts = { queued: 0, inProgress: 0 };
      const now = performance.now();
      for (const info of infos) {
        if (!batches.has(info.id)) continue;
        this.#sawProcessed(info);
        if (info.state === 'Queued') counts.queued++;
        else if (info.state === 'InProgress') {
          counts.inProgress++;
          this.#sawRunning(info, now);
        }
      }
      this.emit('poll', counts);
      for (const info of infos) {
        const batch = batches.get(info.id);
        if (!batch || !TERMINAL_BATCH_STATES.has(info.state)) continue;
        batches.delete(info.id);
        this.#processedOf.delete(info.id);
        this.#progress.delete(info.id);
        changed = true;
        const { kind: _kind, ...rest } = batch;
        const finished: FinishedBatch = {
          ...rest,
          kind: 'finished',
          state: info.state,
          stateMessage: info.stateMessage,
          processed: info.numberRecordsProcessed,
          failed: info.numberRecordsFailed,
        };
        this.emit('batchFinished', finished, info);
        await this.pushDone(finished);
      }
    }
    return changed;
  }

  /** Adds what a batch processed since the last poll (the org's count only rises; a lower one is taken as no news). */
  #sawProcessed(info: BatchInfo): void {
    const before = this.#processedOf.get(info.id) ?? 0;
    if (info.numberRecordsProcessed <= before) return;
    this.#processed += info.numberRecordsProcessed - before;
    this.#processedOf.set(info.id, info.numberRecordsProcessed);
  }

  /** Notes a running batch's processed count and when it was polled. */
  #sawRunning(info: BatchInfo, now: number): void {
    const progress = this.#progress.get(info.id);
    if (!progress)
      this.#progress.set(info.id, { firstMs: now, firstProcessed: info.numberRecordsProcessed, lastMs: now, lastProcessed: info.numberRecordsProcessed, dueGiven: false });
    else if (info.numberRecordsProcessed > progress.lastProcessed) {
      [progress.lastMs, progress.lastProcessed] = [now, info.numberRecordsProcessed];
      this.#perMs = rateOf(progress);
    }
  }

  /**
   * The soonest end, among running batches not yet given one, that falls within `waitMs`: at the
   * rate each has processed its records since first seen (or the last rate known). Every batch due
   * within `minIntervalMs` of it is given it too (the loop polls no sooner than that after this
   * poll, so one poll serves them all): a due poll per group of batches, never one per batch, and
   * when the estimates come early (a saturated org) the polls stay bounded by time, not batch count.
   */
  protected override dueWithin(waitMs: number): number | undefined {
    const now = performance.now();
    const dues: { due: number; progress: Progress }[] = [];
    for (const batches of this.#pending.values())
      for (const [id, batch] of batches) {
        const progress = this.#progress.get(id);
        if (!progress || progress.dueGiven) continue;
        // Seen once only (a short batch between two polls): at the rate the last batch seen twice had, the org's batches sharing its time alike.
        const perMs = rateOf(progress) ?? this.#perMs;
        if (perMs === undefined) continue;
        // A tenth more than the estimate, so that the poll comes after the end rather than just before it.
        dues.push({ due: ((batch.records - progress.lastProcessed) / perMs) * 1.1 - (now - progress.lastMs), progress });
      }
    let soonest = Number.POSITIVE_INFINITY;
    for (const { due } of dues) soonest = Math.min(soonest, due);
    if (!(soonest < waitMs)) return undefined;
    const served = Math.max(soonest, 0) + this.loop.minIntervalMs;
    for (const { due, progress } of dues) if (due <= served) progress.dueGiven = true;
    return Math.max(0, soonest);
  }

  /** The timeout error, naming a job and its unfinished batches; none while nothing is awaited. */
  protected override timedOut(): Error | undefined {
    const entry = [...this.#pending].find(([, b]) => b.size > 0);
    return entry ? new PollTimeoutError(entry[0], [...entry[1].keys()], this.loop.timeoutMs) : undefined;
  }
}

/** StatusPoller's events, typed. */
export interface StatusPoller {
  on(event: 'poll', listener: (counts: BatchCounts) => void): this;
  on(event: 'batchFinished', listener: (batch: FinishedBatch, info: BatchInfo) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'poll', listener: (counts: BatchCounts) => void): this;
  once(event: 'batchFinished', listener: (batch: FinishedBatch, info: BatchInfo) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  off(event: 'poll', listener: (counts: BatchCounts) => void): this;
  off(event: 'batchFinished', listener: (batch: FinishedBatch, info: BatchInfo) => void): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** A StatusPoller; e.g. `statusPoller({ client, minIntervalMs: 250 })`. */
export const statusPoller = (options: StatusPollerOptions) => new StatusPoller(options);

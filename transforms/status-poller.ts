/**
 * StatusPoller: SubmittedBatch -> FinishedBatch (a segment never uploaded passes through). Polls
 * each job's batch list, one request per job per interval, in the poll loop it shares with bulkQuery
 * (lib/poll-loop.ts): from minIntervalMs, growing by half while nothing changes, up to maxIntervalMs,
 * back down when something finishes. Each batch is emitted once, when Completed, Failed or
 * NotProcessed, with the count of records the server processed. An overall timeout ends the stream
 * with a PollTimeoutError that names the job and the unfinished batch ids.
 * Buffers: the ids of the batches waiting on the server (no payloads). No timer survives the stream.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { PollTimeoutError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { FinishedBatch, SpooledBatch, SubmittedBatch } from '../lib/load-types.js';
import { DEFAULT_MAX_POLL_INTERVAL_MS, DEFAULT_MIN_POLL_INTERVAL_MS, DEFAULT_POLL_TIMEOUT_MS } from '../lib/limits.js';
import { pollLoopOptions, pollTicks, type PollLoopOptions } from '../lib/poll-loop.js';
import { TERMINAL_BATCH_STATES, type BatchInfo } from '../lib/types.js';
import { ReadWaiter } from '../lib/streams/read-waiter.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';

export interface StatusPollerOptions {
  readonly client: BulkClient;
  /** First and shortest wait between polls; default 500 ms. */
  readonly minIntervalMs?: number;
  /** Longest wait between polls; default 10 s. */
  readonly maxIntervalMs?: number;
  /** Most time from the first batch submitted to the last one finished; default 6 h. */
  readonly timeoutMs?: number;
}

/** What one poll saw of the batches still awaited: the `poll` event's payload. */
export interface BatchCounts {
  queued: number;
  inProgress: number;
}

export class StatusPoller extends Transform {
  readonly #client: BulkClient;
  readonly #loop: PollLoopOptions;
  readonly #abort = new AbortController();
  /** jobId -> batchId -> the batch. */
  readonly #pending = new Map<string, Map<string, SubmittedBatch>>();
  #running: Promise<void> | undefined;
  #ended = false;
  #wake: (() => void) | undefined;
  readonly #reader = new ReadWaiter();

  constructor(options: StatusPollerOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, readableHighWaterMark: 4 });
    this.#client = options.client;
    this.#loop = pollLoopOptions(
      { min: 'minIntervalMs', max: 'maxIntervalMs', timeout: 'timeoutMs' },
      {
        min: options.minIntervalMs ?? DEFAULT_MIN_POLL_INTERVAL_MS,
        max: options.maxIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS,
        timeout: options.timeoutMs ?? DEFAULT_POLL_TIMEOUT_MS,
      },
      this.#abort.signal,
    );
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
    this.#wake?.();
    this.#running ??= this.#run().catch((err: unknown) => {
      this.destroy(err as Error);
    });
    callback();
  }

  override _read(size: number): void {
    this.#reader.release();
    super._read(size);
  }

  override _flush(callback: TransformCallback): void {
    this.#ended = true;
    this.#wake?.();
    (this.#running ?? Promise.resolve()).then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#abort.abort(err ?? new Error('destroyed'));
    this.#wake?.();
    callback(err);
  }

  get #waiting(): number {
    let n = 0;
    for (const batches of this.#pending.values()) n += batches.size;
    return n;
  }

  async #run(): Promise<void> {
    for await (const tick of pollTicks(this.#loop, () => this.#timedOut())) {
      if (this.#waiting === 0) {
        // Between batches: nothing to poll until one arrives or the input ends.
        if (!this.#ended) await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        tick.changed = true;
      } else {
        tick.changed = await this.#pollJobs();
      }
      if (this.#waiting === 0 && (this.#ended || this.#abort.signal.aborted)) return;
    }
  }

  /** One poll of every job with batches awaited; true when a batch finished. */
  async #pollJobs(): Promise<boolean> {
    const signal = this.#abort.signal;
    let changed = false;
    for (const [jobId, batches] of this.#pending) {
      if (batches.size === 0) continue;
      const infos = await this.#client.listBatches(jobId, { signal });
      const counts: BatchCounts = { queued: 0, inProgress: 0 };
      for (const info of infos) {
        if (!batches.has(info.id)) continue;
        if (info.state === 'Queued') counts.queued++;
        else if (info.state === 'InProgress') counts.inProgress++;
      }
      this.emit('poll', counts);
      for (const info of infos) {
        const batch = batches.get(info.id);
        if (!batch || !TERMINAL_BATCH_STATES.has(info.state)) continue;
        batches.delete(info.id);
        changed = true;
        const { kind: _kind, ...rest } = batch;
        const finished: FinishedBatch = { ...rest, kind: 'finished', state: info.state, stateMessage: info.stateMessage, processed: info.numberRecordsProcessed };
        this.emit('batchFinished', finished, info);
        // Wait for the reader when our buffer is full.
        if (!this.push(finished)) await this.#reader.wait();
      }
    }
    return changed;
  }

  /** The timeout error, naming a job and its unfinished batches; none while nothing is awaited. */
  #timedOut(): Error | undefined {
    const entry = [...this.#pending].find(([, b]) => b.size > 0);
    return entry ? new PollTimeoutError(entry[0], [...entry[1].keys()], this.#loop.timeoutMs) : undefined;
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

/**
 * StatusPoller: SubmittedBatch -> FinishedBatch (rejected records pass through). Polls each job's
 * batch list, one request per job per interval, adaptively: it starts at minIntervalMs, grows by half
 * while nothing changes, up to maxIntervalMs, and comes back down when something finishes. Each batch
 * is emitted once, when Completed, Failed or NotProcessed. An overall timeout ends the stream with a
 * PollTimeoutError that names the job and the unfinished batch ids, so that the run can be resumed.
 * Buffers: the ids of the batches waiting on the server (no payloads). No timer survives the stream.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdaptiveInterval } from '../lib/adaptive-interval.js';
import { InvalidOptionError, PollTimeoutError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { FinishedBatch, RejectedRecord, SubmittedBatch } from '../lib/load-types.js';
import { duration } from '../lib/options.js';
import { TERMINAL_BATCH_STATES } from '../lib/types.js';
import { ReadWaiter } from './read-waiter.js';

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
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #timeoutMs: number;
  readonly #abort = new AbortController();
  /** jobId -> batchId -> the batch. */
  readonly #pending = new Map<string, Map<string, SubmittedBatch>>();
  #loop: Promise<void> | undefined;
  #startedAt = 0;
  #ended = false;
  #wake: (() => void) | undefined;
  readonly #reader = new ReadWaiter();

  constructor(options: StatusPollerOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, readableHighWaterMark: 4 });
    this.#client = options.client;
    this.#minMs = duration('minIntervalMs', options.minIntervalMs ?? 500, 3_600_000);
    this.#maxMs = duration('maxIntervalMs', options.maxIntervalMs ?? 10_000, 3_600_000);
    this.#timeoutMs = duration('timeoutMs', options.timeoutMs ?? 6 * 3_600_000, 7 * 86_400_000);
    if (this.#maxMs < this.#minMs) throw new InvalidOptionError('maxIntervalMs', `at least minIntervalMs (${this.#minMs})`, this.#maxMs);
  }

  override _transform(item: SubmittedBatch | RejectedRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (item.kind !== 'submitted') {
      this.push(item);
      return callback();
    }
    let batches = this.#pending.get(item.jobId);
    if (!batches) this.#pending.set(item.jobId, (batches = new Map()));
    batches.set(item.batchId, item);
    this.#wake?.();
    if (!this.#loop) {
      this.#startedAt = Date.now();
      this.#loop = this.#run().catch((err: unknown) => {
        this.destroy(err as Error);
      });
    }
    callback();
  }

  override _read(size: number): void {
    this.#reader.release();
    super._read(size);
  }

  override _flush(callback: TransformCallback): void {
    this.#ended = true;
    this.#wake?.();
    (this.#loop ?? Promise.resolve()).then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#abort.abort(err ?? new Error('destroyed'));
    callback(err);
  }

  get #waiting(): number {
    let n = 0;
    for (const batches of this.#pending.values()) n += batches.size;
    return n;
  }

  async #run(): Promise<void> {
    const interval = new AdaptiveInterval(this.#minMs, this.#maxMs);
    const signal = this.#abort.signal;
    while (!signal.aborted && (this.#waiting > 0 || !this.#ended)) {
      if (this.#waiting === 0) {
        // Nothing to poll until a batch arrives or the input ends.
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      await sleep(interval.ms, undefined, { signal });
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
          const finished: FinishedBatch = { ...rest, kind: 'finished', state: info.state, stateMessage: info.stateMessage };
          this.emit('batchFinished', finished, info);
          // Wait for the reader when our buffer is full: finished batches are joined one at a time.
          if (!this.push(finished)) await this.#reader.wait();
        }
      }
      interval.next(changed);
      if (this.#waiting > 0 && Date.now() - this.#startedAt > this.#timeoutMs) {
        const [jobId, batches] = [...this.#pending].find(([, b]) => b.size > 0) as [string, Map<string, SubmittedBatch>];
        throw new PollTimeoutError(jobId, [...batches.keys()], this.#timeoutMs);
      }
    }
  }
}

/** A StatusPoller; e.g. `statusPoller({ client, minIntervalMs: 250 })`. */
export const statusPoller = (options: StatusPollerOptions) => new StatusPoller(options);

/**
 * What the load's two pollers share (StatusPoller for v1 batches, IngestJobPoller for 2.0 jobs): a
 * Transform that takes descriptors of work the org is doing and polls for them in the one poll loop
 * (lib/poll-loop.ts), sleeping while nothing is awaited, ending once its input has ended and nothing
 * is awaited, and holding its pushes while its reader is full. A subclass says how many items it
 * awaits, polls once, and names what a timeout ends with. No timer survives the stream.
 */
import { Transform } from 'node:stream';
import { DEFAULT_MAX_POLL_INTERVAL_MS, DEFAULT_MIN_POLL_INTERVAL_MS, DEFAULT_POLL_TIMEOUT_MS } from '../lib/limits.js';
import { pollLoopOptions, pollTicks, type PollLoopOptions, waitAfter } from '../lib/poll-loop.js';
import { ReadWaiter } from '../lib/streams/read-waiter.js';

/** The polling options both pollers take. */
export interface PollingOptions {
  /** First and shortest wait between polls; default 500 ms. */
  readonly minIntervalMs?: number;
  /** Longest wait between polls; default 10 s. */
  readonly maxIntervalMs?: number;
  /** Most time from the first item awaited to the last one done; default 6 h. */
  readonly timeoutMs?: number;
}

export abstract class PollingStage extends Transform {
  protected readonly abort = new AbortController();
  protected readonly loop: PollLoopOptions;
  readonly #reader = new ReadWaiter();
  #running: Promise<void> | undefined;
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(options: PollingOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, readableHighWaterMark: 4 });
    this.loop = pollLoopOptions(
      { min: 'minIntervalMs', max: 'maxIntervalMs', timeout: 'timeoutMs' },
      {
        min: options.minIntervalMs ?? DEFAULT_MIN_POLL_INTERVAL_MS,
        max: options.maxIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS,
        timeout: options.timeoutMs ?? DEFAULT_POLL_TIMEOUT_MS,
      },
      this.abort.signal,
    );
  }

  /** Items the org is still working on. */
  protected abstract get awaited(): number;
  /** One poll of everything awaited, pushing what is done (through `pushDone`); true when something changed. */
  protected abstract poll(): Promise<boolean>;
  /** The error a timeout ends the stream with, naming what is awaited; undefined when nothing is. */
  protected abstract timedOut(): Error | undefined;

  /**
   * When the org is expected to end an awaited item, ms from now, if that is sooner than `waitMs`
   * (the wait the loop would take, above `minIntervalMs`); undefined when nothing is due that soon.
   * Asked only once the input has ended; the loop polls at the due time, never sooner than
   * `minIntervalMs` after the last poll, and a subclass bounds how often it answers.
   */
  protected dueWithin(_waitMs: number): number | undefined {
    return undefined;
  }

  /** Says that an item to wait for arrived: polling starts, or wakes from its wait for work. */
  protected awaitMore(): void {
    this.#wake?.();
    this.#running ??= this.#run().catch((err: unknown) => {
      this.destroy(err as Error);
    });
  }

  /** Pushes a finished item, waiting while the reader's buffer is full. */
  protected async pushDone(item: unknown): Promise<void> {
    if (!this.push(item)) await this.#reader.wait();
  }

  override _read(size: number): void {
    this.#reader.release();
    super._read(size);
  }

  override _flush(callback: (err?: Error | null) => void): void {
    this.#ended = true;
    this.#wake?.();
    (this.#running ?? Promise.resolve()).then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.abort.abort(err ?? new Error('destroyed'));
    this.#wake?.();
    callback(err);
  }

  async #run(): Promise<void> {
    for await (const tick of pollTicks(this.loop, () => this.timedOut())) {
      if (this.awaited === 0) {
        // Between items: nothing to poll until one arrives or the input ends.
        if (!this.#ended) await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        tick.changed = true;
      } else {
        tick.changed = await this.poll();
        // Only once every item has come (the load's tail): before, the org has the next batches queued, and a sooner poll would spend requests for nothing.
        // Not when the wait is already the shortest: no due time can end it sooner (the loop's floor), and asking would spend the items' due times for nothing.
        const wait = waitAfter(tick, this.loop);
        const due = this.#ended && wait > this.loop.minIntervalMs ? this.dueWithin(wait) : undefined;
        if (due !== undefined) tick.dueInMs = due;
      }
      if (this.awaited === 0 && (this.#ended || this.abort.signal.aborted)) return;
    }
  }
}

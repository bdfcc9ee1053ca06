/**
 * ResultJoiner: FinishedBatch (and segments never uploaded) -> JoinedBlock, in input order.
 * Batches finish in any order; the joiner takes them as they come (they are small descriptors: the
 * data waits on the server and in the spool) and joins them in sequence order, so that the outputs
 * are in input order. While one segment is written out, the results of the next `prefetch` finished
 * batches download to the spool. A batch whose result count differs from its record count never
 * shifts rows onto the wrong results and never fails the run: its rows go to the errors with a
 * message naming the job, the batch and both counts. A Failed or NotProcessed batch sends its rows to
 * the errors with the batch's state message. Each segment's spool files are released once joined.
 * Buffers: one block of joined rows, a chunk of one payload and of its results, and the descriptors
 * of the batches waiting for their turn.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { BulkError, InvalidOptionError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import { joinSegment } from '../lib/join/join-segment.js';
import { downloadResults, type ResultFile } from '../lib/join/result-file.js';
import type { LoadSpool } from '../lib/load/load-spool.js';
import type { FinishedBatch, JoinedBlock, JoinedRow, SpooledBatch } from '../lib/load-types.js';
import { nonNegativeInteger } from '../lib/options.js';
import { ReadWaiter } from '../lib/streams/read-waiter.js';

export interface ResultJoinerOptions {
  readonly client: BulkClient;
  /** The load's spool, where the payloads and rejected records are and the results go. */
  readonly spool: LoadSpool;
  /** Finished batches whose results download while the one before is written; default 1, at most 8. */
  readonly prefetch?: number;
}

/** What a joiner takes: a finished batch, or a segment that was never uploaded (rejected records only). */
export type JoinerInput = FinishedBatch | SpooledBatch;

/** The error text of rows whose batch returned another number of results than it had records. */
export function mismatchError(jobId: string, batchId: string, records: number, results: number): string {
  return `BULKPIPE_RESULT_MISMATCH:batch ${batchId} of job ${jobId} returned ${results} results for its ${records} records, so which result is whose is unknown; check these records in the org before loading them again:--`;
}

export class ResultJoiner extends Transform {
  readonly #client: BulkClient;
  readonly #spool: LoadSpool;
  readonly #prefetch: number;
  readonly #abort = new AbortController();
  readonly #reader = new ReadWaiter();
  /** Segments that arrived ahead of their turn, by sequence number. */
  readonly #waiting = new Map<number, JoinerInput>();
  readonly #downloads = new Map<number, Promise<ResultFile>>();
  #next = 0;
  #running = false;
  #flushed: TransformCallback | undefined;

  constructor(options: ResultJoinerOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, readableHighWaterMark: 4 });
    this.#client = options.client;
    if (typeof options.spool?.path !== 'function') throw new InvalidOptionError('spool', 'a LoadSpool', options.spool);
    this.#spool = options.spool;
    this.#prefetch = nonNegativeInteger('prefetch', options.prefetch ?? 1, 8);
  }

  override _transform(item: JoinerInput, _encoding: BufferEncoding, callback: TransformCallback): void {
    if ((item as { kind?: unknown }).kind === 'submitted') return callback(new InvalidOptionError('input', 'finished batches (put a StatusPoller before the ResultJoiner)', item.kind));
    if (item.kind !== 'finished' && !(item.kind === 'batch' && item.records === 0)) {
      return callback(new InvalidOptionError('input', 'finished batches, from a StatusPoller after a BulkSubmitter', (item as { kind?: unknown }).kind));
    }
    if (item.seq < this.#next || this.#waiting.has(item.seq)) return callback(new InvalidOptionError('input', 'each segment once', `segment ${item.seq} again`));
    this.#waiting.set(item.seq, item);
    this.#prefetchResults();
    this.#start();
    callback(); // a descriptor only: taking it at once keeps the poller going while an earlier batch is awaited
  }

  override _flush(callback: TransformCallback): void {
    this.#flushed = callback;
    this.#settle();
  }

  override _read(size: number): void {
    this.#reader.release();
    super._read(size);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#abort.abort(err ?? new Error('destroyed'));
    for (const download of this.#downloads.values()) download.catch(() => undefined);
    this.#reader.release();
    callback(err);
  }

  /** Ends the stream once every segment has been joined; a segment missing at the end is an error. */
  #settle(): void {
    const done = this.#flushed;
    if (!done || this.#running) return;
    this.#flushed = undefined;
    if (this.#waiting.size === 0) return done();
    // Every segment number is used: one missing at the end means a stage lost it.
    done(new BulkError('BULK_JOIN_MISMATCH', `segment ${this.#next} of the load never reached the joiner, while segments ${[...this.#waiting.keys()].sort((a, b) => a - b).join(', ')} did`));
  }

  #start(): void {
    if (this.#running || this.destroyed) return;
    this.#running = true;
    this.#run().then(
      () => this.#settle(),
      (err: unknown) => this.destroy(err as Error),
    );
  }

  async #run(): Promise<void> {
    try {
      for (let item = this.#waiting.get(this.#next); item && !this.destroyed; item = this.#waiting.get(this.#next)) {
        this.#waiting.delete(item.seq);
        await this.#join(item);
        await this.#spool.release(item.seq);
        this.#downloads.delete(item.seq);
        this.emit('batchJoined', item);
        this.#next++;
        this.#prefetchResults();
      }
    } finally {
      this.#running = false;
    }
  }

  /** Starts the result downloads of the finished batches next in line, at most `prefetch` + 1. */
  #prefetchResults(): void {
    for (let seq = this.#next; seq <= this.#next + this.#prefetch; seq++) {
      const item = this.#waiting.get(seq);
      if (item?.kind === 'finished' && item.state === 'Completed' && !this.#downloads.has(seq)) {
        const download = this.#spool.path(seq, 'results').then((path) => downloadResults(this.#client, item.jobId, item.batchId, path, this.#abort.signal));
        download.catch(() => undefined); // reported when its turn comes
        this.#downloads.set(seq, download);
      }
    }
  }

  async #join(item: JoinerInput): Promise<void> {
    const finished = item.kind === 'finished' ? item : undefined;
    let results: ResultFile | undefined;
    let failure = finished?.stateMessage ?? `batch ${finished?.state ?? 'not uploaded'}`;
    if (finished?.state === 'Completed') {
      const download = this.#downloads.get(item.seq);
      const file = await (download ?? Promise.reject(new Error(`no download for segment ${item.seq}`)));
      if (file.count === item.records) results = file;
      else failure = mismatchError(finished.jobId, finished.batchId, item.records, file.count);
    }
    const blocks = joinSegment({
      jobId: finished?.jobId ?? null,
      batchId: finished?.batchId ?? null,
      contentType: item.contentType,
      columns: item.columns,
      rows: item.rows,
      records: item.records,
      payloadPath: item.path,
      rejectsPath: item.rejected > 0 ? await this.#spool.path(item.seq, 'rejects') : null,
      results,
      failure,
    });
    // One block is held back, so that the segment's last block can say it is the last.
    let held: JoinedRow[] | undefined;
    for await (const rows of blocks) {
      if (held) await this.#emit(item, finished, held, false);
      held = rows;
    }
    await this.#emit(item, finished, held ?? [], true);
  }

  async #emit(item: JoinerInput, finished: FinishedBatch | undefined, rows: readonly JoinedRow[], last: boolean): Promise<void> {
    if (this.destroyed) return;
    const block: JoinedBlock = { kind: 'joined', seq: item.seq, jobId: finished?.jobId ?? null, batchId: finished?.batchId ?? null, columns: item.columns, rows, last };
    if (!this.push(block)) await this.#reader.wait();
  }
}

/** A ResultJoiner; e.g. `resultJoiner({ client, spool })`. */
export const resultJoiner = (options: ResultJoinerOptions) => new ResultJoiner(options);

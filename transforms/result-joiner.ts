/**
 * ResultJoiner: FinishedBatch (and segments never uploaded) -> JoinedBlock, in input order.
 * Batches finish in any order; the joiner takes them as they come (they are small descriptors: the
 * data waits on the server and in the spool) and joins them in sequence order, so that the outputs
 * are in input order. Each batch's results are streamed from the server beside its spooled payload;
 * the requests for the next `prefetch` finished batches go out while one is written, their bodies
 * held back by the socket. A batch whose result count differs from its record count never shifts
 * rows onto the wrong results and never fails the run: its rows go to the errors with a message
 * naming the job, the batch and both counts (known from the batch's own count up front, or, when the
 * result body disagrees with it, by joining the segment again with `restart`). A Failed or
 * NotProcessed batch sends its rows to the errors with the batch's state message. Each segment's
 * spool files are released once joined.
 * Buffers: a few blocks of joined rows, a chunk of one payload and of its results, and the
 * descriptors of the batches waiting for their turn. `whenRoom` holds the load's input back while
 * `backlog` finished results wait, joinable, for a reader that does not take them (issue 28).
 */
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidOptionError, JoinMismatchError, rowError, SegmentLostError } from '../lib/errors.js';
import type { BulkClient, DownloadedBody } from '../lib/http/client.js';
import { readSourceRows } from '../lib/cut/source-rows.js';
import { joinSegment } from '../lib/join/join-segment.js';
import { JoinedRows } from '../lib/join/joined-rows.js';
import { readResultBlocks } from '../lib/join/read-results.js';
import type { ResultBlock } from '../lib/join/result-block.js';
import { formatOfMime } from '../lib/wire/content-types.js';
import { spoolOption, type LoadSpool } from '../lib/load/load-spool.js';
import type { FinishedBatch, SpooledBatch } from '../lib/load-types.js';
import { nonNegativeInteger } from '../lib/options.js';
import { ReadWaiter } from '../lib/streams/read-waiter.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';

export interface ResultJoinerOptions {
  readonly client: BulkClient;
  /** The load's spool, where the payloads and rejected records are and the results go. */
  readonly spool: LoadSpool;
  /** Finished batches whose result requests go out while the one before is written; default 1, at most 8. */
  readonly prefetch?: number;
  /** The first segment to join: a resumed run's segments before it are in the outputs already. Default 0. */
  readonly firstSeq?: number;
  /**
   * Release each segment's spool files once its rows are pushed; default true. False when the
   * caller releases them later, once the rows are durable (a ledger must never name a segment
   * as pending whose files are gone).
   */
  readonly releaseSpool?: boolean;
  /**
   * Finished results (a v1 batch, or a 2.0 job) waiting in turn for the reader, from which
   * `whenRoom` holds the input back; default 4.
   */
  readonly backlog?: number;
}

/** What a joiner takes: a finished batch, or a segment that was never uploaded (rejected records only). */
export type JoinerInput = FinishedBatch | SpooledBatch;

/** The error text of rows whose batch returned another number of results than it had records. */
function mismatchError(jobId: string, batchId: string, records: number, results: number): string {
  return rowError(
    'BULKPIPE_RESULT_MISMATCH',
    `batch ${batchId} of job ${jobId} returned ${results} results for its ${records} records, so which result is whose is unknown; check these records in the org before loading them again`,
  );
}

export class ResultJoiner extends Transform {
  readonly #client: BulkClient;
  readonly #spool: LoadSpool;
  readonly #prefetch: number;
  readonly #releaseSpool: boolean;
  readonly #abort = new AbortController();
  readonly #reader = new ReadWaiter();
  /** Segments that arrived ahead of their turn, by sequence number. */
  readonly #waiting = new Map<number, JoinerInput>();
  readonly #responses = new Map<number, Promise<DownloadedBody>>();
  #next = 0;
  #running = false;
  /** The batch id of the segment being joined ('' for one never uploaded). */
  #current = '';
  #flushed: TransformCallback | undefined;
  readonly #backlog: number;
  /** Callers of whenRoom, waiting for a result to be taken. */
  #roomWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  /** Segments from `#next` on that left the submitter for the org (`submitted`). */
  readonly #submitted = new Set<number>();

  constructor(options: ResultJoinerOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, readableHighWaterMark: 4 });
    this.#client = options.client;
    this.#spool = spoolOption(options.spool);
    this.#prefetch = nonNegativeInteger('prefetch', options.prefetch ?? 1, 8);
    this.#next = nonNegativeInteger('firstSeq', options.firstSeq ?? 0);
    this.#releaseSpool = options.releaseSpool ?? true;
    this.#backlog = nonNegativeInteger('backlog', options.backlog ?? 4, 1000) || 1;
  }

  /**
   * Resolves once fewer than `backlog` finished results wait for the reader: the load's input waits
   * here, so that a reader that stops taking rows stops the reading, the uploads and the spool. The
   * input is held only while the segment to be joined next needs nothing more from it: it is in the
   * joiner already, or `submitted` said it left the submitter for the org (a v1 batch; a 2.0 job no
   * longer gathering segments). Until then (a segment in the cutter, a group window, a 2.0 job still
   * gathering) there is room, whatever waits behind it. Then the results waiting are counted whether in
   * turn or not: a segment at the head that the org or a record retry keeps does not open the gate
   * (issue 28). Rejects once the joiner is destroyed: a held batch is never passed on by a failed load.
   */
  whenRoom(): Promise<void> {
    if (this.destroyed) return Promise.reject(this.#destroyedError());
    if (!this.#holds()) return Promise.resolve();
    return new Promise((resolve, reject) => this.#roomWaiters.push({ resolve, reject }));
  }

  /** Segment `seq` left the submitter for the org (its upload starts): the join of it needs no more input. */
  submitted(seq: number): void {
    if (seq >= this.#next) this.#submitted.add(seq);
  }

  /** Whether the input is held: the next segment needs nothing more from it, and `backlog` finished results (distinct batch ids) wait. */
  #holds(): boolean {
    if (!this.#running && !this.#waiting.has(this.#next) && !this.#submitted.has(this.#next)) return false;
    const ids = new Set<string>();
    if (this.#running && this.#current !== '') ids.add(this.#current);
    for (const item of this.#waiting.values()) {
      if (ids.size >= this.#backlog) break;
      if (item.kind === 'finished') ids.add(item.batchId);
    }
    return ids.size >= this.#backlog;
  }

  #destroyedError(): Error {
    return this.errored ?? new Error('the result joiner was destroyed');
  }

  #tellRoom(): void {
    if (this.#roomWaiters.length === 0) return;
    if (this.destroyed) {
      const err = this.#destroyedError();
      for (const waiter of this.#roomWaiters.splice(0)) waiter.reject(err);
      return;
    }
    if (this.#holds()) return;
    for (const waiter of this.#roomWaiters.splice(0)) waiter.resolve();
  }

  override _transform(item: JoinerInput, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('ResultJoiner', ['finished', 'batch'], item);
    if (wrong) return callback(wrong);
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
    // Bodies requested ahead and never read: drop them, so that their sockets are freed.
    for (const response of this.#responses.values())
      response.then(
        (r) => r.body.destroy(),
        () => undefined,
      );
    this.#responses.clear();
    this.#reader.release();
    const waiters = this.#roomWaiters.splice(0);
    const failure = err ?? new Error('the result joiner was destroyed');
    for (const waiter of waiters) waiter.reject(failure);
    callback(err);
  }

  /** Ends the stream once every segment has been joined; a segment missing at the end is an error. */
  #settle(): void {
    const done = this.#flushed;
    if (!done || this.#running) return;
    this.#flushed = undefined;
    if (this.#waiting.size === 0) return done();
    // Every segment number is used: one missing at the end means a stage lost it.
    const arrived = [...this.#waiting.keys()].sort((a, b) => a - b);
    done(
      new SegmentLostError(`segment ${this.#next} of the load never reached the joiner, while segments ${arrived.join(', ')} did`, {
        segment: this.#next,
        arrived,
      }),
    );
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
        this.#current = item.kind === 'finished' ? item.batchId : '';
        await this.#join(item);
        if (this.#releaseSpool) await this.#spool.release(item.seq);
        this.emit('batchJoined', item);
        this.#submitted.delete(this.#next);
        this.#next++;
        this.#prefetchResults();
        this.#tellRoom();
      }
    } finally {
      this.#running = false;
      this.#tellRoom();
    }
  }

  /** Sends the result requests of the finished batches next in line, at most `prefetch` + 1. */
  #prefetchResults(): void {
    for (let seq = this.#next; seq <= this.#next + this.#prefetch; seq++) {
      const item = this.#waiting.get(seq);
      if (item?.kind === 'finished' && hasResults(item) && !this.#responses.has(seq)) {
        const response = this.#results(item);
        response.catch(() => undefined); // reported when its turn comes
        this.#responses.set(seq, response);
      }
    }
  }

  async #join(item: JoinerInput): Promise<void> {
    const finished = item.kind === 'finished' ? item : undefined;
    let failure = finished?.stateMessage ?? `batch ${finished?.state ?? 'not uploaded'}`;
    let results: AsyncIterable<ResultBlock> | undefined;
    if (finished?.state === 'Completed') {
      if (hasResults(finished)) {
        const response = this.#responses.get(item.seq) ?? this.#results(finished);
        this.#responses.delete(item.seq);
        const { body, contentType } = await response;
        results = readResultBlocks(body, formatOfMime(contentType) ?? 'csv', `results of batch ${finished.batchId}`);
      } else {
        failure = mismatchError(finished.jobId, finished.batchId, item.records, finished.processed);
      }
    }
    try {
      await this.#pushSegment(item, finished, results, failure, false);
    } catch (err) {
      if (results === undefined && finished && !this.destroyed && !(err instanceof JoinMismatchError)) {
        // A batch the org failed whole, whose payload could not be read back: its rows are still
        // accounted for, from the segment's row numbers, with the org's message and no columns.
        await this.#pushSegment(item, finished, undefined, failure, true, true);
        return;
      }
      // The result body disagreed with the batch's count after some rows were out: take them back
      // and send every row of the segment to the errors.
      if (!(err instanceof JoinMismatchError) || !finished) throw err;
      await this.#pushSegment(item, finished, undefined, mismatchError(finished.jobId, finished.batchId, item.records, err.actual), true);
    }
  }

  /** A batch's results: from the org, or, for a Bulk API 2.0 job, the segment's results put in payload order in the spool. */
  #results(batch: FinishedBatch): Promise<DownloadedBody> {
    if (batch.resultsPath !== undefined) return Promise.resolve({ body: createReadStream(batch.resultsPath), contentType: 'text/csv' });
    return this.#client.getBatchResult(batch.jobId, batch.batchId, { signal: this.#abort.signal });
  }

  async #pushSegment(
    item: JoinerInput,
    finished: FinishedBatch | undefined,
    results: AsyncIterable<ResultBlock> | undefined,
    failure: string,
    restart: boolean,
    rowsOnly = false,
  ): Promise<void> {
    const blocks = joinSegment({
      seq: item.seq,
      jobId: finished?.jobId ?? null,
      batchId: finished?.batchId ?? null,
      contentType: item.contentType,
      columns: item.columns,
      rows: item.rows,
      sources: item.sources !== undefined ? await readSourceRows(item.sources) : undefined,
      records: item.records,
      payloadPath: item.path,
      rejectsPath: item.rejected > 0 ? await this.#spool.path(item.seq, 'rejects') : null,
      results,
      failure,
      rowsOnly,
    });
    // One block is held back, so that the segment's last block can say it is the last.
    let held: JoinedRows | undefined;
    let first = true;
    for await (const block of blocks) {
      if (held) {
        held.restart = restart && first;
        first = false;
        await this.#emit(held);
      }
      held = block;
    }
    const last = held ?? new JoinedRows({ seq: item.seq, jobId: finished?.jobId ?? null, batchId: finished?.batchId ?? null, columns: item.columns }, 0);
    last.restart = restart && first;
    last.last = true;
    await this.#emit(last);
  }

  async #emit(block: JoinedRows): Promise<void> {
    if (this.destroyed) return;
    if (!this.push(block)) await this.#reader.wait();
  }
}

/** ResultJoiner's events, typed. */
export interface ResultJoiner {
  on(event: 'batchJoined', listener: (batch: JoinerInput) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'batchJoined', listener: (batch: JoinerInput) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  off(event: 'batchJoined', listener: (batch: JoinerInput) => void): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** Whether a finished batch has results to join: it completed with as many as it has records. */
const hasResults = (batch: FinishedBatch): boolean => batch.state === 'Completed' && batch.processed === batch.records;

/** A ResultJoiner; e.g. `resultJoiner({ client, spool })`. */
export const resultJoiner = (options: ResultJoinerOptions) => new ResultJoiner(options);

/**
 * ResultJoiner: FinishedBatch -> JoinedRow (a rejected record becomes a failed row). For each
 * finished batch it reads the input rows back from the batch's spool file and the batch's results
 * from the server, then zips them row by row, in order, and deletes the spool file. While one batch
 * is written out, the next `prefetch` batches are already being read and downloaded, so the server's
 * latency overlaps the local work. A result count that does not match the batch's row count is a
 * JoinMismatchError, never a shifted join. A Failed or NotProcessed batch sends each of its rows to
 * the error output with the batch's state message.
 * Buffers: the rows and results of at most 1 + `prefetch` batches (each at most one batch payload).
 */
import { readFile, rm } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { JoinMismatchError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { FinishedBatch, InputValue, JoinedRow, RejectedRecord } from '../lib/load-types.js';
import { nonNegativeInteger } from '../lib/options.js';
import type { DmlResult } from '../lib/types.js';
import { readBatchPayload, type Payload } from '../lib/wire/batch-payload.js';
import { formatResultErrors } from '../lib/wire/dml-results.js';
import type { DataFormat } from '../lib/wire/content-types.js';
import { ReadWaiter } from './read-waiter.js';

export interface ResultJoinerOptions {
  readonly client: BulkClient;
  /** Batches read and downloaded ahead of the one being written; default 1, at most 8. */
  readonly prefetch?: number;
  /** Keep the spool files (for debugging); default false. */
  readonly keepSpool?: boolean;
}

const FORMAT: Record<string, DataFormat> = { CSV: 'csv', XML: 'xml', JSON: 'json' };

interface Prepared {
  readonly batch: FinishedBatch;
  readonly payload: Payload;
  readonly rowNumbers: readonly number[];
  /** Undefined for a batch that did not complete. */
  readonly results: readonly DmlResult[] | undefined;
}

export class ResultJoiner extends Transform {
  readonly #client: BulkClient;
  readonly #prefetch: number;
  readonly #keepSpool: boolean;
  readonly #abort = new AbortController();
  /** The chain of batches being written, in arrival order. */
  #chain: Promise<void> = Promise.resolve();
  #pending = 0;
  #gate: TransformCallback | undefined;
  readonly #reader = new ReadWaiter();

  constructor(options: ResultJoinerOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, writableHighWaterMark: 1 });
    this.#client = options.client;
    this.#prefetch = nonNegativeInteger('prefetch', options.prefetch ?? 1, 8);
    this.#keepSpool = options.keepSpool ?? false;
  }

  override _transform(item: FinishedBatch | RejectedRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (item.kind === 'rejected') {
      this.#chain = this.#chain.then(() => this.#emit({ row: item.row, fields: item.fields, columns: item.columns, success: false, id: null, created: false, error: item.error, batchId: null }));
      this.#chain.catch(() => undefined);
      return callback();
    }
    const prepared = this.#prepare(item);
    prepared.catch(() => undefined); // reported through the chain, in order
    this.#pending++;
    this.#chain = this.#chain
      .then(async () => this.#write(await prepared))
      .finally(() => {
        this.#pending--;
        const gate = this.#gate;
        this.#gate = undefined;
        gate?.();
      });
    this.#chain.catch((err: unknown) => this.destroy(err as Error));
    if (this.#pending <= this.#prefetch) callback();
    else this.#gate = callback;
  }

  override _flush(callback: TransformCallback): void {
    this.#chain.then(() => callback(), callback);
  }

  override _read(size: number): void {
    this.#reader.release();
    super._read(size);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#abort.abort(err ?? new Error('destroyed'));
    this.#gate = undefined;
    callback(err);
  }

  /** Pushes a row; returns a promise only when the reader is full and must be waited for. */
  #emit(row: JoinedRow): Promise<void> | undefined {
    if (this.destroyed) return undefined;
    return this.push(row) ? undefined : this.#reader.wait();
  }

  async #prepare(batch: FinishedBatch): Promise<Prepared> {
    const payload = readBatchPayload(await readFile(batch.path, 'utf8'), FORMAT[batch.contentType] ?? 'csv');
    const rowNumbers: number[] = [];
    for (const [first, count] of batch.rows) for (let i = 0; i < count; i++) rowNumbers.push(first + i);
    if (rowNumbers.length !== payload.rows.length) throw new JoinMismatchError(batch.jobId, batch.batchId, rowNumbers.length, payload.rows.length);
    let results: DmlResult[] | undefined;
    if (batch.state === 'Completed') {
      results = [];
      for await (const result of this.#client.batchResults(batch.jobId, batch.batchId, { signal: this.#abort.signal })) {
        // Read one past the end at most: enough to tell a mismatch without reading a runaway body.
        if (results.length > rowNumbers.length) break;
        results.push(result);
      }
      if (results.length !== rowNumbers.length) throw new JoinMismatchError(batch.jobId, batch.batchId, rowNumbers.length, results.length);
    }
    return { batch, payload, rowNumbers, results };
  }

  async #write({ batch, payload, rowNumbers, results }: Prepared): Promise<void> {
    const { columns, rows } = payload;
    const fieldsOf = (index: number): Record<string, InputValue> => {
      const values = rows[index] ?? [];
      const fields: Record<string, InputValue> = {};
      for (let i = 0; i < columns.length; i++) {
        const v = values[i];
        if (v !== undefined) fields[columns[i] as string] = v;
      }
      return fields;
    };
    const base = { columns: batch.columns, batchId: batch.batchId };
    const failure = batch.stateMessage ?? `batch ${batch.state}`;
    for (let i = 0; i < rowNumbers.length; i++) {
      const result = results?.[i];
      const row: JoinedRow = result
        ? { ...base, row: rowNumbers[i] as number, fields: fieldsOf(i), success: result.success, id: result.id, created: result.created, error: formatResultErrors(result.errors) }
        : { ...base, row: rowNumbers[i] as number, fields: fieldsOf(i), success: false, id: null, created: false, error: failure };
      const full = this.#emit(row);
      if (full) await full;
    }
    if (!this.#keepSpool) await rm(batch.path, { force: true });
    this.emit('batchJoined', batch);
  }
}

/** A ResultJoiner; e.g. `resultJoiner({ client })`. */
export const resultJoiner = (options: ResultJoinerOptions) => new ResultJoiner(options);

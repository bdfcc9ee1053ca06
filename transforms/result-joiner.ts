/**
 * ResultJoiner: FinishedBatch -> JoinedRow (a rejected record becomes a failed row). Streams each
 * finished batch's results and zips them, row by row, with that batch's input rows read back from
 * its spool file, which it then deletes. A result count that does not match the batch's row count
 * is a JoinMismatchError, never a shifted join. A Failed or NotProcessed batch sends each of its
 * rows to the error output with the batch's state message.
 * Buffers: one batch's input rows (at most one batch payload) while it is joined.
 */
import { readFile, rm } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { JoinMismatchError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { FinishedBatch, InputValue, JoinedRow, RejectedRecord } from '../lib/load-types.js';
import { readBatchPayload } from '../lib/wire/batch-payload.js';
import { formatResultErrors } from '../lib/wire/dml-results.js';
import type { DataFormat } from '../lib/wire/content-types.js';

export interface ResultJoinerOptions {
  readonly client: BulkClient;
  /** Keep the spool files (for debugging); default false. */
  readonly keepSpool?: boolean;
}

const FORMAT: Record<string, DataFormat> = { CSV: 'csv', XML: 'xml', JSON: 'json' };

export class ResultJoiner extends Transform {
  readonly #client: BulkClient;
  readonly #keepSpool: boolean;
  readonly #abort = new AbortController();
  #readable: (() => void) | undefined;

  constructor(options: ResultJoinerOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, writableHighWaterMark: 1 });
    this.#client = options.client;
    this.#keepSpool = options.keepSpool ?? false;
  }

  override _transform(item: FinishedBatch | RejectedRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (item.kind === 'rejected') {
      this.push({ row: item.row, fields: item.fields, columns: item.columns, success: false, id: null, created: false, error: item.error, batchId: null } satisfies JoinedRow);
      return callback();
    }
    this.#join(item).then(() => callback(), callback);
  }

  override _read(size: number): void {
    const readable = this.#readable;
    this.#readable = undefined;
    readable?.();
    super._read(size);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#abort.abort(err ?? new Error('destroyed'));
    callback(err);
  }

  /** Pushes a row; returns a promise only when the reader is full and must be waited for. */
  #emit(row: JoinedRow): Promise<void> | undefined {
    return this.push(row) ? undefined : new Promise<void>((resolve) => (this.#readable = resolve));
  }

  async #join(batch: FinishedBatch): Promise<void> {
    const payload = readBatchPayload(await readFile(batch.path, 'utf8'), FORMAT[batch.contentType] ?? 'csv');
    const inputs = payload.rows;
    const rowNumbers: number[] = [];
    for (const [first, count] of batch.rows) for (let i = 0; i < count; i++) rowNumbers.push(first + i);
    if (rowNumbers.length !== inputs.length) throw new JoinMismatchError(batch.jobId, batch.batchId, rowNumbers.length, inputs.length);
    const columns = payload.columns;
    const fieldsOf = (index: number): Record<string, InputValue> => {
      const values = inputs[index] ?? [];
      const fields: Record<string, InputValue> = {};
      for (let i = 0; i < columns.length; i++) {
        const v = values[i];
        if (v !== undefined) fields[columns[i] as string] = v;
      }
      return fields;
    };
    const base = { columns: batch.columns, batchId: batch.batchId };
    if (batch.state !== 'Completed') {
      const error = batch.stateMessage ?? `batch ${batch.state}`;
      for (let i = 0; i < inputs.length; i++) {
        const full = this.#emit({ ...base, row: rowNumbers[i] as number, fields: fieldsOf(i), success: false, id: null, created: false, error });
        if (full) await full;
      }
    } else {
      let i = 0;
      for await (const result of this.#client.batchResults(batch.jobId, batch.batchId, { signal: this.#abort.signal })) {
        if (i >= inputs.length) throw new JoinMismatchError(batch.jobId, batch.batchId, inputs.length, i + 1);
        const full = this.#emit({ ...base, row: rowNumbers[i] as number, fields: fieldsOf(i), success: result.success, id: result.id, created: result.created, error: formatResultErrors(result.errors) });
        if (full) await full;
        i++;
      }
      if (i !== inputs.length) throw new JoinMismatchError(batch.jobId, batch.batchId, inputs.length, i);
    }
    if (!this.#keepSpool) await rm(batch.path, { force: true });
    this.emit('batchJoined', batch);
  }
}

/** A ResultJoiner; e.g. `resultJoiner({ client })`. */
export const resultJoiner = (options: ResultJoinerOptions) => new ResultJoiner(options);

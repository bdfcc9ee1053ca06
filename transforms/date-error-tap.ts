/**
 * DateErrorTap: JoinedBlock -> the same JoinedBlock. Passes the joiner's blocks on untouched and
 * shows their failed rows to `onRowFailed` while `watching()` holds: the load's date hints
 * (pipelines/load-date-hints.ts) wait for the first row the org refuses for a date. Once told, a
 * block costs one call.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { JoinedRows, UPLOADED } from '../lib/join/joined-rows.js';
import type { JoinedBlock } from '../lib/load-types.js';

export class DateErrorTap extends Transform {
  readonly #watching: () => boolean;
  readonly #onRowFailed: (row: number, error: string) => void;

  constructor(watching: () => boolean, onRowFailed: (row: number, error: string) => void) {
    super({ objectMode: true, highWaterMark: 1 });
    this.#watching = watching;
    this.#onRowFailed = onRowFailed;
  }

  override _transform(block: JoinedBlock, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#watching()) {
      const rows = JoinedRows.of(block);
      for (let i = 0; i < rows.count && this.#watching(); i++) {
        const error = rows.errors[i];
        // Only the org's errors: a record rejected before upload has bulkpipe's.
        if (error && ((rows.flags[i] as number) & UPLOADED) !== 0) this.#onRowFailed(rows.rowNumbers[i] as number, error);
      }
    }
    callback(null, block);
  }
}

/**
 * SegmentRows: JoinedBlock -> JoinedBlock, passed on as they come, and each segment's rows handed to
 * `onRows` once the segment is whole (its last block), in input order. Rows of a segment joined again
 * (`restart`) replace the ones held before, so code sees each row once, with its final outcome.
 * `onRows` is awaited before the segment's last block goes on: a slow consumer holds the load back.
 * Memory: one segment's rows (a batch, at most 10,000).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { JoinedBlock, JoinedRow } from '../lib/load-types.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';

export class SegmentRows extends Transform {
  readonly #onRows: (rows: readonly JoinedRow[]) => void | Promise<void>;
  #held: JoinedRow[] = [];

  constructor(onRows: (rows: readonly JoinedRow[]) => void | Promise<void>) {
    super({ objectMode: true, highWaterMark: 4 });
    this.#onRows = onRows;
  }

  override _transform(block: JoinedBlock, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('SegmentRows', ['joined'], block);
    if (wrong) return callback(wrong);
    if (block.restart) this.#held = [];
    for (const row of block.rows) this.#held.push(row);
    if (!block.last) return callback(null, block);
    const rows = this.#held;
    this.#held = [];
    Promise.resolve()
      .then(() => this.#onRows(rows))
      .then(() => callback(null, block), callback);
  }
}

/**
 * BatchChunker: InputRecord -> SpooledBatch. Serializes records for the job's content type and cuts
 * a batch at whichever limit comes first: records, bytes, characters. Each batch is written to the
 * load's spool (its replayable upload body, read back by the joiner) before it is pushed.
 * Records over the field or record limits, or with a field outside the columns, are rejected before
 * anything is uploaded: they go to the spool's reject file of the segment they fall in, so that they
 * reach the error output in input order. bulkpipe's result columns (`sf__*`) are not uploaded.
 * A binary-attachment load (`attachments`): each batch is also a zip, of its payload as the manifest
 * and the files its records attach (InputRecord.attachments); a batch is also cut before its zip
 * could hold more than 1,000 files or 10 MB (lib/attachments/zip-budget.ts), and the zip is what
 * is uploaded (SpooledBatch.upload).
 * Without declared `columns`, the columns are the union of the fields of the first 1,000 records
 * (`lookaheadRecords`), held back until then (issue 27): a field the first record leaves out is a
 * column all the same.
 * A thin stream around lib/cut/record-cutter.ts, which holds the logic and the buffers: the
 * columns' look-ahead (at the start only: at most `lookaheadRecords` records and about 4 MB), the open
 * batch's encoded payload (one buffer of maxBytes, reused, and a second one while the last batch is
 * written), up to 64 KiB of rejected records, and the open zip's file list.
 */
import type { TransformCallback } from 'node:stream';
import { RecordCutter, type RecordCutterOptions } from '../lib/cut/record-cutter.js';
import type { ColumnPlan } from '../lib/load/column-plan.js';
import type { InputRecord } from '../lib/load-types.js';
import { callBackAfter } from '../lib/streams/call-back-after.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';
import { ChunkingStage } from './chunking-stage.js';

export type BatchChunkerOptions = RecordCutterOptions;

export class BatchChunker extends ChunkingStage {
  readonly #cutter: RecordCutter;

  constructor(options: BatchChunkerOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, readableHighWaterMark: 1 }); // one waiting batch is plenty
    // A batch written after the stream was destroyed is not pushed: an aborted run emits nothing more.
    this.#cutter = new RecordCutter(options, this.cutEvents(true));
  }

  override _transform(record: InputRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('BatchChunker', ['record'], record);
    if (wrong) return callback(wrong);
    // Most records only join the open batch; a cut (a file write) is the one thing to wait for.
    callBackAfter(() => this.#cutter.add(record), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#cutter.end().then(() => callback(), callback);
  }

  /** The column plan, once the columns are known (the 'columns' event carries it too). */
  get plan(): ColumnPlan | undefined {
    return this.#cutter.plan;
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#cutter.drop(); // an aborted run must not emit its partial batch
    callback(err);
  }
}

/** A BatchChunker; e.g. `batchChunker({ contentType: 'CSV', spool: new LoadSpool() })`. */
export const batchChunker = (options: BatchChunkerOptions) => new BatchChunker(options);

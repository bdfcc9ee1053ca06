/**
 * RecordGrouper: InputRecord -> InputRecord, ordered by a field's value within bounded windows of the
 * input and renumbered in the grouped order (lib/cut/group-window.ts holds the logic and the window).
 * It goes right before the BatchChunker, so that a parent's children are cut into the same batches.
 * A stop (`endAtWindow`) ends the load at the last whole window: the open one is dropped, its rows
 * left unread, so that a resume (which reads the input again from its start) forms the same windows.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { GroupWindow, type GroupWindowOptions } from '../lib/cut/group-window.js';
import type { InputRecord } from '../lib/load-types.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';

export type RecordGrouperOptions = GroupWindowOptions;

export class RecordGrouper extends Transform {
  readonly #window: GroupWindow;
  /** Set by a stop: whether the open window is dropped at the end (asked then, as the run knows it). */
  #dropsOpenWindow: (() => boolean) | undefined;

  constructor(options: RecordGrouperOptions) {
    super({ objectMode: true, readableHighWaterMark: 16 });
    this.#window = new GroupWindow(options);
  }

  /** The input's first record not rejected, once seen: the chunker takes the columns from it (RecordCutterOptions.firstRecord). */
  get firstRecord(): InputRecord | undefined {
    return this.#window.first;
  }

  /** A stop of the reading: the input's end then ends the load at the last whole window, when `drops()` says so as the input ends. */
  endAtWindow(drops: () => boolean): void {
    this.#dropsOpenWindow = drops;
  }

  override _transform(record: InputRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('RecordGrouper', ['record'], record);
    if (wrong) return callback(wrong);
    let full: InputRecord[] | undefined;
    try {
      full = this.#window.add(record);
    } catch (err) {
      return callback(err as Error);
    }
    if (full) for (const r of full) this.push(r);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.#dropsOpenWindow?.()) this.#window.drop();
    else for (const r of this.#window.end()) this.push(r);
    callback();
  }
}

/** A RecordGrouper; e.g. `recordGrouper({ field: 'AccountId' })`. */
export const recordGrouper = (options: RecordGrouperOptions) => new RecordGrouper(options);

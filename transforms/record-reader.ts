/**
 * RecordReader: plain objects (records from code) -> InputRecord, numbered from 1 in the order they
 * come. Values become input fields as plainRecordFields says; a record that cannot be sent (not an
 * object, an array value, NaN...) is passed on rejected, with its record number and field, and costs
 * itself only. Object mode on both sides; for `bulkLoad({ records })` or a pipeline of one's own:
 * `pipeline(Readable.from(rows), recordReader(), batchChunker({ ... }), ...)`.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { InputRecord } from '../lib/load-types.js';
import { inputFault } from '../lib/load/input-fault.js';
import { nonEmptyString } from '../lib/options.js';
import { plainRecordFields } from '../lib/records/plain-record.js';
import { InputStop } from '../lib/streams/input-stop.js';

export interface RecordReaderOptions {
  /** Named in errors; default `records`. */
  readonly source?: string;
}

export class RecordReader extends Transform {
  readonly #source: string;
  readonly #stop = new InputStop(undefined);
  #row = 0;

  constructor(options: RecordReaderOptions = {}) {
    super({ objectMode: true });
    this.#source = nonEmptyString('source', options.source ?? 'records');
  }

  override _transform(value: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#stop.stopped) return callback();
    const row = ++this.#row;
    const read = plainRecordFields(value);
    if ('fields' in read) return callback(null, { row, fields: read.fields } satisfies InputRecord);
    const error = inputFault('BULKPIPE_MALFORMED_RECORD', read.reason, { source: this.#source, row, field: read.field });
    callback(null, { row, fields: {}, error } satisfies InputRecord);
  }

  override _flush(callback: TransformCallback): void {
    this.#stop.inputEnded();
    callback();
  }

  /** Stops taking records: nothing more is passed on, and the stream ends once its input ends. False when every record was taken already. */
  stop(): boolean {
    return this.#stop.stop();
  }
}

/** A RecordReader; e.g. `pipeline(Readable.from(rows), recordReader(), batchChunker({ contentType: 'CSV', spool }), ...)`. */
export const recordReader = (options?: RecordReaderOptions) => new RecordReader(options);

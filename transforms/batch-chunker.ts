/**
 * BatchChunker: InputRecord -> SpooledBatch | RejectedRecord. Serializes records for the job's
 * content type and cuts a batch at whichever limit comes first: records, bytes, characters. Each
 * batch is written to a spool file (its replayable upload body, read back by the joiner) before it
 * is pushed. Buffers: the open batch's encoded payload (one buffer of maxBytes, reused).
 * Records over the field or record limits, or with a field outside the columns, are rejected with a
 * clear message before anything is uploaded; the rest go on.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { ChunkedItem, InputRecord, RejectedRecord, SpooledBatch } from '../lib/load-types.js';
import { MAX_BATCH_BYTES, MAX_BATCH_CHARACTERS, MAX_BATCH_RECORDS, MAX_FIELD_CHARACTERS, MAX_RECORD_CHARACTERS, MAX_RECORD_FIELDS } from '../lib/limits.js';
import { InvalidOptionError } from '../lib/errors.js';
import { nonEmptyString, oneOf, positiveInteger } from '../lib/options.js';
import { callBackAfter } from '../lib/streams/call-back-after.js';
import { recordSerializer, type PayloadType, type RecordSerializer } from '../lib/records/serialize-record.js';

export interface BatchChunkerOptions {
  /** The job's content type. */
  readonly contentType: PayloadType;
  /** Folder for the spool files (one per batch, deleted by the joiner). */
  readonly spoolDir: string;
  /** Declared columns; default: the first record's fields, in order (a CSV header). */
  readonly columns?: readonly string[];
  /** Most records per batch; default and maximum 10,000. */
  readonly maxRecords?: number;
  /** Most payload bytes per batch; default and maximum 10,000,000. */
  readonly maxBytes?: number;
  /** Most payload characters per batch; default and maximum 10,000,000. */
  readonly maxCharacters?: number;
}

export class BatchChunker extends Transform {
  readonly #type: PayloadType;
  readonly #dir: string;
  readonly #serializer: RecordSerializer;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #maxChars: number;
  #columns: readonly string[] | undefined;
  #columnSet: ReadonlySet<string> | undefined;
  #head = '';
  #tail = '';
  /** The open batch's payload, encoded as records come: exact byte counts without a second pass. */
  #body: Buffer | undefined;
  #used = 0;
  /** Records not yet encoded into #body: encoded 64 KiB at a time, not one short write per record. */
  #pending = '';
  /**
   * The last cut batch's file write, then its push. The next batch fills the other buffer meanwhile
   * (two buffers at most), so that parsing does not wait on the disk.
   */
  #writing: Promise<void> | undefined;
  #spare: Buffer | undefined;
  #count = 0;
  #chars = 0;
  #runs: Array<[number, number]> = [];
  #seq = 0;

  constructor(options: BatchChunkerOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, readableHighWaterMark: 1 }); // one waiting batch is plenty
    this.#type = oneOf('contentType', options.contentType, ['CSV', 'XML', 'JSON'] as const);
    this.#dir = nonEmptyString('spoolDir', options.spoolDir);
    this.#serializer = recordSerializer(this.#type);
    this.#maxRecords = positiveInteger('maxRecords', options.maxRecords ?? MAX_BATCH_RECORDS, MAX_BATCH_RECORDS);
    this.#maxBytes = positiveInteger('maxBytes', options.maxBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
    this.#maxChars = positiveInteger('maxCharacters', options.maxCharacters ?? MAX_BATCH_CHARACTERS, MAX_BATCH_CHARACTERS);
    if (options.columns !== undefined) this.#setColumns(options.columns);
  }

  override _transform(record: InputRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    // Most records only join the open batch; a cut (a file write) is the one thing to wait for.
    callBackAfter(() => this.#add(record), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#cut()
      .then(() => this.#writing)
      .then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#count = 0; // an aborted run must not emit its partial batch
    this.#body = undefined;
    this.#spare = undefined;
    this.#pending = '';
    callback(err);
  }

  #setColumns(columns: readonly string[]): void {
    if (columns.length === 0 || columns.length > MAX_RECORD_FIELDS || new Set(columns).size !== columns.length || columns.some((c) => typeof c !== 'string' || c === '')) {
      throw new InvalidOptionError('columns', `1 to ${MAX_RECORD_FIELDS} distinct, non-empty names`, columns);
    }
    this.#columns = columns;
    this.#columnSet = new Set(columns);
    this.#head = this.#serializer.head(columns);
    this.#tail = this.#serializer.tail();
  }

  /** Adds a record; returns a promise only when a batch had to be written first. */
  #add(record: InputRecord): Promise<void> | undefined {
    if (!this.#columns) this.#setColumns(Object.keys(record.fields));
    const columns = this.#columns as readonly string[];
    const problem = this.#check(record);
    if (problem) return this.#reject({ kind: 'rejected', row: record.row, fields: record.fields, columns, error: problem });
    const text = this.#serializer.record(columns, record.fields, this.#count === 0);
    const limit = this.#limitAlone(text);
    if (limit) {
      return this.#reject({ kind: 'rejected', row: record.row, fields: record.fields, columns, error: `BULKPIPE_RECORD_TOO_LARGE:the record alone is larger than a batch may be (${limit}):--` });
    }
    if (this.#count > 0 && !this.#fits(text)) {
      return this.#cut().then(() => this.#append(record, this.#serializer.record(columns, record.fields, true)));
    }
    return this.#append(record, text);
  }

  /** The limit a record breaks even in a batch of its own, if any. */
  #limitAlone(text: string): string | undefined {
    const overhead = this.#head.length + this.#tail.length; // both ASCII: chars = bytes
    if (text.length + overhead > this.#maxChars) return `${this.#maxChars} characters`;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count the bytes only when that bound is too loose.
    if (text.length * 3 + overhead > this.#maxBytes && Buffer.byteLength(text) + overhead > this.#maxBytes) return `${this.#maxBytes} bytes`;
    return undefined;
  }

  /** Whether a record fits into the open batch, with room left for the tail. */
  #fits(text: string): boolean {
    if (this.#chars + text.length + this.#tail.length > this.#maxChars) return false;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: encode and count exactly only near the limit.
    if ((this.#pending.length + text.length) * 3 <= this.#maxBytes - this.#tail.length - this.#used) return true;
    this.#encodePending();
    const room = this.#maxBytes - this.#tail.length - this.#used;
    return text.length * 3 <= room || Buffer.byteLength(text) <= room;
  }

  #encodePending(): void {
    if (this.#pending === '') return;
    this.#used += (this.#body as Buffer).write(this.#pending, this.#used);
    this.#pending = '';
  }

  #append(record: InputRecord, text: string): Promise<void> | undefined {
    this.#body ??= Buffer.allocUnsafe(this.#maxBytes);
    if (this.#count === 0) {
      this.#used = this.#body.write(this.#head, 0);
      this.#chars = this.#head.length;
    }
    this.#pending += text;
    if (this.#pending.length >= 65_536) this.#encodePending();
    this.#chars += text.length;
    this.#count++;
    const last = this.#runs[this.#runs.length - 1];
    if (last && last[0] + last[1] === record.row) last[1]++;
    else this.#runs.push([record.row, 1]);
    return this.#count >= this.#maxRecords ? this.#cut() : undefined;
  }

  #reject(rejected: RejectedRecord): undefined {
    this.emit('rejected', rejected);
    this.push(rejected);
    return undefined;
  }

  /** Why a record cannot go into any batch, in the CSV result error form; undefined when it can. */
  #check(record: InputRecord): string | undefined {
    let total = 0;
    let i = 0;
    const fields = record.fields;
    const columns = this.#columns as readonly string[];
    for (const name in fields) {
      const value = fields[name];
      // Records mostly carry the columns in order, as the very same strings: identity is enough then.
      if (name !== columns[i++] && !this.#columnSet?.has(name)) return `BULKPIPE_UNKNOWN_FIELD:the field ${name} is not one of the columns (${(this.#columns ?? []).join(', ')}):${name} --`;
      const length = value?.length ?? 0;
      if (length > MAX_FIELD_CHARACTERS) return `STRING_TOO_LONG:${name}: ${length} characters, more than the Bulk API's ${MAX_FIELD_CHARACTERS} per field:${name} --`;
      total += length;
    }
    if (total > MAX_RECORD_CHARACTERS) return `BULKPIPE_RECORD_TOO_LARGE:${total} characters, more than the Bulk API's ${MAX_RECORD_CHARACTERS} per record:--`;
    return undefined;
  }

  async #cut(): Promise<void> {
    const body = this.#body;
    if (this.#count === 0 || !this.#columns || !body) return;
    this.#encodePending();
    const seq = this.#seq++;
    const path = join(this.#dir, `batch-${String(seq).padStart(6, '0')}.${this.#type.toLowerCase()}`);
    const bytes = this.#used + body.write(this.#tail, this.#used);
    const batch: SpooledBatch = { kind: 'batch', seq, path, contentType: this.#type, records: this.#count, bytes, rows: this.#runs, columns: this.#columns };
    this.#count = 0;
    this.#runs = [];
    // One write in flight at most, and batches pushed in order: wait for the previous one first.
    await this.#writing;
    this.#body = this.#spare;
    this.#spare = undefined;
    const writing = writeFile(path, body.subarray(0, bytes)).then(() => {
      this.#spare = body; // reused for the batch after next
      if (this.destroyed) return;
      this.emit('batch', batch);
      this.push(batch);
    });
    writing.catch(() => undefined); // handled where it is awaited: at the next cut, or at the end
    this.#writing = writing;
  }
}

/** A BatchChunker; e.g. `batchChunker({ contentType: 'CSV', spoolDir })`. */
export const batchChunker = (options: BatchChunkerOptions) => new BatchChunker(options);

export type { ChunkedItem };

/**
 * RecordReader: plain objects (records from code) -> InputRecord, numbered from 1 in the order they
 * come. Values become input fields as lib/records/field-value.ts says, the one conversion of every
 * path that takes records from code; with `describe`, a Date for a date field is its day. A record
 * that cannot be sent (not an object, an array value, NaN...) is passed on rejected, with its record
 * number and field, and costs itself only. Object mode on both sides; for `bulkLoad({ records })` or a
 * pipeline of one's own: `pipeline(Readable.from(rows), recordReader({ describe }), batchChunker({ ... }), ...)`.
 * Holds nothing but the date fields' types.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { InputRecord } from '../lib/load-types.js';
import { inputFault } from '../lib/load/input-fault.js';
import { InvalidOptionError } from '../lib/errors.js';
import { nonEmptyString } from '../lib/options.js';
import type { DateFieldType } from '../lib/records/field-value.js';
import { plainRecordFields } from '../lib/records/plain-record.js';
import { InputStop } from '../lib/streams/input-stop.js';
import type { SObjectDescribe } from '../lib/wire/describe.js';

export interface RecordReaderOptions {
  /** Named in errors; default `records`. */
  readonly source?: string;
  /**
   * The object's describe (e.g. `() => client.describe('Contact')`), asked once, at the first record:
   * a Date for a date field is then its day, as the field takes it (a Date at midnight UTC, or at local
   * midnight); for a date-time field, and without a describe, a Date is ISO 8601 in UTC. A relationship
   * key set to null (`Account: null`, a lookup a query left empty) is then left out.
   */
  readonly describe?: () => Promise<SObjectDescribe>;
}

export class RecordReader extends Transform {
  readonly #source: string;
  readonly #stop = new InputStop(undefined);
  readonly #describe: RecordReaderOptions['describe'];
  /** The date and date-time fields by lower-case name, once the describe answered (empty without one). */
  #dateTypes: ReadonlyMap<string, DateFieldType> | undefined;
  readonly #dateType = (field: string) => this.#dateTypes?.get(field.toLowerCase());
  /** The relationship names that are no field's name, lower-case (a null parent reference is left out); empty without a describe. */
  #relationships: ReadonlySet<string> = new Set();
  readonly #isRelationship = (key: string) => this.#relationships.has(key.toLowerCase());
  #row = 0;

  constructor(options: RecordReaderOptions = {}) {
    super({ objectMode: true });
    this.#source = nonEmptyString('source', options.source ?? 'records');
    if (options.describe !== undefined && typeof options.describe !== 'function')
      throw new InvalidOptionError('describe', "a function that gives the object's describe", options.describe);
    this.#describe = options.describe;
    if (!this.#describe) this.#dateTypes = new Map();
  }

  override _transform(value: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#stop.stopped) return callback();
    if (this.#dateTypes) return callback(null, this.#read(value));
    (this.#describe as () => Promise<SObjectDescribe>)()
      .then((described) => {
        const fields = new Set(described.fields.map((f) => f.name.toLowerCase()));
        // A describe given by hand may leave relationshipName out: such a field names no relationship.
        this.#relationships = new Set(
          described.fields.flatMap((f) => (typeof f.relationshipName === 'string' ? [f.relationshipName.toLowerCase()] : [])).filter((r) => !fields.has(r)),
        );
        this.#dateTypes = new Map(described.fields.filter((f) => f.type === 'date' || f.type === 'datetime').map((f) => [f.name.toLowerCase(), f.type as DateFieldType]));
        return this.#read(value);
      })
      .then((record) => callback(null, record), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#stop.inputEnded();
    callback();
  }

  /** Stops taking records: nothing more is passed on, and the stream ends once its input ends. False when every record was taken already. */
  stop(): boolean {
    return this.#stop.stop();
  }

  #read(value: unknown): InputRecord {
    const row = ++this.#row;
    const read = plainRecordFields(value, this.#dateType, this.#isRelationship);
    if ('fields' in read) return read.unset ? { row, fields: read.fields, unset: read.unset } : { row, fields: read.fields };
    const error = inputFault('BULKPIPE_MALFORMED_RECORD', read.reason, { source: this.#source, row, field: read.field });
    return { row, fields: {}, error };
  }
}

/** A RecordReader; e.g. `pipeline(Readable.from(rows), recordReader({ describe: () => client.describe('Contact') }), batchChunker({ contentType: 'CSV', spool }), ...)`. */
export const recordReader = (options?: RecordReaderOptions) => new RecordReader(options);

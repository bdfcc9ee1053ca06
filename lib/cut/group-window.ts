/**
 * GroupWindow: the record path's grouping by a field (`groupBy`), free of streams (RecordGrouper wraps
 * it). Records are held in a window of consecutive input records, at most `maxRecords` of them and
 * about `maxBytes` (an estimate of what they hold in memory); a full window is given out sorted by the
 * field's value, stably (equal values keep their input order), so that a parent's children fill the
 * same batches and batches in flight rarely need the same parent locked (Salesforce's guideline
 * against `UNABLE_TO_LOCK_ROW`). Records rejected for their input come first in their window, in
 * input order; a record without the field sorts with the empty value.
 * Each record given out is renumbered: its `row` is its place in the grouped stream (1, 2, 3, ...)
 * and `sourceRow` its input row. Everything after (segments, row runs, the ledger's input position, a
 * resume's `afterRow`) counts in grouped rows, which are the same for the same input and window
 * bounds: a resume that reads the input again forms the same windows and passes over the same
 * records. Windows are consecutive stretches of the input, so the records given out are always the
 * input's first rows: a window left open by a stop (`drop`) leaves the input's rows after them unread.
 * Buffers: the open window (at most `maxRecords` records, about `maxBytes`).
 */
import { ColumnCheckError } from '../errors.js';
import { suggest } from '../load/column-check.js';
import type { InputRecord } from '../load-types.js';
import { nonEmptyString, positiveInteger } from '../options.js';

export const DEFAULT_GROUP_WINDOW_RECORDS = 100_000;
/** A window's records are held in memory: a bound on what `groupWindow` may ask. */
export const MAX_GROUP_WINDOW_RECORDS = 10_000_000;
/** Fixed, not an option: part of how a grouped load's windows form, which a resume must repeat (a stored ledger's windows assume it). */
const DEFAULT_GROUP_WINDOW_BYTES = 64 * 1024 * 1024;
/** What a record costs besides its strings: the object, its fields object, their slots (V8, roughly). */
const RECORD_OVERHEAD = 96;
const FIELD_OVERHEAD = 16;

export interface GroupWindowOptions {
  /** The field whose value groups the records: an input column (after the column map). */
  readonly field: string;
  /** Most records in a window; default 100,000. */
  readonly maxRecords?: number;
  /** Most bytes (estimated: two per character, and the objects' overhead) in a window; default 64 MiB. */
  readonly maxBytes?: number;
  /** The declared columns (`columns`), when the first record's fields are not the columns. */
  readonly columns?: readonly string[];
  /** Named in the error of a field that is not a column. */
  readonly object?: string;
}

export class GroupWindow {
  readonly #field: string;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #object: string;
  #columns: readonly string[] | undefined;
  #records: InputRecord[] = [];
  #bytes = 0;
  /** Records given out so far: the last grouped row. */
  #given = 0;
  #first: InputRecord | undefined;

  constructor(options: GroupWindowOptions) {
    this.#field = nonEmptyString('groupBy', options.field);
    this.#maxRecords = positiveInteger('groupWindow', options.maxRecords ?? DEFAULT_GROUP_WINDOW_RECORDS);
    this.#maxBytes = positiveInteger('groupWindowBytes', options.maxBytes ?? DEFAULT_GROUP_WINDOW_BYTES);
    this.#object = options.object ?? 'the object';
    if (options.columns !== undefined) this.#checkField(options.columns);
  }

  /** The input's first record not rejected (whose fields are the columns without grouping), once seen. */
  get first(): InputRecord | undefined {
    return this.#first;
  }

  /** Records in the open window. */
  get size(): number {
    return this.#records.length;
  }

  /** Adds a record; returns the window's records, grouped and renumbered, when it is full. Throws ColumnCheckError when the first record's columns lack the field. */
  add(record: InputRecord): InputRecord[] | undefined {
    if (this.#first === undefined && record.error === undefined) {
      this.#first = record;
      if (this.#columns === undefined) this.#checkField(Object.keys(record.fields));
    }
    this.#records.push(record);
    this.#bytes += sizeOf(record);
    return this.#records.length >= this.#maxRecords || this.#bytes >= this.#maxBytes ? this.#take() : undefined;
  }

  /** The input ended: the open window's records, grouped and renumbered. */
  end(): InputRecord[] {
    return this.#take();
  }

  /** A stop: the open window's records are never given out (the input's rows from the first of them on stay unread); returns how many. */
  drop(): number {
    const dropped = this.#records.length;
    this.#records = [];
    this.#bytes = 0;
    return dropped;
  }

  #checkField(columns: readonly string[]): void {
    this.#columns = columns;
    if (columns.includes(this.#field)) return;
    throw new ColumnCheckError(this.#object, [`the group-by field ${this.#field} is not an input column (${columns.join(', ')})${suggest(this.#field, columns)}`]);
  }

  #take(): InputRecord[] {
    const window = this.#records;
    this.#records = [];
    this.#bytes = 0;
    const field = this.#field;
    const keyed = window.map((record) => ({ record, rejected: record.error !== undefined, key: record.fields[field] ?? '' }));
    // Array.prototype.sort is stable: equal keys keep their input order.
    keyed.sort((a, b) => (a.rejected !== b.rejected ? (a.rejected ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return keyed.map(({ record }) => ({ ...record, row: ++this.#given, sourceRow: record.sourceRow ?? record.row }));
  }
}

/** A record's estimated size in memory. */
function sizeOf(record: InputRecord): number {
  let bytes = RECORD_OVERHEAD;
  const fields = record.fields;
  for (const name in fields) bytes += FIELD_OVERHEAD + 2 * (name.length + (fields[name]?.length ?? 0));
  return bytes;
}

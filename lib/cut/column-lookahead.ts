/**
 * The columns of records whose keys vary (records from code, NDJSON, XML): the union of the fields of
 * the first records, held back until the look-ahead is full, so that a field the first record leaves
 * out (an optional field) is a column all the same (issue 27). The first good record's fields come
 * first, in its order (a CSV header's, a record's own); the others follow as they are first seen. A
 * later spelling of a column in another case (`PHONE` after `Phone`) is not another column: two such
 * columns would fail every batch in the org. A key given with no value (undefined) is a column too. A
 * record that sets no key opens nothing. At most MAX_RECORD_FIELDS columns are taken: a record with a
 * key past them is rejected by the cutter, not the load. Free of streams: the record cutter holds one.
 * Buffers: at most `maxRecords` records, and of them (rejected ones too) at most `maxCharacters`
 * characters of keys and values (one record more when a single record is larger).
 */
import type { InputRecord } from '../load-types.js';
import { MAX_RECORD_FIELDS } from '../limits.js';
import { positiveInteger } from '../options.js';

/** Records looked at before the columns are set, by default. */
export const DEFAULT_LOOKAHEAD_RECORDS = 1_000;
/** Characters (keys and values) held before the columns are set, by default: about 8 MB of strings (2 bytes a character). */
const DEFAULT_LOOKAHEAD_CHARACTERS = 4_000_000;

export interface ColumnLookaheadOptions {
  /** Most records held; default 1,000. */
  readonly maxRecords?: number;
  /** Most characters of keys and values held; default 4,000,000. */
  readonly maxCharacters?: number;
}

export class ColumnLookahead {
  readonly #maxRecords: number;
  readonly #maxCharacters: number;
  #records: InputRecord[] = [];
  #characters = 0;
  /** The first good record: its fields open the columns. */
  #first: InputRecord | undefined;
  readonly #columns: string[] = [];
  /** The columns by lower-case name. */
  readonly #names = new Set<string>();
  /** A key was left out as the columns were full (MAX_RECORD_FIELDS). */
  #full = false;

  constructor(options: ColumnLookaheadOptions = {}) {
    this.#maxRecords = positiveInteger('lookaheadRecords', options.maxRecords ?? DEFAULT_LOOKAHEAD_RECORDS);
    this.#maxCharacters = positiveInteger('lookaheadCharacters', options.maxCharacters ?? DEFAULT_LOOKAHEAD_CHARACTERS);
  }

  /** Records held. */
  get held(): number {
    return this.#records.length;
  }

  /** The first good record held, whose fields open the columns. */
  get first(): InputRecord | undefined {
    return this.#first;
  }

  /** Keys were left out of the columns as they were full (MAX_RECORD_FIELDS): the records that carry them are rejected. */
  get overflowed(): boolean {
    return this.#full;
  }

  /**
   * Holds a record (one rejected for its input too: it keeps its place and counts toward the
   * characters, but sets no column). Returns true once the look-ahead is full: then take the columns
   * and the records.
   */
  add(record: InputRecord): boolean {
    this.#records.push(record);
    const good = record.error === undefined;
    if (good && this.#first === undefined && (hasKey(record.fields) || (record.unset?.length ?? 0) > 0)) this.#first = record;
    for (const name in record.fields) {
      this.#characters += name.length + (record.fields[name]?.length ?? 0);
      if (good) this.#addColumn(name, record === this.#first);
    }
    if (good) for (const name of record.unset ?? []) this.#addColumn(name, record === this.#first);
    // Rejected records and records that set no key alone set no column: the look-ahead waits for a good one.
    return this.#first !== undefined && (this.#records.length >= this.#maxRecords || this.#characters >= this.#maxCharacters);
  }

  /**
   * The union of the fields of the good records held, `first`'s fields before them (a grouped load's
   * first input record, which may not be the first one held). Empty when no good record came.
   */
  columns(first?: InputRecord): string[] {
    if (first === undefined || first === this.#first) return [...this.#columns];
    const opening = [...Object.keys(first.fields), ...(first.unset ?? [])].slice(0, MAX_RECORD_FIELDS);
    const names = new Set(opening.map((c) => c.toLowerCase()));
    return [...opening, ...this.#columns.filter((c) => !names.has(c.toLowerCase()))].slice(0, MAX_RECORD_FIELDS);
  }

  /** The records held, in the order they came; the look-ahead is empty after. */
  take(): InputRecord[] {
    const records = this.#records;
    this.#records = [];
    this.#characters = 0;
    return records;
  }

  /**
   * The first record's fields are taken as they are (two of one name regardless of case there is the
   * caller's error to give, as for a CSV header); a later record adds only names not yet seen in any case.
   */
  #addColumn(name: string, opening: boolean): void {
    const lower = name.toLowerCase();
    if (!opening && this.#names.has(lower)) return;
    if (this.#columns.length >= MAX_RECORD_FIELDS) {
      this.#full = true;
      return;
    }
    this.#names.add(lower);
    this.#columns.push(name);
  }
}

function hasKey(fields: InputRecord['fields']): boolean {
  for (const _ in fields) return true;
  return false;
}

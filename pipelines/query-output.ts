/**
 * The typed outputs of a query, shared by the v1 and 2.0 paths: each record as itself, as an NDJSON
 * line, or as an element of one JSON array (opened by the first record, closed by `end`). Holds a
 * count, never the records.
 */
import type { QueryRecord } from './bulk-query.js';

export type TypedQueryOutput = 'records' | 'ndjson' | 'json';

export class QueryRecordOutput {
  readonly #format: TypedQueryOutput;
  /** Records written so far. */
  rows = 0;

  constructor(format: TypedQueryOutput) {
    this.#format = format;
  }

  /** What to emit for one record. */
  item(record: QueryRecord): QueryRecord | string {
    this.rows++;
    if (this.#format === 'records') return record;
    if (this.#format === 'ndjson') return `${JSON.stringify(record)}\n`;
    return `${this.rows === 1 ? '[' : ','}${JSON.stringify(record)}`;
  }

  /** What to emit after the last record: the JSON array's end (a whole empty array when there was none). */
  end(): string | undefined {
    if (this.#format !== 'json') return undefined;
    return this.rows === 0 ? '[]' : ']';
  }
}

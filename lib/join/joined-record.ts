/**
 * The JoinedRow the joiner hands out: the outcome, and the record as its CSV line's bytes (CSV
 * jobs) or as fields (XML and JSON jobs). The fields of a line are parsed only when asked for (the
 * NDJSON output, code reading rows): the CSV outputs copy the bytes.
 */
import { parseCsvText } from '../csv/parse-csv-text.js';
import type { InputValue, JoinedRow } from '../load-types.js';

/** The fields of a CSV line of `columns`: '' for an empty value, null for `#N/A`. */
export function fieldsOfCsvLine(line: Buffer, columns: readonly string[]): Record<string, InputValue> {
  let values: string[] = [];
  parseCsvText(line.toString('utf8'), (fields) => (values = fields), 'record');
  const fields: Record<string, InputValue> = {};
  for (let i = 0; i < columns.length; i++) {
    const value = values[i] ?? '';
    fields[columns[i] as string] = value === '#N/A' ? null : value;
  }
  return fields;
}

export class JoinedRecord implements JoinedRow {
  readonly row: number;
  readonly success: boolean;
  readonly id: string | null;
  readonly created: boolean;
  readonly error: string;
  readonly batchId: string | null;
  readonly columns: readonly string[];
  readonly line: Buffer | undefined;
  #fields: Readonly<Record<string, InputValue>> | undefined;

  constructor(
    row: number,
    outcome: { readonly success: boolean; readonly id: string | null; readonly created: boolean; readonly error: string },
    batchId: string | null,
    columns: readonly string[],
    record: Buffer | Readonly<Record<string, InputValue>>,
  ) {
    this.row = row;
    this.success = outcome.success;
    this.id = outcome.id;
    this.created = outcome.created;
    this.error = outcome.error;
    this.batchId = batchId;
    this.columns = columns;
    if (Buffer.isBuffer(record)) this.line = record;
    else {
      this.line = undefined;
      this.#fields = record;
    }
  }

  get fields(): Readonly<Record<string, InputValue>> {
    this.#fields ??= fieldsOfCsvLine(this.line as Buffer, this.columns);
    return this.#fields;
  }

  /** The plain form (JSON.stringify, console.log) has the fields too. */
  toJSON(): Omit<JoinedRow, 'line'> {
    return { row: this.row, success: this.success, id: this.id, created: this.created, error: this.error, batchId: this.batchId, columns: this.columns, fields: this.fields };
  }
}

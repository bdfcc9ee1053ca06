/**
 * One row of a JoinedRows block as a JoinedRow object, made only when code asks for rows. Reads the
 * block's columns; the fields of a CSV line are parsed on first use.
 */
import { parseCsvText } from '../csv/parse-csv-text.js';
import type { InputValue, JoinedRow } from '../load-types.js';
import { CREATED, SUCCESS, UPLOADED, type JoinedRows } from './joined-rows.js';

/** The fields of a CSV line of `columns`: '' for an empty value, null for `#N/A`. */
function fieldsOfCsvLine(line: Buffer, columns: readonly string[]): Record<string, InputValue> {
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
  readonly #block: JoinedRows;
  readonly #i: number;

  constructor(block: JoinedRows, index: number) {
    this.#block = block;
    this.#i = index;
  }

  get row(): number {
    return this.#block.rowNumbers[this.#i] as number;
  }

  get success(): boolean {
    return ((this.#block.flags[this.#i] as number) & SUCCESS) !== 0;
  }

  get id(): string | null {
    return this.#block.id(this.#i);
  }

  get created(): boolean {
    return ((this.#block.flags[this.#i] as number) & CREATED) !== 0;
  }

  get error(): string {
    return this.#block.errors[this.#i] ?? '';
  }

  get attempts(): number {
    return this.#block.attempts[this.#i] as number;
  }

  get batchId(): string | null {
    return ((this.#block.flags[this.#i] as number) & UPLOADED) !== 0 ? this.#block.batchId : null;
  }

  get columns(): readonly string[] {
    return this.#block.columns;
  }

  get line(): Buffer | undefined {
    return this.#block.lineChunks[this.#i]?.subarray(this.#block.lineStarts[this.#i], this.#block.lineEnds[this.#i]);
  }

  get fields(): Readonly<Record<string, InputValue>> {
    const block = this.#block;
    let fields = block.fields?.[this.#i];
    if (!fields) (block.fields ??= new Array(block.count))[this.#i] = fields = fieldsOfCsvLine(this.line as Buffer, block.columns);
    return fields;
  }

  /** The plain form (JSON.stringify, console.log). */
  toJSON(): Omit<JoinedRow, 'line'> {
    return {
      row: this.row,
      success: this.success,
      id: this.id,
      created: this.created,
      error: this.error,
      attempts: this.attempts,
      batchId: this.batchId,
      columns: this.columns,
      fields: this.fields,
    };
  }
}

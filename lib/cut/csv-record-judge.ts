/**
 * CsvRecordJudge: what is wrong with a record of the CSV fast path, still in its bytes. The hot
 * check counts its fields against the header (a loop over the bytes); only a record found suspect
 * (a field count off, a stray quote, invalid UTF-8, a NUL byte, a size that could break a limit) is
 * parsed alone by the same judge as the parser's (lib/csv/csv-record-fault.ts). Also rewrites the
 * records of a header whose columns or delimiter change.
 */
import { isUtf8 } from 'node:buffer';
import { countCsvFields, countDelimiters, withoutLineEnd } from '../csv/count-fields.js';
import { csvRecordFault, fieldsByHeader, judgeCsvRecord, type CsvRecordRejection } from '../csv/csv-record-fault.js';
import { byteLineStart, countByteLineEnds } from '../csv/line-ends.js';
import { parseCsvText } from '../csv/parse-csv-text.js';
import type { ColumnPlan } from '../load/column-plan.js';
import { inputFault } from '../load/input-fault.js';
import { unnamedFields, unnamedValueFault, valueInUnnamed } from '../load/unnamed-columns.js';
import type { InputValue } from '../load-types.js';
import { MAX_FIELD_CHARACTERS } from '../limits.js';
import { recordSerializer } from '../records/serialize-record.js';
import { firstInvalidUtf8 } from '../text/utf8-validity.js';
import { noNul } from './csv-bytes.js';

const CSV = recordSerializer('CSV');

export class CsvRecordJudge {
  readonly #source: string;
  readonly #delimiter: number;
  readonly #checkUtf8: boolean;
  readonly #maxBytes: number;
  /** The input's column names, in order. */
  columns: readonly string[] = [];

  constructor(source: string, delimiter: number, checkUtf8: boolean, maxBytes: number) {
    this.#source = source;
    this.#delimiter = delimiter;
    this.#checkUtf8 = checkUtf8;
    this.#maxBytes = maxBytes;
  }

  /**
   * The byte checks of one record (bytes[start, end), line end included; `row` its input row); a
   * suspect record is then judged on its text. Returns its rejection, or undefined when it is fine.
   */
  check(bytes: Buffer, start: number, end: number, quoted: boolean, stray: boolean, line: number, row: number, utf8Valid: boolean): CsvRecordRejection | undefined {
    if (!utf8Valid && this.#checkUtf8) {
      const bad = firstInvalidUtf8(bytes, start, end);
      if (bad >= 0) return this.invalidUtf8(bytes, start, end, bad, line, row);
    }
    const stop = withoutLineEnd(bytes, start, end);
    // A field can only be over the field limit (and the record over the record limit) in a record longer than a field may be.
    if (!stray && stop - start <= MAX_FIELD_CHARACTERS) {
      // One plain loop over the bytes of a record without quotes (most records): an indexOf call per field cost more.
      const fields = quoted ? countCsvFields(bytes, start, stop, this.#delimiter) : countDelimiters(bytes, start, stop, this.#delimiter) + 1;
      if (fields === this.columns.length) return undefined;
    }
    return judgeCsvRecord(bytes.toString('utf8', start, stop), this.columns, { source: this.#source, row, line }, this.#delimiter);
  }

  /** A record of a chunk that holds a NUL byte: judged on its text when it holds one (kept apart from `check`, which the hot loop inlines). */
  nul(bytes: Buffer, start: number, end: number, line: number, row: number): CsvRecordRejection | undefined {
    const stop = withoutLineEnd(bytes, start, end);
    if (noNul(bytes, start, stop)) return undefined;
    return judgeCsvRecord(bytes.toString('utf8', start, stop), this.columns, { source: this.#source, row, line }, this.#delimiter);
  }

  invalidUtf8(bytes: Buffer, start: number, end: number, bad: number, line: number, row: number): CsvRecordRejection {
    const from = byteLineStart(bytes, start, bad);
    const options = { delimiter: this.#delimiter, tolerant: true };
    // The field is the one the text before the bad byte ends in.
    let field = 0;
    parseCsvText(bytes.toString('utf8', start, bad), (values) => (field = values.length), this.#source, line, options);
    let values: string[] = [];
    parseCsvText(bytes.toString('utf8', start, withoutLineEnd(bytes, start, end)), (v) => (values = v), this.#source, line, options);
    const error = inputFault('BULKPIPE_INVALID_UTF8', 'bytes that are not UTF-8 (save the file as UTF-8, or load them replaced with --replace-invalid-utf8)', {
      source: this.#source,
      row,
      line: line + countByteLineEnds(bytes, start, from),
      column: bytes.toString('utf8', from, bad).length + 1,
      field: this.columns[Math.max(0, field - 1)],
    });
    return { error, fields: fieldsByHeader(values, this.columns) };
  }

  /** A record of `bytes` bytes that, with the header line, is larger than a batch may be. */
  tooLarge(bytes: number, line: number, row: number): CsvRecordRejection {
    const reason = `${bytes} bytes: with the header line it is larger than a batch may be (${this.#maxBytes} bytes)`;
    return { error: inputFault('BULKPIPE_RECORD_TOO_LARGE', reason, { source: this.#source, row, line }), fields: {} };
  }

  /** A record without the columns the plan leaves out (and with commas), written as the record path writes a CSV record; or its rejection. */
  rewrite(bytes: Buffer, line: number, row: number, plan: ColumnPlan): { record: Buffer } | CsvRecordRejection {
    const place = { source: this.#source, row, line };
    if (this.#checkUtf8 && !isUtf8(bytes)) return this.invalidUtf8(bytes, 0, bytes.length, firstInvalidUtf8(bytes, 0, bytes.length), line, row);
    let result: { record: Buffer } | CsvRecordRejection | undefined;
    const onRecord = (values: string[], _line: number, problem: Parameters<typeof csvRecordFault>[1]) => {
      if (result) return;
      const error = csvRecordFault(values, problem, plan.input, place);
      // A value in a column without a name would go to no field: the record is rejected rather than loaded without it.
      const unnamed = error ? -1 : valueInUnnamed(values, plan.unnamed);
      if (error || unnamed >= 0)
        result = { error: error ?? unnamedValueFault(values, unnamed, place), fields: { ...fieldsByHeader(values, plan.input), ...unnamedFields(values, plan.unnamed) } };
      else result = { record: rewritten(values, plan) };
    };
    parseCsvText(bytes.toString('utf8'), onRecord, this.#source, line, { delimiter: this.#delimiter, tolerant: true });
    return result ?? { error: inputFault('BULKPIPE_MALFORMED_RECORD', 'no record could be read', place), fields: {} };
  }
}

/** A record's values by the plan: empty ones left out, `#N/A` as null, written as CSV. */
function rewritten(values: readonly string[], plan: ColumnPlan): Buffer {
  const fields: Record<string, InputValue> = {};
  values.forEach((value, i) => {
    if (value !== '') fields[plan.input[i] as string] = value === '#N/A' ? null : value;
  });
  return Buffer.from(CSV.record(plan.upload, fields, true, plan.sources));
}

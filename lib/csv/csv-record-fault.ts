/**
 * What is wrong with one CSV record, read against its header: broken quoting, a field count other
 * than the header's, a field or record over the Bulk API's limits, a NUL character in a value. One judge for both CSV paths (the
 * parser and the byte-slicing fast path, which asks only about records its byte checks found
 * suspect), so that the same input is rejected with the same words either way.
 */
import type { InputValue } from '../load-types.js';
import { inputFault, limitFault, nulFault } from '../load/input-fault.js';
import { parseCsvText, type CsvProblem } from './parse-csv-text.js';

/** Where the record is: the input's name, its record number and the line it starts on. */
export interface CsvRecordPlace {
  readonly source: string;
  readonly row: number;
  readonly line: number;
}

/** A rejected record: its error text and its fields as far as they could be read, by header column. */
export interface CsvRecordRejection {
  readonly error: string;
  readonly fields: Record<string, InputValue>;
}

/** The error text of a record's fault, or undefined when it is fine. */
export function csvRecordFault(values: readonly string[], problem: CsvProblem | undefined, header: readonly string[], place: CsvRecordPlace): string | undefined {
  if (problem) {
    return inputFault('BULKPIPE_MALFORMED_RECORD', problem.reason, { ...place, line: problem.line, column: problem.column, field: header[problem.field - 1] });
  }
  if (values.length !== header.length) {
    if (values.length === 1 && (values[0] as string).trim() === '') {
      return inputFault('BULKPIPE_FIELD_COUNT', `a line of white space only, where ${header.length} fields are expected`, place);
    }
    // Short only by columns without a name at the header's end (an Excel export's `;;` that some lines leave out): nothing is lost.
    if (values.length < header.length && shortOfUnnamedOnly(values.length, header)) return limitFault(header, values, place) ?? nulFault(header, values, place);
    const extra = values.length > header.length ? `; the first field past the header's last column is "${(values[header.length] as string).slice(0, 40)}"` : '';
    // The field named: the first column without a value, or the first value without a column (by its position).
    const field = values.length < header.length ? header[values.length] : `#${header.length + 1}`;
    return inputFault('BULKPIPE_FIELD_COUNT', `the record has ${values.length} fields, the header ${header.length}${extra}`, { ...place, field });
  }
  return limitFault(header, values, place) ?? nulFault(header, values, place);
}

/** Whether the header's columns from `count` on all have no name (lib/load/unnamed-columns.ts). */
function shortOfUnnamedOnly(count: number, header: readonly string[]): boolean {
  for (let i = count; i < header.length; i++) if ((header[i] as string).trim() !== '') return false;
  return true;
}

/** The fields of a record by header column, as far as they go (a missing one is empty); for the error file. */
export function fieldsByHeader(values: readonly string[], header: readonly string[]): Record<string, InputValue> {
  const fields: Record<string, InputValue> = {};
  header.forEach((name, i) => {
    fields[name] = values[i] ?? '';
  });
  return fields;
}

/** Reads one record's text tolerantly and judges it; undefined when it is fine after all. */
export function judgeCsvRecord(text: string, header: readonly string[], place: CsvRecordPlace, delimiter: number): CsvRecordRejection | undefined {
  let rejection: CsvRecordRejection | undefined;
  let first: string[] | undefined;
  parseCsvText(
    text,
    (values, _line, problem) => {
      if (first) {
        // The scanner and the parser end records at the same line ends: a second record is a bug, not the input's fault, but it costs this record only.
        rejection ??= { error: inputFault('BULKPIPE_MALFORMED_RECORD', 'the record reads as more than one', place), fields: fieldsByHeader(first, header) };
        return;
      }
      first = values;
      const error = csvRecordFault(values, problem, header, place);
      if (error) rejection = { error, fields: fieldsByHeader(values, header) };
    },
    place.source,
    place.line,
    { delimiter, tolerant: true },
  );
  return rejection;
}

/**
 * The CSV of Bulk API 2.0 query results (wire §4.4): header names and every value double-quoted,
 * null and empty as `""`, in the job's column delimiter and line ending. Values take the forms of
 * the Bulk v1 CSV results (result-writers.ts): only a vendor page says 2.0 differs (spec §4.4,
 * [3p, unverified]), and the one real 2.0 capture (real_v52_query_results.csv) agrees with v1.
 */
import { csvQuote } from '../../lib/wire/dml-results.js';
import type { ResultRow } from './result-writers.js';
import { fieldValueOf } from './result-writers.js';
import type { SelectedField } from './soql.js';
import { dialectOf } from '../v2/csv-format.js';

export interface V2CsvFormat {
  /** The header line (the SOQL's column names, in select order). */
  readonly header: string;
  /** One row's line. */
  row(row: ResultRow): string;
}

/** The CSV form of a job whose delimiter and line ending are given by name (`COMMA`, `LF`). */
export function v2CsvFormat(fields: readonly SelectedField[], columnDelimiter: string, lineEnding: string): V2CsvFormat {
  const { delimiter, lineEnding: eol } = dialectOf({ column_delimiter: columnDelimiter, line_ending: lineEnding });
  return {
    header: `${fields.map((f) => csvQuote(f.label)).join(delimiter)}${eol}`,
    row: (row) => `${fields.map((f) => csvQuote(String(fieldValueOf(f, row) ?? ''))).join(delimiter)}${eol}`,
  };
}

/**
 * The rows of one of a Bulk API 2.0 ingest job's three result files (spec §3.9), with where each
 * row's result and uploaded values are: successfulResults `"sf__Id","sf__Created",<columns>`,
 * failedResults `["sf__Id",]"sf__Error",<columns>` (no sf__Id before API 53), unprocessedrecords
 * `<columns>`. The `sf__` columns are found by name in any case (Data Loader compares them so), the
 * uploaded ones must be the job's columns in order. An empty file (no header) has no rows.
 * Memory: forEachCsvRow's chunk.
 */
import { ParseError } from '../errors.js';
import type { ReusedBuffer } from './unordered-buffer.js';
import { CREATED, SUCCESS, UNPROCESSED } from './unordered-spill.js';
import { type CsvRow, forEachCsvRow } from './unordered-csv-rows.js';

export type ResultFileKind = 'successfulResults' | 'failedResults' | 'unprocessedrecords';

/** Where a result file's row holds its result: fields of the row (-1: none), and its flags (SUCCESS, CREATED, UNPROCESSED). */
export interface ResultLayout {
  /** `values[j]`: the field holding the job's column j. */
  readonly values: Int32Array;
  readonly id: number;
  readonly error: number;
  readonly fields: number;
  /** The row's flags. */
  flags(row: CsvRow): number;
}

const TRUE_TEXT = 'true';

/** Calls `onResult` for each row of the file; returns how many rows it has. */
export async function forEachResult(
  kind: ResultFileKind,
  path: string,
  columns: readonly string[],
  onResult: (row: CsvRow, layout: ResultLayout) => void,
  options: { readonly signal?: AbortSignal | undefined; readonly afterChunk: () => Promise<void>; readonly buffer?: ReusedBuffer },
): Promise<number> {
  let layout: ResultLayout | undefined;
  const rows = await forEachCsvRow(
    path,
    (row, index) => {
      if (index === 0) {
        layout = layoutOf(kind, row, columns);
        return;
      }
      const l = layout as ResultLayout;
      if (row.count !== l.fields) throw new ParseError(`a result row has ${row.count} fields, the header ${l.fields}`, { source: kind, record: index });
      onResult(row, l);
    },
    { ...options, source: kind },
  );
  return Math.max(0, rows - 1);
}

function layoutOf(kind: ResultFileKind, header: CsvRow, columns: readonly string[]): ResultLayout {
  const names = Array.from({ length: header.count }, (_, i) => header.text(i));
  const find = (name: string) => names.findIndex((n) => n.toLowerCase() === name.toLowerCase());
  const id = kind === 'unprocessedrecords' ? -1 : find('sf__Id');
  const created = kind === 'successfulResults' ? find('sf__Created') : -1;
  const error = kind === 'failedResults' ? find('sf__Error') : -1;
  const missing = kind === 'successfulResults' ? (id < 0 ? 'sf__Id' : created < 0 ? 'sf__Created' : undefined) : kind === 'failedResults' && error < 0 ? 'sf__Error' : undefined;
  if (missing) throw new ParseError(`the ${kind} header has no ${missing} column`, { source: kind, record: 0 });
  const values: number[] = [];
  names.forEach((_, i) => {
    if (i !== id && i !== created && i !== error) values.push(i);
  });
  const echoed = values.map((i) => names[i] as string);
  if (echoed.length !== columns.length || echoed.some((n, j) => n.toLowerCase() !== (columns[j] as string).toLowerCase())) {
    throw new ParseError(`the ${kind} columns ${JSON.stringify(echoed).slice(0, 300)} are not the job's ${JSON.stringify(columns).slice(0, 300)}`, { source: kind, record: 0 });
  }
  const fixed = kind === 'failedResults' ? 0 : kind === 'unprocessedrecords' ? UNPROCESSED : SUCCESS;
  return {
    values: Int32Array.from(values),
    id,
    error,
    fields: names.length,
    flags: created < 0 ? () => fixed : (row) => fixed | (isTrue(row, created) ? CREATED : 0),
  };
}

/** `true` in any case. */
function isTrue(row: CsvRow, f: number): boolean {
  const start = row.starts[f] as number;
  if ((row.ends[f] as number) - start !== 4) return false;
  for (let i = 0; i < 4; i++) if (((row.buf[start + i] as number) | 0x20) !== TRUE_TEXT.charCodeAt(i)) return false;
  return true;
}

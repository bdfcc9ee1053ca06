/**
 * A CSV header's column names as they will be uploaded: none twice once the map has renamed them,
 * compared regardless of case, as Salesforce compares field names (`Phone` and `PHONE` are one
 * field: the org would fail every batch with `Duplicate header specified`). That fault stops the run
 * before any job, naming the file, the line and both columns. A column without a name (an Excel
 * export's empty trailing columns) is kept as '' for the plan to drop (lib/load/unnamed-columns.ts).
 * One check for the parser, the CSV fast path and the chunker (whose columns may come from a first record).
 */
import { DuplicateColumnError, NamelessHeaderError } from '../errors.js';
import { mapColumns, repeatedField, type ColumnMap } from './column-map.js';

/** The header's columns renamed by the map ('' for one without a name); throws DuplicateColumnError for a field named twice. */
export function headerColumns(read: readonly string[], map: ColumnMap | undefined, source: string, line: number): string[] {
  const names = read.map((name) => (name.trim() === '' ? '' : name));
  // Columns and not one name (`;;`): no header at all, whatever path reads it (one error for the fast path, the record path and
  // the dry run). A line of white space alone is an empty input, as before.
  if (names.length > 1 && names.every((name) => name === '')) throw new NamelessHeaderError(source, line);
  const mapped = map ? mapColumns(names, map, false) : [...names];
  // Columns without a name are no field: never two of one name.
  const named = mapped.flatMap((name, i) => (name === '' ? [] : [i]));
  const repeated = repeatedField(named.map((i) => mapped[i] as string));
  if (repeated) {
    const [first, second] = [named[repeated[0]] as number, named[repeated[1]] as number];
    throw new DuplicateColumnError(source, line, [label(names, mapped, first), label(names, mapped, second)], [first + 1, second + 1], mapped[first] as string);
  }
  return mapped;
}

/** A column as the input names it, and what the map made of it. */
const label = (names: readonly string[], mapped: readonly string[], i: number): string => (names[i] === mapped[i] ? (names[i] as string) : `${names[i]} (mapped to ${mapped[i]})`);

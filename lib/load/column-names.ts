/**
 * A CSV header's column names as they will be uploaded: none empty, and none twice once the map
 * has renamed them, compared regardless of case, as Salesforce compares field names (`Phone` and
 * `PHONE` are one field: the org would fail every batch with `Duplicate header specified`). Either
 * fault stops the run before any job, naming the file, the line and both columns. One check for the
 * parser, the CSV fast path and the chunker (whose columns may come from a first record).
 */
import { DuplicateColumnError, ParseError } from '../errors.js';
import { mapColumns, repeatedField, type ColumnMap } from './column-map.js';

/** The header's columns renamed by the map; throws ParseError for an empty name, DuplicateColumnError for a field named twice. */
export function headerColumns(names: readonly string[], map: ColumnMap | undefined, source: string, line: number): string[] {
  const empty = names.indexOf('');
  if (empty >= 0) throw new ParseError(`the header's column ${empty + 1} has no name`, { source, line });
  const mapped = map ? mapColumns(names, map, false) : [...names];
  const twice = repeatedField(mapped);
  if (twice) {
    const [first, second] = twice;
    throw new DuplicateColumnError(source, line, [label(names, mapped, first), label(names, mapped, second)], [first + 1, second + 1], mapped[first] as string);
  }
  return mapped;
}

/** A column as the input names it, and what the map made of it. */
const label = (names: readonly string[], mapped: readonly string[], i: number): string => (names[i] === mapped[i] ? (names[i] as string) : `${names[i]} (mapped to ${mapped[i]})`);

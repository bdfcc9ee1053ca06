/**
 * A CSV header's column names as they will be uploaded: none empty, and none twice once the map
 * has renamed them, compared regardless of case, as Salesforce compares field names (`Phone` and
 * `PHONE` are one field: the org would fail every batch with `Duplicate header specified`). Either
 * fault stops the run before any job, naming the file, the line and both columns. One check for the
 * parser and the CSV fast path.
 */
import { BulkError, ParseError } from '../errors.js';
import { mapColumns, type ColumnMap } from './column-map.js';

/** Two columns of a header that name one field; the run stops before any job. */
export class DuplicateColumnError extends BulkError {
  override name = 'DuplicateColumnError';
  readonly source: string;
  readonly line: number;
  /** The two columns as the input names them, in order. */
  readonly columns: readonly [string, string];
  /** Their 1-based positions in the header. */
  readonly positions: readonly [number, number];
  constructor(source: string, line: number, columns: readonly [string, string], positions: readonly [number, number], field: string) {
    super(
      'BULK_COLUMNS',
      `${source}, line ${line}: the header names the field ${field} twice (column ${positions[0]} ${columns[0]} and column ${positions[1]} ${columns[1]}; Salesforce reads field names regardless of case), so no job was created`,
    );
    this.source = source;
    this.line = line;
    this.columns = columns;
    this.positions = positions;
  }
}

/** The header's columns renamed by the map; throws ParseError for an empty name, DuplicateColumnError for a field named twice. */
export function headerColumns(names: readonly string[], map: ColumnMap | undefined, source: string, line: number): string[] {
  const empty = names.indexOf('');
  if (empty >= 0) throw new ParseError(`the header's column ${empty + 1} has no name`, { source, line });
  const mapped = map ? mapColumns(names, map, false) : [...names];
  const seen = new Map<string, number>();
  for (const [i, name] of mapped.entries()) {
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) throw new DuplicateColumnError(source, line, [label(names, mapped, first), label(names, mapped, i)], [first + 1, i + 1], mapped[first] as string);
    seen.set(key, i);
  }
  return mapped;
}

/** A column as the input names it, and what the map made of it. */
const label = (names: readonly string[], mapped: readonly string[], i: number): string => (names[i] === mapped[i] ? (names[i] as string) : `${names[i]} (mapped to ${mapped[i]})`);

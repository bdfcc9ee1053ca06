/**
 * The header line of a CSV input on the fast path: read tolerantly, its names mapped and planned
 * (bulkpipe's result columns left out), and the header line that every batch begins with. A
 * comma-separated header is uploaded as it is (or renamed, by a map); records of another delimiter,
 * or that lose columns, are rewritten as CSV with commas.
 */
import { ParseError } from '../errors.js';
import { parseCsvText } from '../csv/parse-csv-text.js';
import type { ColumnMap } from '../load/column-map.js';
import { headerColumns } from '../load/column-names.js';
import { planColumns, type ColumnPlan } from '../load/column-plan.js';
import type { LoadOperation } from '../load-types.js';
import { recordSerializer } from '../records/serialize-record.js';
import { CR, withLf } from './csv-bytes.js';

export interface CsvHeader {
  readonly plan: ColumnPlan;
  /** The header line as read (BOM stripped, line end kept). */
  readonly read: Buffer;
  /** The input's column names, in order: what each record's fields are counted and named against. */
  readonly inputColumns: readonly string[];
  /** Set when records must be rewritten (result columns left out, or another delimiter). */
  readonly rewriting: boolean;
  /** The header line uploaded at the top of every batch. */
  readonly upload: Buffer;
}

export interface CsvHeaderSettings {
  readonly source: string;
  readonly delimiter: number;
  readonly operation: LoadOperation;
  readonly map: ColumnMap | undefined;
}

const CSV = recordSerializer('CSV');

/** Reads a header line (`line`: where it starts); throws a ParseError for one that cannot serve. */
export function readCsvHeader(header: Buffer, line: number, settings: CsvHeaderSettings): CsvHeader {
  const { source, delimiter } = settings;
  const parsed: string[][] = [];
  parseCsvText(
    header.toString('utf8'),
    (fields, _line, problem) => {
      if (problem) throw new ParseError(`the header line: ${problem.reason}`, { source, line: problem.line, column: problem.column });
      parsed.push(fields);
    },
    source,
    line,
    { delimiter, tolerant: true },
  );
  const read = parsed[0] ?? [];
  const columns = headerColumns(read, settings.map, source, line);
  const plan = planColumns(columns, settings.operation);
  if (plan.upload.length === 0) throw new ParseError(`the header has only bulkpipe result columns (${columns.join(', ')}): nothing to upload`, { source, line });
  const rewriting = !plan.identity || delimiter !== 0x2c;
  const renamed = rewriting || columns.some((c, i) => c !== read[i]);
  const upload = renamed ? Buffer.from(CSV.head(plan.upload)) : header[header.length - 1] === CR ? withLf(header) : Buffer.from(header);
  return { plan, read: Buffer.from(header), inputColumns: columns, rewriting, upload };
}

/**
 * The columns of a load on the record path: declared, or the first record's fields. Checked once
 * (distinct regardless of case, non-empty, within the field limit), planned (bulkpipe's result
 * columns left out) and kept with what the record checks need.
 */
import { DuplicateColumnError, InvalidOptionError } from '../errors.js';
import { MAX_RECORD_FIELDS } from '../limits.js';
import { repeatedField } from '../load/column-map.js';
import { planColumns, type ColumnPlan } from '../load/column-plan.js';
import type { InputRecord, LoadOperation } from '../load-types.js';

export interface RecordColumns {
  readonly plan: ColumnPlan;
  /** Every input column (a field outside them is rejected). */
  readonly input: readonly string[];
  readonly set: ReadonlySet<string>;
  /** The columns by lower-case name: a record's key in another case is that column (the Bulk API reads names regardless of case). */
  readonly byLowerCase: ReadonlyMap<string, string>;
}

/**
 * The columns, declared or (`first`, with `source` for the error) the first record's fields. Two
 * fields of one name regardless of case (`Phone`, `PHONE`) would fail every batch in the org.
 */
export function recordColumns(columns: readonly string[], operation: LoadOperation, first?: { readonly record: InputRecord; readonly source: string }): RecordColumns {
  const twice = columns.every((c) => typeof c === 'string') ? repeatedField(columns) : undefined;
  if (first && twice) {
    const [a, b] = twice;
    const names: [string, string] = [columns[a] as string, columns[b] as string];
    throw new DuplicateColumnError(first.source, first.record.line, names, [a + 1, b + 1], names[0], `record ${first.record.row}, which sets the columns,`);
  }
  if (columns.length === 0 || columns.length > MAX_RECORD_FIELDS || twice || columns.some((c) => typeof c !== 'string' || c === '')) {
    throw new InvalidOptionError('columns', `1 to ${MAX_RECORD_FIELDS} distinct (regardless of case), non-empty names`, columns);
  }
  const plan = planColumns(columns, operation);
  if (plan.upload.length === 0) throw new InvalidOptionError('columns', 'at least one column that is not a bulkpipe result column (sf__*)', columns);
  return { plan, input: columns, set: new Set(columns), byLowerCase: new Map(columns.map((c) => [c.toLowerCase(), c])) };
}

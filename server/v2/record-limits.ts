/**
 * The per-field limit of a Bulk API 2.0 upload (spec §6: 32,000 characters per field), checked per
 * record: a value over it fails its own row with STRING_TOO_LONG, the code Salesforce gives a value
 * too long for its field (recorded in row errors, spec §3.9), in the DmlEngine's words for it. The
 * splitter refuses what no row can hold (fields per record, characters per record) before this.
 */
import { MAX_FIELD_CHARACTERS } from '../../lib/limits.js';
import { resultError } from '../../lib/records/field-values.js';
import type { RowOutcome } from '../processing/dml.js';
import type { PayloadRow } from '../processing/payload.js';

/** The failed outcome of a row with a value over MAX_FIELD_CHARACTERS, else undefined. */
export function fieldTooLong(columns: readonly string[], row: PayloadRow): RowOutcome | undefined {
  const i = row.findIndex((value) => (value?.length ?? 0) > MAX_FIELD_CHARACTERS);
  if (i < 0) return undefined;
  const name = columns[i] ?? `#${i + 1}`;
  const raw = row[i] as string;
  const error = resultError('STRING_TOO_LONG', `${name}: data value too large: ${raw.slice(0, 40)}... (max length=${MAX_FIELD_CHARACTERS})`, [name]);
  return { id: null, success: false, created: false, errors: [error] };
}

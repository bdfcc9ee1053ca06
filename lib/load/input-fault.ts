/**
 * The error text of a record rejected for its input (malformed, too large, not UTF-8, a repeated
 * key), in Salesforce's CSV result form `CODE:message:fields --`, so that it sits in the error file
 * beside the org's own errors. The message says where, so that a person can find and fix the record:
 * the file (or stdin), the physical line and column, the record number and the field.
 */
import type { ParseError } from '../errors.js';
import { MAX_FIELD_CHARACTERS, MAX_RECORD_CHARACTERS } from '../limits.js';

export type InputFaultCode =
  | 'BULKPIPE_MALFORMED_RECORD'
  | 'BULKPIPE_FIELD_COUNT'
  | 'BULKPIPE_INVALID_UTF8'
  | 'BULKPIPE_DUPLICATE_FIELD'
  | 'BULKPIPE_RECORD_TOO_LARGE'
  | 'STRING_TOO_LONG'
  | 'BULKPIPE_ATTACHMENT';

/** Where a record (or the fault in it) is in the input. */
export interface InputPlace {
  readonly source: string;
  /** 1-based record number: the outputs' sf__Row. */
  readonly row: number;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  readonly field?: string | undefined;
}

export function inputFault(code: InputFaultCode, reason: string, place: InputPlace): string {
  const where = [`${place.source}`];
  if (place.line !== undefined) where.push(`line ${place.line}`);
  if (place.column !== undefined) where.push(`column ${place.column}`);
  where.push(`record ${place.row}`);
  if (place.field !== undefined) where.push(`field ${place.field}`);
  return `${code}:${reason} (${where.join(', ')}):${place.field ?? ''} --`;
}

/** The field or record limit a record's values break, as an error text; undefined when none. */
export function limitFault(names: readonly string[], values: readonly string[], place: InputPlace): string | undefined {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const length = (values[i] as string).length;
    if (length > MAX_FIELD_CHARACTERS) {
      return inputFault('STRING_TOO_LONG', `${length} characters, more than the Bulk API's ${MAX_FIELD_CHARACTERS} per field`, { ...place, field: names[i] ?? `#${i + 1}` });
    }
    total += length;
  }
  if (total > MAX_RECORD_CHARACTERS) return inputFault('BULKPIPE_RECORD_TOO_LARGE', `${total} characters, more than the Bulk API's ${MAX_RECORD_CHARACTERS} per record`, place);
  return undefined;
}

/** The rejection text of a record that could not be read (a ParseError about that record alone). */
export function recordParseFault(err: ParseError, place: InputPlace): string {
  return inputFault(err.fault ?? 'BULKPIPE_MALFORMED_RECORD', err.reason, { ...place, line: err.line ?? place.line, column: err.column, field: err.field });
}

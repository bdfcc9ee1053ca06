/**
 * The error text of a record rejected for its input (malformed, too large, not UTF-8, a repeated
 * key), in Salesforce's CSV result form `CODE:message:fields --`, so that it sits in the error file
 * beside the org's own errors. The message says where, so that a person can find and fix the record:
 * the file (or stdin), the physical line and column, the record number and the field.
 */
import type { ParseError, RowErrorCode } from '../errors.js';
import { MAX_FIELD_CHARACTERS, MAX_RECORD_CHARACTERS } from '../limits.js';
import { countTextLineEnds } from '../csv/line-ends.js';

/** bulkpipe's own row codes, and the org's STRING_TOO_LONG, which a value too long for any field is refused with before the upload. */
export type InputFaultCode = RowErrorCode | 'STRING_TOO_LONG';

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

export const NUL_REASON = 'a NUL character (byte 0) in the value, which is no text: a damaged or binary file? (remove it)';

/**
 * A NUL character (byte 0, or `\u0000` in JSON) in a value, as an error text; undefined when there is
 * none. Text holds no NUL: one there is a damaged or binary file, and the org would store it or cut
 * the value there, silently. `place.line` is where the record starts: the NUL's own line is counted
 * on through the line ends in the values before it (a quoted value keeps its line ends).
 */
export function nulFault(names: readonly string[], values: readonly string[], place: InputPlace): string | undefined {
  let lines = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string;
    const at = value.indexOf('\0');
    if (at >= 0) {
      const line = place.line === undefined ? undefined : place.line + lines + countTextLineEnds(value, 0, at);
      return inputFault('BULKPIPE_NUL_CHARACTER', NUL_REASON, { ...place, line, field: names[i] ?? `#${i + 1}` });
    }
    lines += countTextLineEnds(value);
  }
  return undefined;
}

/** Whether a value holds a NUL character (the common record has none: one indexOf per value). */
export function holdsNul(values: readonly string[]): boolean {
  for (let i = 0; i < values.length; i++) if ((values[i] as string).indexOf('\0') >= 0) return true;
  return false;
}

/** The rejection text of a record that could not be read (a ParseError about that record alone). */
export function recordParseFault(err: ParseError, place: InputPlace): string {
  return inputFault(err.fault ?? 'BULKPIPE_MALFORMED_RECORD', err.reason, { ...place, line: err.line ?? place.line, column: err.column, field: err.field });
}

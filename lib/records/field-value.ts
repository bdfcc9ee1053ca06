/**
 * The one conversion of a value from code (or from a JSON record) into an input field's text, for
 * every path that takes records as values: RecordReader (bulkLoad's and loadRows' `records`, and the
 * stages a user composes) and the JSON parsers. Strings stay; finite numbers, bigints and booleans
 * become their text (`12.5`, `true`); null stays null, which the payload writes as a set-to-null
 * (`#N/A` in CSV, `xsi:nil` in XML, null in JSON: lib/records/serialize-record.ts); undefined is not
 * set (left empty). A Date is ISO 8601 in UTC, but for a date field (by the describe's type) it is
 * its day: the UTC day of a Date at midnight UTC (`new Date('1990-05-01')`), the local day of one at
 * local midnight (`new Date(1990, 4, 1)`); a Date with a time of day stays a date-time, and the org
 * says it is no date rather than a day be guessed. Anything else (an array, NaN, an invalid Date, a
 * function) has no Bulk API meaning: `false`, for the caller to reject its record naming the field.
 */
import type { InputValue } from '../load-types.js';

/** The field types that take a Date in their own form. */
export type DateFieldType = 'date' | 'datetime';

/** The value's text, null (set to null), undefined (not set), or false when it cannot be sent. */
export function fieldValue(v: unknown, type?: DateFieldType): InputValue | undefined | false {
  if (v === null || v === undefined || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : false;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? false : type === 'date' ? dayOf(v) : v.toISOString();
  return false;
}

/** The words for what a value may be, in the errors of those that cannot be sent. */
export const VALUE_KINDS = 'a string, a number, a boolean, a Date, null or a parent reference object';

function dayOf(date: Date): string {
  const iso = date.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  if (date.getHours() === 0 && date.getMinutes() === 0 && date.getSeconds() === 0 && date.getMilliseconds() === 0) {
    return `${String(date.getFullYear()).padStart(4, '0')}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  }
  return iso;
}

/**
 * The one conversion of a value from code (or from a JSON record) into an input field's text, for
 * every path that takes records as values: RecordReader (bulkLoad's and loadRows' `records`, and the
 * stages a user composes) and the JSON parsers. Strings stay; finite numbers, bigints and booleans
 * become their text (`12.5`, `true`); null stays null, which the payload writes as a set-to-null
 * (`#N/A` in CSV, `xsi:nil` in XML, null in JSON: lib/records/serialize-record.ts); undefined is not
 * set (left empty). A Date is ISO 8601 in UTC, but for a date field (by the describe's type) it is
 * its day: the local day of a Date at the first instant of its local day (`new Date(1990, 4, 1)`; on a
 * day whose clocks skip midnight, 01:00), else the UTC day of a Date at midnight UTC
 * (`new Date('1990-05-01')`); a Date with a time of day stays a date-time, and the org says it is no
 * date rather than a day be guessed. A string for a date field that is ISO 8601 at midnight UTC
 * (what a Date becomes through JSON.stringify) is that day too, as DateConverter reads it in files. Anything else (an array, NaN, an invalid Date, a
 * function) has no Bulk API meaning: `false`, for the caller to reject its record naming the field.
 */
import type { InputValue } from '../load-types.js';

/** The field types that take a Date in their own form. */
export type DateFieldType = 'date' | 'datetime';

/** The value's text, null (set to null), undefined (not set), or false when it cannot be sent. */
export function fieldValue(v: unknown, type?: DateFieldType): InputValue | undefined | false {
  if (typeof v === 'string') return type === 'date' ? (midnightUtcDay(v) ?? v) : v;
  if (v === null || v === undefined) return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : false;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? false : type === 'date' ? dayOf(v) : v.toISOString();
  return false;
}

/** The words for what a value may be, in the errors of those that cannot be sent. */
export const VALUE_KINDS = 'a string, a number, a boolean, a Date, null or a parent reference object';

const MIDNIGHT_UTC = /^\d{4}-\d{2}-\d{2}T00:00:00(\.0+)?Z$/;

/**
 * The day of a date field's value written as ISO 8601 at midnight UTC (`1990-05-01T00:00:00.000Z`, a
 * Date after JSON.stringify), which the org refuses for a date field; undefined for any other text.
 * Shared by records from code and DateConverter (files with `dateFormat` or `timeZone`).
 */
export function midnightUtcDay(value: string): string | undefined {
  return MIDNIGHT_UTC.test(value) ? value.slice(0, 10) : undefined;
}

function dayOf(date: Date): string {
  // The local day first: a Date made as a day (new Date(y, m, d)) is its local day's first instant,
  // which is 01:00 where the clocks skip midnight (Sao Paulo, 2018-11-04).
  if (new Date(date.getTime() - 1).getDate() !== date.getDate()) {
    return `${String(date.getFullYear()).padStart(4, '0')}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  }
  const iso = date.toISOString();
  return midnightUtcDay(iso) ?? iso;
}

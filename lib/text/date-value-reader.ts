/**
 * How a `--date-format` reads one value of a date or a date-time field: the one definition the
 * DateConverter converts by and the `--date-format` hints (lib/load/date-format-guess.ts) check a
 * format against, so that a hint never names a format that would not read its values. A date field
 * takes the format's date part alone; a date-time field that with a time of day after a space
 * (HH:mm:ss, HH:mm or H:mm), or ISO 8601 without an offset.
 */
import type { DateFieldType } from '../records/field-value.js';
import { datePattern, isoLocalDateTime, type DateParts } from './date-format.js';

export interface DateValueReader {
  /** The value's date and time of day as the format reads it for a field of `type`; undefined when it does not. */
  read(type: DateFieldType, value: string): DateParts | undefined;
}

/** The reader of `dateFormat` (yyyy, MM/M, dd/d; a time part given is left out for dates); without one, ISO local date-times only. */
export function dateValueReader(dateFormat: string | undefined): DateValueReader {
  const date = dateFormat?.replace(/\s*H.*$/, '');
  const datePart = date === undefined ? undefined : datePattern(date);
  const dateTimes = date === undefined ? [] : [`${date} HH:mm:ss`, `${date} HH:mm`, `${date} H:mm`].map(datePattern);
  return {
    read(type, value) {
      if (type === 'date') return datePart?.read(value);
      let parts = isoLocalDateTime(value);
      for (const pattern of dateTimes) parts ??= pattern.read(value);
      return parts;
    },
  };
}

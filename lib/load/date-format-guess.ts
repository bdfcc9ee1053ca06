/**
 * Which `--date-format` would read a date or date-time column's values (issue 27). The Bulk API
 * takes dates as ISO 8601 only: `31/12/2024` into a date field fails each row with the org's
 * `'31/12/2024' is not a valid value for the type xsd:date`, which says nothing of `--date-format`.
 * A column's values are matched against the usual non-ISO shapes (day, month and year with `/`,
 * `.` or `-`; year first with `/` or `.`), and a format is named only when it reads every value of
 * that shape seen: `01/02/2024` fits both day-first and month-first, and a day over 12 (`31/12/2024`)
 * decides; still undecided, both are named. The formats are written in what `--date-format` takes
 * (lib/text/date-format.ts: yyyy, MM/M, dd/d): `dd/MM/yyyy`, or `d/M/yyyy` when values leave out
 * leading zeros. A format is named only when it reads the values for the field's type as the
 * DateConverter does (lib/text/date-value-reader.ts, one definition): a date field's without a time
 * of day, a date-time field's with one after a space. Bounded: at most SAMPLES values of each field
 * are looked at.
 */
import type { DateFieldType } from '../records/field-value.js';
import { dateValueReader, type DateValueReader } from '../text/date-value-reader.js';
import type { SObjectDescribe } from '../wire/describe.js';

/** How many values of one field are looked at. */
const SAMPLES = 1000;

/** Day, month and year (or month, day and year), any of `/ . -`, with an optional time of day after them. */
const DAY_MONTH_YEAR = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/;
/** Year first with `/` or `.` (with `-` it is ISO 8601, which the org reads). */
const YEAR_MONTH_DAY = /^(\d{4})([/.])(\d{1,2})\2(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/;

type Order = 'dmy' | 'mdy' | 'ymd';

/** What one field's values showed, per shape (`dmy/`: day or month first, with slashes). */
interface Shape {
  readonly separator: string;
  /** Orders that read every value of the shape seen so far. */
  fits: Set<Order>;
  /** Whether every value wrote day and month with two digits. */
  padded: boolean;
  count: number;
  /** A value to show: one that decided the order, or the first. */
  example: string;
  decisive: boolean;
}

export interface DateFormatHint {
  /** The field, as the describe names it. */
  readonly field: string;
  /** A value of the column, as read. */
  readonly example: string;
  /** The `--date-format` values that read every value seen: one, or two when day and month cannot be told apart. */
  readonly formats: readonly string[];
  /** In words: `Birthdate: values like 31/12/2024 look like dd/MM/yyyy: --date-format dd/MM/yyyy`. */
  readonly text: string;
}

export class DateFormatGuess {
  /** The date and date-time fields by lower-case name: their describe name and type. */
  readonly #fields: ReadonlyMap<string, { readonly name: string; readonly type: DateFieldType }>;
  readonly #seen = new Map<string, { looked: number; shapes: Map<string, Shape> }>();
  /** The converter's reader of each format tried (a few: two orders by three separators, and year first). */
  readonly #readers = new Map<string, DateValueReader>();

  /** `fields`: the object's date and date-time fields and their types (from its describe). */
  constructor(fields: Iterable<readonly [string, DateFieldType]>) {
    this.#fields = new Map([...fields].map(([name, type]) => [name.toLowerCase(), { name, type }]));
  }

  /** Whether a column is a date or date-time field. */
  watches(column: string): boolean {
    return this.#fields.has(column.toLowerCase());
  }

  /** Looks at one value of a column (a column that is no date field, and values past the sample, are passed over). */
  add(column: string, value: string | null | undefined): void {
    if (!value) return;
    const described = this.#fields.get(column.toLowerCase());
    if (described === undefined) return;
    const { name: field, type } = described;
    let seen = this.#seen.get(field);
    if (!seen) this.#seen.set(field, (seen = { looked: 0, shapes: new Map() }));
    if (seen.looked >= SAMPLES) return;
    seen.looked++;
    const text = value.trim();
    const dmy = DAY_MONTH_YEAR.exec(text);
    const ymd = dmy ? null : YEAR_MONTH_DAY.exec(text);
    if (!dmy && !ymd) return;
    const m = (dmy ?? ymd) as RegExpExecArray;
    const [a, separator, b, c] = [m[1] as string, m[2] as string, m[3] as string, m[4] as string];
    const key = `${dmy ? 'dmy' : 'ymd'}${separator}`;
    let shape = seen.shapes.get(key);
    if (!shape) {
      const fits = new Set<Order>(dmy ? ['dmy', 'mdy'] : ['ymd']);
      seen.shapes.set(key, (shape = { separator, fits, padded: true, count: 0, example: value, decisive: false }));
    }
    shape.count++;
    if (dmy ? a.length < 2 || b.length < 2 : b.length < 2 || c.length < 2) shape.padded = false;
    // An order reads the value when the converter would with its format (`d` and `M` read two digits too).
    const reads = [...shape.fits].filter((order) => this.#reader(formatOf(order, separator, false)).read(type, text) !== undefined);
    const before = shape.fits.size;
    shape.fits = new Set(reads);
    // The value that told day and month apart is the one to show.
    if (before > 1 && shape.fits.size === 1 && !shape.decisive) {
      shape.example = value;
      shape.decisive = true;
    }
  }

  #reader(format: string): DateValueReader {
    let reader = this.#readers.get(format);
    if (!reader) this.#readers.set(format, (reader = dateValueReader(format)));
    return reader;
  }

  /** The fields with values of a known shape: the sample's verdict on them stands (a hint, or none when no format reads them all). */
  judged(): string[] {
    return [...this.#seen].filter(([, seen]) => seen.shapes.size > 0).map(([field]) => field);
  }

  /** A hint per field whose values showed a shape some format reads throughout (the most common shape of a field). */
  hints(): DateFormatHint[] {
    const hints: DateFormatHint[] = [];
    for (const [field, seen] of this.#seen) {
      const shape = [...seen.shapes.values()].sort((x, y) => y.count - x.count)[0];
      if (!shape || shape.fits.size === 0) continue;
      const formats = [...shape.fits].map((order) => formatOf(order, shape.separator, shape.padded));
      const text =
        formats.length === 1
          ? `${field}: values like ${shape.example} look like ${formats[0]}: --date-format ${formats[0]}`
          : `${field}: values like ${shape.example} may be ${formats.join(' or ')} (no day over 12 among the ${shape.count} read to tell): --date-format ${formats.join(' or --date-format ')}`;
      hints.push({ field, example: shape.example, formats, text });
    }
    return hints;
  }
}

/** An object's date and date-time fields with their types, from its describe. */
export function dateFieldsOf(object: SObjectDescribe): Array<readonly [string, DateFieldType]> {
  return object.fields.flatMap((f) => (f.type === 'date' || f.type === 'datetime' ? [[f.name, f.type] as const] : []));
}

/** A format's date part with day and month of one letter (`dd/MM/yyyy HH:mm` -> `d/M/yyyy`): formats that read the same shapes compare equal. */
const dateShapeOf = (format: string): string =>
  format
    .replace(/\s*H.*$/, '')
    .replace(/dd/, 'd')
    .replace(/MM/, 'M');

/** Whether `hinted` is `given` (padding aside): a hint the user followed already. */
export const sameDateFormat = (hinted: string, given: string): boolean => dateShapeOf(hinted) === dateShapeOf(given);

/** Whether `hinted` is `given` with day and month the other way round (`dd/MM/yyyy` for `MM/dd/yyyy`). */
export const swappedDateFormat = (hinted: string, given: string): boolean => dateShapeOf(hinted) === dateShapeOf(given).replace(/[dM]/g, (c) => (c === 'd' ? 'M' : 'd'));

/** The `--date-format` of an order: `dd/MM/yyyy`, `MM/dd/yyyy`, `yyyy/MM/dd`, or with `d` and `M` when values leave out leading zeros. */
function formatOf(order: Order, separator: string, padded: boolean): string {
  const [d, M] = padded ? ['dd', 'MM'] : ['d', 'M'];
  const parts = order === 'dmy' ? [d, M, 'yyyy'] : order === 'mdy' ? [M, d, 'yyyy'] : ['yyyy', M, d];
  return parts.join(separator);
}

/** The org's refusal of a value for a date or date-time field (`'31/12/2024' is not a valid value for the type xsd:date`), read from a row error. */
export function refusedDate(error: string): { readonly value: string; readonly field: string; readonly type: DateFieldType } | undefined {
  // Most failed rows fail for something else: one substring search before the expression.
  if (!error.includes(' is not a valid value for the type xsd:date')) return undefined;
  const m = /'(.*)' is not a valid value for the type xsd:(date|dateTime)\b.*:([^:]*) --$/s.exec(error);
  return m ? { value: m[1] as string, field: (m[3] as string).split(',')[0] as string, type: m[2] === 'date' ? 'date' : 'datetime' } : undefined;
}

/**
 * The forms in which Salesforce may echo an uploaded value in a Bulk API 2.0 result file, reduced
 * to one form each, for the join's second pass (only rows the exact pass left meet it). The org
 * re-serializes values from the parsed record rather than echoing the bytes (spec §3.9): the docs'
 * own sample turns `912260031` into `9.12260031E8` (Java Double.toString). What else it rewrites
 * is unconfirmed; these follow what its parser accepts as one value (Data Loader's and the Bulk
 * API's documented input formats): numbers in any notation (not one with a leading zero, nor one of
 * more digits than a double keeps: text such as `007` or a 20-digit code stays itself, so that two
 * rows that differ only there never take each other's results), `true`/`false` in any case (and `1`/`0`,
 * `yes`/`no`, which checkboxes accept), `#N/A` (the Bulk API's null) as empty, a date-time in any
 * accepted layout as its instant, an 18-character id as its 15-character form, and a line break
 * inside a value as LF (the job's line ending). Values are not trimmed: Bulk API 2.0 keeps spaces
 * ("Field values aren't trimmed", Prepare CSV Files).
 */
import { isValidId } from '../ids.js';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A leading zero (`007`): no number field writes one, so it is text (a code, a zip) and stays as it is. */
const LEADING_ZERO = /^[+-]?0\d/;
/** Most significant digits a double keeps exactly: a longer digit string (an ERP id) would meet another one's form. */
const EXACT_DIGITS = 15;
const BOOLEAN = /^(?:true|false|yes|no)$/i;
/** `yyyy-MM-dd[T ]HH:mm[:ss[.SSS]][Z|±HH[:]mm]`: the date-time layouts of Data Loader's guide. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Marks a made-up form so that no text value equals it (text holds no control character 1 or 2 in practice). */
const NUMBER_MARK = '\u0001';
const INSTANT_MARK = '\u0002';

/** The one form of a value for matching (a made-up form: never written anywhere). */
export function normalizeValue(value: string): string {
  if (value === '' || value === '#N/A') return '';
  // An id first: a 15-character id of digits only is then a number on both sides.
  if (value.length === 18 && isValidId(value)) value = value.slice(0, 15);
  if (value.includes('\r')) value = value.replaceAll('\r\n', '\n').replaceAll('\r', '\n');
  const first = value.charCodeAt(0);
  // Numbers and booleans first: the common reformatting, and cheap to rule out by the first character.
  if ((first >= 0x30 && first <= 0x39) || first === 0x2b || first === 0x2d || first === 0x2e) {
    if (NUMBER.test(value) && !LEADING_ZERO.test(value) && significantDigits(value) <= EXACT_DIGITS) {
      const n = Number(value);
      return Number.isFinite(n) ? `${NUMBER_MARK}${n === 0 ? 0 : n}` : value;
    }
    const instant = dateTime(value);
    if (instant !== undefined) return instant;
  }
  if (BOOLEAN.test(value)) return `${NUMBER_MARK}${/^(?:true|yes)$/i.test(value) ? 1 : 0}`;
  return value;
}

/** The digits of a number's mantissa from its first non-zero one. */
function significantDigits(value: string): number {
  const mantissa = value.split(/[eE]/)[0] as string;
  return mantissa.replace(/[^0-9]/g, '').replace(/^0+/, '').length;
}

/** A date-time as INSTANT_MARK and its epoch ms, undefined when it is none (a time without a zone is UTC, as the API reads it). */
function dateTime(value: string): string | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number((frac ?? '').padEnd(3, '0').slice(0, 3)));
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isNaN(ms) ? undefined : `${INSTANT_MARK}${ms}`;
}

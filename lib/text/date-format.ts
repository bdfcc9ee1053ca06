/**
 * Dates and date-times as people write them (`01/31/2024`, `31.01.2024 14:05`), read by a pattern
 * such as `MM/dd/yyyy` or `dd/MM/yyyy HH:mm`, and written as the Bulk API takes them: `yyyy-MM-dd`
 * for a date, ISO 8601 in UTC for a date-time. A date-time without an offset is a local time of
 * the given IANA time zone (Intl knows the zones and their daylight saving rules), or UTC.
 */
import { InvalidOptionError } from '../errors.js';

const TOKENS: Record<string, { readonly re: string; readonly part: 'y' | 'M' | 'd' | 'H' | 'm' | 's' }> = {
  yyyy: { re: '(\\d{4})', part: 'y' },
  MM: { re: '(\\d{2})', part: 'M' },
  M: { re: '(\\d{1,2})', part: 'M' },
  dd: { re: '(\\d{2})', part: 'd' },
  d: { re: '(\\d{1,2})', part: 'd' },
  HH: { re: '(\\d{2})', part: 'H' },
  H: { re: '(\\d{1,2})', part: 'H' },
  mm: { re: '(\\d{2})', part: 'm' },
  ss: { re: '(\\d{2})', part: 's' },
};
const TOKEN = /yyyy|MM|M|dd|d|HH|H|mm|ss/g;

/** A date and time of day, as read (month and day 1-based). */
export interface DateParts {
  y: number;
  M: number;
  d: number;
  H: number;
  m: number;
  s: number;
}

/** A compiled pattern: reads a value written in it. */
export interface DatePattern {
  readonly pattern: string;
  /** Whether the pattern has a time of day. */
  readonly hasTime: boolean;
  read(value: string): DateParts | undefined;
}

export function datePattern(pattern: string): DatePattern {
  const order: Array<keyof DateParts> = [];
  let source = '';
  let last = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    source += escapeLiteral(pattern.slice(last, m.index));
    const token = TOKENS[m[0]] as (typeof TOKENS)[string];
    source += token.re;
    order.push(token.part);
    last = (m.index ?? 0) + m[0].length;
  }
  source += escapeLiteral(pattern.slice(last));
  if (!order.includes('y') || !order.includes('M') || !order.includes('d') || new Set(order).size !== order.length) {
    throw new InvalidOptionError('dateFormat', 'a pattern with yyyy, MM (or M) and dd (or d) once each, e.g. MM/dd/yyyy or dd.MM.yyyy HH:mm', pattern);
  }
  const re = new RegExp(`^${source}$`);
  return {
    pattern,
    hasTime: order.includes('H'),
    read(value) {
      const match = re.exec(value.trim());
      if (!match) return undefined;
      const parts: DateParts = { y: 0, M: 0, d: 0, H: 0, m: 0, s: 0 };
      order.forEach((part, i) => {
        parts[part] = Number(match[i + 1]);
      });
      return validParts(parts) ? parts : undefined;
    },
  };
}

function escapeLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
}

function validParts(p: DateParts): boolean {
  const date = new Date(Date.UTC(p.y, p.M - 1, p.d));
  return date.getUTCFullYear() === p.y && date.getUTCMonth() === p.M - 1 && date.getUTCDate() === p.d && p.H < 24 && p.m < 60 && p.s < 60;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `yyyy-MM-dd`. */
export function isoDate(p: DateParts): string {
  return `${pad(p.y, 4)}-${pad(p.M)}-${pad(p.d)}`;
}

/** Checks a time zone name (an IANA zone such as `Europe/Paris`, or `UTC`). */
export function timeZoneOption(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new InvalidOptionError('timeZone', 'an IANA time zone such as Europe/Paris, America/New_York or UTC', zone);
  }
  return zone;
}

/** The instant of a local time in a zone, as ISO 8601 UTC (`2024-01-31T13:05:00.000Z`). */
export function utcOf(p: DateParts, zone: string): string {
  const local = Date.UTC(p.y, p.M - 1, p.d, p.H, p.m, p.s);
  // The zone's offset at the guess, then again at the result: right across a daylight saving change.
  let instant = local - offsetMs(local, zone);
  instant = local - offsetMs(instant, zone);
  return new Date(instant).toISOString();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at an instant. */
function offsetMs(instant: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const parts: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(instant))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year as number, (parts.month as number) - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** An ISO 8601 date-time without an offset (`2024-01-31T14:05[:00[.000]]`, or with a space), as parts. */
export function isoLocalDateTime(value: string): DateParts | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/.exec(value.trim());
  if (!m) return undefined;
  const p = { y: Number(m[1]), M: Number(m[2]), d: Number(m[3]), H: Number(m[4]), m: Number(m[5]), s: Number(m[6] ?? 0) };
  return validParts(p) ? p : undefined;
}

/**
 * Timestamps on the wire (wire §0): XML `2015-12-15T21:41:45.000Z`, JSON
 * `2015-12-15T20:45:25.000+0000`. Salesforce keeps whole seconds, so milliseconds are always `.000`.
 */
import { ParseError } from '../errors.js';

function wholeSeconds(date: Date): string {
  return date.toISOString().slice(0, 19);
}

export function formatXmlDate(date: Date): string {
  return `${wholeSeconds(date)}.000Z`;
}

export function formatJsonDate(date: Date): string {
  return `${wholeSeconds(date)}.000+0000`;
}

const WIRE_DATE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)(Z|[+-]\d{2}:?\d{2})$/;

/** Parses a wire dateTime with a `Z`, `+HHMM` or `+HH:MM` offset. */
export function parseWireDate(text: string, source = 'dateTime', field?: string): Date {
  const m = WIRE_DATE.exec(text);
  const offset = m?.[2] === 'Z' ? 'Z' : m?.[2]?.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const date = m ? new Date(`${m[1]}${offset}`) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new ParseError(`not a dateTime: ${JSON.stringify(text.slice(0, 40))}`, { source, ...(field ? { field } : {}) });
  }
  return date;
}

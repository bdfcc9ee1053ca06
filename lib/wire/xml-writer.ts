/**
 * The layout of the server's XML documents (wire §2.4): the declaration directly followed by the root
 * start tag, a newline, three spaces and the namespace; one child per line indented by one space per
 * level; an empty root is self-closing. Clients parse with real XML parsers, so the layout is what
 * byte-level fixtures and jsforce's `<exceptionCode>InvalidSessionId</exceptionCode>` regex look at.
 */
import { formatXmlDate } from './dates.js';

export const DATALOAD_NS = 'http://www.force.com/2009/06/asyncapi/dataload';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** A named value; undefined values are left out (optional elements such as `stateMessage`). */
export type XmlField = readonly [name: string, value: string | number | boolean | Date | undefined];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text or attribute content. Characters XML 1.0 forbids (C0 controls but tab, LF, CR) are dropped. */
export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[&<>"']|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (c) => ESCAPES[c] ?? '');
}

function xmlValue(value: string | number | boolean | Date): string {
  if (value instanceof Date) return formatXmlDate(value);
  return escapeXml(String(value));
}

/** One element per line at `indent` spaces. */
export function xmlFieldLines(fields: readonly XmlField[], indent: number): string {
  const pad = ' '.repeat(indent);
  let out = '';
  for (const [name, value] of fields) {
    if (value !== undefined) out += `${pad}<${name}>${xmlValue(value)}</${name}>\n`;
  }
  return out;
}

/** A whole response document around already indented `body` lines (each ending with `\n`). */
export function xmlDocument(root: string, body: string): string {
  const open = `${XML_DECLARATION}<${root}\n   xmlns="${DATALOAD_NS}"`;
  return body ? `${open}>\n${body}</${root}>` : `${open} />`;
}

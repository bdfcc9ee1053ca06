// Kept over csv-stringify (issue 28): CSV lines for 6.2x less CPU than its faster mode on data.ts Accounts (5.7x multi-byte, quoted) (benchmarks/hand-written-vs-library.bench.ts).
/**
 * One input record as it goes into a batch payload of each content type (wire §8): a CSV line
 * (null as `#N/A`, missing as empty), an XML `<sObject>` (null as `xsi:nil`, parent references
 * nested) or a JSON object (null as null, parent references as nested objects).
 * CSV quoting is written here rather than with csv-stringify: this runs once per record on the hot
 * path, where csv-stringify (its stream, or its sync API a batch at a time, given arrays with null
 * as #N/A) costs 5.7 to 7.5 times the CPU for the same text.
 */
import type { InputValue } from '../load-types.js';
import { DATALOAD_NS, XML_DECLARATION, XSI_NS, escapeXml } from '../wire/xml-writer.js';

export type PayloadType = 'CSV' | 'XML' | 'JSON';

export interface RecordSerializer {
  /** The text before the first record. */
  head(columns: readonly string[]): string;
  /**
   * One record; `first` tells whether it opens the batch (JSON needs the comma). The value of
   * column i is read from `fields[sources[i]]` (the input's name for it; default the column itself).
   */
  record(columns: readonly string[], fields: Readonly<Record<string, InputValue>>, first: boolean, sources?: readonly string[]): string;
  tail(): string;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180: a value with a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const csv: RecordSerializer = {
  head: (columns) => `${columns.map(csvField).join(',')}\n`,
  record: (columns, fields, _first, sources = columns) => {
    let out = '';
    for (let i = 0; i < columns.length; i++) {
      const v = fields[sources[i] as string];
      if (i > 0) out += ',';
      if (v === null) out += '#N/A';
      else if (v !== undefined) out += csvField(v);
    }
    // A lone empty value would make a blank line, which Salesforce skips as no record at all: the
    // batch would then have one result fewer than records. Quoted, it is a record with an empty value.
    return out === '' ? '""\n' : `${out}\n`;
  },
  tail: () => '',
};

const xml: RecordSerializer = {
  head: () => `${XML_DECLARATION}<sObjects xmlns="${DATALOAD_NS}" xmlns:xsi="${XSI_NS}">`,
  record: (columns, fields, _first, sources = columns) => {
    let out = '<sObject>';
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i] as string;
      const v = fields[sources[i] as string];
      if (v === undefined) continue;
      const dot = c.indexOf('.');
      const [outer, inner] = dot < 0 ? [c, undefined] : [c.slice(0, dot), c.slice(dot + 1)];
      const leaf = (name: string) => (v === null ? `<${name} xsi:nil="true"/>` : `<${name}>${escapeXml(v)}</${name}>`);
      out += inner === undefined ? leaf(outer) : `<${outer}>${leaf(inner)}</${outer}>`;
    }
    return `${out}</sObject>`;
  },
  tail: () => '</sObjects>',
};

const json: RecordSerializer = {
  head: () => '[',
  record: (columns, fields, first, sources = columns) => {
    const object: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i] as string;
      const v = fields[sources[i] as string];
      if (v === undefined) continue;
      const dot = c.indexOf('.');
      if (dot < 0) object[c] = v;
      else ((object[c.slice(0, dot)] ??= {}) as Record<string, unknown>)[c.slice(dot + 1)] = v;
    }
    return `${first ? '' : ','}${JSON.stringify(object)}`;
  },
  tail: () => ']',
};

export function recordSerializer(type: PayloadType): RecordSerializer {
  return type === 'CSV' ? csv : type === 'XML' ? xml : json;
}

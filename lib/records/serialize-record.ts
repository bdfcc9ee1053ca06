/**
 * One input record as it goes into a batch payload of each content type (spec 8): a CSV line
 * (csv-stringify; null as `#N/A`, missing as empty), an XML `<sObject>` (null as `xsi:nil`, parent
 * references nested) or a JSON object (null as null, parent references as nested objects).
 */
import { stringify } from 'csv-stringify/sync';
import type { InputValue } from '../load-types.js';
import { DATALOAD_NS, XML_DECLARATION, XSI_NS, escapeXml } from '../wire/xml-writer.js';

export type PayloadType = 'CSV' | 'XML' | 'JSON';

export interface RecordSerializer {
  /** The text before the first record. */
  head(columns: readonly string[]): string;
  /** One record; `first` tells whether it opens the batch (JSON needs the comma). */
  record(columns: readonly string[], fields: Readonly<Record<string, InputValue>>, first: boolean): string;
  tail(): string;
}

const csv: RecordSerializer = {
  head: (columns) => stringify([columns as string[]], { record_delimiter: 'unix' }),
  record: (columns, fields) =>
    stringify([columns.map((c) => {
      const v = fields[c];
      return v === null ? '#N/A' : (v ?? '');
    })], { record_delimiter: 'unix' }),
  tail: () => '',
};

const xml: RecordSerializer = {
  head: () => `${XML_DECLARATION}<sObjects xmlns="${DATALOAD_NS}" xmlns:xsi="${XSI_NS}">`,
  record: (columns, fields) => {
    let out = '<sObject>';
    for (const c of columns) {
      const v = fields[c];
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
  record: (columns, fields, first) => {
    const object: Record<string, unknown> = {};
    for (const c of columns) {
      const v = fields[c];
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

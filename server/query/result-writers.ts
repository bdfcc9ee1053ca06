/**
 * Query result files in the three formats of wire §5.4: CSV (header as written in the SOQL, every
 * value quoted, null as ""), XML `queryResult` (the `type` and `Id` header of partner-style records,
 * so a selected Id appears twice), and JSON (records with `attributes`, dateTimes as epoch ms).
 */
import { csvQuote } from '../../lib/wire/dml-results.js';
import type { DataFormat } from '../../lib/wire/content-types.js';
import { DATALOAD_NS, XML_DECLARATION, XSI_NS, escapeXml } from '../../lib/wire/xml-writer.js';
import type { RecordData } from '../store/records-store.js';
import type { SelectedField } from './soql.js';

/** One result row: the record and the parents it joins, by alias. */
export interface ResultRow {
  readonly id: string;
  readonly data: RecordData;
  readonly parents: ReadonlyMap<string, { readonly id: string; readonly data: RecordData } | undefined>;
}

export interface ResultWriter {
  head(): string;
  row(row: ResultRow): string;
  tail(): string;
  /** The whole body of a result with no rows. */
  empty(): string;
}

/** A selected field's value in a row: the record's or its parent's, null when absent. */
function fieldValueOf(field: SelectedField, row: ResultRow): string | number | boolean | null {
  const source = field.parent ? row.parents.get(field.parent.alias) : row;
  if (!source) return null;
  if (field.field.name === 'Id') return source.id;
  const value = source.data[field.field.name];
  return value === undefined ? null : value;
}

/**
 * CSV results: Bulk v1's always in commas and LF; a Bulk API 2.0 query job's in the delimiter and
 * line ending it names (v2-result-writer.ts), with the same value forms (the one real 2.0 capture,
 * real_v52_query_results.csv, agrees with v1; only a vendor page says 2.0 differs, spec §4.4).
 */
export function csvWriter(fields: readonly SelectedField[], delimiter = ',', lineEnding = '\n'): ResultWriter {
  const head = `${fields.map((f) => csvQuote(f.label)).join(delimiter)}${lineEnding}`;
  return {
    head: () => head,
    row: (row) => `${fields.map((f) => csvQuote(String(fieldValueOf(f, row) ?? ''))).join(delimiter)}${lineEnding}`,
    tail: () => '',
    // What Salesforce sends for a CSV query that matched nothing.
    empty: () => 'Records not found for this query',
  };
}

function xmlWriter(objectName: string, fields: readonly SelectedField[]): ResultWriter {
  const selectsId = fields.some((f) => !f.parent && f.field.name === 'Id');
  const head = `${XML_DECLARATION}\n<queryResult xmlns="${DATALOAD_NS}" xmlns:xsi="${XSI_NS}">`;
  const leaf = (name: string, value: string | number | boolean | null) => (value === null ? `<${name} xsi:nil="true"/>` : `<${name}>${escapeXml(String(value))}</${name}>`);
  return {
    head: () => head,
    row: (row) => {
      let out = `<records xsi:type="sObject"><type>${objectName}</type>${selectsId ? leaf('Id', row.id) : '<Id xsi:nil="true"/>'}`;
      const done = new Set<string>();
      for (const f of fields) {
        if (!f.parent) {
          out += leaf(f.field.name, fieldValueOf(f, row));
          continue;
        }
        if (done.has(f.parent.alias)) continue;
        done.add(f.parent.alias);
        const parent = row.parents.get(f.parent.alias);
        if (!parent) {
          out += `<${f.parent.name} xsi:nil="true"/>`;
          continue;
        }
        out += `<${f.parent.name} xsi:type="sObject"><type>${f.parent.object.name}</type><Id xsi:nil="true"/>`;
        for (const g of fields) if (g.parent?.alias === f.parent.alias) out += leaf(g.field.name, fieldValueOf(g, row));
        out += `</${f.parent.name}>`;
      }
      return `${out}</records>`;
    },
    tail: () => '</queryResult>',
    empty: () => `${head}</queryResult>`,
  };
}

type JsonValue = (f: SelectedField, value: string | number | boolean | null) => unknown;

/**
 * A row as a JSON record with `attributes` and its parents nested (Bulk JSON results and the REST
 * query share the shape; `value` converts what differs: Bulk sends dateTimes as epoch ms, REST as text).
 */
export function jsonRecord(objectName: string, fields: readonly SelectedField[], row: ResultRow, apiVersion: string, value: JsonValue = (_f, v) => v): Record<string, unknown> {
  const url = (type: string, id: string) => `/services/data/v${apiVersion}/sobjects/${type}/${id}`;
  const record: Record<string, unknown> = { attributes: { type: objectName, url: url(objectName, row.id) } };
  for (const f of fields) {
    if (!f.parent) {
      record[f.field.name] = value(f, fieldValueOf(f, row));
      continue;
    }
    const parent = row.parents.get(f.parent.alias);
    if (!parent) {
      record[f.parent.name] = null;
      continue;
    }
    const nested = (record[f.parent.name] ??= { attributes: { type: f.parent.object.name, url: url(f.parent.object.name, parent.id) } }) as Record<string, unknown>;
    nested[f.field.name] = value(f, fieldValueOf(f, row));
  }
  return record;
}

function jsonWriter(objectName: string, fields: readonly SelectedField[], apiVersion: string): ResultWriter {
  const epochMs: JsonValue = (f, value) => (f.field.type === 'datetime' && typeof value === 'string' ? Date.parse(value) : value);
  let first = true;
  return {
    head: () => {
      first = true;
      return '[ ';
    },
    row: (row) => {
      const record = jsonRecord(objectName, fields, row, apiVersion, epochMs);
      const text = `${first ? '' : ', '}${JSON.stringify(record)}`;
      first = false;
      return text;
    },
    tail: () => ' ]',
    empty: () => '[ ]',
  };
}

export function resultWriter(format: DataFormat, objectName: string, fields: readonly SelectedField[], apiVersion: string): ResultWriter {
  if (format === 'csv') return csvWriter(fields);
  if (format === 'xml') return xmlWriter(objectName, fields);
  return jsonWriter(objectName, fields, apiVersion);
}

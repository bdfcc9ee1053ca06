/**
 * Record-level results of a DML batch, one per input row in request order (wire §5.1 to 5.3).
 * Writing yields one chunk per row so that a server can stream a 10,000-row result; reading is
 * incremental in all three formats. CSV keeps the exact wire form: the header
 * `"Id","Success","Created","Error"`, every value quoted, LF endings, and errors written as
 * `STATUS_CODE:message:field1,field2 --` (or `STATUS_CODE:message:--` with no fields).
 */
import { ParseError } from '../errors.js';
import { readCsvRecords } from '../csv/read-csv-records.js';
import type { DmlResult, ResultError } from '../types.js';
import type { DataFormat } from './content-types.js';
import { readJsonArray } from './json-reader.js';
import { readXmlElements, childText, type XmlElement } from './xml-reader.js';
import { DATALOAD_NS, XML_DECLARATION, escapeXml } from './xml-writer.js';

export const CSV_RESULT_HEADER = '"Id","Success","Created","Error"\n';

/** Quotes a CSV value, doubling embedded quotes (every result value is quoted on the wire). */
export function csvQuote(value: string): string {
  return `"${value.includes('"') ? value.replaceAll('"', '""') : value}"`;
}

/** One error in the CSV result form. Several errors of one row go on separate lines. */
export function formatResultErrors(errors: readonly ResultError[]): string {
  return errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.length ? `${e.fields.join(',')} --` : '--'}`).join('\n');
}

/**
 * The structured form of a CSV error cell. The status code runs to the first colon, the field list
 * from the last colon (Data Loader reads it the same way), the message is what lies between.
 */
export function parseResultErrors(text: string): ResultError[] {
  if (text === '') return [];
  return text.split('\n').map((line) => {
    const first = line.indexOf(':');
    const last = line.lastIndexOf(':');
    if (first < 0 || last === first) return { statusCode: first < 0 ? line : line.slice(0, first), message: line.slice(first + 1), fields: [] };
    const fieldText = line.slice(last + 1).replace(/\s*--$/, '');
    return {
      statusCode: line.slice(0, first),
      message: line.slice(first + 1, last),
      fields: fieldText ? fieldText.split(',') : [],
    };
  });
}

/** One result as a CSV line, in the layout of CSV_RESULT_HEADER. */
export function dmlResultCsvRow(r: DmlResult): string {
  return `${csvQuote(r.id ?? '')},"${r.success}","${r.created}",${csvQuote(formatResultErrors(r.errors))}\n`;
}

function xmlRow(r: DmlResult): string {
  let out = '  <result>\n';
  for (const e of r.errors) {
    out += '    <errors>\n';
    for (const f of e.fields) out += `      <fields>${escapeXml(f)}</fields>\n`;
    out += `      <message>${escapeXml(e.message)}</message>\n      <statusCode>${escapeXml(e.statusCode)}</statusCode>\n    </errors>\n`;
  }
  if (r.id !== null) out += `    <id>${r.id}</id>\n`;
  return `${out}    <success>${r.success}</success>\n    <created>${r.created}</created>\n  </result>\n`;
}

function jsonRow(r: DmlResult): string {
  const errors = r.errors.map((e) => `{"fields":${JSON.stringify(e.fields)},"message":${JSON.stringify(e.message)},"statusCode":${JSON.stringify(e.statusCode)}}`);
  return `{"success":${r.success},"created":${r.created},"id":${JSON.stringify(r.id)},"errors":[${errors.join(',')}]}`;
}

/** The result document, one chunk per row plus a head and a tail. */
export function* serializeDmlResults(results: Iterable<DmlResult>, format: DataFormat): Generator<string> {
  if (format === 'csv') {
    yield CSV_RESULT_HEADER;
    for (const r of results) yield dmlResultCsvRow(r);
  } else if (format === 'xml') {
    yield `${XML_DECLARATION}\n<results xmlns="${DATALOAD_NS}">\n`;
    for (const r of results) yield xmlRow(r);
    yield '</results>';
  } else {
    let first = true;
    for (const r of results) {
      yield `${first ? '[' : ','}${jsonRow(r)}`;
      first = false;
    }
    yield first ? '[]' : ']';
  }
}

const bool = (text: string | undefined) => text?.trim().toLowerCase() === 'true';

function fromXml(element: XmlElement): DmlResult {
  const errors = element.children
    .filter((c) => c.name === 'errors')
    .map((e) => ({
      statusCode: childText(e, 'statusCode') ?? '',
      message: childText(e, 'message') ?? '',
      fields: e.children.filter((c) => c.name === 'fields').map((c) => c.text),
    }));
  const id = childText(element, 'id');
  return { id: id ? id : null, success: bool(childText(element, 'success')), created: bool(childText(element, 'created')), errors };
}

function fromJson(value: unknown, index: number): DmlResult {
  const source = 'results';
  if (typeof value !== 'object' || value === null) throw new ParseError('expected a result object', { source, record: index + 1 });
  const o = value as Record<string, unknown>;
  const errors = Array.isArray(o.errors) ? o.errors : [];
  return {
    id: typeof o.id === 'string' && o.id ? o.id : null,
    success: o.success === true || o.success === 'true',
    created: o.created === true || o.created === 'true',
    errors: errors.map((e: Record<string, unknown>) => ({
      statusCode: String(e.statusCode ?? ''),
      message: String(e.message ?? ''),
      fields: Array.isArray(e.fields) ? e.fields.map(String) : [],
    })),
  };
}

/** Yields each row's result as it is read. */
export async function* readDmlResults(chunks: AsyncIterable<Uint8Array | string>, format: DataFormat): AsyncGenerator<DmlResult> {
  const source = 'results';
  if (format === 'xml') {
    for await (const element of readXmlElements(chunks, { source, rootNames: ['results'], depth: 2 })) {
      if (element.name === 'result') yield fromXml(element);
    }
  } else if (format === 'json') {
    let index = 0;
    for await (const value of readJsonArray(chunks, { source })) yield fromJson(value, index++);
  } else {
    // By header name, as jsforce and Data Loader read it; the column order is not relied on.
    let index: { id: number; success: number; created: number; error: number } | undefined;
    for await (const records of readCsvRecords(chunks, { source })) {
      for (const record of records) {
        if (!index) {
          const at = (name: string) => record.indexOf(name);
          index = { id: at('Id'), success: at('Success'), created: at('Created'), error: at('Error') };
          if (index.success < 0) throw new ParseError('CSV result has no "Success" column', { source, line: 1 });
          continue;
        }
        const id = index.id >= 0 ? record[index.id] : undefined;
        yield {
          id: id ? id : null,
          success: bool(record[index.success]),
          created: bool(index.created >= 0 ? record[index.created] : undefined),
          errors: parseResultErrors(index.error >= 0 ? (record[index.error] ?? '') : ''),
        };
      }
    }
  }
}

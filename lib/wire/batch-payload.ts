/**
 * Reads a batch payload (CSV, XML or JSON records, wire §8) held in memory (at most 10 MB) into rows
 * aligned with the batch's columns, where a value is a string, null (`#N/A` in CSV, `xsi:nil` in
 * XML, `null` in JSON) or undefined (an empty CSV cell or a missing element: left unchanged on
 * update). Relationship columns come out as `Relationship.Field`. The local org reads uploads with
 * it, a chunk of rows at a time (openBatchPayload): a CSV batch is checked whole in one pass that
 * keeps only where each record ends, and each chunk's rows are read again from the text when they
 * are asked for, so that they die young instead of living (and being promoted) through the batch.
 */
import { PayloadError } from '../errors.js';
import { parseCsvText } from '../csv/parse-csv-text.js';
import { XmlElementCollector, type XmlElement } from './xml-reader.js';
import type { DataFormat } from './content-types.js';

type FieldValue = string | null | undefined;
/** One input row: values by column position (see Payload.columns). */
export type PayloadRow = FieldValue[];

export interface Payload {
  /** Every column seen, in order; for CSV the header. */
  readonly columns: readonly string[];
  readonly rows: readonly PayloadRow[];
}

/** A batch payload read and checked whole, whose rows are handed out a range at a time. */
export interface BatchPayload {
  /** Every column seen, in order; for CSV the header. */
  readonly columns: readonly string[];
  /** How many records the batch holds. */
  readonly count: number;
  /** Records `start` to `end` (exclusive): for CSV read again from the text, new arrays on each call. */
  rows(start: number, end: number): PayloadRow[];
}

/** Called with each record as the payload is checked, in order (its row is not kept unless the format keeps it). */
export type PayloadRowCheck = (row: Readonly<PayloadRow>, index: number, columns: readonly string[]) => void;

const noData = () => new PayloadError('Unable to find any data to create batch', true);

/** Reads the decoded text of a batch, every row at once (tests, small payloads). */
export function readBatchPayload(text: string, format: DataFormat): Payload {
  const payload = openBatchPayload(text, format);
  return { columns: payload.columns, rows: payload.rows(0, payload.count) };
}

/**
 * Reads the decoded text of a batch through once, failing as readBatchPayload does, and calls
 * `check` with each row on the way. CSV keeps only the text and where each record ends; XML and
 * JSON (whose columns are known only at their end) keep their rows.
 */
export function openBatchPayload(text: string, format: DataFormat, check?: PayloadRowCheck): BatchPayload {
  if (text.trim() === '') throw noData();
  if (format === 'csv') return openCsv(text, check);
  const payload = format === 'json' ? readJson(text) : readXml(text);
  for (let i = 0; check && i < payload.rows.length; i++) check(payload.rows[i] as PayloadRow, i, payload.columns);
  return { columns: payload.columns, count: payload.rows.length, rows: (start, end) => payload.rows.slice(start, end) };
}

const csvValue = (value: string): FieldValue => (value === '' ? undefined : value === '#N/A' ? null : value);

function openCsv(text: string, check: PayloadRowCheck | undefined): BatchPayload {
  let header: string[] | undefined;
  let headerEnd = 0;
  // Where each record's text ends (its line end included): chunk k is the text between two of these.
  let ends = new Uint32Array(1024);
  let count = 0;
  try {
    // No BOM stripping: Salesforce reads a BOM as part of the first header name.
    parseCsvText(text, (fields, line, _problem, end) => {
      if (!header) {
        header = fields;
        headerEnd = end;
        return;
      }
      if (fields.length !== header.length) {
        throw new PayloadError(`Failed to parse CSV at line ${line}: the record has ${fields.length} fields, the header ${header.length}`);
      }
      if (count === ends.length) {
        const grown = new Uint32Array(ends.length * 2);
        grown.set(ends);
        ends = grown;
      }
      ends[count] = end;
      if (check) check(fields.map(csvValue), count, header);
      count++;
    });
  } catch (err) {
    if (err instanceof PayloadError) throw err;
    throw new PayloadError(`Failed to parse CSV: ${(err as Error).message}`);
  }
  if (!header) throw noData();
  const seen = new Set<string>();
  for (const column of header) {
    const key = column.toLowerCase();
    if (seen.has(key)) throw new PayloadError(`Duplicate header specified: ${column}`);
    seen.add(key);
  }
  const columns = header;
  const offsets = ends.subarray(0, count);
  return {
    columns,
    count,
    rows(start, end) {
      const rows: PayloadRow[] = [];
      const last = Math.min(end, count);
      if (start >= last) return rows;
      const from = start === 0 ? headerEnd : (offsets[start - 1] as number);
      // Text already read whole without a fault: it reads the same again.
      parseCsvText(text.slice(from, offsets[last - 1]), (fields) => rows.push(fields.map(csvValue)));
      return rows;
    },
  };
}

/** Aligns name -> value records (XML, JSON) on the union of their columns, in order of first appearance. */
function aligned(records: ReadonlyArray<Map<string, string | null>>): Payload {
  const index = new Map<string, number>();
  for (const record of records) for (const key of record.keys()) if (!index.has(key)) index.set(key, index.size);
  const rows = records.map((record) => {
    const row: PayloadRow = new Array<FieldValue>(index.size);
    for (const [key, value] of record) row[index.get(key) as number] = value;
    return row;
  });
  return { columns: [...index.keys()], rows };
}

function readJson(text: string): Payload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new PayloadError(`Failed to parse JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new PayloadError('Failed to parse JSON: the batch must be an array of records');
  return aligned(parsed.map(jsonPayloadRecord));
}

/** One record of a JSON payload as field -> value, parent references as `Relationship.Field`. */
export function jsonPayloadRecord(record: unknown, index: number): Map<string, string | null> {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new PayloadError(`Failed to parse JSON: record ${index + 1} is not an object`);
  }
  const row = new Map<string, string | null>();
  for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      // A parent reference by external id: {"Account": {"Ext_Id__c": "A-1"}}
      for (const [field, inner] of Object.entries(value as Record<string, unknown>)) {
        if (field === 'type' || field === 'attributes') continue;
        row.set(`${key}.${field}`, scalar(inner, `${key}.${field}`));
      }
    } else {
      row.set(key, scalar(value, key));
    }
  }
  return row;
}

function scalar(value: unknown, field: string): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new PayloadError(`Failed to parse JSON: field ${field} has a value that is not a scalar`);
}

function readXml(text: string): Payload {
  // Records are the sObject children of sObjects; a nested element is a parent reference.
  const collector = new XmlElementCollector({ source: 'batch', rootNames: ['sObjects'], depth: 2 });
  try {
    collector.write(text);
    collector.end();
  } catch (err) {
    throw new PayloadError(`Failed to parse XML: ${(err as Error).message}`);
  }
  const records = collector
    .take()
    .filter((e) => e.name === 'sObject')
    .map(xmlPayloadRecord);
  if (records.length === 0) throw noData();
  return aligned(records);
}

/** One `<sObject>` of an XML payload as field -> value (nil: null), parent references as `Relationship.Field`. */
export function xmlPayloadRecord(record: XmlElement): Map<string, string | null> {
  const row = new Map<string, string | null>();
  for (const field of record.children) {
    const parent = field.children.filter((c) => c.name !== 'type');
    if (parent.length > 0) {
      for (const inner of parent) row.set(`${field.name}.${inner.name}`, inner.nil ? null : inner.text);
    } else {
      row.set(field.name, field.nil ? null : field.text);
    }
  }
  return row;
}

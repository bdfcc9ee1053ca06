/**
 * Reads a batch's uploaded records (CSV, XML or JSON) into rows of `column -> value`, where a value
 * is a string, null (`#N/A` in CSV, `xsi:nil` in XML, `null` in JSON) or absent (an empty CSV cell:
 * left unchanged on update). Relationship columns come out as `Relationship.Field`. A payload that
 * cannot be read fails the whole batch with Salesforce's `InvalidBatch` texts.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { XmlElementCollector } from '../../lib/wire/xml-reader.js';
import type { DataFormat } from '../../lib/wire/content-types.js';

export type FieldValue = string | null;
/** One input row: its columns in order of appearance. */
export type PayloadRow = Map<string, FieldValue>;

export interface Payload {
  /** Every column seen, in order; for CSV the header. */
  readonly columns: readonly string[];
  readonly rows: readonly PayloadRow[];
}

/** A batch-level failure: the batch becomes Failed with this `stateMessage`. */
export class BatchFailure extends Error {
  constructor(readonly exceptionCode: string, message: string) {
    super(message);
  }
  get stateMessage(): string {
    return `${this.exceptionCode} : ${this.message}`;
  }
}

export function readPayload(body: Buffer, format: DataFormat): Payload {
  if (body.length === 0 || body.toString('utf8').trim() === '') throw new BatchFailure('ClientInputError', 'Unable to find any data to create batch');
  if (format === 'csv') return readCsv(body);
  if (format === 'json') return readJson(body);
  return readXml(body);
}

function readCsv(body: Buffer): Payload {
  let records: string[][];
  try {
    // No BOM stripping: Salesforce reads a BOM as part of the first header name.
    records = parseCsv(body, { bom: false, relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new BatchFailure('InvalidBatch', `Failed to parse CSV${line ? ` at line ${line}` : ''}: ${(err as Error).message}`);
  }
  const [header, ...data] = records;
  if (!header) throw new BatchFailure('ClientInputError', 'Unable to find any data to create batch');
  const seen = new Set<string>();
  for (const column of header) {
    const key = column.toLowerCase();
    if (seen.has(key)) throw new BatchFailure('InvalidBatch', `Duplicate header specified: ${column}`);
    seen.add(key);
  }
  const rows = data.map((values) => {
    const row: PayloadRow = new Map();
    values.forEach((value, i) => {
      if (value === '') return;
      row.set(header[i] as string, value === '#N/A' ? null : value);
    });
    return row;
  });
  return { columns: header, rows };
}

function readJson(body: Buffer): Payload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BatchFailure('InvalidBatch', `Failed to parse JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new BatchFailure('InvalidBatch', 'Failed to parse JSON: the batch must be an array of records');
  const columns = new Set<string>();
  const rows = parsed.map((record, index) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new BatchFailure('InvalidBatch', `Failed to parse JSON: record ${index + 1} is not an object`);
    }
    const row: PayloadRow = new Map();
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
    for (const key of row.keys()) columns.add(key);
    return row;
  });
  return { columns: [...columns], rows };
}

function scalar(value: unknown, field: string): FieldValue {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new BatchFailure('InvalidBatch', `Failed to parse JSON: field ${field} has a value that is not a scalar`);
}

function readXml(body: Buffer): Payload {
  // Records are the sObject children of sObjects; a nested element is a parent reference.
  const collector = new XmlElementCollector({ source: 'batch', rootNames: ['sObjects'], depth: 2 });
  try {
    collector.write(body.toString('utf8'));
    collector.end();
  } catch (err) {
    throw new BatchFailure('InvalidBatch', `Failed to parse XML: ${(err as Error).message}`);
  }
  const columns = new Set<string>();
  const rows = collector.take().filter((e) => e.name === 'sObject').map((record) => {
    const row: PayloadRow = new Map();
    for (const field of record.children) {
      const parent = field.children.filter((c) => c.name !== 'type');
      if (parent.length > 0) {
        for (const inner of parent) row.set(`${field.name}.${inner.name}`, inner.nil ? null : inner.text);
      } else {
        row.set(field.name, field.nil ? null : field.text);
      }
    }
    for (const key of row.keys()) columns.add(key);
    return row;
  });
  if (rows.length === 0) throw new BatchFailure('ClientInputError', 'Unable to find any data to create batch');
  return { columns: [...columns], rows };
}

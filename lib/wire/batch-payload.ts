/**
 * Reads a batch payload (CSV, XML or JSON records, wire §8) held in memory (at most 10 MB) into rows
 * aligned with the batch's columns, where a value is a string, null (`#N/A` in CSV, `xsi:nil` in
 * XML, `null` in JSON) or undefined (an empty CSV cell or a missing element: left unchanged on
 * update). Relationship columns come out as `Relationship.Field`. The local org reads uploads with
 * it, a chunk of rows at a time (openBatchPayload): a CSV batch is checked whole in one pass that
 * keeps only where each record ends, and each chunk's rows are read again from the bytes when they
 * are asked for, so that they die young instead of living (and being promoted) through the batch;
 * its text is decoded a window at a time, never as one string.
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
  /** The decoded text's length in characters (UTF-16 code units), for the batch limits. */
  readonly characters: number;
  /** Records `start` to `end` (exclusive): for CSV read again from the bytes, new arrays on each call. */
  rows(start: number, end: number): PayloadRow[];
}

/** Called with each record as the payload is checked, in order (its row is not kept unless the format keeps it). */
export type PayloadRowCheck = (row: Readonly<PayloadRow>, index: number, columns: readonly string[]) => void;

export interface BatchPayloadOptions {
  /**
   * CSV: bytes decoded at a time (each piece ends at a line end outside quotes, so a record never
   * spans two); default 32 KiB, under V8's large-object size, so that each piece is a young string.
   */
  readonly windowBytes?: number;
}

const noData = () => new PayloadError('Unable to find any data to create batch', true);

/** Reads the decoded text of a batch, every row at once (tests, small payloads). */
export function readBatchPayload(text: string, format: DataFormat): Payload {
  const payload = openBatchPayload(text, format);
  return { columns: payload.columns, rows: payload.rows(0, payload.count) };
}

/**
 * Reads a batch (its UTF-8 bytes, or its text) through once, failing as readBatchPayload does, and
 * calls `check` with each row on the way. CSV is decoded a window of bytes at a time and keeps only
 * the bytes and where each record ends: no string of the whole batch is made (issue 28: a 10 MB
 * string lives in V8's large-object space until a major GC). XML and JSON (whose columns are known
 * only at their end) are decoded whole and keep their rows.
 */
export function openBatchPayload(data: string | Uint8Array, format: DataFormat, check?: PayloadRowCheck, options: BatchPayloadOptions = {}): BatchPayload {
  if (format === 'csv') {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (blank(bytes)) throw noData();
    return openCsv(bytes, check, options.windowBytes ?? WINDOW_BYTES);
  }
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (text.trim() === '') throw noData();
  const payload = format === 'json' ? readJson(text) : readXml(text);
  for (let i = 0; check && i < payload.rows.length; i++) check(payload.rows[i] as PayloadRow, i, payload.columns);
  return { columns: payload.columns, count: payload.rows.length, characters: text.length, rows: (start, end) => payload.rows.slice(start, end) };
}

const csvValue = (value: string): FieldValue => (value === '' ? undefined : value === '#N/A' ? null : value);

/** 32 KiB: well under V8's largest regular object (128 KiB), so a window's string is born young. */
const WINDOW_BYTES = 32 * 1024;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Whether the bytes decode to nothing but white space (String.prototype.trim's), a piece at a time. */
function blank(bytes: Uint8Array): boolean {
  const decoder = new TextDecoder();
  for (let from = 0; from < bytes.length; from += WINDOW_BYTES) {
    if (decoder.decode(bytes.subarray(from, from + WINDOW_BYTES), { stream: true }).trim() !== '') return false;
  }
  return decoder.decode().trim() === '';
}

/**
 * Where the window that starts at `from` ends: after the first line end (an LF, or a CR not followed
 * by an LF) at or after `from + size - 1` that is outside quotes (each `"` flips the state: a `""`
 * inside quotes flips it twice), else the end.
 * Up to a payload's first syntax fault this is a record's end as parseCsvText reads it; the window
 * holding that fault starts at a true record's start, so the fault is found and reported as before.
 * LF and CR are bytes that no UTF-8 sequence holds: a window decodes to the same characters as the
 * whole payload has there.
 */
function windowEnd(bytes: Uint8Array, from: number, size: number): number {
  const min = from + size - 1;
  const n = bytes.length;
  let quoted = false;
  for (let i = from; i < n; i++) {
    const b = bytes[i];
    if (b === QUOTE) quoted = !quoted;
    // A CRLF is cut after its LF; a bare CR (the parser takes CR-only files) is a line end of its own.
    else if ((b === LF || (b === CR && bytes[i + 1] !== LF)) && !quoted && i >= min) return i + 1;
  }
  return n;
}

function openCsv(bytes: Uint8Array, check: PayloadRowCheck | undefined, windowBytes: number): BatchPayload {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: string[] | undefined;
  let headerEnd = 0;
  let headerWindow = 0;
  // Where each record's text ends (its line end included), in its window's string.
  let ends = new Uint32Array(1024);
  let count = 0;
  // Each window's first byte and the index of its first record (the end is the next one's start).
  const windowStarts: number[] = [];
  const windowFirsts: number[] = [];
  let characters = 0;
  try {
    let line = 1;
    for (let from = 0; from < buffer.length; ) {
      const to = windowEnd(buffer, from, windowBytes);
      const text = buffer.toString('utf8', from, to);
      windowStarts.push(from);
      windowFirsts.push(count);
      characters += text.length;
      // No BOM stripping: Salesforce reads a BOM as part of the first header name.
      line = parseCsvText(
        text,
        (fields, recordLine, _problem, end) => {
          if (!header) {
            header = fields;
            headerEnd = end;
            headerWindow = windowStarts.length - 1;
            return;
          }
          if (fields.length !== header.length) {
            throw new PayloadError(`Failed to parse CSV at line ${recordLine}: the record has ${fields.length} fields, the header ${header.length}`);
          }
          if (count === ends.length) {
            const grown = new Uint32Array(ends.length * 2);
            grown.set(ends);
            ends = grown;
          }
          ends[count] = end;
          if (check) check(fields.map(csvValue), count, header);
          count++;
        },
        'CSV',
        line,
      );
      from = to;
    }
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
  const windows = windowStarts.length;
  // The window read last (chunks ask for consecutive ranges): at most one window's string is kept.
  let cached = -1;
  let cachedText = '';
  const windowText = (w: number): string => {
    if (w !== cached) {
      cachedText = buffer.toString('utf8', windowStarts[w] as number, w + 1 < windows ? (windowStarts[w + 1] as number) : buffer.length);
      cached = w;
    }
    return cachedText;
  };
  /** The window holding record r: the last whose first record is at most r. */
  const windowOf = (r: number): number => {
    let lo = 0;
    let hi = windows - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((windowFirsts[mid] as number) <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    columns,
    count,
    characters,
    rows(start, end) {
      const rows: PayloadRow[] = [];
      const last = Math.min(end, count);
      for (let r = start; r < last; ) {
        const w = windowOf(r);
        const first = windowFirsts[w] as number;
        const stop = Math.min(last, w + 1 < windows ? (windowFirsts[w + 1] as number) : count);
        const from = r > first ? (offsets[r - 1] as number) : w === headerWindow ? headerEnd : 0;
        // Text already read without a fault: it reads the same again.
        parseCsvText(windowText(w).slice(from, offsets[stop - 1]), (fields) => rows.push(fields.map(csvValue)));
        r = stop;
      }
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

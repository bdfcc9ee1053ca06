/**
 * CsvBatchSplitter: the fast path for CSV input that needs no transformation. It finds record
 * boundaries in the raw bytes (quote-aware), prepends the header line to every batch and slices the
 * bytes into spooled batches, never splitting fields into strings. Buffers: the slices of one open
 * batch (at most maxBytes) and one partial record (bounded by maxBytes).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { ParseError } from '../lib/errors.js';
import { parseCsvText } from '../lib/csv/parse-csv-text.js';
import { CsvRecordScanner } from '../lib/csv/record-scanner.js';
import type { RowRun, SpooledBatch } from '../lib/load-types.js';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from '../lib/limits.js';
import { nonEmptyString, positiveInteger } from '../lib/options.js';

export interface CsvBatchSplitterOptions {
  /** Folder for the spool files. */
  readonly spoolDir: string;
  /** Named in errors. Default `input`. */
  readonly source?: string;
  /** Most records per batch; default and maximum 10,000. */
  readonly maxRecords?: number;
  /** Most bytes per batch, header included; default and maximum 10,000,000 (also bounds characters). */
  readonly maxBytes?: number;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const NEWLINE = Buffer.from('\n');

export class CsvBatchSplitter extends Transform {
  readonly #dir: string;
  readonly #source: string;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #scanner = new CsvRecordScanner();
  #header: Buffer | undefined;
  #columns: readonly string[] = [];
  /** The partial record at the end of the last chunk. */
  #carry: Buffer[] = [];
  #carryBytes = 0;
  #slices: Buffer[] = [];
  #bytes = 0;
  #records = 0;
  #row = 0;
  #firstRow = 1;
  #seq = 0;

  constructor(options: CsvBatchSplitterOptions) {
    super({ readableObjectMode: true, writableObjectMode: false, readableHighWaterMark: 1 });
    this.#dir = nonEmptyString('spoolDir', options.spoolDir);
    this.#source = nonEmptyString('source', options.source ?? 'input');
    this.#maxRecords = positiveInteger('maxRecords', options.maxRecords ?? MAX_BATCH_RECORDS, MAX_BATCH_RECORDS);
    this.#maxBytes = positiveInteger('maxBytes', options.maxBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#scan(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      if (this.#scanner.inQuote) throw new ParseError('unterminated quoted field at the end of the input', { source: this.#source, record: this.#row + 1 });
      if (this.#carryBytes > 0) await this.#record(Buffer.concat([...this.#carry, NEWLINE]));
      this.#carry = [];
      if (!this.#header) throw new ParseError('the input is empty: expected a CSV header line', { source: this.#source, line: 1 });
      await this.#cut();
    })().then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#slices = [];
    this.#carry = [];
    callback(err);
  }

  async #scan(chunk: Buffer): Promise<void> {
    let pos = 0;
    for (let end = this.#scanner.next(chunk, 0); end >= 0; end = this.#scanner.next(chunk, pos)) {
      const piece = chunk.subarray(pos, end);
      const record = this.#carryBytes > 0 ? Buffer.concat([...this.#carry, piece]) : piece;
      this.#carry = [];
      this.#carryBytes = 0;
      pos = end;
      await this.#record(record);
    }
    if (pos < chunk.length) {
      this.#carry.push(chunk.subarray(pos));
      this.#carryBytes += chunk.length - pos;
      if (this.#carryBytes > this.#maxBytes) throw new ParseError(`a record is larger than ${this.#maxBytes} bytes`, { source: this.#source, record: this.#row + 1 });
    }
  }

  /** One record's bytes, newline included. */
  async #record(record: Buffer): Promise<void> {
    if (record.length === 1 || (record.length === 2 && record[0] === 0x0d)) return; // an empty line
    if (!this.#header) {
      const header = record.subarray(0, 3).equals(BOM) ? record.subarray(3) : record;
      const columns: string[][] = [];
      parseCsvText(header.toString('utf8'), (fields) => columns.push(fields), this.#source);
      this.#columns = columns[0] ?? [];
      this.#header = Buffer.from(header);
      return;
    }
    if (record.length + this.#header.length > this.#maxBytes) {
      throw new ParseError(`a record and the header are larger than ${this.#maxBytes} bytes`, { source: this.#source, record: this.#row + 1 });
    }
    if (this.#records > 0 && (this.#records >= this.#maxRecords || this.#bytes + record.length > this.#maxBytes)) await this.#cut();
    if (this.#records === 0) {
      this.#bytes = this.#header.length;
      this.#firstRow = this.#row + 1;
    }
    this.#slices.push(record);
    this.#bytes += record.length;
    this.#records++;
    this.#row++;
  }

  async #cut(): Promise<void> {
    if (this.#records === 0 || !this.#header) return;
    const seq = this.#seq++;
    const path = join(this.#dir, `batch-${String(seq).padStart(6, '0')}.csv`);
    const body = Buffer.concat([this.#header, ...this.#slices], this.#bytes);
    const rows: RowRun[] = [[this.#firstRow, this.#records]];
    const records = this.#records;
    this.#slices = [];
    this.#records = 0;
    this.#bytes = 0;
    await writeFile(path, body);
    const batch: SpooledBatch = { kind: 'batch', seq, path, contentType: 'CSV', records, bytes: body.length, rows, columns: this.#columns };
    this.emit('batch', batch);
    this.push(batch);
  }
}

/** A CsvBatchSplitter; e.g. `pipeline(createReadStream(path), csvBatchSplitter({ spoolDir }), submitter, ...)`. */
export const csvBatchSplitter = (options: CsvBatchSplitterOptions) => new CsvBatchSplitter(options);

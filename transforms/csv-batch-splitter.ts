/**
 * CsvBatchSplitter: the fast path for CSV input that needs no transformation. It finds record
 * boundaries in the raw bytes (quote-aware), prepends the header line to every batch and slices the
 * bytes into spooled batches, never splitting fields into strings. Buffers: the slices of one open
 * batch (at most maxBytes) and one partial record (bounded by maxBytes).
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { ParseError } from '../lib/errors.js';
import { parseCsvText } from '../lib/csv/parse-csv-text.js';
import { CsvRecordScanner } from '../lib/csv/record-scanner.js';
import type { RowRun, SpooledBatch } from '../lib/load-types.js';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from '../lib/limits.js';
import { nonEmptyString, positiveInteger } from '../lib/options.js';
import { InputStop } from './input-stop.js';

export interface CsvBatchSplitterOptions {
  /** Folder for the spool files. */
  readonly spoolDir: string;
  /** Named in errors. Default `input`. */
  readonly source?: string;
  /** Most records per batch; default and maximum 10,000. */
  readonly maxRecords?: number;
  /** Most bytes per batch, header included; default and maximum 10,000,000 (also bounds characters). */
  readonly maxBytes?: number;
  /**
   * Stop instead of fail: on malformed input, report the error here and end normally, with the
   * records before the error still batched, so that they can be finished.
   */
  readonly onError?: (err: Error) => void;
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
  /** Stopping drops a partial record. */
  readonly #stop: InputStop;

  constructor(options: CsvBatchSplitterOptions) {
    super({ readableObjectMode: true, writableObjectMode: false, readableHighWaterMark: 1 });
    this.#dir = nonEmptyString('spoolDir', options.spoolDir);
    this.#source = nonEmptyString('source', options.source ?? 'input');
    this.#maxRecords = positiveInteger('maxRecords', options.maxRecords ?? MAX_BATCH_RECORDS, MAX_BATCH_RECORDS);
    this.#maxBytes = positiveInteger('maxBytes', options.maxBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
    this.#stop = new InputStop(options.onError, () => {
      this.#carry = [];
      this.#carryBytes = 0;
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#stop.stopped) return callback(); // the rest of a malformed input is read and dropped
    this.#scan(chunk).then(() => callback(), (err: Error) => this.#stop.fail(err, callback));
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      if (!this.#stop.stopped) {
        if (this.#scanner.inQuote) throw new ParseError('unterminated quoted field at the end of the input', { source: this.#source, record: this.#row + 1 });
        if (this.#carryBytes > 0) await this.#record(Buffer.concat([...this.#carry, NEWLINE]));
        this.#carry = [];
        if (!this.#header) throw new ParseError('the input is empty: expected a CSV header line', { source: this.#source, line: 1 });
      }
      await this.#cut();
    })().then(
      () => callback(),
      (err: Error) => {
        // Stopping at the end still batches what came before the error.
        if (!this.#stop.stopsOnError || this.#stop.stopped) return callback(err);
        this.#stop.fail(err, () => undefined);
        this.#cut().then(() => callback(), callback);
      },
    );
  }

  /**
   * Stops taking records: the open batch (whole records only) is still cut when the input ends, a
   * partial record is dropped. For a graceful stop of a run.
   */
  stop(): void {
    this.#stop.stop();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#slices = [];
    this.#carry = [];
    callback(err);
  }

  /**
   * Records that lie whole inside the chunk join the open batch as one slice per run (no Buffer per
   * record); only a record that spans chunks is assembled on its own.
   */
  async #scan(chunk: Buffer): Promise<void> {
    let pos = 0;
    let segment = 0; // start of the run of this chunk's records that belong to the open batch
    const flushSegment = (end: number) => {
      if (end > segment) this.#slices.push(chunk.subarray(segment, end));
      segment = end;
    };
    for (let end = this.#scanner.next(chunk, 0); end >= 0; end = this.#scanner.next(chunk, pos)) {
      const start = pos;
      pos = end;
      const length = end - start;
      if (this.#carryBytes > 0 || !this.#header || length === 1 || (length === 2 && chunk[start] === 0x0d)) {
        // A record that began in an earlier chunk, the header, or an empty line: the general path.
        flushSegment(start);
        const record = this.#carryBytes > 0 ? Buffer.concat([...this.#carry, chunk.subarray(start, end)]) : chunk.subarray(start, end);
        this.#carry = [];
        this.#carryBytes = 0;
        segment = end;
        const cut = this.#record(record);
        if (cut) await cut;
        continue;
      }
      if (length + this.#header.length > this.#maxBytes) {
        throw new ParseError(`a record and the header are larger than ${this.#maxBytes} bytes`, { source: this.#source, record: this.#row + 1 });
      }
      if (this.#records > 0 && (this.#records >= this.#maxRecords || this.#bytes + length > this.#maxBytes)) {
        flushSegment(start);
        await this.#cut();
      }
      if (this.#records === 0) {
        this.#bytes = this.#header.length;
        this.#firstRow = this.#row + 1;
      }
      this.#bytes += length;
      this.#records++;
      this.#row++;
    }
    flushSegment(pos);
    if (pos < chunk.length) {
      this.#carry.push(chunk.subarray(pos));
      this.#carryBytes += chunk.length - pos;
      if (this.#carryBytes > this.#maxBytes) throw new ParseError(`a record is larger than ${this.#maxBytes} bytes`, { source: this.#source, record: this.#row + 1 });
    }
  }

  /** One record's bytes, newline included; returns a promise only when it had to cut a batch first. */
  #record(record: Buffer): Promise<void> | undefined {
    if (record.length === 1 || (record.length === 2 && record[0] === 0x0d)) return undefined; // an empty line
    if (!this.#header) {
      const header = record.subarray(0, 3).equals(BOM) ? record.subarray(3) : record;
      const columns: string[][] = [];
      parseCsvText(header.toString('utf8'), (fields) => columns.push(fields), this.#source);
      this.#columns = columns[0] ?? [];
      this.#header = Buffer.from(header);
      return undefined;
    }
    if (record.length + this.#header.length > this.#maxBytes) {
      throw new ParseError(`a record and the header are larger than ${this.#maxBytes} bytes`, { source: this.#source, record: this.#row + 1 });
    }
    if (this.#records > 0 && (this.#records >= this.#maxRecords || this.#bytes + record.length > this.#maxBytes)) {
      return this.#cut().then(() => this.#append(record));
    }
    this.#append(record);
    return undefined;
  }

  #append(record: Buffer): void {
    if (this.#records === 0) {
      this.#bytes = (this.#header as Buffer).length;
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
    const parts = [this.#header, ...this.#slices];
    const rows: RowRun[] = [[this.#firstRow, this.#records]];
    const records = this.#records;
    const bytes = this.#bytes;
    this.#slices = [];
    this.#records = 0;
    this.#bytes = 0;
    // writev sends the slices as they are: the batch is never copied into one buffer.
    const file = await open(path, 'w');
    try {
      await file.writev(parts);
    } finally {
      await file.close();
    }
    const batch: SpooledBatch = { kind: 'batch', seq, path, contentType: 'CSV', records, bytes, rows, columns: this.#columns };
    this.emit('batch', batch);
    this.push(batch);
  }
}

/** A CsvBatchSplitter; e.g. `pipeline(createReadStream(path), csvBatchSplitter({ spoolDir }), submitter, ...)`. */
export const csvBatchSplitter = (options: CsvBatchSplitterOptions) => new CsvBatchSplitter(options);

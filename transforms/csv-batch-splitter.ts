/**
 * CsvBatchSplitter: the fast path for CSV input into a CSV job. It finds record boundaries in the
 * raw bytes (quote-aware), prepends the header line to every batch and slices the bytes into
 * spooled batches, never splitting fields into strings. A header with bulkpipe's result columns
 * (`sf__*`: the input is an earlier run's output) is the one case that rewrites records: each is
 * parsed and written again without them. Buffers: the slices of one open batch (at most maxBytes)
 * and one partial record (bounded by maxBytes).
 */
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { ParseError } from '../lib/errors.js';
import { parseCsvText } from '../lib/csv/parse-csv-text.js';
import { CsvRecordScanner } from '../lib/csv/record-scanner.js';
import { describeColumnPlan, planColumns, type ColumnPlan } from '../lib/load/column-plan.js';
import { spoolOption, type LoadSpool } from '../lib/load/load-spool.js';
import { LOAD_OPERATIONS, type InputValue, type LoadOperation, type RowRun, type SpooledBatch } from '../lib/load-types.js';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from '../lib/limits.js';
import { nonEmptyString, oneOf, positiveInteger } from '../lib/options.js';
import { recordSerializer } from '../lib/records/serialize-record.js';
import { InputStop } from '../lib/streams/input-stop.js';

export interface CsvBatchSplitterOptions {
  /** The load's spool: where the payloads go. */
  readonly spool: LoadSpool;
  /** The operation, which decides whether an `sf__Id` column is uploaded as the Id; default insert. */
  readonly operation?: LoadOperation;
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
  /**
   * Go on with a load that stopped: the input given starts at a record boundary (the byte offset
   * after the last segment cut before), segments are numbered from `seq` and rows from `row` + 1,
   * and `header` is the input's header line as it was read then.
   */
  readonly resume?: { readonly seq: number; readonly row: number; readonly offset: number; readonly header: string };
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const NEWLINE = Buffer.from('\n');
const CSV = recordSerializer('CSV');

export class CsvBatchSplitter extends Transform {
  readonly #spool: LoadSpool;
  readonly #operation: LoadOperation;
  readonly #source: string;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #scanner = new CsvRecordScanner();
  #header: Buffer | undefined;
  #columns: readonly string[] = [];
  #plan: ColumnPlan | undefined;
  /** Set when records must be rewritten (result columns left out). */
  #rewriting = false;
  /** The partial record at the end of the last chunk. */
  #carry: Buffer[] = [];
  #carryBytes = 0;
  #slices: Buffer[] = [];
  #bytes = 0;
  #records = 0;
  #row = 0;
  #firstRow = 1;
  #seq = 0;
  /** Input bytes before the current chunk (from the start of the file, also when resumed at an offset). */
  #consumed = 0;
  /** The header line as read, BOM stripped. */
  #inputHeader: Buffer | undefined;
  /** Stopping drops a partial record. */
  readonly #stop: InputStop;

  constructor(options: CsvBatchSplitterOptions) {
    super({ readableObjectMode: true, writableObjectMode: false, readableHighWaterMark: 1 });
    this.#spool = spoolOption(options.spool);
    this.#operation = oneOf('operation', options.operation ?? 'insert', LOAD_OPERATIONS);
    this.#source = nonEmptyString('source', options.source ?? 'input');
    this.#maxRecords = positiveInteger('maxRecords', options.maxRecords ?? MAX_BATCH_RECORDS, MAX_BATCH_RECORDS);
    this.#maxBytes = positiveInteger('maxBytes', options.maxBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
    this.#stop = new InputStop(options.onError, () => {
      this.#carry = [];
      this.#carryBytes = 0;
    });
    if (options.resume) {
      this.#seq = options.resume.seq;
      this.#row = options.resume.row;
      this.#consumed = options.resume.offset;
      this.#setHeader(Buffer.from(options.resume.header));
    }
  }

  /** The input's header line as read (BOM stripped, line end kept), once read. */
  get inputHeader(): string | undefined {
    return this.#inputHeader?.toString('utf8');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#stop.stopped) return callback(); // the rest of a malformed input is read and dropped
    this.#scan(chunk).then(
      () => {
        this.#consumed += chunk.length;
        callback();
      },
      (err: Error) => this.#stop.fail(err, callback),
    );
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      if (!this.#stop.stopped) {
        if (this.#scanner.inQuote) throw new ParseError('unterminated quoted field at the end of the input', { source: this.#source, record: this.#row + 1 });
        if (this.#carryBytes > 0) await this.#record(Buffer.concat([...this.#carry, NEWLINE]), this.#consumed - this.#carryBytes);
        this.#carry = [];
        if (!this.#header) throw new ParseError('the input is empty: expected a CSV header line', { source: this.#source, line: 1 });
      }
      await this.#cut(this.#consumed);
    })().then(
      () => callback(),
      (err: Error) => {
        // Stopping at the end still batches what came before the error.
        if (!this.#stop.stopsOnError || this.#stop.stopped) return callback(err);
        this.#stop.fail(err, () => undefined);
        this.#cut(this.#consumed).then(() => callback(), callback);
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

  /** The column plan, once the header is read (the 'columns' event carries it too). */
  get plan(): ColumnPlan | undefined {
    return this.#plan;
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
      if (this.#carryBytes > 0 || !this.#header || length === 1 || (length === 2 && chunk[start] === 0x0d) || this.#rewriting) {
        // A record that began in an earlier chunk, the header, an empty line, or a record to rewrite: the general path.
        flushSegment(start);
        const record = this.#carryBytes > 0 ? Buffer.concat([...this.#carry, chunk.subarray(start, end)]) : chunk.subarray(start, end);
        const offset = this.#consumed + start - this.#carryBytes;
        this.#carry = [];
        this.#carryBytes = 0;
        segment = end;
        const cut = this.#record(record, offset);
        if (cut) await cut;
        continue;
      }
      if (length + this.#header.length > this.#maxBytes) {
        throw new ParseError(`a record and the header are larger than ${this.#maxBytes} bytes`, { source: this.#source, record: this.#row + 1 });
      }
      if (this.#records > 0 && (this.#records >= this.#maxRecords || this.#bytes + length > this.#maxBytes)) {
        flushSegment(start);
        await this.#cut(this.#consumed + start);
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

  /** One record's bytes, newline included, and its offset in the input; returns a promise only when it had to cut a batch first. */
  #record(bytes: Buffer, offset: number): Promise<void> | undefined {
    if (bytes.length === 1 || (bytes.length === 2 && bytes[0] === 0x0d)) return undefined; // an empty line
    if (!this.#header) {
      this.#setHeader(bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes);
      return undefined;
    }
    const record = this.#rewriting ? this.#rewrite(bytes) : bytes;
    if (record.length + this.#header.length > this.#maxBytes) {
      throw new ParseError(`a record and the header are larger than ${this.#maxBytes} bytes`, { source: this.#source, record: this.#row + 1 });
    }
    if (this.#records > 0 && (this.#records >= this.#maxRecords || this.#bytes + record.length > this.#maxBytes)) {
      return this.#cut(offset).then(() => this.#append(record));
    }
    this.#append(record);
    return undefined;
  }

  #setHeader(header: Buffer): void {
    const parsed: string[][] = [];
    parseCsvText(header.toString('utf8'), (fields) => parsed.push(fields), this.#source);
    const columns = parsed[0] ?? [];
    const plan = planColumns(columns, this.#operation);
    if (plan.upload.length === 0) throw new ParseError(`the header has only bulkpipe result columns (${columns.join(', ')}): nothing to upload`, { source: this.#source, line: 1 });
    this.#plan = plan;
    this.#inputHeader = Buffer.from(header);
    this.#columns = plan.upload;
    if (plan.identity) {
      this.#header = Buffer.from(header);
    } else {
      this.#rewriting = true;
      this.#header = Buffer.from(CSV.head(plan.upload));
    }
    this.emit('columns', plan, describeColumnPlan(plan));
  }

  /** A record without the columns the plan leaves out, written as the chunker writes a CSV record. */
  #rewrite(bytes: Buffer): Buffer {
    const plan = this.#plan as ColumnPlan;
    const fields: Record<string, InputValue> = {};
    parseCsvText(bytes.toString('utf8'), (values) => {
      if (values.length !== plan.input.length) throw new ParseError(`the record has ${values.length} fields, the header ${plan.input.length}`, { source: this.#source, record: this.#row + 1 });
      values.forEach((value, i) => {
        if (value !== '') fields[plan.input[i] as string] = value === '#N/A' ? null : value;
      });
    }, this.#source);
    return Buffer.from(CSV.record(plan.upload, fields, true, plan.sources));
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

  /** Ends the open batch; `offset`: where in the input the record after it starts. */
  async #cut(offset: number): Promise<void> {
    if (this.#records === 0 || !this.#header) return;
    const seq = this.#seq++;
    const parts = [this.#header, ...this.#slices];
    const rows: RowRun[] = [[this.#firstRow, this.#records]];
    const records = this.#records;
    const bytes = this.#bytes;
    this.#slices = [];
    this.#records = 0;
    this.#bytes = 0;
    const path = await this.#spool.path(seq, 'payload', 'csv');
    // writev sends the slices as they are: the batch is never copied into one buffer.
    const file = await open(path, 'w');
    try {
      await file.writev(parts);
    } finally {
      await file.close();
    }
    this.#spool.describe(seq, rows, records, 0);
    const batch: SpooledBatch = { kind: 'batch', seq, path, contentType: 'CSV', records, rejected: 0, bytes, rows, columns: this.#columns, end: { row: this.#row, offset } };
    this.emit('batch', batch);
    this.push(batch);
  }
}

/** A CsvBatchSplitter; e.g. `pipeline(createReadStream(path), csvBatchSplitter({ spool: new LoadSpool() }), submitter, ...)`. */
export const csvBatchSplitter = (options: CsvBatchSplitterOptions) => new CsvBatchSplitter(options);

/**
 * CsvBatchSplitter: the fast path for CSV input into a CSV job. It finds record boundaries in the
 * raw bytes (quote-aware), prepends the header line to every batch and slices the bytes into
 * spooled batches, never splitting fields into strings. A header with bulkpipe's result columns
 * (`sf__*`: the input is an earlier run's output) is the one case that rewrites records: each is
 * parsed and written again without them.
 * Each record is checked while it is scanned, still in the bytes: its field count against the
 * header (delimiters counted with indexOf), a stray quote (the scanner flags it), invalid UTF-8
 * (isUtf8 on each chunk, then on the records of a chunk that fails), a NUL byte (one indexOf per
 * chunk, then per record of a chunk that holds one), and its size against the field,
 * record and batch limits (only a record longer than a field may be can break them). A record
 * found suspect is parsed alone by the same judge as the parser's; a bad one goes to the segment's
 * reject file with its line and the reason, and is never uploaded. A record larger than a batch is
 * passed over without being kept.
 * A record ends at any line end outside quotes (LF, CRLF or a CR alone, mixed as the file mixes
 * them). The payload keeps LF and CRLF record ends as they are (both are line ends to the Bulk API),
 * but a CR alone is sent as an LF, which costs one extra slice per such record, no copy; quoted
 * line ends are values and stay as they are.
 * Buffers: the slices of one open batch (at most maxBytes), one partial record (bounded by
 * maxBytes) and up to 64 KiB of rejected records.
 */
import { isUtf8 } from 'node:buffer';
import type { TransformCallback } from 'node:stream';
import { ParseError } from '../lib/errors.js';
import { countCsvFields, countDelimiters, withoutLineEnd } from '../lib/csv/count-fields.js';
import { byteLineStart, countByteLineEnds } from '../lib/csv/line-ends.js';
import { csvRecordFault, fieldsByHeader, judgeCsvRecord, type CsvRecordRejection } from '../lib/csv/csv-record-fault.js';
import { delimiterOption } from '../lib/csv/delimiter.js';
import { parseCsvText } from '../lib/csv/parse-csv-text.js';
import { CsvRecordScanner } from '../lib/csv/record-scanner.js';
import type { BatchAlignment } from '../lib/load/batch-alignment.js';
import { recordDigest } from '../lib/load/csv-payload-records.js';
import { describeColumnPlan, planColumns, type ColumnPlan } from '../lib/load/column-plan.js';
import type { ColumnMap } from '../lib/load/column-map.js';
import { headerColumns } from '../lib/load/column-names.js';
import { inputFault } from '../lib/load/input-fault.js';
import { spoolOption, type LoadSpool } from '../lib/load/load-spool.js';
import { RejectWriter, type RejectEntry } from '../lib/load/reject-file.js';
import { LOAD_OPERATIONS, type InputValue, type LoadOperation, type RowRun, type SpooledBatch } from '../lib/load-types.js';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_FIELD_CHARACTERS } from '../lib/limits.js';
import { nonEmptyString, oneOf, positiveInteger } from '../lib/options.js';
import { recordSerializer } from '../lib/records/serialize-record.js';
import { failsTheRun, InputStop } from '../lib/streams/input-stop.js';
import { firstInvalidUtf8 } from '../lib/text/utf8-validity.js';
import { ChunkingStage } from './chunking-stage.js';

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
  /** The field separator, one character; default a comma. The job is told (columnDelimiter) by whoever creates it. */
  readonly delimiter?: string;
  /** Upload invalid UTF-8 as it is (the org reads it as U+FFFD) instead of rejecting its record. Default false. */
  readonly replaceInvalidUtf8?: boolean;
  /** Header names to API field names (the header line is uploaded renamed; the records as they are). */
  readonly columnMap?: ColumnMap;
  /**
   * Stop instead of fail: on malformed input, report the error here and end normally, with the
   * records before the error still batched, so that they can be finished.
   */
  readonly onError?: (err: Error) => void;
  /**
   * Go on with a load that stopped: the input given starts at a record boundary (the byte offset
   * after the last segment cut before), segments are numbered from `seq`, rows from `row` + 1 and
   * lines from `line` (when known), and `header` is the input's header line as it was read then.
   */
  readonly resume?: { readonly seq: number; readonly row: number; readonly offset: number; readonly line?: number; readonly header: string };
  /**
   * Rows after which a segment ends whatever its size, ascending: a resume that cuts segments again
   * cuts them where the run cut them before (a stop's short segment too), so that each has the bytes
   * of the batch the org holds for it.
   */
  readonly cuts?: readonly number[];
  /**
   * A resume's org batches by their first record (filled before the input is read): a segment that
   * begins with one of them ends after as many records as that batch holds, so that it has its bytes.
   */
  readonly align?: BatchAlignment;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const NEWLINE = Buffer.from('\n');
const CR = 0x0d;
const CSV = recordSerializer('CSV');

export class CsvBatchSplitter extends ChunkingStage {
  readonly #spool: LoadSpool;
  readonly #operation: LoadOperation;
  readonly #source: string;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #delimiter: number;
  readonly #checkUtf8: boolean;
  readonly #map: ColumnMap | undefined;
  readonly #scanner: CsvRecordScanner;
  #header: Buffer | undefined;
  #columns: readonly string[] = [];
  /** The input's column names, in order: what each record's fields are counted and named against. */
  #inputColumns: readonly string[] = [];
  #plan: ColumnPlan | undefined;
  /** Set when records must be rewritten (result columns left out). */
  #rewriting = false;
  /** The partial record at the end of the last chunk. */
  #carry: Buffer[] = [];
  #carryBytes = 0;
  /** A record too large to keep, being passed over: the line it starts on, its size so far, the line ends in it and whether it ends in a CR so far. */
  #skipping: { line: number; bytes: number; lines: number; cr: boolean } | undefined;
  #slices: Buffer[] = [];
  #bytes = 0;
  #records = 0;
  #runs: Array<[number, number]> = [];
  /** The open segment's rejected records. */
  #rejects: RejectWriter | undefined;
  #row = 0;
  /** The physical line the next record starts on. */
  #line = 1;
  #seq = 0;
  /** Input bytes before the current chunk (from the start of the file, also when resumed at an offset). */
  #consumed = 0;
  /** The header line as read, BOM stripped. */
  #inputHeader: Buffer | undefined;
  /** Stopping drops a partial record. */
  readonly #stop: InputStop;
  /** Where a stop in the middle of a chunk left the input: the next unread record's offset and line. */
  #stoppedAt: [offset: number, line: number] | undefined;
  /** The input ends cut off: its partial last record is dropped, and the last segment ends at `#cutAt`, where that record starts. */
  #cutOff = false;
  #cutAt: number | undefined;
  /** The rows of `cuts` not yet reached. */
  readonly #cuts: number[];
  readonly #align: BatchAlignment | undefined;
  /** Most records of the open segment: the batch size, or fewer where it lines up with an org batch (`align`). */
  #limit: number;

  constructor(options: CsvBatchSplitterOptions) {
    super({ readableObjectMode: true, writableObjectMode: false, readableHighWaterMark: 1 });
    this.#spool = spoolOption(options.spool);
    this.#operation = oneOf('operation', options.operation ?? 'insert', LOAD_OPERATIONS);
    this.#source = nonEmptyString('source', options.source ?? 'input');
    this.#maxRecords = positiveInteger('maxRecords', options.maxRecords ?? MAX_BATCH_RECORDS, MAX_BATCH_RECORDS);
    this.#maxBytes = positiveInteger('maxBytes', options.maxBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
    this.#delimiter = delimiterOption(options.delimiter ?? ',');
    this.#checkUtf8 = !(options.replaceInvalidUtf8 ?? false);
    this.#map = options.columnMap;
    this.#scanner = new CsvRecordScanner(this.#delimiter);
    // A stop keeps the partial record: where it starts is where a resumed run reads on (#unread).
    this.#stop = new InputStop(options.onError);
    this.#cuts = [...(options.cuts ?? [])];
    this.#align = options.align;
    this.#limit = this.#maxRecords;
    if (options.resume) {
      this.#seq = options.resume.seq;
      this.#row = options.resume.row;
      this.#line = options.resume.line ?? options.resume.row + 2;
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
    this.#stop.inputEnded();
    (async () => {
      // A stop ends the last segment where the first record not taken starts (computed before a cut drops the carry).
      const stoppedAt = this.#stop.stopped ? (this.#stoppedAt ?? this.#unread()) : undefined;
      if (stoppedAt) return this.#cut(...stoppedAt);
      if (this.#cutOff) {
        // A partial record at a cut is no record: the segment ends where it starts.
        this.#cutAt = this.#consumed - this.#carryBytes;
        this.#carry = [];
        this.#carryBytes = 0;
        this.#skipping = undefined;
      } else {
        if (this.#skipping) await this.#skipped(this.#consumed);
        else if (this.#carryBytes > 0) {
          // The last record, without a line end (or inside a quote that never closes: its own fault), or ended by a CR alone.
          const offset = this.#consumed - this.#carryBytes;
          const ended = !this.#scanner.inQuote && this.#carry.at(-1)?.at(-1) === CR;
          const last = Buffer.concat(ended ? this.#carry : [...this.#carry, NEWLINE]);
          this.#carry = [];
          this.#carryBytes = 0;
          await this.#record(last, offset, this.#scanner.quoted || this.#scanner.inQuote, this.#scanner.stray);
        }
      }
      await this.#cut(this.#cutAt ?? this.#consumed);
    })().then(
      () => callback(),
      (err: Error) => {
        // Stopping at the end still batches what came before the error.
        if (!this.#stop.stopsOnError || this.#stop.stopped || failsTheRun(err)) return callback(err);
        this.#stop.fail(err, () => undefined);
        this.#cut(this.#cutAt ?? this.#consumed).then(() => callback(), callback);
      },
    );
  }

  /**
   * Stops taking records: the open batch (whole records only) is still cut when the input ends, a
   * partial record is dropped, and the segment's end is where that record starts (the next unread
   * record: a resumed run reads on from there). For a graceful stop of a run. False when the whole
   * input was taken already: nothing is left unread, and the stop changes nothing.
   */
  stop(): boolean {
    return this.#stop.stop();
  }

  /**
   * At a stop: the offset and line of the first record not taken, `pos` bytes into the chunk being
   * scanned (0 at the end of the input read): the one that starts there, or the one begun in earlier
   * chunks (the carry, or a too-large record being passed over). The chunks read count those bytes,
   * so their end lies inside it (issue 22: a resume after a stop read on from mid-record).
   */
  #unread(pos = 0): [offset: number, line: number] {
    if (this.#skipping) return [this.#consumed - this.#skipping.bytes, this.#skipping.line];
    return [this.#consumed + pos - this.#carryBytes, this.#line];
  }

  /**
   * The input ends cut off (gzip data that breaks off): every whole record before the cut is still
   * batched, and a partial record after the last one is dropped, never uploaded truncated. Call it
   * before the input ends.
   */
  endsCut(): void {
    this.#cutOff = true;
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
   * Records that lie whole inside the chunk and pass the byte checks join the open batch as one
   * slice per run (no Buffer per record); only a record that spans chunks is assembled on its own.
   */
  async #scan(chunk: Buffer): Promise<void> {
    let pos = 0;
    let segment = 0; // start of the run of this chunk's records that belong to the open batch
    const flushSegment = (end: number) => {
      if (end > segment) this.#slices.push(chunk.subarray(segment, end));
      segment = end;
    };
    // One native check for the whole chunk; only a chunk that fails it is checked record by record.
    const utf8Valid = !this.#checkUtf8 || chunkIsUtf8(chunk);
    const nulFree = chunk.indexOf(0) < 0;
    for (let end = this.#scanner.next(chunk, 0); end >= 0; end = this.#scanner.next(chunk, pos)) {
      if (this.#stop.stopped) {
        // Stopped mid-chunk (while a segment was cut): the records from here on are not taken.
        flushSegment(pos);
        this.#stoppedAt = this.#unread(pos);
        return;
      }
      const start = pos;
      pos = end;
      if (this.#skipping) {
        segment = end;
        await this.#skipped(this.#consumed + end, chunk.subarray(0, end));
        continue;
      }
      const length = end - start;
      const quoted = this.#scanner.quoted;
      if (this.#carryBytes > 0 || !this.#header || length === 1 || (length === 2 && chunk[start] === 0x0d) || this.#rewriting) {
        // A record that began in an earlier chunk, the header, an empty line, or a record to rewrite: the general path.
        flushSegment(start);
        const record = this.#carryBytes > 0 ? Buffer.concat([...this.#carry, chunk.subarray(start, end)]) : chunk.subarray(start, end);
        const offset = this.#consumed + start - this.#carryBytes;
        this.#carry = [];
        this.#carryBytes = 0;
        segment = end;
        const done = this.#record(record, offset, quoted, this.#scanner.stray);
        if (done) await done;
        continue;
      }
      const line = this.#line;
      this.#line += this.#scanner.multiline ? 1 + innerLineEnds(chunk, start, end) : 1;
      if (this.#cuts.length > 0 && this.#cutDue()) {
        flushSegment(start);
        await this.#cut(this.#consumed + start, line);
      }
      const rejection = this.#check(chunk, start, end, quoted, this.#scanner.stray, line, utf8Valid) ?? (nulFree ? undefined : this.#nul(chunk, start, end, line));
      if (rejection || length + this.#header.length > this.#maxBytes) {
        flushSegment(start);
        segment = end;
        const rejected = this.#reject(rejection ?? this.#tooLarge(length, line));
        if (rejected) await rejected;
        continue;
      }
      if (this.#records > 0 && (this.#records >= this.#limit || this.#bytes + length > this.#maxBytes)) {
        flushSegment(start);
        await this.#cut(this.#consumed + start, line);
      }
      if (this.#records === 0 && this.#align && !this.#align.empty) this.#alignTo(chunk[end - 1] === CR ? [chunk.subarray(start, end - 1), NEWLINE] : [chunk.subarray(start, end)]);
      this.#take(length);
      if (chunk[end - 1] === CR) {
        // A CR alone ends this record: the payload gets an LF in its place.
        flushSegment(end - 1);
        this.#slices.push(NEWLINE);
        segment = end;
      }
    }
    if (this.#skipping) {
      skipLines(this.#skipping, chunk, pos);
      return;
    }
    flushSegment(pos);
    if (pos < chunk.length) {
      this.#carry.push(chunk.subarray(pos));
      this.#carryBytes += chunk.length - pos;
      if (this.#carryBytes > this.#maxBytes) {
        if (!this.#header) throw new ParseError(`the header line is longer than ${this.#maxBytes} bytes`, { source: this.#source, line: 1 });
        // Larger than any batch: passed over, never kept.
        const skipping = { line: this.#line, bytes: 0, lines: 0, cr: false };
        for (const piece of this.#carry) skipLines(skipping, piece, 0);
        this.#skipping = skipping;
        this.#carry = [];
        this.#carryBytes = 0;
      }
    }
  }

  /** One record's bytes, newline included, and its offset in the input; returns a promise only when it had to wait for a cut or a reject file. */
  #record(read: Buffer, offset: number, quoted: boolean, stray: boolean): Promise<void> | undefined {
    if (read.length === 1 || (read.length === 2 && read[0] === CR)) {
      this.#line++;
      return undefined; // an empty line
    }
    const bytes = read[read.length - 1] === CR ? withLf(read) : read; // a CR alone ends it: uploaded with an LF
    const line = this.#line;
    this.#line += quoted ? 1 + innerLineEnds(bytes, 0, bytes.length) : 1;
    if (!this.#header) {
      this.#setHeader(bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes, line);
      return undefined;
    }
    if (this.#cuts.length > 0 && this.#cutDue()) return this.#cut(offset, line).then(() => this.#place(bytes, offset, line, quoted, stray));
    return this.#place(bytes, offset, line, quoted, stray);
  }

  /** A record (not the header, not an empty line) into the open segment: its batch, or its reject file. */
  #place(bytes: Buffer, offset: number, line: number, quoted: boolean, stray: boolean): Promise<void> | undefined {
    let record = bytes;
    if (this.#rewriting) {
      const rewritten = this.#rewrite(bytes, line);
      if ('error' in rewritten) return this.#reject(rewritten);
      record = rewritten.record;
    } else {
      const rejection = this.#check(bytes, 0, bytes.length, quoted, stray, line, false) ?? this.#nul(bytes, 0, bytes.length, line);
      if (rejection) return this.#reject(rejection);
    }
    if (record.length + (this.#header as Buffer).length > this.#maxBytes) return this.#reject(this.#tooLarge(record.length, line));
    if (this.#records > 0 && (this.#records >= this.#limit || this.#bytes + record.length > this.#maxBytes)) {
      return this.#cut(offset, line).then(() => this.#append(record));
    }
    this.#append(record);
    return undefined;
  }

  /**
   * The byte checks of one record (bytes[start, end), line end included); a suspect record is then
   * judged on its text. Returns its rejection, or undefined when it is fine.
   */
  #check(bytes: Buffer, start: number, end: number, quoted: boolean, stray: boolean, line: number, utf8Valid: boolean): CsvRecordRejection | undefined {
    if (!utf8Valid && this.#checkUtf8) {
      const bad = firstInvalidUtf8(bytes, start, end);
      if (bad >= 0) return this.#invalidUtf8(bytes, start, end, bad, line);
    }
    const stop = withoutLineEnd(bytes, start, end);
    // A field can only be over the field limit (and the record over the record limit) in a record longer than a field may be.
    if (!stray && stop - start <= MAX_FIELD_CHARACTERS) {
      // One plain loop over the bytes of a record without quotes (most records): an indexOf call per field cost more.
      const fields = quoted ? countCsvFields(bytes, start, stop, this.#delimiter) : countDelimiters(bytes, start, stop, this.#delimiter) + 1;
      if (fields === this.#inputColumns.length) return undefined;
    }
    return judgeCsvRecord(bytes.toString('utf8', start, stop), this.#inputColumns, { source: this.#source, row: this.#row + 1, line }, this.#delimiter);
  }

  /** A record of a chunk that holds a NUL byte: judged on its text when it holds one (kept apart from #check, which the hot loop inlines). */
  #nul(bytes: Buffer, start: number, end: number, line: number): CsvRecordRejection | undefined {
    const stop = withoutLineEnd(bytes, start, end);
    if (noNul(bytes, start, stop)) return undefined;
    return judgeCsvRecord(bytes.toString('utf8', start, stop), this.#inputColumns, { source: this.#source, row: this.#row + 1, line }, this.#delimiter);
  }

  #invalidUtf8(bytes: Buffer, start: number, end: number, bad: number, line: number): CsvRecordRejection {
    const from = byteLineStart(bytes, start, bad);
    // The field is the one the text before the bad byte ends in.
    let field = 0;
    parseCsvText(bytes.toString('utf8', start, bad), (values) => (field = values.length), this.#source, line, { delimiter: this.#delimiter, tolerant: true });
    let values: string[] = [];
    parseCsvText(bytes.toString('utf8', start, withoutLineEnd(bytes, start, end)), (v) => (values = v), this.#source, line, { delimiter: this.#delimiter, tolerant: true });
    const error = inputFault('BULKPIPE_INVALID_UTF8', 'bytes that are not UTF-8 (save the file as UTF-8, or load them replaced with --replace-invalid-utf8)', {
      source: this.#source,
      row: this.#row + 1,
      line: line + countByteLineEnds(bytes, start, from),
      column: bytes.toString('utf8', from, bad).length + 1,
      field: this.#inputColumns[Math.max(0, field - 1)],
    });
    return { error, fields: fieldsByHeader(values, this.#inputColumns) };
  }

  #tooLarge(bytes: number, line: number): CsvRecordRejection {
    const error = inputFault('BULKPIPE_RECORD_TOO_LARGE', `${bytes} bytes: with the header line it is larger than a batch may be (${this.#maxBytes} bytes)`, {
      source: this.#source,
      row: this.#row + 1,
      line,
    });
    return { error, fields: {} };
  }

  /** The end of a record too large to keep (`tail`: its last bytes in this chunk); `offset`: where the record after it starts. */
  async #skipped(offset: number, tail?: Buffer): Promise<void> {
    const skipping = this.#skipping as { line: number; bytes: number; lines: number; cr: boolean };
    this.#skipping = undefined;
    const bytes = skipping.bytes + (tail?.length ?? 0);
    // The record's own line end is in the tail; a tail cut off by the end of the input, or ended at the CR before it, adds none.
    this.#line = skipping.line + skipping.lines + (tail && tail.length > 0 ? countByteLineEnds(tail, 0, tail.length, skipping.cr) : skipping.cr ? 0 : 1);
    if (this.#cuts.length > 0 && this.#cutDue()) await this.#cut(offset - bytes, skipping.line);
    await this.#reject(this.#tooLarge(bytes, skipping.line));
    // The open batch may end here: a resumed run then reads on after the skipped record.
    if (this.#records >= this.#limit) await this.#cut(offset, this.#line);
  }

  #setHeader(header: Buffer, line = 1): void {
    const parsed: string[][] = [];
    parseCsvText(
      header.toString('utf8'),
      (fields, _line, problem) => {
        if (problem) throw new ParseError(`the header line: ${problem.reason}`, { source: this.#source, line: problem.line, column: problem.column });
        parsed.push(fields);
      },
      this.#source,
      line,
      { delimiter: this.#delimiter, tolerant: true },
    );
    const read = parsed[0] ?? [];
    const columns = headerColumns(read, this.#map, this.#source, line);
    const plan = planColumns(columns, this.#operation);
    if (plan.upload.length === 0) throw new ParseError(`the header has only bulkpipe result columns (${columns.join(', ')}): nothing to upload`, { source: this.#source, line });
    this.#plan = plan;
    this.#inputHeader = Buffer.from(header);
    this.#inputColumns = columns;
    this.#columns = plan.upload;
    // A comma-separated header is uploaded as it is (or renamed, by a map); records of another delimiter are rewritten as CSV with commas.
    this.#rewriting = !plan.identity || this.#delimiter !== 0x2c;
    this.#header =
      this.#rewriting || columns.some((c, i) => c !== read[i]) ? Buffer.from(CSV.head(plan.upload)) : header[header.length - 1] === CR ? withLf(header) : Buffer.from(header);
    this.emit('columns', plan, describeColumnPlan(plan));
  }

  /** A record without the columns the plan leaves out (and with commas), written as the chunker writes a CSV record; or its rejection. */
  #rewrite(bytes: Buffer, line: number): { record: Buffer } | CsvRecordRejection {
    const plan = this.#plan as ColumnPlan;
    const place = { source: this.#source, row: this.#row + 1, line };
    if (this.#checkUtf8 && !isUtf8(bytes)) return this.#invalidUtf8(bytes, 0, bytes.length, firstInvalidUtf8(bytes, 0, bytes.length), line);
    let result: { record: Buffer } | CsvRecordRejection | undefined;
    parseCsvText(
      bytes.toString('utf8'),
      (values, _line, problem) => {
        if (result) return;
        const error = csvRecordFault(values, problem, plan.input, place);
        if (error) {
          result = { error, fields: fieldsByHeader(values, plan.input) };
          return;
        }
        const fields: Record<string, InputValue> = {};
        values.forEach((value, i) => {
          if (value !== '') fields[plan.input[i] as string] = value === '#N/A' ? null : value;
        });
        result = { record: Buffer.from(CSV.record(plan.upload, fields, true, plan.sources)) };
      },
      this.#source,
      line,
      { delimiter: this.#delimiter, tolerant: true },
    );
    return result ?? { error: inputFault('BULKPIPE_MALFORMED_RECORD', 'no record could be read', place), fields: {} };
  }

  /** A segment begins with this record (its payload bytes, as written): one that an org batch begins with ends where that batch ends. */
  #alignTo(record: readonly Buffer[]): void {
    const records = this.#align?.recordsFrom(recordDigest(...record));
    if (records !== undefined) this.#limit = Math.min(this.#maxRecords, records);
  }

  /** Whether the open segment ends before the next row: a cut the run made there before (`cuts`). */
  #cutDue(): boolean {
    let due = false;
    while (this.#cuts.length > 0 && (this.#cuts[0] as number) <= this.#row) {
      this.#cuts.shift();
      due = true;
    }
    return due;
  }

  /** Counts the next input row into the open batch (its bytes are sliced in by the caller or #append). */
  #take(length: number): void {
    if (this.#records === 0) this.#bytes = (this.#header as Buffer).length;
    const row = ++this.#row;
    const last = this.#runs[this.#runs.length - 1];
    if (last && last[0] + last[1] === row) last[1]++;
    else this.#runs.push([row, 1]);
    this.#bytes += length;
    this.#records++;
  }

  #append(record: Buffer): void {
    if (this.#records === 0 && this.#align && !this.#align.empty) this.#alignTo([record]);
    this.#take(record.length);
    this.#slices.push(record);
  }

  /** Sends the next input row to the open segment's reject file. */
  #reject(rejection: CsvRecordRejection): Promise<void> | undefined {
    const entry: RejectEntry = { row: ++this.#row, error: rejection.error, fields: rejection.fields };
    this.emit('rejected', entry);
    if (this.#rejects) return this.#rejects.add(entry);
    return this.#spool.path(this.#seq, 'rejects').then((path) => {
      this.#rejects = new RejectWriter(path);
      return this.#rejects.add(entry);
    });
  }

  /** Ends the open segment; `offset` and `line`: where in the input the record after it starts. */
  async #cut(offset: number, line = this.#line): Promise<void> {
    const rejects = this.#rejects;
    if ((this.#records === 0 && !rejects) || !this.#header) return;
    const seq = this.#seq++;
    const parts = [this.#header, ...this.#slices];
    const rows: RowRun[] = this.#runs;
    const records = this.#records;
    const bytes = records > 0 ? this.#bytes : 0;
    this.#slices = [];
    this.#runs = [];
    this.#records = 0;
    this.#bytes = 0;
    this.#limit = this.#maxRecords;
    this.#rejects = undefined;
    let path: string | null = null;
    if (records > 0) {
      // The slices are written as they are (the batch is never copied into one buffer), whole and synced.
      path = await this.#spool.write(seq, 'payload', 'csv', parts);
    }
    await rejects?.flush();
    const rejected = rejects?.count ?? 0;
    this.#spool.describe(seq, rows, records, rejected);
    const batch: SpooledBatch = { kind: 'batch', seq, path, contentType: 'CSV', records, rejected, bytes, rows, columns: this.#columns, end: { row: this.#row, offset, line } };
    this.emit('batch', batch);
    this.push(batch);
  }
}

/** Whether a chunk is valid UTF-8, but for a character cut at either end (the records' bytes never cut one). */
function chunkIsUtf8(chunk: Buffer): boolean {
  if (isUtf8(chunk)) return true;
  let from = 0;
  while (from < 3 && from < chunk.length && ((chunk[from] as number) & 0xc0) === 0x80) from++;
  let to = chunk.length;
  for (let back = 1; back <= 3 && chunk.length - back >= from; back++) {
    if (((chunk[chunk.length - back] as number) & 0xc0) === 0xc0) {
      to = chunk.length - back;
      break;
    }
  }
  return isUtf8(chunk.subarray(from, to));
}

/** Line ends inside a record (quoted), not counting the one that ends it. */
function innerLineEnds(bytes: Buffer, start: number, end: number): number {
  return countByteLineEnds(bytes, start, withoutLineEnd(bytes, start, end));
}

/** Whether bytes[start, end) hold no NUL byte. */
function noNul(bytes: Buffer, start: number, end: number): boolean {
  const at = bytes.indexOf(0, start);
  return at < 0 || at >= end;
}

/** A copy of a record that ends in a CR alone, ending in an LF instead. */
function withLf(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy[copy.length - 1] = 0x0a;
  return copy;
}

/** Counts bytes[from..] of a record being passed over into its size and lines (a CRLF cut between two chunks is one line end). */
function skipLines(skipping: { bytes: number; lines: number; cr: boolean }, bytes: Buffer, from: number): void {
  if (from >= bytes.length) return;
  skipping.bytes += bytes.length - from;
  skipping.lines += countByteLineEnds(bytes, from, bytes.length, skipping.cr);
  skipping.cr = bytes[bytes.length - 1] === CR;
}

/** A CsvBatchSplitter; e.g. `pipeline(createReadStream(path), csvBatchSplitter({ spool: new LoadSpool() }), submitter, ...)`. */
export const csvBatchSplitter = (options: CsvBatchSplitterOptions) => new CsvBatchSplitter(options);

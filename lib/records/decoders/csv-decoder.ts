// Kept over csv-parse (issue 28): 5.8x less CPU on data.ts Accounts (4.2-4.4x quoted, multi-byte), csv-parse wrapped for the same records and fault places (benchmarks/hand-written-vs-library.bench.ts).
/**
 * CSV records (RFC 4180, header line first) from byte chunks. The quote-aware byte scanner finds
 * the last complete record of each chunk and that text is parsed in one go by parseCsvText; this
 * replaced csv-parse here, whose ceiling on this machine (22-25 MB/s) sat near the load pipeline's
 * target, while the in-house scanner and parser run several times faster on the same text.
 * The text is parsed tolerantly: a record with broken quoting, a field count other than the
 * header's or a field over the limits is emitted with its error (it costs itself only), and a record
 * larger than maxRecordBytes is read on without being kept, then emitted rejected. A record ends at
 * any line end outside quotes: LF, CRLF or a CR alone, mixed as the file mixes them. The header's
 * columns are renamed by the column map here, once, and a field named twice stops the reading.
 * Columns the header leaves without a name are dropped from the records (`unnamed`), and a record
 * with a value in one is rejected (lib/load/unnamed-columns.ts).
 * Carry: one partial record, bounded by maxRecordBytes.
 */
import { ParseError } from '../../errors.js';
import { csvRecordFault, fieldsByHeader } from '../../csv/csv-record-fault.js';
import { parseCsvText, type CsvProblem } from '../../csv/parse-csv-text.js';
import { CsvRecordScanner } from '../../csv/record-scanner.js';
import { countByteLineEnds } from '../../csv/line-ends.js';
import type { ColumnMap } from '../../load/column-map.js';
import { headerColumns } from '../../load/column-names.js';
import { holdsNul, inputFault } from '../../load/input-fault.js';
import { unnamedColumns, unnamedFields, unnamedValueFault, valueInUnnamed } from '../../load/unnamed-columns.js';
import { MAX_FIELD_CHARACTERS, MAX_RECORD_CHARACTERS } from '../../limits.js';
import { decodeUtf8 } from '../../text/utf8-chunk-decoder.js';
import type { Utf8Seen } from '../../text/utf8-validity.js';
import type { InputValue } from '../../load-types.js';
import { recordFactory, type RecordFactory } from '../record-factory.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const CR = 0x0d;

export class CsvDecoder implements RecordDecoder {
  readonly utf8: Utf8Seen = { invalid: false };
  readonly #source: string;
  readonly #max: number;
  readonly #delimiter: number;
  readonly #scanner: CsvRecordScanner;
  readonly #map: ColumnMap | undefined;
  /** Leading bytes held until we know whether they are a BOM. */
  #lead: Buffer | undefined = Buffer.alloc(0);
  #carry: Buffer | undefined;
  /** A record too large to keep, being read on: the line it started on, its size so far, and whether its bytes so far end in a CR. */
  #skipping: { line: number; bytes: number; cr: boolean } | undefined;
  /** Whether the text being parsed holds a NUL byte: only then are its records' values looked at for one. */
  #nul = false;
  #line = 1;
  #row = 0;
  #header: string[] | undefined;
  #make: RecordFactory | undefined;
  /** The 1-based numbers of the header's columns without a name, once the header is read. */
  unnamed: readonly number[] = [];
  /** With unnamed columns: the 0-based positions of the named ones, and their names. */
  #kept: readonly number[] | undefined;
  #named: readonly string[] = [];

  constructor(settings: DecoderSettings) {
    this.#source = settings.source;
    this.#max = settings.maxRecordBytes;
    this.#delimiter = settings.delimiter;
    this.#scanner = new CsvRecordScanner(settings.delimiter);
    this.#map = settings.columnMap;
  }

  write(input: Buffer, emit: EmitRecord): void {
    let chunk = input;
    if (this.#lead) {
      chunk = Buffer.concat([this.#lead, input]);
      if (chunk.length < BOM.length && BOM.subarray(0, chunk.length).equals(chunk)) {
        this.#lead = chunk;
        return;
      }
      if (chunk.subarray(0, BOM.length).equals(BOM)) chunk = chunk.subarray(BOM.length);
      this.#lead = undefined;
    }
    // Only the new bytes are scanned: the carry was scanned already and ends inside a record.
    let first = -1;
    let end = -1;
    for (let next = this.#scanner.next(chunk, 0); next >= 0; next = this.#scanner.next(chunk, next)) {
      if (first < 0) first = next;
      end = next;
    }
    if (this.#skipping) {
      if (first < 0) {
        skipLines(this.#skipping, chunk);
        return;
      }
      this.#skipped(chunk.subarray(0, first), emit);
      chunk = chunk.subarray(first);
      end -= first;
      if (end === 0) end = -1;
    }
    if (end < 0) {
      this.#carry = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    } else {
      const complete = this.#carry ? Buffer.concat([this.#carry, chunk.subarray(0, end)]) : chunk.subarray(0, end);
      this.#carry = end < chunk.length ? Buffer.from(chunk.subarray(end)) : undefined;
      this.#parse(complete, emit);
    }
    if (this.#carry && this.#carry.length > this.#max) {
      if (!this.#header) throw new ParseError(`the header line is longer than ${this.#max} bytes`, { source: this.#source, line: 1 });
      this.#skipping = { line: this.#line, bytes: 0, cr: false };
      skipLines(this.#skipping, this.#carry);
      this.#carry = undefined;
    }
  }

  end(emit: EmitRecord): void {
    if (this.#lead?.length) this.#carry = this.#lead; // a file shorter than a BOM
    if (this.#skipping) return this.#skipped(Buffer.alloc(0), emit);
    if (this.#carry) this.#parse(this.#carry, emit);
    this.#carry = undefined;
  }

  /** The end of a record too large to keep: emitted rejected, with no fields. */
  #skipped(tail: Buffer, emit: EmitRecord): void {
    const skipping = this.#skipping as { line: number; bytes: number; cr: boolean };
    this.#skipping = undefined;
    const bytes = skipping.bytes + tail.length;
    const error = inputFault('BULKPIPE_RECORD_TOO_LARGE', `${bytes} bytes, more than the ${this.#max} a record may hold (larger than a batch): not read`, {
      source: this.#source,
      row: ++this.#row,
      line: this.#line,
    });
    emit({}, this.#line, error);
    // The record's own line end is in the tail, or, for one that ends the input without one, nowhere: a line all the same.
    this.#line = skipping.line + (tail.length > 0 ? countByteLineEnds(tail, 0, tail.length, skipping.cr) : skipping.cr ? 0 : 1);
  }

  #parse(bytes: Buffer, emit: EmitRecord): void {
    this.#nul = bytes.indexOf(0) >= 0;
    this.#line = parseCsvText(decodeUtf8(bytes, this.utf8), (fields, line, problem) => this.#record(fields, line, problem, emit), this.#source, this.#line, {
      delimiter: this.#delimiter,
      tolerant: true,
    });
  }

  #record(values: string[], line: number, problem: CsvProblem | undefined, emit: EmitRecord): void {
    const header = this.#header;
    if (!header) {
      if (problem) throw new ParseError(`the header line: ${problem.reason}`, { source: this.#source, line: problem.line, column: problem.column });
      this.#header = headerColumns(values, this.#map, this.#source, line);
      this.unnamed = unnamedColumns(this.#header);
      if (this.unnamed.length > 0) this.#kept = this.#header.flatMap((name, i) => (name === '' ? [] : [i]));
      this.#named = this.#header.filter((name) => name !== '');
      this.#make = recordFactory(this.#named);
      return;
    }
    const row = ++this.#row;
    // The common record is judged without making anything; only a suspect one gets a place and a judge.
    if (problem || values.length !== header.length || mayBreakLimits(values) || (this.#nul && holdsNul(values))) {
      const error = csvRecordFault(values, problem, header, { source: this.#source, row, line });
      if (error) return emit(this.#fieldsOf(values), line, error);
    }
    const kept = this.#kept;
    if (!kept) return emit((this.#make as RecordFactory)(values), line);
    const unnamed = valueInUnnamed(values, this.unnamed);
    if (unnamed >= 0) return emit(this.#fieldsOf(values), line, unnamedValueFault(values, unnamed, { source: this.#source, row, line }));
    emit((this.#make as RecordFactory)(kept.map((i) => values[i] as string)), line);
  }

  /** A rejected record's fields by its named columns, as far as they go, and its values in unnamed ones (kept for the error file). */
  #fieldsOf(values: readonly string[]): Record<string, InputValue> {
    const kept = this.#kept;
    return kept
      ? {
          ...fieldsByHeader(
            kept.map((i) => values[i] ?? ''),
            this.#named,
          ),
          ...unnamedFields(values, this.unnamed),
        }
      : fieldsByHeader(values, this.#header as string[]);
  }
}

/** Whether a field may be over 32,000 characters or the record over 400,000 (csvRecordFault says which). */
function mayBreakLimits(values: readonly string[]): boolean {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const length = (values[i] as string).length;
    if (length > MAX_FIELD_CHARACTERS) return true;
    total += length;
  }
  return total > MAX_RECORD_CHARACTERS;
}

/** Counts bytes of a record being passed over into its size and lines (a CRLF cut between two calls is one line end). */
function skipLines(skipping: { line: number; bytes: number; cr: boolean }, bytes: Buffer): void {
  if (bytes.length === 0) return;
  skipping.bytes += bytes.length;
  skipping.line += countByteLineEnds(bytes, 0, bytes.length, skipping.cr);
  skipping.cr = bytes[bytes.length - 1] === CR;
}

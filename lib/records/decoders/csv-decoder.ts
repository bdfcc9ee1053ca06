/**
 * CSV records (RFC 4180, header line first) from byte chunks. The quote-aware byte scanner finds
 * the last complete record of each chunk and that text is parsed in one go by parseCsvText; this
 * replaced csv-parse here, whose ceiling on this machine (22-25 MB/s) sat near the load pipeline's
 * target, while the in-house scanner and parser run several times faster on the same text.
 * The text is parsed tolerantly: a record with broken quoting, a field count other than the
 * header's or a field over the limits is emitted with its error (it costs itself only), and a record
 * larger than maxRecordBytes is read on without being kept, then emitted rejected.
 * Carry: one partial record, bounded by maxRecordBytes.
 */
import { ParseError } from '../../errors.js';
import { csvRecordFault, fieldsByHeader } from '../../csv/csv-record-fault.js';
import { parseCsvText, type CsvProblem } from '../../csv/parse-csv-text.js';
import { CsvRecordScanner } from '../../csv/record-scanner.js';
import { inputFault } from '../../load/input-fault.js';
import { MAX_FIELD_CHARACTERS, MAX_RECORD_CHARACTERS } from '../../limits.js';
import { decodeUtf8 } from '../../text/utf8-chunk-decoder.js';
import type { Utf8Seen } from '../../text/utf8-validity.js';
import { recordFactory, type RecordFactory } from '../record-factory.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const LF = 0x0a;

export class CsvDecoder implements RecordDecoder {
  readonly utf8: Utf8Seen = { invalid: false };
  readonly #source: string;
  readonly #max: number;
  readonly #delimiter: number;
  readonly #scanner: CsvRecordScanner;
  /** Leading bytes held until we know whether they are a BOM. */
  #lead: Buffer | undefined = Buffer.alloc(0);
  #carry: Buffer | undefined;
  /** A record too large to keep, being read on: the line it started on and its size so far. */
  #skipping: { line: number; bytes: number } | undefined;
  #line = 1;
  #row = 0;
  #header: string[] | undefined;
  #make: RecordFactory | undefined;

  constructor(settings: DecoderSettings) {
    this.#source = settings.source;
    this.#max = settings.maxRecordBytes;
    this.#delimiter = settings.delimiter;
    this.#scanner = new CsvRecordScanner(settings.delimiter);
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
        this.#skipping.bytes += chunk.length;
        this.#skipping.line += countLf(chunk);
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
      this.#skipping = { line: this.#line, bytes: this.#carry.length };
      this.#skipping.line += countLf(this.#carry);
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
    const skipping = this.#skipping as { line: number; bytes: number };
    this.#skipping = undefined;
    const bytes = skipping.bytes + tail.length;
    const error = inputFault('BULKPIPE_RECORD_TOO_LARGE', `${bytes} bytes, more than the ${this.#max} a record may hold (larger than a batch): not read`, {
      source: this.#source,
      row: ++this.#row,
      line: this.#line,
    });
    emit({}, this.#line, error);
    this.#line = skipping.line + countLf(tail);
  }

  #parse(bytes: Buffer, emit: EmitRecord): void {
    this.#line = parseCsvText(decodeUtf8(bytes, this.utf8), (fields, line, problem) => this.#record(fields, line, problem, emit), this.#source, this.#line, {
      delimiter: this.#delimiter,
      tolerant: true,
    });
  }

  #record(values: string[], line: number, problem: CsvProblem | undefined, emit: EmitRecord): void {
    const header = this.#header;
    if (!header) {
      if (problem) throw new ParseError(`the header line: ${problem.reason}`, { source: this.#source, line: problem.line, column: problem.column });
      this.#header = checkHeader(values, this.#source, line);
      this.#make = recordFactory(this.#header);
      return;
    }
    const row = ++this.#row;
    // The common record is judged without making anything; only a suspect one gets a place and a judge.
    if (problem || values.length !== header.length || mayBreakLimits(values)) {
      const error = csvRecordFault(values, problem, header, { source: this.#source, row, line });
      if (error) return emit(fieldsByHeader(values, header), line, error);
    }
    emit((this.#make as RecordFactory)(values), line);
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

function countLf(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) n++;
  return n;
}

/** A header's names: none empty, none twice (either would leave a column nobody can name). */
export function checkHeader(names: string[], source: string, line: number): string[] {
  const seen = new Set<string>();
  for (const [i, name] of names.entries()) {
    if (name === '') throw new ParseError(`the header's column ${i + 1} has no name`, { source, line });
    if (seen.has(name)) throw new ParseError(`the header names the column ${name} twice (columns ${names.indexOf(name) + 1} and ${i + 1})`, { source, line });
    seen.add(name);
  }
  return names;
}

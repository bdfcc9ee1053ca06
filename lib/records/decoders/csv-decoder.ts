/**
 * CSV records (RFC 4180, header line first) from byte chunks. The quote-aware byte scanner finds
 * the last complete record of each chunk and that text is parsed in one go by parseCsvText; this
 * replaced csv-parse here, whose ceiling on this machine (22-25 MB/s) sat near the load pipeline's
 * target, while the in-house scanner and parser run several times faster on the same text.
 * Carry: one partial record, bounded by maxRecordBytes.
 */
import { ParseError } from '../../errors.js';
import { parseCsvText } from '../../csv/parse-csv-text.js';
import { CsvRecordScanner } from '../../csv/record-scanner.js';
import { decodeUtf8 } from '../../text/utf8-chunk-decoder.js';
import { recordFactory, type RecordFactory } from '../record-factory.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export class CsvDecoder implements RecordDecoder {
  readonly #source: string;
  readonly #max: number;
  readonly #scanner = new CsvRecordScanner();
  /** Leading bytes held until we know whether they are a BOM. */
  #lead: Buffer | undefined = Buffer.alloc(0);
  #carry: Buffer | undefined;
  #line = 1;
  #header: string[] | undefined;
  #make: RecordFactory | undefined;

  constructor(settings: DecoderSettings) {
    this.#source = settings.source;
    this.#max = settings.maxRecordBytes;
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
    let end = -1;
    for (let next = this.#scanner.next(chunk, 0); next >= 0; next = this.#scanner.next(chunk, next)) end = next;
    if (end < 0) {
      this.#carry = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    } else {
      const complete = this.#carry ? Buffer.concat([this.#carry, chunk.subarray(0, end)]) : chunk.subarray(0, end);
      this.#carry = end < chunk.length ? Buffer.from(chunk.subarray(end)) : undefined;
      this.#parse(complete, emit);
    }
    if (this.#carry && this.#carry.length > this.#max) {
      throw new ParseError(`a CSV record is larger than ${this.#max} bytes`, { source: this.#source, line: this.#line });
    }
  }

  end(emit: EmitRecord): void {
    if (this.#lead?.length) this.#carry = this.#lead; // a file shorter than a BOM
    // Parsed first: a stray quote also leaves the scanner "in quotes", and the parser names its field.
    if (this.#carry) this.#parse(this.#carry, emit);
    this.#carry = undefined;
    if (this.#scanner.inQuote) throw new ParseError('unterminated quoted field at the end of the input', { source: this.#source, line: this.#line });
  }

  #parse(bytes: Buffer, emit: EmitRecord): void {
    try {
      this.#line = parseCsvText(decodeUtf8(bytes), (fields, line) => this.#record(fields, line, emit), this.#source, this.#line);
    } catch (err) {
      throw this.#withField(err);
    }
  }

  #record(fields: string[], line: number, emit: EmitRecord): void {
    const header = this.#header;
    if (!header) {
      this.#header = checkHeader(fields, this.#source, line);
      this.#make = recordFactory(this.#header);
      return;
    }
    if (fields.length !== header.length) {
      throw new ParseError(`the record has ${fields.length} fields, the header has ${header.length}`, { source: this.#source, line });
    }
    emit((this.#make as RecordFactory)(fields), line);
  }

  /** Names the field of a quote error by its header column. */
  #withField(err: unknown): unknown {
    if (!(err instanceof ParseError) || err.column === undefined || err.field !== undefined) return err;
    const field = this.#header?.[err.column - 1];
    if (field === undefined) return err;
    return new ParseError(err.reason, { source: this.#source, ...(err.line !== undefined ? { line: err.line } : {}), column: err.column, field }, { cause: err });
  }
}

function checkHeader(names: string[], source: string, line: number): string[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') throw new ParseError('the header has an empty column name', { source, line });
    if (seen.has(name)) throw new ParseError(`the header repeats the column ${name}`, { source, line });
    seen.add(name);
  }
  return names;
}

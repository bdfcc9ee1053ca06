/**
 * RecordParser: bytes -> InputRecord, for CSV (csv-parse), NDJSON, a JSON array of records and XML
 * `<sObjects><sObject>` (sax). Each record carries its row number and the line it starts on.
 * Buffers: one input chunk's records, and a carry bounded by `maxRecordBytes` (a line, an array
 * element, an XML record). UTF-8 split across chunks, a BOM, CRLF and quoted newlines all work.
 * A malformed input fails with a ParseError that names the source, line and (where known) field.
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { parse as csvParse, type Parser as CsvParser } from 'csv-parse';
import { ParseError } from '../lib/errors.js';
import type { InputRecord, InputValue } from '../lib/load-types.js';
import { MAX_RECORD_CHARACTERS } from '../lib/limits.js';
import { nonEmptyString, oneOf, positiveInteger } from '../lib/options.js';
import { flattenRecord } from '../lib/records/flatten.js';
import { JsonArrayScanner } from '../lib/records/json-array-scanner.js';
import { XmlElementCollector, type XmlElement } from '../lib/wire/xml-reader.js';

export const INPUT_FORMATS = ['csv', 'ndjson', 'json', 'xml'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface RecordParserOptions {
  readonly format: InputFormat;
  /** Named in errors: a file name or `stdin`. Default `input`. */
  readonly source?: string;
  /** Most bytes of one record (a CSV record, an NDJSON line, an array element, an XML record); default 4 MiB. */
  readonly maxRecordBytes?: number;
  /**
   * Stop instead of fail: on malformed input, report the error here, emit no more records and end
   * normally once the input ends, so that the records already emitted can still be finished.
   */
  readonly onError?: (err: Error) => void;
}

type Emit = (fields: Record<string, InputValue>, line?: number) => void;

/** The per-format core: takes bytes, calls `emit` per record. */
interface Decoder {
  write(chunk: Buffer, emit: Emit): void;
  end(emit: Emit): void;
}

export class RecordParser extends Transform {
  readonly #source: string;
  readonly #decoder: Decoder | undefined;
  readonly #csv: CsvParser | undefined;
  #row = 0;
  #csvHeader: string[] | undefined;
  #csvError: Error | undefined;
  readonly #onError: ((err: Error) => void) | undefined;
  #stopped = false;

  constructor(options: RecordParserOptions) {
    super({ readableObjectMode: true, writableObjectMode: false });
    const format = oneOf('format', options.format, INPUT_FORMATS);
    this.#source = nonEmptyString('source', options.source ?? 'input');
    const maxBytes = positiveInteger('maxRecordBytes', options.maxRecordBytes ?? 4 * 1024 * 1024);
    this.#onError = options.onError;
    if (format === 'csv') {
      // No `info`: it halves csv-parse's speed. Errors still carry the line.
      this.#csv = csvParse({ bom: true, max_record_size: maxBytes, skip_empty_lines: true, relax_column_count: false });
      this.#csv.on('data', (record: string[]) => this.#onCsv(record));
      this.#csv.on('error', (err: Error) => {
        this.#csvError ??= this.#wrapCsvError(err);
      });
    } else if (format === 'ndjson') {
      this.#decoder = ndjsonDecoder(this.#source, maxBytes);
    } else if (format === 'json') {
      this.#decoder = jsonArrayDecoder(this.#source, maxBytes);
    } else {
      this.#decoder = xmlDecoder(this.#source, maxBytes);
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#stopped) return callback(); // the rest of a malformed input is read and dropped
    if (this.#csv) {
      // csv-parse calls back once it has taken the chunk; records arrive through 'data'.
      this.#csv.write(chunk, () => (this.#csvError ? this.#fail(this.#csvError, callback) : callback()));
      return;
    }
    try {
      this.#decoder?.write(chunk, this.#emit);
      callback();
    } catch (err) {
      this.#fail(err as Error, callback);
    }
  }

  /** Fails the stream, or with onError, reports the error and stops taking records. */
  #fail(err: Error, callback: TransformCallback): void {
    if (!this.#onError) return callback(err);
    if (!this.#stopped) {
      this.#stopped = true;
      this.#onError(err);
    }
    callback();
  }

  // csv-parse pushes records through 'data': pause it while our readable side is full, so that its
  // own write callback (and ours, which waits for it) holds the input back.
  override _read(size: number): void {
    this.#csv?.resume();
    super._read(size);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#stopped) return callback();
    if (this.#csv) {
      const csv = this.#csv;
      const done = () => (this.#csvError ? this.#fail(this.#csvError, callback) : callback());
      csv.once('end', done);
      csv.once('error', done);
      csv.end();
      csv.resume();
      return;
    }
    try {
      this.#decoder?.end(this.#emit);
      callback();
    } catch (err) {
      this.#fail(err as Error, callback);
    }
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#csv?.destroy();
    callback(err);
  }

  readonly #emit = (fields: Record<string, InputValue>, line?: number): void => {
    if (this.#stopped) return;
    const record: InputRecord = line === undefined ? { row: ++this.#row, fields } : { row: ++this.#row, line, fields };
    if (!this.push(record)) this.#csv?.pause();
  };

  #onCsv(record: string[]): void {
    if (this.#csvError || this.#stopped) return;
    if (!this.#csvHeader) {
      const seen = new Set<string>();
      for (const name of record) {
        if (name === '' || seen.has(name)) {
          this.#csvError = new ParseError(name === '' ? 'the header has an empty column name' : `the header repeats the column ${name}`, { source: this.#source, line: 1 });
          return;
        }
        seen.add(name);
      }
      this.#csvHeader = record;
      return;
    }
    const fields: Record<string, InputValue> = {};
    for (let i = 0; i < record.length; i++) fields[this.#csvHeader[i] as string] = record[i] as string;
    this.#emit(fields);
  }

  #wrapCsvError(err: Error): ParseError {
    const e = err as Error & { code?: string; lines?: number; index?: number; column?: string | number };
    const index = typeof e.index === 'number' ? e.index : undefined;
    const field = index !== undefined ? this.#csvHeader?.[index] : undefined;
    return new ParseError(`malformed CSV (${e.code ?? 'error'}): ${e.message}`, { source: this.#source, ...(e.lines ? { line: e.lines } : {}), ...(field ? { field } : {}) }, { cause: err });
  }
}

/** One JSON object per line; blank lines skipped; a line longer than maxBytes is an error. */
function ndjsonDecoder(source: string, maxBytes: number): Decoder {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let line = 0;
  let record = 0;
  const take = (text: string, emit: Emit) => {
    line++;
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line === 1 && trimmed.charCodeAt(0) === 0xfeff ? trimmed.slice(1) : trimmed);
    } catch (err) {
      throw new ParseError(`malformed JSON: ${(err as Error).message}`, { source, line }, { cause: err });
    }
    emit(flattenRecord(value, { source, line, record: ++record }), line);
  };
  return {
    write(chunk, emit) {
      const text = carry + decoder.write(chunk);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        take(text.slice(start, nl), emit);
        start = nl + 1;
      }
      carry = text.slice(start);
      if (carry.length > maxBytes) throw new ParseError(`a line is longer than ${maxBytes} bytes`, { source, line: line + 1 });
    },
    end(emit) {
      const rest = carry + decoder.end();
      carry = '';
      if (rest !== '') take(rest, emit);
    },
  };
}

function jsonArrayDecoder(source: string, maxBytes: number): Decoder {
  const decoder = new StringDecoder('utf8');
  const scanner = new JsonArrayScanner(source, maxBytes);
  let record = 0;
  let first = true;
  const onElement = (emit: Emit) => (text: string, line: number) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ParseError(`malformed JSON: ${(err as Error).message}`, { source, line, record: record + 1 }, { cause: err });
    }
    emit(flattenRecord(value, { source, line, record: ++record }), line);
  };
  return {
    write(chunk, emit) {
      let text = decoder.write(chunk);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      scanner.write(text, onElement(emit));
    },
    end(emit) {
      scanner.write(decoder.end(), onElement(emit));
      scanner.end();
    },
  };
}

/** `<sObjects><sObject>...</sObject></sObjects>`: a nested element is a parent reference, xsi:nil is null. */
function xmlDecoder(source: string, maxBytes: number): Decoder {
  const decoder = new StringDecoder('utf8');
  const collector = new XmlElementCollector({ source, rootNames: ['sObjects'], depth: 2, maxElementChars: Math.min(maxBytes, MAX_RECORD_CHARACTERS * 4) });
  let line = 1;
  const drain = (emit: Emit) => {
    for (const element of collector.take()) {
      if (element.name !== 'sObject') throw new ParseError(`expected <sObject>, found <${element.name}>`, { source, line });
      emit(xmlFields(element), line);
    }
  };
  return {
    write(chunk, emit) {
      const text = decoder.write(chunk);
      collector.write(text);
      drain(emit);
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) line++;
    },
    end(emit) {
      collector.write(decoder.end());
      collector.end();
      drain(emit);
    },
  };
}

function xmlFields(record: XmlElement): Record<string, InputValue> {
  const fields: Record<string, InputValue> = {};
  for (const field of record.children) {
    const parent = field.children.filter((c) => c.name !== 'type');
    if (parent.length > 0) for (const inner of parent) fields[`${field.name}.${inner.name}`] = inner.nil ? null : inner.text;
    else fields[field.name] = field.nil ? null : field.text;
  }
  return fields;
}

/** A RecordParser; e.g. `pipeline(createReadStream(path), recordParser({ format: 'csv', source: path }), ...)`. */
export const recordParser = (options: RecordParserOptions) => new RecordParser(options);

/**
 * RecordParser: bytes -> InputRecord, for CSV, NDJSON, a JSON array of records and XML
 * `<sObjects><sObject>` (sax); the per-format decoding lives in lib/records/decoders/.
 * Each record carries its row number and the line it starts on.
 * Buffers: one input chunk's records, and a carry bounded by `maxRecordBytes` (a line, an array
 * element, an XML record). UTF-8 split across chunks, a BOM, CRLF and quoted newlines all work.
 * A bad record costs itself only: it is emitted with `error` set (see InputRecord), naming the
 * source, line, record and (where known) field, and the records after it are read on. Invalid UTF-8
 * rejects its record unless `replaceInvalidUtf8`, and a NUL character in a value rejects its record
 * (BULKPIPE_NUL_CHARACTER). Only input that ends the records (a broken header,
 * a broken array or document structure) fails the stream, with a ParseError, after every complete
 * record before it. A CSV header's columns without a name are dropped from the records and told
 * once, as the `unnamedColumns` event (their 1-based numbers); a record with a value in one is
 * rejected (BULKPIPE_UNNAMED_COLUMN).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { InputRecord, InputValue } from '../lib/load-types.js';
import { nonEmptyString, oneOf, positiveInteger } from '../lib/options.js';
import { CsvDecoder } from '../lib/records/decoders/csv-decoder.js';
import { JsonArrayDecoder } from '../lib/records/decoders/json-array-decoder.js';
import { NdjsonDecoder } from '../lib/records/decoders/ndjson-decoder.js';
import type { DecoderSettings, RecordDecoder } from '../lib/records/decoders/record-decoder.js';
import { XmlDecoder } from '../lib/records/decoders/xml-decoder.js';
import { InputStop } from '../lib/streams/input-stop.js';
import { inputFault, NUL_REASON } from '../lib/load/input-fault.js';
import { MAX_INPUT_RECORD_BYTES } from '../lib/limits.js';
import { delimiterOption } from '../lib/csv/delimiter.js';
import type { ColumnMap } from '../lib/load/column-map.js';
import { INPUT_FORMATS, type InputFormat } from '../lib/records/input-format.js';

export { INPUT_FORMATS, formatOfPath, type InputFormat } from '../lib/records/input-format.js';

export interface RecordParserOptions {
  readonly format: InputFormat;
  /** Named in errors: a file name or `stdin`. Default `input`. */
  readonly source?: string;
  /**
   * Most bytes of one record (a CSV record, an NDJSON line, an array element, an XML record) kept
   * while it is read; a larger one is passed over and rejected. Default and most: 10,000,000, a batch.
   */
  readonly maxRecordBytes?: number;
  /** CSV: the field separator, one character (`,` `;` `\t` `|` ...); default a comma. */
  readonly delimiter?: string;
  /** Load invalid UTF-8 as U+FFFD instead of rejecting its record. Default false. */
  readonly replaceInvalidUtf8?: boolean;
  /** Input column (or key) names to API field names; the others keep theirs. */
  readonly columnMap?: ColumnMap;
  /**
   * Stop instead of fail: on malformed input, report the error here, emit no more records and end
   * normally once the input ends, so that the records already emitted can still be finished.
   */
  readonly onError?: (err: Error) => void;
}

const DECODERS: Record<InputFormat, new (settings: DecoderSettings) => RecordDecoder> = {
  csv: CsvDecoder,
  ndjson: NdjsonDecoder,
  json: JsonArrayDecoder,
  xml: XmlDecoder,
};

export class RecordParser extends Transform {
  readonly #decoder: RecordDecoder;
  readonly #stop: InputStop;
  readonly #source: string;
  readonly #replaceInvalid: boolean;
  readonly #map: ColumnMap | undefined;
  readonly #checkNul: boolean;
  #row = 0;
  #cutOff = false;
  #toldUnnamed = false;

  constructor(options: RecordParserOptions) {
    super({ readableObjectMode: true, writableObjectMode: false });
    const format = oneOf('format', options.format, INPUT_FORMATS);
    const source = nonEmptyString('source', options.source ?? 'input');
    const maxRecordBytes = positiveInteger('maxRecordBytes', options.maxRecordBytes ?? MAX_INPUT_RECORD_BYTES, MAX_INPUT_RECORD_BYTES);
    const delimiter = delimiterOption(options.delimiter ?? ',');
    this.#stop = new InputStop(options.onError);
    this.#source = source;
    this.#replaceInvalid = options.replaceInvalidUtf8 ?? false;
    // A CSV header is renamed (and checked) once by its decoder; the other formats' records one by one here.
    this.#map = format === 'csv' ? undefined : options.columnMap;
    // The CSV decoder looks for NUL in the records of text that holds one; the others' values may hold an escaped one (`\u0000`, `&#0;`).
    this.#checkNul = format !== 'csv';
    this.#decoder = new DECODERS[format]({ source, maxRecordBytes, delimiter, columnMap: options.columnMap });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#stop.stopped) return callback(); // the rest of a malformed input is read and dropped
    try {
      this.#decoder.write(chunk, this.#emit);
      this.#tellUnnamed();
      callback();
    } catch (err) {
      this.#stop.fail(err as Error, callback);
    }
  }

  override _flush(callback: TransformCallback): void {
    this.#stop.inputEnded();
    if (this.#stop.stopped || this.#cutOff) return callback(); // a partial record at a cut is no record
    try {
      this.#decoder.end(this.#emit);
      this.#tellUnnamed();
      callback();
    } catch (err) {
      this.#stop.fail(err as Error, callback);
    }
  }

  /**
   * Stops taking records: nothing more is emitted (a partial record is dropped, never emitted
   * truncated) and the stream ends normally once its input ends. For a graceful stop of a run.
   * False when the whole input was taken already: nothing is left unread, and the stop changes nothing.
   */
  stop(): boolean {
    return this.#stop.stop();
  }

  /**
   * The input ends cut off (gzip data that breaks off): every whole record before the cut is still
   * read, and what the input holds after the last one (a partial record) is dropped, never emitted
   * truncated. Call it before the input ends.
   */
  endsCut(): void {
    this.#cutOff = true;
  }

  /** The header's columns without a name, told once it is read. */
  #tellUnnamed(): void {
    const unnamed = this.#decoder.unnamed;
    if (this.#toldUnnamed || !unnamed || unnamed.length === 0) return;
    this.#toldUnnamed = true;
    this.emit('unnamedColumns', unnamed);
  }

  // One input chunk's records are pushed together; the write callback, called once they are
  // pushed, and the readable side's highWaterMark hold the input back.
  readonly #emit = (read: Record<string, InputValue>, line?: number, error?: string): void => {
    if (this.#stop.stopped) return;
    const row = ++this.#row;
    const mapped = this.#map ? renamed(read, this.#map) : undefined;
    const fields = mapped?.fields ?? read;
    const rejection =
      error ??
      (mapped?.twice === undefined
        ? undefined
        : inputFault('BULKPIPE_DUPLICATE_FIELD', `two fields are mapped to ${mapped.twice}: never "last one wins"`, { source: this.#source, row, line, field: mapped.twice })) ??
      (this.#decoder.utf8.invalid && !this.#replaceInvalid ? this.#invalidUtf8(fields, row, line) : undefined) ??
      (this.#checkNul ? this.#nul(fields, row, line) : undefined);
    if (rejection !== undefined) this.push({ row, ...(line === undefined ? {} : { line }), fields, error: rejection } satisfies InputRecord);
    else this.push(line === undefined ? { row, fields } : ({ row, line, fields } satisfies InputRecord));
  };

  /** A NUL character in a value of a JSON or XML record (a CSV record's is found by its decoder), at the line the record starts on: its strings' line ends are escapes. */
  #nul(fields: Record<string, InputValue>, row: number, line: number | undefined): string | undefined {
    for (const name in fields) {
      const value = fields[name];
      if (typeof value === 'string' && value.indexOf('\0') >= 0) return inputFault('BULKPIPE_NUL_CHARACTER', NUL_REASON, { source: this.#source, row, line, field: name });
    }
    return undefined;
  }

  /**
   * Once the input has held invalid UTF-8 (decoded as U+FFFD), a record with U+FFFD in a value is
   * rejected: the bytes were not text, and loading them replaced would change the data silently.
   */
  #invalidUtf8(fields: Record<string, InputValue>, row: number, line: number | undefined): string | undefined {
    for (const name in fields) {
      if (fields[name]?.includes('\uFFFD')) {
        return inputFault('BULKPIPE_INVALID_UTF8', 'bytes that are not UTF-8 (save the file as UTF-8, or load them replaced with --replace-invalid-utf8)', {
          source: this.#source,
          row,
          line,
          field: name,
        });
      }
    }
    return undefined;
  }
}

/** A record's fields renamed by the map, and the first name two of them were given (their values are both kept only in `read`). */
function renamed(fields: Record<string, InputValue>, map: ColumnMap): { fields: Record<string, InputValue>; twice?: string } {
  const out: Record<string, InputValue> = {};
  let twice: string | undefined;
  for (const name in fields) {
    const to = map.get(name) ?? name;
    if (twice === undefined && Object.hasOwn(out, to)) twice = to;
    out[to] = fields[name] as InputValue;
  }
  return twice === undefined ? { fields: out } : { fields, twice };
}

/** A RecordParser; e.g. `pipeline(createReadStream(path), recordParser({ format: 'csv', source: path }), ...)`. */
export const recordParser = (options: RecordParserOptions) => new RecordParser(options);

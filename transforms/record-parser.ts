/**
 * RecordParser: bytes -> InputRecord, for CSV, NDJSON, a JSON array of records and XML
 * `<sObjects><sObject>` (sax); the per-format decoding lives in lib/records/decoders/.
 * Each record carries its row number and the line it starts on.
 * Buffers: one input chunk's records, and a carry bounded by `maxRecordBytes` (a line, an array
 * element, an XML record). UTF-8 split across chunks, a BOM, CRLF and quoted newlines all work.
 * A malformed input fails with a ParseError that names the source, line and (where known) field.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { InputRecord, InputValue } from '../lib/load-types.js';
import { nonEmptyString, oneOf, positiveInteger } from '../lib/options.js';
import { CsvDecoder } from '../lib/records/decoders/csv-decoder.js';
import { JsonArrayDecoder } from '../lib/records/decoders/json-array-decoder.js';
import { NdjsonDecoder } from '../lib/records/decoders/ndjson-decoder.js';
import type { RecordDecoder } from '../lib/records/decoders/record-decoder.js';
import { XmlDecoder } from '../lib/records/decoders/xml-decoder.js';
import { InputStop } from '../lib/streams/input-stop.js';

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

const DECODERS: Record<InputFormat, new (settings: { source: string; maxRecordBytes: number }) => RecordDecoder> = {
  csv: CsvDecoder,
  ndjson: NdjsonDecoder,
  json: JsonArrayDecoder,
  xml: XmlDecoder,
};

export class RecordParser extends Transform {
  readonly #decoder: RecordDecoder;
  readonly #stop: InputStop;
  #row = 0;

  constructor(options: RecordParserOptions) {
    super({ readableObjectMode: true, writableObjectMode: false });
    const format = oneOf('format', options.format, INPUT_FORMATS);
    const source = nonEmptyString('source', options.source ?? 'input');
    const maxRecordBytes = positiveInteger('maxRecordBytes', options.maxRecordBytes ?? 4 * 1024 * 1024);
    this.#stop = new InputStop(options.onError);
    this.#decoder = new DECODERS[format]({ source, maxRecordBytes });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#stop.stopped) return callback(); // the rest of a malformed input is read and dropped
    try {
      this.#decoder.write(chunk, this.#emit);
      callback();
    } catch (err) {
      this.#stop.fail(err as Error, callback);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.#stop.stopped) return callback();
    try {
      this.#decoder.end(this.#emit);
      callback();
    } catch (err) {
      this.#stop.fail(err as Error, callback);
    }
  }

  /**
   * Stops taking records: nothing more is emitted (a partial record is dropped, never emitted
   * truncated) and the stream ends normally once its input ends. For a graceful stop of a run.
   */
  stop(): void {
    this.#stop.stop();
  }

  // One input chunk's records are pushed together; the write callback, called once they are
  // pushed, and the readable side's highWaterMark hold the input back.
  readonly #emit = (fields: Record<string, InputValue>, line?: number): void => {
    if (this.#stop.stopped) return;
    this.push(line === undefined ? { row: ++this.#row, fields } : ({ row: ++this.#row, line, fields } satisfies InputRecord));
  };
}

/** A RecordParser; e.g. `pipeline(createReadStream(path), recordParser({ format: 'csv', source: path }), ...)`. */
export const recordParser = (options: RecordParserOptions) => new RecordParser(options);

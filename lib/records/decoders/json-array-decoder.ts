/** A JSON array of records, cut into elements by JsonArrayScanner; flat ones read in passing, others by JSON.parse. */
import { ParseError } from '../../errors.js';
import { Utf8ChunkDecoder } from '../../text/utf8-chunk-decoder.js';
import { jsonCursor, parseFlatJsonObject } from '../flat-json-object.js';
import { flattenRecord } from '../flatten.js';
import { JsonArrayScanner, type JsonArrayElement } from '../json-array-scanner.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

export class JsonArrayDecoder implements RecordDecoder {
  readonly #source: string;
  readonly #text = new Utf8ChunkDecoder({ stripBom: true });
  readonly #scanner: JsonArrayScanner;
  #record = 0;
  readonly #cursor = jsonCursor();

  constructor(settings: DecoderSettings) {
    this.#source = settings.source;
    this.#scanner = new JsonArrayScanner(settings.source, settings.maxRecordBytes, { readFlat: true });
  }

  write(chunk: Buffer, emit: EmitRecord): void {
    this.#scanner.write(this.#text.write(chunk), this.#onElement(emit));
  }

  end(emit: EmitRecord): void {
    this.#scanner.write(this.#text.end(), this.#onElement(emit));
    this.#scanner.end();
  }

  #onElement(emit: EmitRecord): (element: JsonArrayElement, line: number) => void {
    return (element, line) => {
      const record = ++this.#record;
      if (typeof element !== 'string') return emit(element, line);
      // Read by JSON.parse when the scanner could not read it in passing (e.g. it spanned two chunks).
      const text = element;
      const flat = parseFlatJsonObject(text, 0, text.length, this.#cursor);
      if (flat) return emit(flat, line);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new ParseError(`malformed JSON: ${(err as Error).message}`, { source: this.#source, line, record }, { cause: err });
      }
      emit(flattenRecord(value, { source: this.#source, line, record }), line);
    };
  }
}

/** A JSON array of records, cut into elements by JsonArrayScanner; flat ones read in passing, others by JSON.parse. */
import { Utf8ChunkDecoder } from '../../text/utf8-chunk-decoder.js';
import { jsonCursor } from '../flat-json-object.js';
import { JsonArrayScanner, type JsonArrayElement } from '../json-array-scanner.js';
import { readJsonRecord } from '../json-record.js';
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
      // Not read in passing by the scanner (e.g. it spanned two chunks): read it now.
      emit(readJsonRecord(element, 0, element.length, this.#cursor, this.#source, line, record, true), line);
    };
  }
}

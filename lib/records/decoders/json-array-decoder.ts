/** A JSON array of records, cut into elements by JsonArrayScanner and each parsed by JSON.parse. */
import { ParseError } from '../../errors.js';
import { Utf8ChunkDecoder } from '../../text/utf8-chunk-decoder.js';
import { flattenRecord } from '../flatten.js';
import { JsonArrayScanner } from '../json-array-scanner.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

export class JsonArrayDecoder implements RecordDecoder {
  readonly #source: string;
  readonly #text = new Utf8ChunkDecoder();
  readonly #scanner: JsonArrayScanner;
  #record = 0;
  #first = true;

  constructor(settings: DecoderSettings) {
    this.#source = settings.source;
    this.#scanner = new JsonArrayScanner(settings.source, settings.maxRecordBytes);
  }

  write(chunk: Buffer, emit: EmitRecord): void {
    let text = this.#text.write(chunk);
    if (this.#first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#first = false;
    }
    this.#scanner.write(text, this.#onElement(emit));
  }

  end(emit: EmitRecord): void {
    this.#scanner.write(this.#text.end(), this.#onElement(emit));
    this.#scanner.end();
  }

  #onElement(emit: EmitRecord): (text: string, line: number) => void {
    return (text, line) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new ParseError(`malformed JSON: ${(err as Error).message}`, { source: this.#source, line, record: this.#record + 1 }, { cause: err });
      }
      emit(flattenRecord(value, { source: this.#source, line, record: ++this.#record }), line);
    };
  }
}

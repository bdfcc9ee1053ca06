/** One JSON object per line; blank lines skipped; a line longer than maxRecordBytes is an error. */
import { ParseError } from '../../errors.js';
import { Utf8ChunkDecoder } from '../../text/utf8-chunk-decoder.js';
import { parseFlatJsonObject } from '../flat-json-object.js';
import { flattenRecord } from '../flatten.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

export class NdjsonDecoder implements RecordDecoder {
  readonly #source: string;
  readonly #max: number;
  readonly #text = new Utf8ChunkDecoder({ stripBom: true });
  #carry = '';
  #line = 0;
  #record = 0;

  constructor(settings: DecoderSettings) {
    this.#source = settings.source;
    this.#max = settings.maxRecordBytes;
  }

  write(chunk: Buffer, emit: EmitRecord): void {
    const text = this.#carry + this.#text.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.#take(text, start, nl, emit);
      start = nl + 1;
    }
    this.#carry = text.slice(start);
    if (this.#carry.length > this.#max) throw new ParseError(`a line is longer than ${this.#max} bytes`, { source: this.#source, line: this.#line + 1 });
  }

  end(emit: EmitRecord): void {
    const rest = this.#carry + this.#text.end();
    this.#carry = '';
    if (rest !== '') this.#take(rest, 0, rest.length, emit);
  }

  /** Takes the line text[start, end): read in place by the fast path, sliced out only for JSON.parse. */
  #take(text: string, start: number, end: number, emit: EmitRecord): void {
    const line = ++this.#line;
    const flat = parseFlatJsonObject(text, start, end);
    if (flat) {
      this.#record++;
      return emit(flat, line);
    }
    const whole = text.slice(start, end);
    const json = whole.endsWith('\r') ? whole.slice(0, -1) : whole;
    if (json.trim() === '') return;
    const record = ++this.#record;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new ParseError(`malformed JSON: ${(err as Error).message}`, { source: this.#source, line }, { cause: err });
    }
    emit(flattenRecord(value, { source: this.#source, line, record }), line);
  }
}

/** One JSON object per line; blank lines skipped; a line longer than maxRecordBytes is an error. */
import { ParseError } from '../../errors.js';
import { Utf8ChunkDecoder } from '../../text/utf8-chunk-decoder.js';
import { flattenRecord } from '../flatten.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

export class NdjsonDecoder implements RecordDecoder {
  readonly #source: string;
  readonly #max: number;
  readonly #text = new Utf8ChunkDecoder();
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
      this.#take(text.slice(start, nl), emit);
      start = nl + 1;
    }
    this.#carry = text.slice(start);
    if (this.#carry.length > this.#max) throw new ParseError(`a line is longer than ${this.#max} bytes`, { source: this.#source, line: this.#line + 1 });
  }

  end(emit: EmitRecord): void {
    const rest = this.#carry + this.#text.end();
    this.#carry = '';
    if (rest !== '') this.#take(rest, emit);
  }

  #take(text: string, emit: EmitRecord): void {
    const line = ++this.#line;
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line === 1 && trimmed.charCodeAt(0) === 0xfeff ? trimmed.slice(1) : trimmed);
    } catch (err) {
      throw new ParseError(`malformed JSON: ${(err as Error).message}`, { source: this.#source, line }, { cause: err });
    }
    emit(flattenRecord(value, { source: this.#source, line, record: ++this.#record }), line);
  }
}

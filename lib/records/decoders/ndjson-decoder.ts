/**
 * One JSON object per line; blank lines skipped; a line longer than maxRecordBytes is an error.
 * Lines are cut in the bytes (a newline byte is always a character boundary) and each chunk's whole
 * lines are decoded as one flat string: a carried partial line is finished as bytes, never by a
 * string concatenation, whose unflattened result made every later read of the text slower.
 */
import { ParseError } from '../../errors.js';
import { decodeUtf8, stripBom } from '../../text/utf8-chunk-decoder.js';
import { skipSpace } from '../../text/whitespace.js';
import { jsonCursor } from '../flat-json-object.js';
import { readJsonRecord } from '../json-record.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

export class NdjsonDecoder implements RecordDecoder {
  readonly #source: string;
  readonly #max: number;
  #carry: Buffer | undefined;
  #first = true;
  readonly #cursor = jsonCursor();
  #line = 0;
  #record = 0;

  constructor(settings: DecoderSettings) {
    this.#source = settings.source;
    this.#max = settings.maxRecordBytes;
  }

  write(chunk: Buffer, emit: EmitRecord): void {
    let from = 0;
    if (this.#carry) {
      // The line begun in an earlier chunk is finished on its own: the chunk itself is not copied.
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        this.#hold(Buffer.concat([this.#carry, chunk]));
        return;
      }
      const line = this.#decode(Buffer.concat([this.#carry, chunk.subarray(0, nl)]));
      this.#carry = undefined;
      this.#take(line, 0, line.length, emit);
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(0x0a);
    if (last < from) {
      if (from < chunk.length) this.#hold(Buffer.from(chunk.subarray(from)));
      return;
    }
    const text = this.#decode(chunk.subarray(from, last + 1));
    if (last + 1 < chunk.length) this.#hold(Buffer.from(chunk.subarray(last + 1)));
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.#take(text, start, nl, emit);
      start = nl + 1;
    }
  }

  /** Keeps a partial line for the next chunk, within maxRecordBytes. */
  #hold(bytes: Buffer): void {
    if (bytes.length > this.#max) throw new ParseError(`a line is longer than ${this.#max} bytes`, { source: this.#source, line: this.#line + 1 });
    this.#carry = bytes;
  }

  end(emit: EmitRecord): void {
    const rest = this.#carry ? this.#decode(this.#carry) : '';
    this.#carry = undefined;
    if (rest !== '') this.#take(rest, 0, rest.length, emit);
  }

  #decode(bytes: Buffer): string {
    const text = decodeUtf8(bytes);
    if (!this.#first) return text;
    this.#first = false;
    return stripBom(text);
  }

  /** Takes the line text[start, end): read in place by the fast path, sliced out only for JSON.parse. */
  #take(text: string, start: number, end: number, emit: EmitRecord): void {
    const line = ++this.#line;
    if (skipSpace(text, start, end) === end) return; // a blank line
    emit(readJsonRecord(text, start, end, this.#cursor, this.#source, line, ++this.#record, false), line);
  }
}

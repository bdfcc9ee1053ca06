/**
 * One JSON object per line; blank lines skipped. A line that is no JSON object (or repeats a key)
 * is emitted rejected, with its line; a line longer than maxRecordBytes is read on without being
 * kept and emitted rejected.
 * Lines are cut in the bytes (a newline byte is always a character boundary) and each chunk's whole
 * lines are decoded as one flat string: a carried partial line is finished as bytes, never by a
 * string concatenation, whose unflattened result made every later read of the text slower.
 */
import { ParseError } from '../../errors.js';
import type { InputValue } from '../../load-types.js';
import { inputFault, recordParseFault } from '../../load/input-fault.js';
import type { Utf8Seen } from '../../text/utf8-validity.js';
import { decodeUtf8, stripBom } from '../../text/utf8-chunk-decoder.js';
import { skipSpace } from '../../text/whitespace.js';
import { jsonCursor } from '../flat-json-object.js';
import { readJsonRecord } from '../json-record.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

export class NdjsonDecoder implements RecordDecoder {
  readonly utf8: Utf8Seen = { invalid: false };
  readonly #source: string;
  /** Bytes of an over-long line read so far, while it is passed over. */
  #skipped = -1;
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
    if (this.#skipped >= 0) {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        this.#skipped += chunk.length;
        return;
      }
      this.#tooLong(this.#skipped + nl, emit);
      from = nl + 1;
    } else if (this.#carry) {
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

  /** Keeps a partial line for the next chunk, within maxRecordBytes; past them the line is passed over. */
  #hold(bytes: Buffer): void {
    if (bytes.length > this.#max) {
      this.#carry = undefined;
      this.#skipped = bytes.length;
      return;
    }
    this.#carry = bytes;
  }

  /** An over-long line has ended: emitted rejected, unread. */
  #tooLong(bytes: number, emit: EmitRecord): void {
    this.#skipped = -1;
    const line = ++this.#line;
    emit(
      {},
      line,
      inputFault('BULKPIPE_RECORD_TOO_LARGE', `a line of ${bytes} bytes, more than the ${this.#max} a record may hold (larger than a batch): not read`, {
        source: this.#source,
        row: ++this.#record,
        line,
      }),
    );
  }

  end(emit: EmitRecord): void {
    if (this.#skipped >= 0) return this.#tooLong(this.#skipped, emit);
    const rest = this.#carry ? this.#decode(this.#carry) : '';
    this.#carry = undefined;
    if (rest !== '') this.#take(rest, 0, rest.length, emit);
  }

  #decode(bytes: Buffer): string {
    const text = decodeUtf8(bytes, this.utf8);
    if (!this.#first) return text;
    this.#first = false;
    return stripBom(text);
  }

  /** Takes the line text[start, end): read in place by the fast path, sliced out only for JSON.parse. */
  #take(text: string, start: number, end: number, emit: EmitRecord): void {
    const line = ++this.#line;
    if (skipSpace(text, start, end) === end) return; // a blank line
    const row = ++this.#record;
    let fields: Record<string, InputValue>;
    try {
      fields = readJsonRecord(text, start, end, this.#cursor, this.#source, line, row, false);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      return emit({}, line, recordParseFault(err, { source: this.#source, row, line }));
    }
    emit(fields, line);
  }
}

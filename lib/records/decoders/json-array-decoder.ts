// Kept over stream-json (issue 28): 4.9x less CPU on a data.ts Accounts array (2.0x with escapes in every record), stream-json giving no line at all (benchmarks/hand-written-vs-library.bench.ts).
/**
 * A JSON array of records, cut into elements by JsonArrayScanner; flat ones read in passing, others
 * by JSON.parse. An element that is no JSON object, repeats a key, breaks a string with a line end
 * or is too large is emitted rejected; a broken array (no closing `]`) keeps every record before.
 */
import { ParseError } from '../../errors.js';
import type { InputValue } from '../../load-types.js';
import { inputFault, recordParseFault } from '../../load/input-fault.js';
import { Utf8ChunkDecoder } from '../../text/utf8-chunk-decoder.js';
import type { Utf8Seen } from '../../text/utf8-validity.js';
import { jsonCursor } from '../flat-json-object.js';
import { JsonArrayScanner, type OnJsonElement } from '../json-array-scanner.js';
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
    this.#scanner = new JsonArrayScanner(settings.source, settings.maxRecordBytes, { readFlat: true, tolerant: true });
  }

  get utf8(): Utf8Seen {
    return this.#text.seen;
  }

  write(chunk: Buffer, emit: EmitRecord): void {
    this.#scanner.write(this.#text.write(chunk), this.#onElement(emit));
  }

  end(emit: EmitRecord): void {
    const onElement = this.#onElement(emit);
    this.#scanner.write(this.#text.end(), onElement);
    this.#scanner.end(onElement);
  }

  #onElement(emit: EmitRecord): OnJsonElement {
    return (element, line, fault, column) => {
      const row = ++this.#record;
      if (fault) return emit({}, line, inputFault(fault.code, fault.reason, { source: this.#source, row, line: fault.line, column: fault.column }));
      if (typeof element !== 'string') return emit(element, line);
      // Not read in passing by the scanner (e.g. it spanned two chunks): read it now.
      let fields: Record<string, InputValue>;
      try {
        fields = readJsonRecord(element, 0, element.length, this.#cursor, this.#source, line, row, true, column);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        return emit({}, line, recordParseFault(err, { source: this.#source, row, line }));
      }
      emit(fields, line);
    };
  }
}

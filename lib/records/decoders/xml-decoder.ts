/** `<sObjects><sObject>...</sObject></sObjects>` (sax): a nested element is a parent reference, xsi:nil is null. */
import { ParseError } from '../../errors.js';
import type { InputValue } from '../../load-types.js';
import { MAX_RECORD_CHARACTERS } from '../../limits.js';
import { Utf8ChunkDecoder } from '../../text/utf8-chunk-decoder.js';
import { XmlElementCollector, type XmlElement } from '../../wire/xml-reader.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

export class XmlDecoder implements RecordDecoder {
  readonly #source: string;
  readonly #text = new Utf8ChunkDecoder();
  readonly #collector: XmlElementCollector;
  #line = 1;

  constructor(settings: DecoderSettings) {
    this.#source = settings.source;
    this.#collector = new XmlElementCollector({ source: settings.source, rootNames: ['sObjects'], depth: 2, maxElementChars: Math.min(settings.maxRecordBytes, MAX_RECORD_CHARACTERS * 4) });
  }

  write(chunk: Buffer, emit: EmitRecord): void {
    const text = this.#text.write(chunk);
    this.#collector.write(text);
    this.#drain(emit);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.#line++;
  }

  end(emit: EmitRecord): void {
    this.#collector.write(this.#text.end());
    this.#collector.end();
    this.#drain(emit);
  }

  #drain(emit: EmitRecord): void {
    for (const element of this.#collector.take()) {
      if (element.name !== 'sObject') throw new ParseError(`expected <sObject>, found <${element.name}>`, { source: this.#source, line: this.#line });
      emit(xmlFields(element), this.#line);
    }
  }
}

function xmlFields(record: XmlElement): Record<string, InputValue> {
  const fields: Record<string, InputValue> = {};
  for (const field of record.children) {
    const parent = field.children.filter((c) => c.name !== 'type');
    if (parent.length > 0) for (const inner of parent) fields[`${field.name}.${inner.name}`] = inner.nil ? null : inner.text;
    else fields[field.name] = field.nil ? null : field.text;
  }
  return fields;
}

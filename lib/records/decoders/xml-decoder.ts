// Kept over sax alone (issue 28): 3.9x less CPU on data.ts Accounts XML (1.8x with entities and line breaks in every record), sax wrapped for the same records and lines (benchmarks/hand-written-vs-library.bench.ts).
/**
 * `<sObjects><sObject>...</sObject></sObjects>`: a nested element is a parent reference, xsi:nil is
 * null. Records are found with indexOf and read by readFlatXmlRecord, several times faster than sax
 * (about 13 MB/s here, below the pipeline's target). sax stays the judge of everything else: the
 * first record the fast path cannot read, a prolog with a DOCTYPE, a prefixed root, and all that
 * follows go to the sax reader, fed the root's start tag first so that namespaces still resolve.
 */
import { ParseError } from '../../errors.js';
import type { InputValue } from '../../load-types.js';
import { inputFault, recordParseFault } from '../../load/input-fault.js';
import { countLineEnds } from '../../text/count-line-ends.js';
import { flatString } from '../../text/flat-string.js';
import { Utf8ChunkDecoder } from '../../text/utf8-chunk-decoder.js';
import { skipSpace } from '../../text/whitespace.js';
import { XSI_NS } from '../../wire/xml-writer.js';
import { XmlElementCollector, type XmlElement } from '../../wire/xml-reader.js';
import { readFlatXmlRecord } from '../flat-xml-record.js';
import type { Utf8Seen } from '../../text/utf8-validity.js';
import type { DecoderSettings, EmitRecord, RecordDecoder } from './record-decoder.js';

const OPEN_RECORD = '<sObject>';
const CLOSE_RECORD = '</sObject>';
const CLOSE_ROOT = '</sObjects>';
const TOKENS = [OPEN_RECORD, CLOSE_ROOT, '<!--'];
/** The root start tag the fast path takes: unprefixed, with attributes (namespace declarations) or none. */
const ROOT_TAG = /^<sObjects(\s[^<>]*)?>/;
const ATTRIBUTE = /([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

type Mode = 'prolog' | 'records' | 'after' | 'sax';

export class XmlDecoder implements RecordDecoder {
  readonly #source: string;
  #row = 0;
  /** A record too large to keep, being passed over: the line it starts on and its size so far. */
  #skipping: { line: number; chars: number } | undefined;
  readonly #maxChars: number;
  readonly #utf8 = new Utf8ChunkDecoder({ stripBom: true });
  #mode: Mode = 'prolog';
  /** Text not yet consumed by the fast path. */
  #text = '';
  /** Line at the start of #text. */
  #line = 1;
  #rootTag = '';
  #nilAttribute = '';
  #collector: XmlElementCollector | undefined;

  constructor(settings: DecoderSettings) {
    this.#source = settings.source;
    this.#maxChars = settings.maxRecordBytes;
  }

  get utf8(): Utf8Seen {
    return this.#utf8.seen;
  }

  write(chunk: Buffer, emit: EmitRecord): void {
    const text = this.#utf8.write(chunk);
    if (this.#mode === 'sax') return this.#saxWrite(text, emit);
    this.#text = flatString(this.#text + text);
    this.#advance(emit);
  }

  end(emit: EmitRecord): void {
    const text = this.#utf8.end();
    if (this.#mode !== 'sax') {
      this.#text = flatString(this.#text + text);
      this.#advance(emit);
      if (this.#skipping) {
        const { line } = this.#skipping;
        this.#skipping = undefined;
        emit({}, line, inputFault('BULKPIPE_MALFORMED_RECORD', 'the input ends inside this record (truncated input?)', { source: this.#source, row: ++this.#row, line }));
        throw new ParseError('the input ends inside a record, before </sObjects>', { source: this.#source, line: this.#line });
      }
      // Whatever is left (a truncated record, a missing root end) is sax's to word; an empty input
      // (white space, a declaration, comments) holds no records, as an empty file of any format.
      if (this.#mode === 'prolog') {
        if (this.#prologOnly()) return;
        this.#toSax(0, emit);
      } else if (this.#mode === 'records' || this.#text.trim() !== '') this.#sax(0, this.#line, emit);
      else return; // read whole by the fast path
    } else if (text) {
      this.#saxWrite(text, emit);
    }
    (this.#collector as XmlElementCollector).end();
    this.#drain(emit);
  }

  #advance(emit: EmitRecord): void {
    if (this.#mode === 'prolog') this.#prolog(emit);
    if (this.#mode === 'records' || this.#mode === 'after') this.#records(emit);
  }

  /** Skips the declaration, comments and white space; takes a plain `<sObjects ...>` root, else sax. */
  #prolog(emit: EmitRecord): void {
    const t = this.#text;
    let i = 0;
    for (;;) {
      i = skipSpace(t, i, t.length);
      if (i >= t.length) return;
      if (t.startsWith('<?', i) || t.startsWith('<!--', i)) {
        const end = t.indexOf(t.startsWith('<?', i) ? '?>' : '-->', i);
        if (end < 0) return this.#waitOrSax(i, emit);
        i = end + (t.startsWith('<?', i) ? 2 : 3);
        continue;
      }
      const gt = t.indexOf('>', i);
      if (gt < 0) return this.#waitOrSax(i, emit);
      const tag = ROOT_TAG.exec(t.slice(i, gt + 1))?.[0];
      if (!tag || tag.endsWith('/>')) return this.#toSax(0, emit); // a DOCTYPE, another root, a prefix: sax
      this.#rootTag = tag;
      this.#nilAttribute = nilAttributeOf(tag);
      this.#consume(gt + 1);
      this.#mode = 'records';
      return;
    }
  }

  #records(emit: EmitRecord): void {
    if (this.#skipping && !this.#passOver(emit)) return;
    const t = this.#text;
    const n = t.length;
    let i = 0;
    let line = this.#line;
    let counted = 0;
    const lineAt = (pos: number) => {
      line += countLineEnds(t, counted, pos);
      counted = pos;
      return line;
    };
    for (;;) {
      i = skipSpace(t, i, n);
      if (i >= n) break;
      if (t.startsWith('<!--', i)) {
        const end = t.indexOf('-->', i + 4);
        if (end < 0) {
          if (n - i > this.#maxChars) return this.#sax(i, lineAt(i), emit);
          break;
        }
        i = end + 3;
        continue;
      }
      if (this.#mode === 'after') throw new ParseError('unexpected content after the end of <sObjects>', { source: this.#source, line: lineAt(i) });
      if (t.startsWith(CLOSE_ROOT, i)) {
        this.#mode = 'after';
        i += CLOSE_ROOT.length;
        continue;
      }
      if (!t.startsWith(OPEN_RECORD, i)) {
        if (n - i < CLOSE_ROOT.length && TOKENS.some((token) => token.startsWith(t.slice(i)))) break; // cut mid-tag: wait
        return this.#sax(i, lineAt(i), emit);
      }
      const close = t.indexOf(CLOSE_RECORD, i + OPEN_RECORD.length);
      if (close < 0) {
        if (n - i > this.#maxChars) {
          this.#skipping = { line: lineAt(i), chars: n - i };
          this.#line = lineAt(n);
          this.#text = t.slice(n - CLOSE_RECORD.length);
          return;
        }
        break;
      }
      // Read in place; a comment or CDATA (which could also hide a `</sObject>`) is declined, so sax reads it all.
      const fields = readFlatXmlRecord(t, i + OPEN_RECORD.length, close, this.#nilAttribute);
      if (fields) this.#emit(emit, fields, lineAt(i));
      else if (hidesEnd(t, i, close)) return this.#sax(i, lineAt(i), emit);
      else this.#readAlone(t, i, close + CLOSE_RECORD.length, lineAt(i), emit);
      i = close + CLOSE_RECORD.length;
    }
    this.#line = lineAt(i);
    this.#text = t.slice(i);
  }

  /** Looks for the end of the record being passed over; true once found (the text then goes on after it). */
  #passOver(emit: EmitRecord): boolean {
    const skipping = this.#skipping as { line: number; chars: number };
    const t = this.#text;
    const close = t.indexOf(CLOSE_RECORD);
    if (close < 0) {
      const keep = Math.max(0, t.length - CLOSE_RECORD.length);
      skipping.chars += keep;
      this.#consume(keep);
      return false;
    }
    this.#skipping = undefined;
    const error = inputFault(
      'BULKPIPE_RECORD_TOO_LARGE',
      `about ${skipping.chars + close} characters, more than the ${this.#maxChars} a record may hold (larger than a batch): not read`,
      {
        source: this.#source,
        row: ++this.#row,
        line: skipping.line,
      },
    );
    emit({}, skipping.line, error);
    this.#consume(close + CLOSE_RECORD.length);
    return true;
  }

  /** One record, text[from, to), read by sax on its own: its fields, or a rejection that names its fault. */
  #readAlone(t: string, from: number, to: number, line: number, emit: EmitRecord): void {
    const indent = from - (t.lastIndexOf('\n', from - 1) + 1);
    const lead = `${this.#rootTag}\n${' '.repeat(indent)}`;
    const collector = new XmlElementCollector({ source: this.#source, rootNames: ['sObjects'], depth: 2, maxElementChars: this.#maxChars, firstLine: line - countLineEnds(lead) });
    try {
      collector.write(lead + t.slice(from, to) + CLOSE_ROOT);
      collector.end();
      const [element] = collector.take();
      this.#emit(emit, xmlFields(element as XmlElement, this.#source, line), line);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      emit({}, line, recordParseFault(err, { source: this.#source, row: ++this.#row, line }));
    }
  }

  #emit(emit: EmitRecord, fields: Record<string, InputValue>, line: number): void {
    this.#row++;
    emit(fields, line);
  }

  /** Whether the prolog text is all there is: white space, an XML declaration, comments. */
  #prologOnly(): boolean {
    const t = this.#text;
    let i = 0;
    for (;;) {
      i = skipSpace(t, i, t.length);
      if (i >= t.length) return true;
      const close = t.startsWith('<?', i) ? '?>' : t.startsWith('<!--', i) ? '-->' : undefined;
      const end = close ? t.indexOf(close, i) : -1;
      if (end < 0) return false;
      i = end + (close as string).length;
    }
  }

  /** Keeps waiting for the rest of a prolog construct, within bounds; past them, sax decides. */
  #waitOrSax(at: number, emit: EmitRecord): void {
    if (this.#text.length - at > this.#maxChars) this.#toSax(0, emit);
  }

  /** Hands the records from `at` (at `line`) on to sax, after the root's start tag. */
  #sax(at: number, line: number, emit: EmitRecord): void {
    this.#line = line;
    this.#text = this.#rootTag + this.#text.slice(at);
    this.#toSax(0, emit);
  }

  /** From here on sax reads everything: #text from `from`, then every later chunk. */
  #toSax(from: number, emit: EmitRecord): void {
    this.#mode = 'sax';
    this.#collector = new XmlElementCollector({
      source: this.#source,
      rootNames: ['sObjects'],
      depth: 2,
      maxElementChars: this.#maxChars,
      firstLine: this.#line - countLineEnds(this.#rootTag),
    });
    const rest = this.#text.slice(from);
    this.#text = '';
    this.#saxWrite(rest, emit);
  }

  #saxWrite(text: string, emit: EmitRecord): void {
    const collector = this.#collector as XmlElementCollector;
    collector.write(text);
    this.#drain(emit);
    this.#line += countLineEnds(text);
  }

  #drain(emit: EmitRecord): void {
    for (const element of (this.#collector as XmlElementCollector).take()) {
      if (element.name !== 'sObject') throw new ParseError(`expected <sObject>, found <${element.name}>`, { source: this.#source, line: this.#line });
      let fields: Record<string, InputValue>;
      try {
        fields = xmlFields(element, this.#source, this.#line);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        emit({}, this.#line, recordParseFault(err, { source: this.#source, row: ++this.#row, line: this.#line }));
        continue;
      }
      this.#emit(emit, fields, this.#line);
    }
  }

  #consume(count: number): void {
    this.#line += countLineEnds(this.#text, 0, count);
    this.#text = this.#text.slice(count);
  }
}

/** A record's fields; a field given twice is the record's fault (either value may be the one meant). */
function xmlFields(record: XmlElement, source: string, line: number): Record<string, InputValue> {
  const fields: Record<string, InputValue> = {};
  const set = (name: string, value: InputValue) => {
    if (Object.hasOwn(fields, name)) throw new ParseError(`the field <${name}> appears twice in the record`, { source, line, field: name, fault: 'BULKPIPE_DUPLICATE_FIELD' });
    fields[name] = value;
  };
  for (const field of record.children) {
    const parent = field.children.filter((c) => c.name !== 'type');
    if (parent.length > 0) for (const inner of parent) set(`${field.name}.${inner.name}`, inner.nil ? null : inner.text);
    else set(field.name, field.nil ? null : field.text);
  }
  return fields;
}

/** Whether a record's text holds a comment or CDATA, either of which could hide a `</sObject>`: then sax must read on from it. */
function hidesEnd(text: string, from: number, to: number): boolean {
  const comment = text.indexOf('<!--', from);
  const cdata = text.indexOf('<![CDATA[', from);
  return (comment >= 0 && comment < to) || (cdata >= 0 && cdata < to);
}

/** The qualified name of xsi:nil under the root's namespace declarations ('' when xsi is not declared). */
function nilAttributeOf(rootTag: string): string {
  for (const m of rootTag.matchAll(ATTRIBUTE)) {
    const [, name, , double, single] = m;
    if (name?.startsWith('xmlns:') && (double ?? single) === XSI_NS) return `${name.slice(6)}:nil`;
  }
  return '';
}

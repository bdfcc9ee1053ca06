// Kept over stream-json (issue 28): a data.ts Accounts array read for 4.9x less CPU (2.0x with escapes in every record), stream-json giving no line at all (benchmarks/hand-written-vs-library.bench.ts).
/**
 * Finds the elements of a top-level JSON array in text that arrives in pieces, without parsing them:
 * a scan that tracks strings, escapes and nesting depth, and hands out each element's text (to be
 * JSON.parse'd by the caller). Far faster than a token-level streaming parser for arrays of flat
 * records. With `readFlat`, a flat object is read in the same pass (readFlatJsonObject) and handed
 * out as fields. Carry is bounded by `maxElementChars`.
 */
import { ParseError, type RowErrorCodes } from '../errors.js';
import type { InputValue } from '../load-types.js';
import { countLineEnds } from '../text/count-line-ends.js';
import { flatString } from '../text/flat-string.js';
import { escapedQuote } from '../text/escaped-quote.js';
import { CLOSE_BRACE, CLOSE_BRACKET, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from '../text/json-chars.js';
import { isSpace } from '../text/whitespace.js';
import { jsonCursor, readFlatJsonObject } from './flat-json-object.js';

/** An element's text, or, for a flat object read on the fly, its fields. */
type JsonArrayElement = string | Record<string, InputValue>;

/** Why an element is handed out without its text (tolerant scanners only). */
interface JsonElementFault {
  readonly code: RowErrorCodes<'BULKPIPE_MALFORMED_RECORD' | 'BULKPIPE_RECORD_TOO_LARGE'>;
  readonly reason: string;
  readonly line: number;
  readonly column?: number;
}

/** An element, the line and column it starts at, and for a tolerant scanner's broken element, its fault. */
export type OnJsonElement = (element: JsonArrayElement, line: number, fault?: JsonElementFault, column?: number) => void;

export class JsonArrayScanner {
  readonly #source: string;
  readonly #maxChars: number;
  #text = '';
  /** Scan position in #text. */
  #pos = 0;
  /** Start of the current element in #text, or -1 between elements. */
  #start = -1;
  #depth = 0;
  #inString = false;
  #state: 'before' | 'array' | 'after' = 'before';
  /** Lines are counted lazily, up to #counted in #text: only element starts and errors need them. */
  #line = 1;
  #counted = 0;
  #elementLine = 1;
  #elementColumn = 1;
  /** Where the last line end counted is, in #text's positions (before it: -1 or less). */
  #lastLf = -1;
  readonly #readFlat: boolean;
  /** The current element's fields when it was read by the fast path. */
  #flat: Record<string, InputValue> | undefined;
  readonly #cursor = jsonCursor();
  readonly #tolerant: boolean;
  /** An element too large to keep, being read on without its text: its size so far. */
  #oversize = -1;
  /** After a string broken by a line end: passing lines over up to one that starts a record (`{`): at a line's start, or within one. */
  #resync: 'start' | 'line' | false = false;
  /** The next line end at or after the scan position (text.length when none): a string cannot hold one. */
  #nextLf = -1;

  /**
   * `tolerant` (input records, not wire documents): an element too large, or one whose string a
   * line end breaks, is handed out with a fault (and no text) instead of ending the scan.
   */
  constructor(source: string, maxElementChars = 64 * 1024 * 1024, options: { readonly readFlat?: boolean; readonly tolerant?: boolean } = {}) {
    this.#source = source;
    this.#maxChars = maxElementChars;
    this.#readFlat = options.readFlat ?? false;
    this.#tolerant = options.tolerant ?? false;
  }

  /** Adds text; calls `onElement` with each complete element's text and the line it starts on. */
  write(chunk: string, onElement: OnJsonElement): void {
    const keep = this.#start >= 0 ? this.#start : this.#pos;
    this.#text = flatString(this.#text.slice(keep) + chunk);
    this.#pos -= keep;
    this.#counted -= keep;
    this.#lastLf -= keep;
    this.#nextLf = -1;
    if (this.#oversize >= 0) this.#oversize += chunk.length;
    if (this.#start >= 0) this.#start = 0;
    const t = this.#text;
    const n = t.length;
    // Hot loop state in locals: private fields cost a lookup per character.
    let depth = this.#depth;
    let inString = this.#inString;
    let i = this.#pos;
    try {
      for (; i < n; i++) {
        if (this.#resync) {
          i = this.#resyncFrom(t, i);
          if (i >= n) break;
        }
        if (inString) {
          const q = t.indexOf('"', i);
          if (this.#tolerant) {
            if (this.#nextLf < i) this.#nextLf = lfFrom(t, i);
            if (this.#nextLf < (q < 0 ? n : q)) {
              // A raw line end is invalid in a JSON string: the string (and so its record) is broken here.
              this.#broken(this.#nextLf, onElement);
              inString = false;
              depth = 0;
              i = this.#nextLf;
              continue;
            }
          }
          if (q < 0) {
            i = n;
            break;
          }
          i = q;
          if (!escapedQuote(t, q)) inString = false;
          continue;
        }
        const c = t.charCodeAt(i);
        if (isSpace(c)) continue;
        if (this.#state === 'before') {
          if (c !== OPEN_BRACKET) throw this.#error('the input must be a JSON array of records', i);
          this.#state = 'array';
          continue;
        }
        if (this.#state === 'after') throw this.#error('unexpected text after the end of the array', i);
        if (depth === 0) {
          const inElement = this.#start >= 0 || this.#oversize >= 0;
          if (c === CLOSE_BRACKET) {
            if (inElement) this.#emit(i, onElement);
            this.#state = 'after';
            continue;
          }
          if (c === COMMA) {
            if (!inElement) throw this.#error('an empty element in the array', i);
            this.#emit(i, onElement);
            continue;
          }
          this.#flat = undefined; // text after a flat object: the element goes to JSON.parse, which says what is wrong
          if (inElement && c !== QUOTE && c !== OPEN_BRACE && c !== OPEN_BRACKET) continue; // inside a scalar
          if (!inElement) {
            this.#start = i;
            this.#elementLine = this.#lineAt(i);
            this.#elementColumn = i - this.#lastLf;
            if (c === OPEN_BRACE && this.#readFlat) {
              this.#cursor.pos = i;
              this.#flat = readFlatJsonObject(t, this.#cursor, n);
              if (this.#flat) {
                i = this.#cursor.pos - 1;
                continue;
              }
            }
          } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            throw this.#error('missing comma between elements', i);
          }
        }
        if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          if (--depth < 0) throw this.#error('unbalanced brackets', i);
        }
      }
    } finally {
      this.#depth = depth;
      this.#inString = inString;
    }
    this.#pos = n;
    if (this.#start >= 0 && n - this.#start > this.#maxChars) {
      if (!this.#tolerant) throw this.#error(`an element is larger than ${this.#maxChars} characters`, n);
      this.#oversize = n - this.#start;
      this.#start = -1;
      this.#flat = undefined;
    }
    if (this.#start < 0) {
      this.#lineAt(n);
      this.#text = '';
      this.#pos = 0;
      this.#counted = 0;
      this.#lastLf -= n;
    }
  }

  /**
   * Checks that the array was closed. A tolerant scanner first hands out what the input ended in:
   * a whole last element (only the `]` missing) as usual, a cut-off one with a fault.
   */
  end(onElement?: OnJsonElement): void {
    if (this.#state === 'before') {
      // An empty input holds no records (as an empty file of any format); a wire document must be there.
      if (this.#tolerant) return;
      throw this.#error('the input is empty: expected a JSON array of records', this.#pos);
    }
    if (this.#state === 'after') return;
    if (this.#tolerant && onElement && (this.#start >= 0 || this.#oversize >= 0)) {
      if (this.#depth === 0 && !this.#inString) this.#emit(this.#text.length, onElement);
      else {
        this.#start = -1;
        this.#flat = undefined;
        this.#oversize = -1;
        onElement('', this.#elementLine, { code: 'BULKPIPE_MALFORMED_RECORD', reason: 'the input ends inside this record', line: this.#elementLine });
      }
    }
    throw this.#error('the array is not closed: the input ends before its "]" (truncated input?)', this.#text.length);
  }

  #emit(end: number, onElement: OnJsonElement): void {
    if (this.#oversize >= 0) {
      const chars = this.#oversize;
      this.#oversize = -1;
      onElement('', this.#elementLine, {
        code: 'BULKPIPE_RECORD_TOO_LARGE',
        reason: `about ${chars} characters, more than the ${this.#maxChars} a record may hold (larger than a batch): not read`,
        line: this.#elementLine,
      });
      return;
    }
    const element = this.#flat ?? this.#text.slice(this.#start, end);
    this.#flat = undefined;
    this.#start = -1;
    onElement(element, this.#elementLine, undefined, this.#elementColumn);
  }

  /** A string of the current element broken by the line end at `lf`: the element is handed out with the fault, the scan resyncs. */
  #broken(lf: number, onElement: OnJsonElement): void {
    const t = this.#text;
    const lineStart = t.lastIndexOf('\n', lf - 1) + 1;
    const open = t.lastIndexOf('"', lf);
    const line = this.#lineAt(lf);
    this.#start = -1;
    this.#flat = undefined;
    this.#oversize = -1;
    this.#resync = 'start';
    onElement('', this.#elementLine, {
      code: 'BULKPIPE_MALFORMED_RECORD',
      reason: 'an unterminated string: its closing quote is missing (a JSON string cannot hold a line break)',
      line,
      column: open - lineStart + 1,
    });
  }

  /** Passes lines over up to the first one that starts with `{` (a record) or `]`; returns where the scan goes on. */
  #resyncFrom(t: string, from: number): number {
    const n = t.length;
    let i = from;
    for (;;) {
      if (this.#resync === 'line') {
        const lf = t.indexOf('\n', i);
        if (lf < 0) return n;
        i = lf + 1;
        this.#resync = 'start';
      }
      while (i < n && isSpace(t.charCodeAt(i)) && t.charCodeAt(i) !== 0x0a) i++;
      if (i >= n) return n;
      const c = t.charCodeAt(i);
      if (c === OPEN_BRACE || c === CLOSE_BRACKET) {
        this.#resync = false;
        return i;
      }
      this.#resync = 'line';
    }
  }

  /** The line at `pos` in #text, counting the line ends since the last count. */
  #lineAt(pos: number): number {
    const t = this.#text;
    if (pos > this.#counted) {
      this.#line += countLineEnds(t, this.#counted, pos);
      // Only the newly counted stretch is searched: linear over the input, even on one long line.
      const lf = t.lastIndexOf('\n', pos - 1);
      if (lf >= this.#counted) this.#lastLf = lf;
      this.#counted = pos;
    }
    return this.#line;
  }

  #error(message: string, pos: number): ParseError {
    return new ParseError(message, { source: this.#source, line: this.#lineAt(pos) });
  }
}

function lfFrom(text: string, from: number): number {
  const lf = text.indexOf('\n', from);
  return lf < 0 ? text.length : lf;
}

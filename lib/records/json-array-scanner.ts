/**
 * Finds the elements of a top-level JSON array in text that arrives in pieces, without parsing them:
 * a scan that tracks strings, escapes and nesting depth, and hands out each element's text (to be
 * JSON.parse'd by the caller). Far faster than a token-level streaming parser for arrays of flat
 * records. With `readFlat`, a flat object is read in the same pass (readFlatJsonObject) and handed
 * out as fields. Carry is bounded by `maxElementChars`.
 */
import { ParseError } from '../errors.js';
import type { InputValue } from '../load-types.js';
import { countLineEnds } from '../text/count-line-ends.js';
import { flatten } from '../text/flatten.js';
import { isSpace } from '../text/whitespace.js';
import { jsonCursor, readFlatJsonObject } from './flat-json-object.js';

/** An element's text, or, for a flat object read on the fly, its fields. */
export type JsonArrayElement = string | Record<string, InputValue>;

const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const COMMA = 44;
const QUOTE = 34;
const BACKSLASH = 92;

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
  readonly #readFlat: boolean;
  /** The current element's fields when it was read by the fast path. */
  #flat: Record<string, InputValue> | undefined;
  readonly #cursor = jsonCursor();

  constructor(source: string, maxElementChars = 64 * 1024 * 1024, options: { readonly readFlat?: boolean } = {}) {
    this.#source = source;
    this.#maxChars = maxElementChars;
    this.#readFlat = options.readFlat ?? false;
  }

  /** Adds text; calls `onElement` with each complete element's text and the line it starts on. */
  write(chunk: string, onElement: (element: JsonArrayElement, line: number) => void): void {
    const keep = this.#start >= 0 ? this.#start : this.#pos;
    this.#text = flatten(this.#text.slice(keep) + chunk);
    this.#pos -= keep;
    this.#counted -= keep;
    if (this.#start >= 0) this.#start = 0;
    const t = this.#text;
    const n = t.length;
    // Hot loop state in locals: private fields cost a lookup per character.
    let depth = this.#depth;
    let inString = this.#inString;
    let i = this.#pos;
    try {
      for (; i < n; i++) {
        if (inString) {
          const q = t.indexOf('"', i);
          if (q < 0) {
            i = n;
            break;
          }
          i = q;
          if (!escaped(t, q)) inString = false;
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
          if (c === CLOSE_BRACKET) {
            if (this.#start >= 0) this.#emit(i, onElement);
            this.#state = 'after';
            continue;
          }
          if (c === COMMA) {
            if (this.#start < 0) throw this.#error('an empty element in the array', i);
            this.#emit(i, onElement);
            continue;
          }
          this.#flat = undefined; // text after a flat object: the element goes to JSON.parse, which says what is wrong
          if (this.#start >= 0 && c !== QUOTE && c !== OPEN_BRACE && c !== OPEN_BRACKET) continue; // inside a scalar
          if (this.#start < 0) {
            this.#start = i;
            this.#elementLine = this.#lineAt(i);
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
    if (this.#start >= 0 && n - this.#start > this.#maxChars) throw this.#error(`an element is larger than ${this.#maxChars} characters`, n);
    if (this.#start < 0) {
      this.#lineAt(n);
      this.#text = '';
      this.#pos = 0;
      this.#counted = 0;
    }
  }

  /** Checks that the array was closed. */
  end(): void {
    if (this.#state === 'before') throw this.#error('the input is empty: expected a JSON array of records', this.#pos);
    if (this.#state !== 'after') throw this.#error('the array is not closed (truncated input?)', this.#pos);
  }

  #emit(end: number, onElement: (element: JsonArrayElement, line: number) => void): void {
    const element = this.#flat ?? this.#text.slice(this.#start, end);
    this.#flat = undefined;
    this.#start = -1;
    onElement(element, this.#elementLine);
  }

  /** The line at `pos` in #text, counting the line ends since the last count. */
  #lineAt(pos: number): number {
    const t = this.#text;
    this.#line += countLineEnds(t, this.#counted, pos);
    this.#counted = Math.max(this.#counted, pos);
    return this.#line;
  }

  #error(message: string, pos: number): ParseError {
    return new ParseError(message, { source: this.#source, line: this.#lineAt(pos) });
  }
}

/** Whether the quote at `q` is escaped: preceded by an odd number of backslashes. */
function escaped(text: string, q: number): boolean {
  let k = q - 1;
  while (k >= 0 && text.charCodeAt(k) === BACKSLASH) k--;
  return (q - 1 - k) % 2 === 1;
}


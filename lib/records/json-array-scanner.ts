/**
 * Finds the elements of a top-level JSON array in text that arrives in pieces, without parsing them:
 * a scan that tracks strings, escapes and nesting depth, and hands out each element's text (to be
 * JSON.parse'd by the caller). Far faster than a token-level streaming parser for arrays of flat
 * records. Carry is bounded by `maxElementChars`.
 */
import { ParseError } from '../errors.js';

const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const COMMA = 44;
const QUOTE = 34;
const BACKSLASH = 92;
const LF = 10;

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
  #escape = false;
  #state: 'before' | 'array' | 'after' = 'before';
  /** Line number at #pos (1-based), and at the current element's start. */
  #line = 1;
  #elementLine = 1;

  constructor(source: string, maxElementChars = 64 * 1024 * 1024) {
    this.#source = source;
    this.#maxChars = maxElementChars;
  }

  /** Adds text; calls `onElement` with each complete element's text and the line it starts on. */
  write(chunk: string, onElement: (text: string, line: number) => void): void {
    this.#text = this.#start >= 0 ? this.#text.slice(this.#start) + chunk : chunk;
    this.#pos = this.#start >= 0 ? this.#pos - this.#start : 0;
    if (this.#start >= 0) this.#start = 0;
    const t = this.#text;
    const n = t.length;
    for (let i = this.#pos; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c === LF) this.#line++;
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (c === BACKSLASH) this.#escape = true;
        else if (c === QUOTE) this.#inString = false;
        continue;
      }
      if (c === 32 || c === 9 || c === 13 || c === LF) continue;
      if (this.#state === 'before') {
        if (c !== OPEN_BRACKET) throw this.#error('the input must be a JSON array of records');
        this.#state = 'array';
        continue;
      }
      if (this.#state === 'after') throw this.#error('unexpected text after the end of the array');
      if (this.#depth === 0) {
        if (c === CLOSE_BRACKET) {
          if (this.#start >= 0) this.#emit(i, onElement);
          this.#state = 'after';
          continue;
        }
        if (c === COMMA) {
          if (this.#start < 0) throw this.#error('an empty element in the array');
          this.#emit(i, onElement);
          continue;
        }
        if (this.#start >= 0 && c !== QUOTE && c !== OPEN_BRACE && c !== OPEN_BRACKET) continue; // inside a scalar
        if (this.#start < 0) {
          this.#start = i;
          this.#elementLine = this.#line;
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          throw this.#error('missing comma between elements');
        }
      }
      if (c === QUOTE) this.#inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.#depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.#depth < 0) throw this.#error('unbalanced brackets');
      }
    }
    this.#pos = n;
    if (this.#start >= 0 && n - this.#start > this.#maxChars) throw this.#error(`an element is larger than ${this.#maxChars} characters`);
    if (this.#start < 0) this.#text = '';
  }

  /** Checks that the array was closed. */
  end(): void {
    if (this.#state === 'before') throw this.#error('the input is empty: expected a JSON array of records');
    if (this.#state !== 'after') throw this.#error('the array is not closed (truncated input?)');
  }

  #emit(end: number, onElement: (text: string, line: number) => void): void {
    onElement(this.#text.slice(this.#start, end), this.#elementLine);
    this.#start = -1;
  }

  #error(message: string): ParseError {
    return new ParseError(message, { source: this.#source, line: this.#line });
  }
}

// Kept (issue 28): with JsonArrayScanner, a data.ts Accounts array for 4.9x less CPU than stream-json (2.0x with escapes, which come here declined) (benchmarks/hand-written-vs-library.bench.ts).
/**
 * A fast path for the commonest JSON record: a flat object of strings, numbers, booleans and
 * nulls, with no escapes. It reads such a record about 1.7 times faster than JSON.parse (on this
 * machine) and gives exactly what `flattenRecord(JSON.parse(text))` gives; for anything else
 * (an escape, a nested object, a control character, a `__proto__` key, a repeated key, malformed text) it returns
 * undefined and the caller falls back to JSON.parse, which also words the errors.
 */
import type { InputValue } from '../load-types.js';
import { isSpace, skipSpace } from '../text/whitespace.js';
import { repeatsAKey } from './duplicate-json-key.js';
import { recordFactory, type RecordFactory } from './record-factory.js';
import { CLOSE_BRACE, COLON, COMMA, OPEN_BRACE, QUOTE } from '../text/json-chars.js';

// An escape needs JSON.parse; a control character is invalid inside a JSON string (the fallback reports it).
const UNSAFE = /[\x00-\x1f\\]/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Reads `text` from `start` to `end` (default: all of it), so that a caller need not slice a line
 * out first. A cursor kept from record to record lets the keys be recognized rather than sliced.
 */
export function parseFlatJsonObject(text: string, start = 0, end = text.length, cursor = jsonCursor()): Record<string, InputValue> | undefined {
  cursor.pos = start;
  const fields = readFlatJsonObject(text, cursor, end);
  return fields && skipSpace(text, cursor.pos, end) === end ? fields : undefined;
}

/** A position in a text, moved by readFlatJsonObject, and the keys of the last record it read. */
export interface JsonCursor {
  pos: number;
  /** The last record's keys in order: the next record's are compared with them before being sliced (records repeat their keys). */
  readonly keys: string[];
  /** The values of the record being read, by position. */
  readonly values: InputValue[];
  /** How many keys the last record had. */
  count: number;
  /** Builds records with exactly the last record's keys, once they have repeated. */
  make: RecordFactory | undefined;
  /** Records in a row with the same keys, and factories built (bounded: varying keys never pay for more). */
  repeats: number;
  builds: number;
}

export const jsonCursor = (): JsonCursor => ({ pos: 0, keys: [], values: [], count: 0, make: undefined, repeats: 0, builds: 0 });

const MAX_FACTORIES = 16;

/**
 * Reads one flat object that starts at `cursor.pos` (after optional whitespace) and ends before
 * `end`; on success moves the cursor just past its `}`. Undefined (cursor unmoved) otherwise.
 */
export function readFlatJsonObject(text: string, cursor: JsonCursor, end: number): Record<string, InputValue> | undefined {
  const n = end;
  let i = skipSpace(text, cursor.pos, n);
  if (code(text, i, n) !== OPEN_BRACE) return undefined;
  i = skipSpace(text, i + 1, n);
  if (code(text, i, n) === CLOSE_BRACE) {
    cursor.pos = i + 1;
    return {};
  }
  const values = cursor.values;
  let allKnown = true;
  for (let field = 0; ; field++) {
    if (code(text, i, n) !== QUOTE) return undefined;
    // A known key holds no quote or backslash, so a quote right after it closes the key.
    const known = cursor.keys[field];
    let key: string;
    let keyEnd: number;
    if (known !== undefined && text.startsWith(known, i + 1) && code(text, i + 1 + known.length, n) === QUOTE) {
      key = known;
      keyEnd = i + 1 + known.length;
    } else {
      keyEnd = text.indexOf('"', i + 1);
      if (keyEnd < 0 || keyEnd >= n) return undefined;
      key = text.slice(i + 1, keyEnd);
      if (key === '__proto__' || UNSAFE.test(key)) return undefined;
      cursor.keys[field] = key;
      allKnown = false;
      // The factory was made for the keys just overwritten: never use it for this record or the next.
      cursor.make = undefined;
      cursor.count = -1;
    }
    i = skipSpace(text, keyEnd + 1, n);
    if (code(text, i, n) !== COLON) return undefined;
    i = skipSpace(text, i + 1, n);
    let value: InputValue;
    if (code(text, i, n) === QUOTE) {
      const close = text.indexOf('"', i + 1);
      if (close < 0 || close >= n) return undefined;
      value = text.slice(i + 1, close);
      if (UNSAFE.test(value)) return undefined;
      i = close + 1;
    } else {
      let stop = i;
      for (let c = code(text, stop, n); c >= 0 && c !== COMMA && c !== CLOSE_BRACE && !isSpace(c); c = code(text, ++stop, n));
      const word = text.slice(i, stop);
      if (word === 'null') value = null;
      else if (word === 'true' || word === 'false') value = word;
      else if (NUMBER.test(word)) value = String(Number(word));
      else return undefined; // an object, an array, or not JSON
      i = stop;
    }
    values[field] = value;
    i = skipSpace(text, i, n);
    const c = code(text, i, n);
    if (c === COMMA) {
      i = skipSpace(text, i + 1, n);
      continue;
    }
    if (c !== CLOSE_BRACE) return undefined;
    cursor.pos = i + 1;
    return build(cursor, field + 1, allKnown);
  }
}

/** The record of the values just read: through the factory when the keys are the last record's. */
function build(cursor: JsonCursor, count: number, allKnown: boolean): Record<string, InputValue> | undefined {
  const same = allKnown && count === cursor.count;
  if (same && cursor.make) return cursor.make(cursor.values);
  // New keys: a repeated one sends the record to JSON.parse, whose reader rejects it by name.
  if (!same && repeatsAKey(cursor.keys, count)) return undefined;
  cursor.repeats = same ? cursor.repeats + 1 : 0;
  cursor.count = count;
  cursor.make = undefined;
  if (cursor.repeats >= 2 && cursor.builds < MAX_FACTORIES) {
    cursor.builds++;
    cursor.make = recordFactory(cursor.keys.slice(0, count));
    return cursor.make(cursor.values);
  }
  const fields: Record<string, InputValue> = {};
  for (let k = 0; k < count; k++) fields[cursor.keys[k] as string] = cursor.values[k] as InputValue;
  return fields;
}

/** The char code at `i`, or -1 from `end` on. */
function code(text: string, i: number, end: number): number {
  return i < end ? text.charCodeAt(i) : -1;
}

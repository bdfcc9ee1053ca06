/**
 * One JSON record's fields, from text[start, end): the flat-object reader when it can (the common
 * record, read in place), else JSON.parse (a key given twice rejected) and flattenRecord, whose errors name the source, line and
 * record. Shared by the NDJSON and JSON-array decoders. The position comes as plain values so that
 * the hot path allocates no error context; NDJSON names only the line for malformed JSON.
 */
import { ParseError } from '../errors.js';
import type { InputValue } from '../load-types.js';
import { duplicateJsonKey } from './duplicate-json-key.js';
import { countLineEnds } from '../text/count-line-ends.js';
import { parseFlatJsonObject, type JsonCursor } from './flat-json-object.js';
import { flattenRecord } from './json-object-fields.js';

export function readJsonRecord(
  text: string,
  start: number,
  end: number,
  cursor: JsonCursor,
  source: string,
  line: number,
  record: number,
  recordInParseErrors: boolean,
  /** The column the record starts at on its first line (an array element may start mid-line). */
  firstColumn = 1,
): Record<string, InputValue> {
  const flat = parseFlatJsonObject(text, start, end, cursor);
  if (flat) return flat;
  const json = start === 0 && end === text.length ? text : text.slice(start, end);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    // V8 names the offset of the fault: turned into the line and column a person can go to.
    const at = Number(/at position (\d+)/.exec((err as Error).message)?.[1] ?? -1);
    const lineStart = json.lastIndexOf('\n', at - 1) + 1;
    const place = at >= 0 ? { line: line + countLineEnds(json, 0, at), column: at - lineStart + (lineStart === 0 ? firstColumn : 1) } : { line };
    throw new ParseError(`malformed JSON: ${(err as Error).message}`, { source, ...place, ...(recordInParseErrors ? { record } : {}) }, { cause: err });
  }
  const repeated = duplicateJsonKey(json);
  if (repeated !== undefined)
    throw new ParseError(`the key "${repeated}" appears twice in the record`, { source, line, record, field: repeated, fault: 'BULKPIPE_DUPLICATE_FIELD' });
  return flattenRecord(value, { source, line, record });
}

/**
 * One JSON record's fields, from text[start, end): the flat-object reader when it can (the common
 * record, read in place), else JSON.parse and flattenRecord, whose errors name the source, line and
 * record. Shared by the NDJSON and JSON-array decoders. The position comes as plain values so that
 * the hot path allocates no error context; NDJSON names only the line for malformed JSON.
 */
import type { InputValue } from '../load-types.js';
import { parseJsonDocument } from '../wire/values.js';
import { parseFlatJsonObject, type JsonCursor } from './flat-json-object.js';
import { flattenRecord } from './flatten.js';

export function readJsonRecord(
  text: string,
  start: number,
  end: number,
  cursor: JsonCursor,
  source: string,
  line: number,
  record: number,
  recordInParseErrors: boolean,
): Record<string, InputValue> {
  const flat = parseFlatJsonObject(text, start, end, cursor);
  if (flat) return flat;
  const json = start === 0 && end === text.length ? text : text.slice(start, end);
  const value = parseJsonDocument(json, recordInParseErrors ? { source, line, record } : { source, line });
  return flattenRecord(value, { source, line, record });
}

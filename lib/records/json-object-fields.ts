/**
 * Turns a parsed JSON record into input fields, each value as lib/records/field-value.ts converts
 * values from code (strings stay, numbers and booleans become text, null stays null: set to null); a nested object is a parent reference (`{"Account":{"Ext__c":"A"}}`
 * becomes the column `Account.Ext__c`). Arrays and deeper nesting have no Bulk API meaning: errors.
 * Runs once per record on the hot path: no allocation beyond the result unless there is an error.
 */
import { ParseError } from '../errors.js';
import type { InputValue } from '../load-types.js';
import { fieldValue } from './field-value.js';

export interface RecordContext {
  readonly source: string;
  readonly line: number;
  readonly record: number;
}

export function flattenRecord(value: unknown, context: RecordContext): Record<string, InputValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParseError('expected a JSON object', context);
  }
  const object = value as Record<string, unknown>;
  for (const key in object) {
    const v = object[key];
    if (v === null || typeof v === 'string') continue;
    if (typeof v === 'object' && !Array.isArray(v)) return withParents(object, context); // rare: rebuild
    object[key] = scalar(v, context, key);
  }
  // JSON.parse gave us a fresh object: reuse it rather than copy it.
  return object as Record<string, InputValue>;
}

function withParents(object: Record<string, unknown>, context: RecordContext): Record<string, InputValue> {
  const fields: Record<string, InputValue> = {};
  for (const key in object) {
    const v = object[key];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const parent = v as Record<string, unknown>;
      for (const inner in parent) {
        if (inner === 'attributes' || inner === 'type') continue;
        fields[`${key}.${inner}`] = scalar(parent[inner], context, `${key}.${inner}`);
      }
    } else {
      fields[key] = scalar(v, context, key);
    }
  }
  return fields;
}

/** A JSON value as the one conversion of values has it (JSON holds no Date, no undefined, and only finite numbers). */
function scalar(v: unknown, context: RecordContext, field: string): InputValue {
  const text = fieldValue(v);
  if (text === false || text === undefined) throw notScalar(v, context, field);
  return text;
}

function notScalar(v: unknown, context: RecordContext, field: string): ParseError {
  return new ParseError(`a value must be a string, a number, a boolean, null or a parent reference object, got ${Array.isArray(v) ? 'an array' : typeof v}`, { ...context, field });
}

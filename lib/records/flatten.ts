/**
 * Turns a parsed JSON record into input fields: strings stay, numbers and booleans become text,
 * null stays null (set to null), a nested object is a parent reference (`{"Account":{"Ext__c":"A"}}`
 * becomes the column `Account.Ext__c`). Arrays and deeper nesting have no Bulk API meaning: errors.
 */
import { ParseError } from '../errors.js';
import type { InputValue } from '../load-types.js';

export function flattenRecord(value: unknown, context: { source: string; line: number; record: number }): Record<string, InputValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParseError('expected a JSON object', context);
  }
  const fields: Record<string, InputValue> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [inner, w] of Object.entries(v as Record<string, unknown>)) {
        if (inner === 'attributes' || inner === 'type') continue;
        fields[`${key}.${inner}`] = scalar(w, { ...context, field: `${key}.${inner}` });
      }
    } else {
      fields[key] = scalar(v, { ...context, field: key });
    }
  }
  return fields;
}

function scalar(v: unknown, context: { source: string; line: number; record: number; field: string }): InputValue {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ParseError(`a value must be a string, a number, a boolean, null or a parent reference object, got ${Array.isArray(v) ? 'an array' : typeof v}`, context);
}

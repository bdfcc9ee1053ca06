/**
 * A record from code (a plain object) as input fields: strings stay, numbers, bigints and booleans
 * become text, null is null (sent as `#N/A`: set the field to null), a Date is ISO 8601, undefined is
 * left out (not set), and a nested plain object is a parent reference (`{ Account: { Ext_Id__c: 'X' } }`
 * becomes the column `Account.Ext_Id__c`). Anything else (an array, a function, an invalid Date, NaN)
 * has no Bulk API meaning: the record is rejected with the field named, never sent half right.
 * The caller's object is never changed.
 */
import type { InputValue } from '../load-types.js';

/** The record's fields, or why it cannot be sent (and which field). */
export type PlainRecordFields = { readonly fields: Record<string, InputValue> } | { readonly reason: string; readonly field?: string };

export function plainRecordFields(value: unknown): PlainRecordFields {
  if (!isPlainObject(value)) return { reason: `a record must be a plain object, got ${kind(value)}` };
  const fields: Record<string, InputValue> = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === undefined) continue;
    if (isPlainObject(v)) {
      for (const inner of Object.keys(v)) {
        if (inner === 'attributes' || inner === 'type' || v[inner] === undefined) continue;
        const text = scalarText(v[inner]);
        if (text === false) return notScalar(v[inner], `${key}.${inner}`);
        fields[`${key}.${inner}`] = text;
      }
      continue;
    }
    const text = scalarText(v);
    if (text === false) return notScalar(v, key);
    fields[key] = text;
  }
  return { fields };
}

/** A value's text, null, or false when it has none. */
function scalarText(v: unknown): InputValue | false {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : false;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? false : v.toISOString();
  return false;
}

function notScalar(v: unknown, field: string): PlainRecordFields {
  return { reason: `a value must be a string, a number, a boolean, a Date, null or a parent reference object, got ${kind(v)}`, field };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'an invalid Date';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return `a ${typeof v}`;
}

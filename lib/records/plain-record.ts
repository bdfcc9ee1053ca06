/**
 * A record from code (a plain object) as input fields, each value converted by lib/records/field-value.ts
 * (a Date as its field's type takes it, numbers and booleans as text, null as set-to-null, undefined
 * left out); a nested plain object is a parent reference (`{ Account: { Ext_Id__c: 'X' } }` becomes
 * the column `Account.Ext_Id__c`). A value with no Bulk API meaning rejects the record with the field
 * named, never sent half right. The caller's object is never changed.
 */
import type { InputValue } from '../load-types.js';
import { fieldValue, VALUE_KINDS, type DateFieldType } from './field-value.js';

/** The record's fields, or why it cannot be sent (and which field). */
export type PlainRecordFields = { readonly fields: Record<string, InputValue>; readonly unset?: readonly string[] } | { readonly reason: string; readonly field?: string };

/**
 * `dateType`: the type of a date or date-time field by its name as written (undefined for the others,
 * and when not known). `isRelationship`: whether a key names a relationship (a parent reference) and
 * no field of the object: such a key set to null is a lookup a query left empty (`Account: null`),
 * which names no column and is left out. Left out rather than made a set-to-null of the lookup's id
 * field (`AccountId`): the record names no such field, and an update or upsert would clear a parent
 * the target holds; for an insert both are the same.
 */
export function plainRecordFields(value: unknown, dateType?: (field: string) => DateFieldType | undefined, isRelationship?: (key: string) => boolean): PlainRecordFields {
  if (!isPlainObject(value)) return { reason: `a record must be a plain object, got ${kind(value)}` };
  const fields: Record<string, InputValue> = {};
  // Keys given with undefined: they set nothing, but name a column (the look-ahead counts them).
  let unset: string[] | undefined;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === undefined) {
      (unset ??= []).push(key);
      continue;
    }
    if (isPlainObject(v)) {
      for (const inner of Object.keys(v)) {
        if (inner === 'attributes' || inner === 'type') continue;
        const text = fieldValue(v[inner]);
        if (text === false) return notScalar(v[inner], `${key}.${inner}`);
        if (text !== undefined) fields[`${key}.${inner}`] = text;
      }
      continue;
    }
    if (v === null && isRelationship?.(key)) continue;
    // A string may be a Date that went through JSON (ISO 8601 at midnight UTC): its field's type is asked too.
    const text = fieldValue(v, v instanceof Date || typeof v === 'string' ? dateType?.(key) : undefined);
    if (text === false) return notScalar(v, key);
    if (text !== undefined) fields[key] = text;
  }
  return unset ? { fields, unset } : { fields };
}

function notScalar(v: unknown, field: string): PlainRecordFields {
  return { reason: `a value must be ${VALUE_KINDS}, got ${kind(v)}`, field };
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

/**
 * Converts an uploaded text value to the stored value of a field, or to the record-level error
 * Salesforce gives for it (wire §5.1 message formats). One reading for both sides: the local org
 * stores what it gives, and `load --dry-run` checks each value against the org's describe with it,
 * so that a dry run predicts exactly the errors the local org would give.
 */
import { isValidId, toId18 } from '../ids.js';
import type { ResultError } from '../types.js';

/** What a value is read by: a field's name, its Salesforce type (`string`, `int`, `date`, ...) and, for text, its most characters. */
export interface ValueField {
  readonly name: string;
  readonly type: string;
  readonly length?: number | undefined;
}

/** The text types, whose values are only checked for their length (and emails for their form). */
const TEXT_TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'combobox', 'encryptedstring']);

export type Stored = string | number | boolean | null;
export type Converted = { readonly value: Stored } | { readonly error: ResultError };

const XSD_TYPE: Record<string, string> = {
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})?$/;

export const resultError = (statusCode: string, message: string, fields: readonly string[] = []): ResultError => ({ statusCode, message, fields });

function notDeserializable(field: ValueField, raw: string, column: number): Converted {
  return {
    error: resultError(
      'INVALID_FIELD',
      `Failed to deserialize field at col ${column}. Due to, '${raw}' is not a valid value for the type ${XSD_TYPE[field.type] ?? 'xsd:string'}`,
      [field.name],
    ),
  };
}

function validDate(y: number, m: number, d: number): boolean {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** `column` is the 1-based position of the value in its record, named in deserialization errors. */
export function convertValue(field: ValueField, raw: string, column: number): Converted {
  switch (field.type) {
    case 'boolean': {
      const v = raw.toLowerCase();
      if (v === 'true' || v === '1') return { value: true };
      if (v === 'false' || v === '0') return { value: false };
      return notDeserializable(field, raw, column);
    }
    case 'int':
      return /^[+-]?\d{1,10}$/.test(raw.trim()) && Math.abs(Number(raw)) <= 2_147_483_647 ? { value: Number(raw) } : notDeserializable(field, raw, column);
    case 'double':
    case 'currency':
    case 'percent': {
      const n = Number(raw.trim());
      return raw.trim() !== '' && Number.isFinite(n) ? { value: n } : notDeserializable(field, raw, column);
    }
    case 'date': {
      const m = DATE.exec(raw.trim());
      return m && validDate(Number(m[1]), Number(m[2]), Number(m[3])) ? { value: raw.trim() } : notDeserializable(field, raw, column);
    }
    case 'datetime': {
      const m = DATETIME.exec(raw.trim());
      const offset = m?.[4] === undefined || m[4] === 'Z' ? 'Z' : m[4].replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
      const date = m ? new Date(`${m[1]}T${m[2]}${m[3] ?? ''}${offset}`) : undefined;
      return date && !Number.isNaN(date.getTime()) ? { value: date.toISOString() } : notDeserializable(field, raw, column);
    }
    case 'reference':
    case 'id':
      return isValidId(raw) ? { value: toId18(raw) } : { error: resultError('MALFORMED_ID', `${field.name}: id value of incorrect type: ${raw}`, [field.name]) };
    default: {
      if (!TEXT_TYPES.has(field.type)) return { value: raw }; // time, base64, ...: left to the org
      const max = field.length || 255;
      if (raw.length > max) {
        return {
          error: resultError('STRING_TOO_LONG', `${field.name}: data value too large: ${raw.slice(0, 40)}${raw.length > 40 ? '...' : ''} (max length=${max})`, [field.name]),
        };
      }
      if (field.type === 'email' && raw !== '' && !EMAIL.test(raw))
        return { error: resultError('INVALID_EMAIL_ADDRESS', `${field.name}: invalid email address: ${raw}`, [field.name]) };
      return { value: raw };
    }
  }
}

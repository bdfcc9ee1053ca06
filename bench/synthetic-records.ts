/**
 * Synthetic records for a benchmark, shaped by the object's describe: the fields an insert can set
 * (required ones first, then the common types, up to a dozen), each value of its field's type and
 * of a realistic size (names of 10 to 40 characters, long text for a textarea, emails, phones,
 * numbers, dates), distinct from record to record where the field is unique. Deterministic: record
 * n is always the same, so runs compare.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { csvField } from '../lib/records/serialize-record.js';
import type { FieldDescribe, SObjectDescribe } from '../lib/wire/describe.js';

const TYPES = new Set(['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'int', 'double', 'currency', 'percent', 'boolean', 'date', 'datetime']);
const MOST_FIELDS = 12;
const WORDS = ['North', 'Blue', 'Acme', 'River', 'Summit', 'Global', 'Pioneer', 'Harbor', 'Cedar', 'Atlas', 'Union', 'Bright'];

/** The fields synthetic records set: createable, of a type with a value to make, required ones first. */
export function syntheticFields(object: SObjectDescribe): FieldDescribe[] {
  const settable = object.fields.filter((f) => f.createable && TYPES.has(f.type) && !f.name.includes('.'));
  const required = settable.filter((f) => !f.nillable && !f.defaultedOnCreate);
  const others = settable.filter((f) => !required.includes(f));
  return [...required, ...others].slice(0, Math.max(MOST_FIELDS, required.length));
}

/** The value of `field` in record `n` (0-based). */
export function syntheticValue(field: FieldDescribe, n: number): string {
  const word = (k: number) => WORDS[(n * 7 + k) % WORDS.length] as string;
  switch (field.type) {
    case 'email':
      return `user${n}@example${n % 97}.com`;
    case 'phone':
      return `+1 555 ${String(n % 1000).padStart(3, '0')} ${String(n % 10_000).padStart(4, '0')}`;
    case 'url':
      return `https://www.example.com/${word(1).toLowerCase()}/${n}`;
    case 'int':
      return String((n * 37) % 100_000);
    case 'double':
    case 'currency':
    case 'percent':
      return ((n % 10_000) * 1.25).toFixed(2);
    case 'boolean':
      return n % 3 === 0 ? 'true' : 'false';
    case 'date':
      return new Date(Date.UTC(2015, 0, 1) + (n % 3650) * 86_400_000).toISOString().slice(0, 10);
    case 'datetime':
      return new Date(Date.UTC(2015, 0, 1) + (n % 3650) * 86_400_000 + (n % 86_400) * 1000).toISOString();
    case 'picklist':
      return field.picklistValues.filter((p) => p.active)[n % Math.max(1, field.picklistValues.length)]?.value ?? `${word(2)} ${n % 5}`;
    case 'textarea':
      return text(`${word(0)} ${word(3)} ${word(5)} record ${n}. `, Math.min(field.length || 255, 120 + (n % 180)));
    default: {
      const base = `${word(0)} ${word(4)} ${n}`;
      // Unique fields take the record's number; others a realistic 10 to 40 characters.
      return field.unique || field.externalId ? `${field.name.slice(0, 4).toUpperCase()}-${n}` : text(base, Math.min(field.length || 80, 10 + (n % 31)));
    }
  }
}

function text(seed: string, length: number): string {
  let out = seed;
  while (out.length < length) out += seed;
  return out.slice(0, length).trimEnd();
}

/** Writes `rows` synthetic records as CSV (header first) to `path`; resolves to the file's columns. */
export async function writeSyntheticCsv(object: SObjectDescribe, rows: number, path: string): Promise<string[]> {
  const fields = syntheticFields(object);
  if (fields.length === 0) throw new Error(`${object.name} has no field a synthetic insert can set`);
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const done = once(out, 'finish');
  out.write(`${fields.map((f) => csvField(f.name)).join(',')}\n`);
  for (let n = 0; n < rows; n++) {
    if (!out.write(`${fields.map((f) => csvField(syntheticValue(f, n))).join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await done;
  return fields.map((f) => f.name);
}

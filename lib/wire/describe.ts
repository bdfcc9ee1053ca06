/**
 * The REST describe documents (`/sobjects` and `/sobjects/<Object>/describe`), read into the fields a
 * loader checks records against before it spends a batch: which objects exist, each field's type,
 * length, precision and scale, whether it may be null, set on create or update, an External ID, a
 * reference (to what, under which relationship name), and its picklist values. Unknown properties
 * are ignored; a document without the essentials is a ParseError.
 */
import { ParseError } from '../errors.js';

export interface PicklistValue {
  readonly value: string;
  readonly label: string;
  readonly active: boolean;
  readonly defaultValue: boolean;
}

export interface FieldDescribe {
  readonly name: string;
  readonly label: string;
  /** Salesforce's field type: `string`, `int`, `double`, `currency`, `reference`, `picklist`, ... */
  readonly type: string;
  readonly length: number;
  readonly precision: number;
  readonly scale: number;
  readonly digits: number;
  readonly nillable: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly defaultedOnCreate: boolean;
  readonly externalId: boolean;
  readonly idLookup: boolean;
  readonly unique: boolean;
  readonly custom: boolean;
  readonly referenceTo: readonly string[];
  readonly relationshipName: string | null;
  readonly picklistValues: readonly PicklistValue[];
  /** A picklist that takes only its own values. */
  readonly restrictedPicklist: boolean;
}

export interface SObjectSummary {
  readonly name: string;
  readonly label: string;
  readonly keyPrefix: string | null;
  readonly custom: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly deletable: boolean;
  readonly queryable: boolean;
}

export interface SObjectDescribe extends SObjectSummary {
  readonly fields: readonly FieldDescribe[];
}

export interface GlobalDescribe {
  readonly encoding: string;
  readonly maxBatchSize: number;
  readonly sobjects: readonly SObjectSummary[];
}

type Doc = Record<string, unknown>;

const bool = (v: unknown) => v === true;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

function json(body: Buffer | string, source: string): Doc {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new ParseError(`not JSON: ${(err as Error).message}`, { source });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ParseError('expected a JSON object', { source });
  return doc as Doc;
}

function summary(o: Doc, source: string): SObjectSummary {
  if (typeof o.name !== 'string' || o.name === '') throw new ParseError('an object without a name', { source, field: 'name' });
  return {
    name: o.name,
    label: str(o.label) || o.name,
    keyPrefix: typeof o.keyPrefix === 'string' ? o.keyPrefix : null,
    custom: bool(o.custom),
    createable: bool(o.createable),
    updateable: bool(o.updateable),
    deletable: bool(o.deletable),
    queryable: bool(o.queryable),
  };
}

function field(f: Doc, source: string): FieldDescribe {
  if (typeof f.name !== 'string' || typeof f.type !== 'string') throw new ParseError('a field without a name or type', { source, field: 'fields' });
  return {
    name: f.name,
    label: str(f.label) || f.name,
    type: f.type,
    length: num(f.length),
    precision: num(f.precision),
    scale: num(f.scale),
    digits: num(f.digits),
    nillable: bool(f.nillable),
    createable: bool(f.createable),
    updateable: bool(f.updateable),
    defaultedOnCreate: bool(f.defaultedOnCreate),
    externalId: bool(f.externalId),
    idLookup: bool(f.idLookup),
    unique: bool(f.unique),
    custom: bool(f.custom),
    referenceTo: Array.isArray(f.referenceTo) ? f.referenceTo.filter((r): r is string => typeof r === 'string') : [],
    relationshipName: typeof f.relationshipName === 'string' ? f.relationshipName : null,
    picklistValues: Array.isArray(f.picklistValues)
      ? (f.picklistValues as Doc[]).map((p) => ({ value: str(p.value), label: str(p.label) || str(p.value), active: p.active !== false, defaultValue: bool(p.defaultValue) }))
      : [],
    restrictedPicklist: bool(f.restrictedPicklist),
  };
}

export function parseGlobalDescribe(body: Buffer | string): GlobalDescribe {
  const source = 'describeGlobal';
  const doc = json(body, source);
  if (!Array.isArray(doc.sobjects)) throw new ParseError('no sobjects array', { source, field: 'sobjects' });
  return { encoding: str(doc.encoding) || 'UTF-8', maxBatchSize: num(doc.maxBatchSize), sobjects: (doc.sobjects as Doc[]).map((o) => summary(o, source)) };
}

export function parseSObjectDescribe(body: Buffer | string): SObjectDescribe {
  const source = 'describe';
  const doc = json(body, source);
  if (!Array.isArray(doc.fields)) throw new ParseError('no fields array', { source, field: 'fields' });
  return { ...summary(doc, source), fields: (doc.fields as Doc[]).map((f) => field(f, source)) };
}

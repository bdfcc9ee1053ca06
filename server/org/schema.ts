/**
 * The org's data model: sObjects with typed fields (required, lengths, references, external ids).
 * The standard objects (./standard-objects.ts: the ones people load, from Salesforce's Object
 * Reference) are built in; custom objects and fields come from a JSON schema file; with
 * `acceptUnknown` any object and field is accepted as text, for benchmarks on arbitrary data.
 */
import { readFileSync } from 'node:fs';
import { InvalidOptionError } from '../../lib/errors.js';
import { STANDARD_OBJECTS } from './standard-objects.js';

const FIELD_TYPES = [
  'id',
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
  // A picklist that takes any text (Task.Subject, Event.Subject).
  'combobox',
  'boolean',
  'int',
  'double',
  'currency',
  'percent',
  'date',
  'datetime',
  'reference',
  'base64',
] as const;
type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  /** Most characters, for text types. */
  readonly length?: number;
  /** Must have a value on insert. */
  readonly required?: boolean;
  /** For references: the parent object; `*` for a reference to a record of any object (Attachment.ParentId). */
  readonly referenceTo?: string;
  /** For a polymorphic reference limited to some objects (Task.WhoId: a Contact or a Lead): those objects, with `referenceTo` '*'. */
  readonly referenceTargets?: readonly string[];
  /** For a base64 field: the field that holds its size in bytes, set as the bytes are stored (Attachment.BodyLength). */
  readonly lengthField?: string;
  /** For references: the relationship name used in headers and SOQL (`Account` for AccountId). */
  readonly relationshipName?: string;
  /**
   * For references: writing the record locks the parent it names for the transaction, as Salesforce
   * locks a master-detail parent and the parents of the standard lookups its Record Locking Cheat
   * Sheet lists (Contact.AccountId, Opportunity.AccountId, Case.AccountId...). Set it on a custom
   * object's master-detail fields in a schema file.
   */
  readonly locksParent?: boolean;
  /** An External ID field: usable for upsert and relationship columns (unique only with `unique`). */
  readonly externalId?: boolean;
  /** Unique values (case-insensitive, as Salesforce's default). */
  readonly unique?: boolean;
  /** Set by the server only (CreatedDate, ...): rejected in uploads. */
  readonly readOnly?: boolean;
}

export interface ObjectDef {
  readonly name: string;
  /** Three-character key prefix of record ids. */
  readonly keyPrefix: string;
  readonly fields: ReadonlyMap<string, FieldDef>;
}

/** The JSON schema file: `{ "objects": [{ "name": "Invoice__c", "fields": [...] }, { "name": "Account", "fields": [...] }] }`. */
export interface SchemaFile {
  readonly objects: ReadonlyArray<{ readonly name: string; readonly keyPrefix?: string; readonly fields: readonly FieldDef[] }>;
}

const SYSTEM_FIELDS: FieldDef[] = [
  { name: 'Id', type: 'id', readOnly: true },
  { name: 'IsDeleted', type: 'boolean', readOnly: true },
  { name: 'CreatedDate', type: 'datetime', readOnly: true },
  { name: 'LastModifiedDate', type: 'datetime', readOnly: true },
  { name: 'SystemModstamp', type: 'datetime', readOnly: true },
  { name: 'CreatedById', type: 'reference', referenceTo: 'User', readOnly: true },
];
/** Every object has an owner except those Salesforce ties to a parent or to the org (CampaignMember, Product2, PricebookEntry, ...). */
const OWNER_ID: FieldDef = { name: 'OwnerId', type: 'reference', referenceTo: 'User', relationshipName: 'Owner' };

/**
 * A field that names one record: the Id, an External ID or a unique field. Upsert keys (Bulk v1,
 * Bulk 2.0, REST) and the parent fields of relationship columns (`Account.Ext_Id__c`) must be one.
 */
export const identifiesRecord = (field: FieldDef): boolean => field.type === 'id' || field.externalId === true || field.unique === true;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export class OrgSchema {
  readonly #objects = new Map<string, ObjectDef>();
  /** Accept unknown objects and fields as text. */
  readonly acceptUnknown: boolean;
  /** What it was made from, as text: OrgSchema.fromDefinition makes it again (in another process). */
  readonly definition: string;
  #nextCustomPrefix = 0;

  constructor(file?: SchemaFile, acceptUnknown = false) {
    this.acceptUnknown = acceptUnknown;
    this.definition = JSON.stringify({ objects: file?.objects ?? [], acceptUnknown });
    for (const o of STANDARD_OBJECTS) this.#define(o.name, o.keyPrefix, o.fields, o.owned ?? true);
    for (const o of file?.objects ?? []) {
      const existing = this.#objects.get(o.name.toLowerCase());
      if (existing) this.#define(existing.name, existing.keyPrefix, [...existing.fields.values(), ...o.fields], existing.fields.has('ownerid'));
      else this.#define(o.name, o.keyPrefix ?? this.#customPrefix(), o.fields, true);
    }
  }

  static fromFile(path: string, acceptUnknown = false): OrgSchema {
    let parsed: SchemaFile;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8')) as SchemaFile;
    } catch (err) {
      throw new InvalidOptionError('schema', `a readable JSON schema file (${(err as Error).message})`, path);
    }
    return new OrgSchema(parsed, acceptUnknown);
  }

  static fromDefinition(definition: string): OrgSchema {
    const { objects, acceptUnknown } = JSON.parse(definition) as SchemaFile & { acceptUnknown: boolean };
    return new OrgSchema({ objects }, acceptUnknown);
  }

  /** The object by API name (case-insensitive), or a text-only one when unknown objects are accepted. */
  object(name: string): ObjectDef | undefined {
    const found = this.#objects.get(name.toLowerCase());
    if (found || !this.acceptUnknown || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return found;
    return this.#define(name, this.#customPrefix(), [], true);
  }

  /** The field of an object (case-insensitive), or a text field when unknown fields are accepted. */
  field(object: ObjectDef, name: string): FieldDef | undefined {
    const found = object.fields.get(name.toLowerCase());
    if (found || !this.acceptUnknown || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return found;
    const added: FieldDef = { name, type: 'textarea', length: 131_072 };
    (object.fields as Map<string, FieldDef>).set(name.toLowerCase(), added);
    return added;
  }

  /** The object a key prefix belongs to. */
  objectByPrefix(prefix: string): ObjectDef | undefined {
    for (const o of this.#objects.values()) if (o.keyPrefix === prefix) return o;
    return undefined;
  }

  get objects(): readonly ObjectDef[] {
    return [...this.#objects.values()];
  }

  #define(name: string, keyPrefix: string, fields: readonly FieldDef[], owned: boolean): ObjectDef {
    const map = new Map<string, FieldDef>();
    for (const f of [...SYSTEM_FIELDS, ...(owned ? [OWNER_ID] : []), ...fields]) {
      if (!(FIELD_TYPES as readonly string[]).includes(f.type)) throw new InvalidOptionError(`schema ${name}.${f.name}.type`, `one of ${FIELD_TYPES.join(', ')}`, f.type);
      if (f.locksParent && (f.type !== 'reference' || !f.referenceTo || f.referenceTo === '*'))
        throw new InvalidOptionError(`schema ${name}.${f.name}.locksParent`, 'only on a reference to one object', f.locksParent);
      const relationshipName = f.relationshipName ?? (f.type === 'reference' && f.name.endsWith('__c') ? `${f.name.slice(0, -3)}__r` : undefined);
      map.set(f.name.toLowerCase(), { ...f, ...(relationshipName ? { relationshipName } : {}) });
    }
    const def: ObjectDef = { name, keyPrefix, fields: map };
    this.#objects.set(name.toLowerCase(), def);
    return def;
  }

  /** a00, a01, ... a0z, a10, ...: the custom-object prefixes. */
  #customPrefix(): string {
    for (;;) {
      const n = this.#nextCustomPrefix++;
      const prefix = `a${BASE62[Math.floor(n / 62) % 62]}${BASE62[n % 62]}`;
      if (!this.objectByPrefix(prefix)) return prefix;
    }
  }
}

/**
 * The org's data model: sObjects with typed fields (required, lengths, references, external ids).
 * The standard objects (the common five, the binary-attachment ones and User) are built in; custom objects and fields come from a JSON schema file; with
 * `acceptUnknown` any object and field is accepted as text, for benchmarks on arbitrary data.
 */
import { readFileSync } from 'node:fs';
import { InvalidOptionError } from '../../lib/errors.js';

const FIELD_TYPES = [
  'id',
  'string',
  'textarea',
  'email',
  'phone',
  'url',
  'picklist',
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
  /** For a base64 field: the field that holds its size in bytes, set as the bytes are stored (Attachment.BodyLength). */
  readonly lengthField?: string;
  /** For references: the relationship name used in headers and SOQL (`Account` for AccountId). */
  readonly relationshipName?: string;
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
  { name: 'OwnerId', type: 'reference', referenceTo: 'User', relationshipName: 'Owner' },
];

const text = (name: string, length = 255, extra: Partial<FieldDef> = {}): FieldDef => ({ name, type: 'string', length, ...extra });

const STANDARD: Array<{ name: string; keyPrefix: string; fields: FieldDef[] }> = [
  {
    name: 'Account',
    keyPrefix: '001',
    fields: [
      text('Name', 255, { required: true }),
      text('AccountNumber', 40),
      text('Site', 80),
      { name: 'Type', type: 'picklist', length: 255 },
      { name: 'Industry', type: 'picklist', length: 255 },
      { name: 'Phone', type: 'phone', length: 40 },
      { name: 'Fax', type: 'phone', length: 40 },
      { name: 'Website', type: 'url', length: 255 },
      { name: 'AnnualRevenue', type: 'currency' },
      { name: 'NumberOfEmployees', type: 'int' },
      text('BillingStreet', 255),
      text('BillingCity', 40),
      text('BillingState', 80),
      text('BillingPostalCode', 20),
      text('BillingCountry', 80),
      { name: 'Description', type: 'textarea', length: 32_000 },
      { name: 'ParentId', type: 'reference', referenceTo: 'Account', relationshipName: 'Parent' },
    ],
  },
  {
    name: 'Contact',
    keyPrefix: '003',
    fields: [
      text('FirstName', 40),
      text('LastName', 80, { required: true }),
      text('Title', 128),
      { name: 'Email', type: 'email', length: 80 },
      { name: 'Phone', type: 'phone', length: 40 },
      { name: 'MobilePhone', type: 'phone', length: 40 },
      { name: 'Birthdate', type: 'date' },
      { name: 'LeadSource', type: 'picklist', length: 255 },
      { name: 'HasOptedOutOfEmail', type: 'boolean' },
      text('MailingCity', 40),
      text('MailingCountry', 80),
      { name: 'Description', type: 'textarea', length: 32_000 },
      { name: 'AccountId', type: 'reference', referenceTo: 'Account', relationshipName: 'Account' },
      { name: 'ReportsToId', type: 'reference', referenceTo: 'Contact', relationshipName: 'ReportsTo' },
    ],
  },
  {
    name: 'Lead',
    keyPrefix: '00Q',
    fields: [
      text('FirstName', 40),
      text('LastName', 80, { required: true }),
      text('Company', 255, { required: true }),
      text('Title', 128),
      { name: 'Email', type: 'email', length: 80 },
      { name: 'Phone', type: 'phone', length: 40 },
      { name: 'Status', type: 'picklist', length: 255 },
      { name: 'LeadSource', type: 'picklist', length: 255 },
      { name: 'AnnualRevenue', type: 'currency' },
      { name: 'NumberOfEmployees', type: 'int' },
      { name: 'IsConverted', type: 'boolean' },
      { name: 'Description', type: 'textarea', length: 32_000 },
    ],
  },
  {
    name: 'Opportunity',
    keyPrefix: '006',
    fields: [
      text('Name', 120, { required: true }),
      { name: 'StageName', type: 'picklist', length: 255, required: true },
      { name: 'CloseDate', type: 'date', required: true },
      { name: 'Amount', type: 'currency' },
      { name: 'Probability', type: 'percent' },
      { name: 'Type', type: 'picklist', length: 255 },
      { name: 'IsPrivate', type: 'boolean' },
      { name: 'Description', type: 'textarea', length: 32_000 },
      { name: 'AccountId', type: 'reference', referenceTo: 'Account', relationshipName: 'Account' },
    ],
  },
  {
    name: 'Case',
    keyPrefix: '500',
    fields: [
      text('Subject', 255),
      { name: 'Status', type: 'picklist', length: 255 },
      { name: 'Priority', type: 'picklist', length: 255 },
      { name: 'Origin', type: 'picklist', length: 255 },
      { name: 'IsEscalated', type: 'boolean' },
      { name: 'Description', type: 'textarea', length: 32_000 },
      { name: 'AccountId', type: 'reference', referenceTo: 'Account', relationshipName: 'Account' },
      { name: 'ContactId', type: 'reference', referenceTo: 'Contact', relationshipName: 'Contact' },
    ],
  },
  // Binary attachments (ZIP_* jobs): a base64 field takes the bytes of a file in the batch's zip.
  {
    name: 'Attachment',
    keyPrefix: '00P',
    fields: [
      text('Name', 255, { required: true }),
      { name: 'ParentId', type: 'reference', referenceTo: '*', required: true },
      { name: 'Body', type: 'base64', required: true, lengthField: 'BodyLength' },
      { name: 'BodyLength', type: 'int', readOnly: true },
      text('ContentType', 120),
      { name: 'Description', type: 'textarea', length: 500 },
      { name: 'IsPrivate', type: 'boolean' },
    ],
  },
  {
    name: 'Document',
    keyPrefix: '015',
    fields: [
      text('Name', 255, { required: true }),
      { name: 'FolderId', type: 'reference', referenceTo: '*', required: true },
      { name: 'Body', type: 'base64', lengthField: 'BodyLength' },
      { name: 'BodyLength', type: 'int', readOnly: true },
      text('ContentType', 120),
      text('Type', 40),
    ],
  },
  {
    name: 'ContentVersion',
    keyPrefix: '068',
    fields: [
      text('Title', 255, { required: true }),
      text('PathOnClient', 500, { required: true }),
      { name: 'VersionData', type: 'base64', required: true, lengthField: 'ContentSize' },
      { name: 'ContentSize', type: 'int', readOnly: true },
      { name: 'Description', type: 'textarea', length: 1000 },
    ],
  },
  {
    name: 'User',
    keyPrefix: '005',
    fields: [text('Username', 80, { required: true, unique: true }), text('LastName', 80, { required: true }), { name: 'Email', type: 'email', length: 128 }],
  },
];

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
    for (const o of STANDARD) this.#define(o.name, o.keyPrefix, o.fields);
    for (const o of file?.objects ?? []) {
      const existing = this.#objects.get(o.name.toLowerCase());
      if (existing) this.#define(existing.name, existing.keyPrefix, [...existing.fields.values(), ...o.fields]);
      else this.#define(o.name, o.keyPrefix ?? this.#customPrefix(), o.fields);
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
    return this.#define(name, this.#customPrefix(), []);
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

  #define(name: string, keyPrefix: string, fields: readonly FieldDef[]): ObjectDef {
    const map = new Map<string, FieldDef>();
    for (const f of [...SYSTEM_FIELDS, ...fields]) {
      if (!(FIELD_TYPES as readonly string[]).includes(f.type)) throw new InvalidOptionError(`schema ${name}.${f.name}.type`, `one of ${FIELD_TYPES.join(', ')}`, f.type);
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

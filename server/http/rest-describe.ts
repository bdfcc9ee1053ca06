/**
 * The REST describe documents of the local org, from its schema: describeGlobal and an object's
 * describe (the fields with the properties clients check before a load: type,
 * length, precision and scale, nillable, createable, updateable, defaultedOnCreate, externalId,
 * idLookup, unique, referenceTo, relationshipName, picklistValues), in the REST API's shapes.
 */
import type { FieldDef, ObjectDef, OrgSchema } from '../org/schema.js';

/** `NumberOfEmployees` -> `Number Of Employees`, `Invoice_Total__c` -> `Invoice Total`. */
function labelOf(name: string): string {
  const base = name.replace(/__[cr]$/, '').replace(/_/g, ' ');
  return base.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/ Id$/, ' ID');
}

const SOAP_TYPES: Record<FieldDef['type'], string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  combobox: 'xsd:string',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  percent: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  base64: 'xsd:base64Binary',
};

function describeField(field: FieldDef): Record<string, unknown> {
  const number = field.type === 'double' || field.type === 'currency' || field.type === 'percent';
  const text = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'combobox'].includes(field.type);
  const system = field.readOnly === true;
  const length = field.type === 'id' || field.type === 'reference' ? 18 : text ? (field.length ?? 255) : 0;
  return {
    name: field.name,
    label: labelOf(field.name),
    type: field.type,
    soapType: SOAP_TYPES[field.type],
    length,
    byteLength: length * 3,
    precision: number ? 18 : 0,
    scale: number ? 2 : 0,
    digits: field.type === 'int' ? 9 : 0,
    custom: field.name.endsWith('__c'),
    nillable: !field.required && field.type !== 'boolean' && field.type !== 'id' && !system,
    createable: !system,
    updateable: !system,
    defaultedOnCreate: system || field.type === 'boolean' || field.name === 'OwnerId',
    externalId: field.externalId === true,
    idLookup: field.type === 'id' || field.externalId === true || field.name === 'Username',
    unique: field.unique === true,
    caseSensitive: false,
    calculated: false,
    filterable: field.type !== 'textarea',
    sortable: field.type !== 'textarea',
    groupable: field.type !== 'textarea' && !number,
    referenceTo: field.referenceTargets ? [...field.referenceTargets] : field.referenceTo && field.referenceTo !== '*' ? [field.referenceTo] : [],
    relationshipName: field.relationshipName ?? null,
    picklistValues: [],
    restrictedPicklist: false,
    autoNumber: false,
    htmlFormatted: false,
  };
}

function objectUrls(name: string, base: string): Record<string, string> {
  const url = `${base}/sobjects/${name}`;
  return { sobject: url, describe: `${url}/describe`, rowTemplate: `${url}/{ID}` };
}

/** `Opportunity` → `Opportunities`, `Address` → `Addresses`, `Contact` → `Contacts`. */
const plural = (name: string): string => (name.endsWith('s') ? `${name}es` : /[^aeiou]y$/.test(name) ? `${name.slice(0, -1)}ies` : `${name}s`);

/**
 * The name a parent's SOQL subquery uses for its children through one lookup: the plural of the
 * child (`Contacts`), `ChildAccounts` for a self-reference (Account.ParentId, as Salesforce names
 * it), `Invoices__r` for a custom child. A child with several lookups to one parent names only the
 * one called after the parent (`AccountId`): Salesforce gives the others their own names, which
 * the local org does not know, so they have none (null, as describe shows for unnamed ones).
 */
function childRelationshipName(child: ObjectDef, field: FieldDef, lookups: readonly FieldDef[]): string | null {
  if (child.name.endsWith('__c')) return `${plural(child.name.slice(0, -3))}__r`;
  if (field.referenceTo === child.name) return `Child${plural(child.name)}`;
  const primary = lookups.find((f) => f.name === `${field.referenceTo}Id`) ?? lookups[0];
  return field === primary ? plural(child.name) : null;
}

function objectSummary(object: ObjectDef, base: string): Record<string, unknown> {
  const custom = object.name.endsWith('__c');
  const label = labelOf(object.name);
  const readOnly = object.name === 'User';
  return {
    name: object.name,
    label,
    labelPlural: plural(label),
    keyPrefix: object.keyPrefix,
    custom,
    customSetting: false,
    createable: !readOnly,
    updateable: !readOnly,
    deletable: !readOnly,
    undeletable: !readOnly,
    queryable: true,
    retrieveable: true,
    searchable: true,
    layoutable: true,
    mergeable: false,
    replicateable: true,
    triggerable: true,
    feedEnabled: false,
    activateable: false,
    deprecatedAndHidden: false,
    urls: objectUrls(object.name, base),
  };
}

/** describeGlobal: every object of the org. */
export function describeGlobal(schema: OrgSchema, base: string): Record<string, unknown> {
  return { encoding: 'UTF-8', maxBatchSize: 200, sobjects: schema.objects.map((o) => objectSummary(o, base)) };
}

/** An object's describe: its fields, and the relationships of the objects that refer to it. */
export function describeObject(schema: OrgSchema, object: ObjectDef, base: string): Record<string, unknown> {
  const childRelationships = schema.objects.flatMap((child) => {
    const lookups = [...child.fields.values()].filter(
      (f) => f.type === 'reference' && f.referenceTo?.toLowerCase() === object.name.toLowerCase() && !f.readOnly && f.name !== 'OwnerId',
    );
    return lookups.map((f) => ({
      childSObject: child.name,
      field: f.name,
      relationshipName: childRelationshipName(child, f, lookups),
      cascadeDelete: false,
      restrictedDelete: false,
      deprecatedAndHidden: false,
    }));
  });
  return { ...objectSummary(object, base), fields: [...object.fields.values()].map(describeField), childRelationships, recordTypeInfos: [] };
}

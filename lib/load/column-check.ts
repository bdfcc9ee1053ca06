/**
 * Fail fast: the columns of a load checked against the object's describe before the job is made,
 * so that a misspelt header costs one clear message instead of a job whose every row fails. Checks
 * unknown fields (with a did-you-mean), fields the operation cannot set, the external id field,
 * relationship columns (`Account.Ext_Id__c`: a relationship of the object, an External ID of the
 * parent) and, for an insert, required fields that no column gives.
 */
import type { LoadOperation } from '../load-types.js';
import type { FieldDescribe, SObjectDescribe } from '../wire/describe.js';

export interface ColumnCheck {
  readonly object: string;
  readonly operation: LoadOperation;
  /** The columns as they will be uploaded. */
  readonly columns: readonly string[];
  readonly externalIdField?: string | undefined;
  /** The describe of an object (the client's, which keeps what it read). */
  readonly describe: (object: string) => Promise<SObjectDescribe>;
}

/** The misfits of the columns, in a sentence each; none when the load may go ahead. */
export async function checkColumns(check: ColumnCheck): Promise<string[]> {
  const { operation, columns } = check;
  const object = await check.describe(check.object);
  const byName = new Map(object.fields.map((f) => [f.name.toLowerCase(), f]));
  const problems: string[] = [];
  const has = (name: string) => columns.some((c) => c.toLowerCase() === name.toLowerCase());
  if ((operation === 'update' || operation === 'delete' || operation === 'hardDelete') && !has('Id')) problems.push(`an ${operation} needs an Id column`);
  if (operation === 'upsert') {
    const key = byName.get((check.externalIdField ?? '').toLowerCase());
    if (!key)
      problems.push(
        `${check.externalIdField} is not a field of ${object.name}${suggest(
          check.externalIdField ?? '',
          object.fields.map((f) => f.name),
        )}`,
      );
    else if (!key.externalId && !key.idLookup) problems.push(`${key.name} is not an External ID field of ${object.name}, so it cannot match records for an upsert`);
    else if (!has(key.name)) problems.push(`an upsert on ${key.name} needs the column ${key.name}`);
  }
  // The columns of a delete are ids only: the other fields are not sent to any field.
  if (operation !== 'delete' && operation !== 'hardDelete') {
    for (const column of columns) {
      const dot = column.indexOf('.');
      const problem = dot < 0 ? fieldProblem(object, byName, column, operation) : await relationshipProblem(object, column.slice(0, dot), column.slice(dot + 1), check.describe);
      if (problem) problems.push(problem);
    }
    if (looksLikeARecord(columns, byName))
      problems.unshift(
        `the first line is read as the header (the field names), and it looks like a record (${columns.slice(0, 3).join(', ')}): give the file a header line of field names first`,
      );
  }
  if (operation === 'insert') {
    const missing = object.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate && !has(f.name) && !hasRelationshipFor(f, columns));
    for (const f of missing) problems.push(`${f.name} is required on ${object.name} and no column gives it`);
  }
  return problems;
}

/**
 * Only the columns that name nothing of the object: a field it does not have, or a relationship
 * column whose relationship or parent field does not exist, each with its did-you-mean. For records
 * from code, whose columns are the union of the fields of their first records (issue 27): the
 * record cutter drops such a column and rejects the records that carry it; one it keeps (the first
 * record's, with the check asked for, or one that every record carries) fails the load before any job.
 */
export async function unknownColumns(check: Pick<ColumnCheck, 'object' | 'columns' | 'describe'>): Promise<string[]> {
  return [...(await columnsOfNothing(check)).values()];
}

/** `unknownColumns` by column: each column that names nothing of the object, with its sentence. */
export async function columnsOfNothing(check: Pick<ColumnCheck, 'object' | 'columns' | 'describe'>): Promise<Map<string, string>> {
  const object = await check.describe(check.object);
  const byName = new Map(object.fields.map((f) => [f.name.toLowerCase(), f]));
  const problems = new Map<string, string>();
  for (const column of check.columns) {
    const dot = column.indexOf('.');
    const problem = dot < 0 ? notAField(object, byName, column) : await relationshipProblem(object, column.slice(0, dot), column.slice(dot + 1), check.describe, false);
    if (problem) problems.set(column, problem);
  }
  return problems;
}

/**
 * A file without a header: its first record is taken for the field names. Said when no column names
 * a field and one could not even be a field's name (a space, a leading digit, a sign: `Acme Corp`,
 * `555-1234`); a header of misspelt names gets its did-you-means alone.
 */
function looksLikeARecord(columns: readonly string[], byName: ReadonlyMap<string, FieldDescribe>): boolean {
  if (columns.length === 0 || columns.some((c) => byName.has(c.toLowerCase()) || c.includes('.'))) return false;
  return columns.some((c) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(c));
}

function fieldProblem(object: SObjectDescribe, byName: ReadonlyMap<string, FieldDescribe>, column: string, operation: LoadOperation): string | undefined {
  const field = byName.get(column.toLowerCase());
  if (!field) return notAField(object, byName, column);
  if (field.name === 'Id') return operation === 'insert' ? `an insert cannot set Id (use update or upsert)` : undefined;
  if (operation === 'insert' && !field.createable) return `${field.name} cannot be set on insert`;
  if (operation === 'update' && !field.updateable) return `${field.name} cannot be set on update`;
  if (operation === 'upsert' && !field.createable && !field.updateable) return `${field.name} cannot be set by an upsert`;
  return undefined;
}

function notAField(object: SObjectDescribe, byName: ReadonlyMap<string, FieldDescribe>, column: string): string | undefined {
  if (byName.has(column.toLowerCase())) return undefined;
  return `${column} is not a field of ${object.name}${suggest(
    column,
    [...byName.values()].map((f) => f.name),
  )}`;
}

/**
 * `Account.Ext_Id__c`: a relationship of the object whose parent has that field (`externalId`: as an
 * External ID). A polymorphic relationship names its parent's object first, `Lead:Who.Email` (the Bulk
 * API's `ObjectType:RelationshipName.IndexedField`, /work/shared/spec/bulk-api-v2.md "Relationships
 * by external id"; mandatory for polymorphic lookups, refused on the others): the field is looked for
 * on that object, which must be one the lookup refers to.
 */
async function relationshipProblem(
  object: SObjectDescribe,
  relationship: string,
  key: string,
  describe: (object: string) => Promise<SObjectDescribe>,
  externalId = true,
): Promise<string | undefined> {
  const colon = relationship.indexOf(':');
  const type = colon < 0 ? undefined : relationship.slice(0, colon);
  const name = relationship.slice(colon + 1);
  const column = `${relationship}.${key}`;
  const references = object.fields.filter((f) => f.relationshipName !== null);
  const reference = references.find((f) => (f.relationshipName as string).toLowerCase() === name.toLowerCase());
  if (!reference)
    return `${column}: ${name} is not a relationship of ${object.name}${suggest(
      name,
      references.map((f) => f.relationshipName as string),
    )}`;
  let parentName = reference.referenceTo[0];
  if (type !== undefined) {
    const parents = reference.referenceTo;
    if (parents.length < 2)
      return `${column}: ${reference.relationshipName} refers to ${parents[0] ?? 'one object'} only, so it takes no object name: write ${reference.relationshipName}.${key}`;
    parentName = parents.find((p) => p.toLowerCase() === type.toLowerCase());
    if (!parentName) return `${column}: ${type} is not an object that ${reference.relationshipName} refers to${suggest(type, parents)}`;
  }
  if (!parentName) return undefined;
  const parent = await describe(parentName);
  const field = parent.fields.find((f) => f.name.toLowerCase() === key.toLowerCase());
  if (!field)
    return `${column}: ${key} is not a field of ${parent.name}${suggest(
      key,
      parent.fields.map((f) => f.name),
    )}`;
  if (externalId && !field.externalId && !field.idLookup) return `${column}: ${field.name} is not an External ID field of ${parent.name}, so it cannot find the parent`;
  return undefined;
}

/** A relationship column gives its lookup field, with its object's name first or not (`Lead:Who.Email` gives WhoId). */
const hasRelationshipFor = (field: FieldDescribe, columns: readonly string[]) =>
  field.relationshipName !== null &&
  columns.some((c) =>
    c
      .toLowerCase()
      .replace(/^[^.:]*:/, '')
      .startsWith(`${(field.relationshipName as string).toLowerCase()}.`),
  );

/**
 * " (did you mean X?)" for the closest name, when one is close enough to be a typo. Names are
 * Salesforce API names, compared regardless of case and also without their namespace prefix and
 * custom suffix, so that `Invoice` finds `Invoice__c` and `Invoice__c` finds `acme__Invoice__c`
 * (issue 27); of names as near, the one nearest as written is taken.
 */
export function suggest(name: string, names: readonly string[]): string {
  const nearest = nearestName(name, names);
  return nearest === undefined ? '' : ` (did you mean ${nearest}?)`;
}

/**
 * The name `suggest` says, or undefined when none is near enough; a name equal regardless of case is
 * the nearest. The given name is compared with each candidate as written, without its suffix, and
 * both without namespace and suffix; a pair counts when its distance is within a third of the shorter
 * of the two compared (at least 1), so that a short stripped name is not "near" a long given one.
 */
export function nearestName(name: string, names: readonly string[]): string | undefined {
  const given = name.toLowerCase();
  const givenForms = [given, withoutSuffix(given), bareName(given)];
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let bestWhole = Number.POSITIVE_INFINITY;
  for (const candidate of names) {
    const lower = candidate.toLowerCase();
    const whole = distance(given, lower);
    const pairs: Array<[string, string]> = [
      [given, lower],
      [given, withoutSuffix(lower)],
      [givenForms[1] as string, withoutSuffix(lower)],
      [givenForms[2] as string, bareName(lower)],
    ];
    let d = Number.POSITIVE_INFINITY;
    for (const [a, b] of pairs) {
      const pair = a === given && b === lower ? whole : distance(a, b);
      if (pair <= Math.max(1, Math.floor(Math.min(a.length, b.length) / 3))) d = Math.min(d, pair);
    }
    if (d === Number.POSITIVE_INFINITY) continue;
    if (d < bestDistance || (d === bestDistance && whole < bestWhole)) [best, bestDistance, bestWhole] = [candidate, d, whole];
  }
  return best;
}

/**
 * The suffixes Salesforce gives API names (its object reference, "Salesforce Object Types": custom,
 * relationship, metadata, event, external, big, share, history, feed, knowledge, change event, person
 * account, compound field, Data Cloud objects), lower case. Only these are stripped: `acme__Invoice`
 * is a namespace and a name, not a name and a suffix.
 */
const SUFFIXES = new Set([
  'c',
  'r',
  'mdt',
  'e',
  'x',
  'xo',
  'b',
  'share',
  'history',
  'feed',
  'tag',
  'ka',
  'kav',
  'viewstat',
  'votestat',
  'datacategoryselection',
  'changeevent',
  'chn',
  'hd',
  'pc',
  'pr',
  's',
  'dlm',
  'dlo',
  'dmo',
  'dso',
  'cio',
  'dg',
]);

/** A lower-case API name without its known suffix (`__c`, `__mdt`, `__share`, ...), if it has one. */
function withoutSuffix(name: string): string {
  const at = name.lastIndexOf('__');
  return at > 0 && SUFFIXES.has(name.slice(at + 2)) ? name.slice(0, at) : name;
}

/** A lower-case API name without its known suffix and then its namespace prefix (`acme__`), which only a suffixed name has. */
function bareName(name: string): string {
  const stem = withoutSuffix(name);
  if (stem === name) return name;
  return stem.replace(/^[a-z][a-z0-9]*__(?=[a-z0-9])/, '');
}

/** Damerau-Levenshtein (adjacent swaps count one): `Phnoe` is one edit from `Phone`. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

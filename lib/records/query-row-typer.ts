/**
 * Types the text rows of a CSV query result (Bulk API 2.0 sends only CSV, spec §4.4) as the records
 * of a JSON result (what a v1 query gives for `--format json`): each column is found in the
 * object's describe by its SOQL path (`Name`, `Account.Name`, any case), named as the describe
 * names it, parents nested under their relationship name, and its text read by the field's type:
 * numbers, booleans, dateTimes as epoch milliseconds (as Bulk JSON results carry them), "" as null.
 * A column the describes do not know (an alias, a polymorphic parent's field) stays text.
 */
import { BulkApiError } from '../errors.js';
import type { FieldDescribe, SObjectDescribe } from '../wire/describe.js';

/** A typed value: JSON's types; a parent is a nested record (or null). */
type TypedValue = string | number | boolean | null | TypedRecord;
export interface TypedRecord {
  [field: string]: TypedValue;
}

/** How one column is read: where it goes (the relationship names down to the field) and how its text becomes a value. */
interface Column {
  readonly path: readonly string[];
  readonly read: (text: string) => TypedValue;
}

const NUMBER_TYPES = new Set(['int', 'double', 'currency', 'percent', 'long']);

/** The reader of a field's text by its Salesforce type; "" is null for every type (a CSV result writes null so). */
function readerOf(field: FieldDescribe | undefined): (text: string) => TypedValue {
  const type = field?.type;
  if (type === 'boolean') return (t) => (t === '' ? null : t === 'true');
  if (type !== undefined && NUMBER_TYPES.has(type)) return (t) => (t === '' ? null : Number(t));
  if (type === 'datetime')
    return (t) => {
      if (t === '') return null;
      const ms = Date.parse(t);
      return Number.isNaN(ms) ? t : ms;
    };
  return (t) => (t === '' ? null : t);
}

const byName = (describe: SObjectDescribe | undefined, name: string) => describe?.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
const byRelationship = (describe: SObjectDescribe | undefined, name: string) =>
  describe?.fields.find((f) => f.relationshipName !== null && f.relationshipName.toLowerCase() === name.toLowerCase());

/**
 * The typer of a result whose header is `header`, for a query of `object`: each parent's describe is
 * read once (through `describe`, which a BulkClient caches).
 */
export async function queryRowTyper(
  header: readonly string[],
  object: string,
  describe: (object: string) => Promise<SObjectDescribe>,
): Promise<(row: readonly string[]) => TypedRecord> {
  const describes = new Map<string, Promise<SObjectDescribe | undefined>>();
  const describeOf = (name: string) => {
    const key = name.toLowerCase();
    let found = describes.get(key);
    if (!found) {
      // An object the org does not have (a polymorphic parent's name that is none): its columns stay text.
      // Any other failure (a cut connection, an abort) fails the run rather than turn typed values into text.
      found = describe(name).catch((err: unknown) => {
        if (err instanceof BulkApiError && (err.exceptionCode === 'NOT_FOUND' || err.exceptionCode === 'INVALID_TYPE')) return undefined;
        throw err;
      });
      describes.set(key, found);
    }
    return found;
  };
  const columns: Column[] = [];
  for (const label of header) {
    const parts = label.split('.');
    let current = await describeOf(object);
    const path: string[] = [];
    for (const part of parts.slice(0, -1)) {
      const reference = byRelationship(current, part);
      path.push(reference?.relationshipName ?? part);
      const parent = reference?.referenceTo[0];
      current = parent === undefined ? undefined : await describeOf(parent);
    }
    const last = parts.at(-1) ?? label;
    const field = byName(current, last);
    path.push(field?.name ?? last);
    columns.push({ path, read: readerOf(field) });
  }
  return (row) => typedRecord(columns, row);
}

/** A row as a record; a parent all of whose columns are empty is null (no parent), as a JSON result has it. */
function typedRecord(columns: readonly Column[], row: readonly string[]): TypedRecord {
  const record: TypedRecord = {};
  const present = new Set<TypedRecord>();
  const parents: Array<{ owner: TypedRecord; key: string; value: TypedRecord }> = [];
  for (const [i, column] of columns.entries()) {
    const text = row[i] ?? '';
    let owner = record;
    for (const key of column.path.slice(0, -1)) {
      let next = owner[key];
      if (next === undefined || next === null || typeof next !== 'object') {
        next = {};
        parents.push({ owner, key, value: next });
        owner[key] = next;
      }
      owner = next;
    }
    owner[column.path.at(-1) as string] = column.read(text);
    if (text !== '')
      for (let o = owner; ; ) {
        present.add(o);
        const up = parents.find((p) => p.value === o);
        if (!up) break;
        o = up.owner;
      }
  }
  // Deepest first, so that an empty grandparent empties its parent's key before the parent is checked.
  for (const { owner, key, value } of parents.reverse()) if (!present.has(value)) owner[key] = null;
  return record;
}

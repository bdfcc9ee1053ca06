/**
 * Applies one DML row (insert, update, upsert, delete, hardDelete) to the store and returns its
 * result, with Salesforce's status codes. Columns are bound to fields once per batch; an unknown
 * column fails the batch (`InvalidBatch : Field name not found : X`), a bad value fails the row.
 */
import { isValidId, toId18 } from '../../lib/ids.js';
import type { Operation, ResultError } from '../../lib/types.js';
import type { IdGenerator } from '../org/id-generator.js';
import { type FieldDef, identifiesRecord, type ObjectDef, type OrgSchema } from '../org/schema.js';
import type { RecordData, RecordsStore } from '../store/records-store.js';
import { convertValue, resultError, type Stored } from '../../lib/records/field-values.js';
import { BatchFailure, type PayloadRow } from './payload.js';

/** A column of the batch and what it writes. */
export interface ColumnBinding {
  readonly column: string;
  /** 1-based position, named in deserialization errors. */
  readonly position: number;
  readonly field: FieldDef;
  /** For `Relationship.Field` columns: the parent object and its lookup field. */
  readonly parent?: { readonly object: ObjectDef; readonly field: FieldDef };
}

export interface RowOutcome {
  readonly id: string | null;
  readonly success: boolean;
  readonly created: boolean;
  readonly errors: readonly ResultError[];
}

export interface DmlContext {
  readonly operation: Operation;
  readonly object: ObjectDef;
  readonly externalIdField: FieldDef | undefined;
  readonly bindings: readonly ColumnBinding[];
  readonly userId: string;
  readonly now: string;
  /** A zip batch's files by path: what its base64 fields name (`#path`). */
  readonly attachments?: ReadonlyMap<string, Buffer>;
}

const failed = (error: ResultError): RowOutcome => ({ id: null, success: false, created: false, errors: [error] });

/**
 * The bytes a base64 field takes: in a zip batch, the file its `#path` names; elsewhere the value
 * itself, base64-encoded. A reference without `#` or to a file the zip does not hold fails the row.
 */
function binaryValue(field: FieldDef, raw: string, attachments: ReadonlyMap<string, Buffer> | undefined): Buffer | ResultError {
  if (attachments) {
    if (!raw.startsWith('#')) return resultError('INVALID_FIELD', `${field.name}: a binary field names a file of the zip as #path, got ${raw.slice(0, 80)}`, [field.name]);
    const bytes = attachments.get(raw.slice(1));
    return bytes ?? resultError('INVALID_FIELD', `${field.name}: the zip file holds no ${raw.slice(1, 200)}`, [field.name]);
  }
  if (!/^[A-Za-z0-9+/\s]*={0,2}$/.test(raw)) return resultError('INVALID_FIELD', `${field.name}: not a base64 value`, [field.name]);
  return Buffer.from(raw, 'base64');
}

/** Required and unique fields per object, computed once: the checks run on every row. */
const constraints = new WeakMap<ObjectDef, { readonly required: readonly string[]; readonly unique: readonly FieldDef[] }>();
function constraintsOf(object: ObjectDef): { readonly required: readonly string[]; readonly unique: readonly FieldDef[] } {
  let found = constraints.get(object);
  if (!found) {
    const fields = [...object.fields.values()];
    found = { required: fields.filter((f) => f.required).map((f) => f.name), unique: fields.filter((f) => f.unique) };
    constraints.set(object, found);
  }
  return found;
}

/** The fields of an object whose parent a write locks (`locksParent`), computed once per object. */
const lockingFields = new WeakMap<ObjectDef, readonly FieldDef[]>();
function lockingFieldsOf(object: ObjectDef): readonly FieldDef[] {
  let found = lockingFields.get(object);
  if (!found) {
    found = [...object.fields.values()].filter((f) => f.locksParent === true);
    lockingFields.set(object, found);
  }
  return found;
}

export function bindColumns(schema: OrgSchema, object: ObjectDef, columns: readonly string[]): ColumnBinding[] {
  return columns.map((column, i) => {
    const position = i + 1;
    if (column.includes(':')) {
      const rel = column.slice(column.indexOf(':') + 1).split('.')[0] ?? column;
      throw new BatchFailure('InvalidBatch', `type is not needed for non polymorphic foreign key references: ${rel}`);
    }
    const dot = column.indexOf('.');
    if (dot < 0) {
      const field = schema.field(object, column);
      if (!field) throw new BatchFailure('InvalidBatch', `Field name not found : ${column}`);
      return { column, position, field };
    }
    const rel = column.slice(0, dot).toLowerCase();
    const field = [...object.fields.values()].find((f) => f.type === 'reference' && f.relationshipName?.toLowerCase() === rel);
    const parentObject = field?.referenceTo ? schema.object(field.referenceTo) : undefined;
    if (!field || !parentObject) throw new BatchFailure('InvalidBatch', `Unable to find relationship: ${column.slice(0, dot)}`);
    const parentField = schema.field(parentObject, column.slice(dot + 1));
    if (!parentField || !identifiesRecord(parentField)) {
      throw new BatchFailure('InvalidBatch', `Field name not found : ${column}`);
    }
    return { column, position, field, parent: { object: parentObject, field: parentField } };
  });
}

export class DmlEngine {
  readonly #records: RecordsStore;
  readonly #ids: IdGenerator;

  constructor(records: RecordsStore, ids: IdGenerator) {
    this.#records = records;
    this.#ids = ids;
  }

  apply(ctx: DmlContext, row: PayloadRow): RowOutcome {
    switch (ctx.operation) {
      case 'insert':
        return this.#insert(ctx, row);
      case 'update':
        return this.#update(ctx, row, this.#idOf(ctx, row, 'update'));
      case 'upsert':
        return this.#upsert(ctx, row);
      case 'delete':
      case 'hardDelete':
        return this.#delete(ctx, row);
      default:
        return failed(resultError('INVALID_OPERATION', `${ctx.operation} is not a DML operation`));
    }
  }

  /**
   * The parents writing the row locks (server/processing/row-locks.ts): the ids its `locksParent`
   * columns name and, for a record it changes or deletes, those the record holds now (a reparented
   * child locks both parents). Read before the transaction, without failing: a value that does not
   * resolve locks nothing, and `apply` fails its row as it would have.
   */
  lockedParents(ctx: DmlContext, row: PayloadRow): string[] {
    const fields = lockingFieldsOf(ctx.object);
    if (fields.length === 0) return [];
    const ids = new Set<string>();
    for (const b of ctx.bindings) {
      const raw = row[b.position - 1];
      if (!b.field.locksParent || raw === undefined || raw === null) continue;
      if (b.parent && b.parent.field.type !== 'id') {
        // A relationship column (`Account.Ext_Id__c`): the parent its one match is.
        const matches = this.#records.findBy(b.parent.object.name, b.parent.field.name, raw, 2);
        if (matches.length === 1) ids.add(matches[0] as string);
      } else if (isValidId(raw)) ids.add(toId18(raw));
    }
    const target = ctx.operation === 'insert' ? undefined : this.#targetOf(ctx, row);
    const record = target ? this.#records.get(target) : undefined;
    for (const f of record?.object === ctx.object.name ? fields : []) {
      const value = record?.fields[f.name];
      if (typeof value === 'string') ids.add(value);
    }
    return [...ids];
  }

  /** The existing record an update, upsert or delete row names, if any (the Id, or the upsert key's one match). */
  #targetOf(ctx: DmlContext, row: PayloadRow): string | undefined {
    const key = ctx.operation === 'upsert' ? ctx.externalIdField : undefined;
    if (key && key.type !== 'id') {
      const binding = ctx.bindings.find((b) => b.field === key);
      const value = binding ? row[binding.position - 1] : undefined;
      const matches = value === undefined || value === null ? [] : this.#records.findBy(ctx.object.name, key.name, value, 2);
      return matches.length === 1 ? matches[0] : undefined;
    }
    const idOrFailure = this.#idOf(ctx, row, ctx.operation);
    return typeof idOrFailure === 'string' ? idOrFailure : undefined;
  }

  /** The record id named by the row's Id column, or the row's failure. */
  #idOf(ctx: DmlContext, row: PayloadRow, call: string): string | RowOutcome {
    const binding = ctx.bindings.find((b) => b.field.type === 'id');
    const raw = binding ? row[binding.position - 1] : undefined;
    if (raw === undefined || raw === null) return failed(resultError('MISSING_ARGUMENT', `Id not specified in an ${call} call`));
    if (!isValidId(raw)) return failed(resultError('MALFORMED_ID', `bad id ${raw}`, ['Id']));
    return toId18(raw);
  }

  #existing(ctx: DmlContext, id: string): { fields: RecordData; ownerId: string | null } | { failure: RowOutcome } {
    const record = this.#records.get(id);
    if (!record || record.object !== ctx.object.name) {
      if (!record && id.slice(0, 3) !== ctx.object.keyPrefix)
        return { failure: failed(resultError('MALFORMED_ID', `${ctx.object.name} ID: id value of incorrect type: ${id}`, ['Id'])) };
      return { failure: failed(resultError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')) };
    }
    if (record.deleted) return { failure: failed(resultError('ENTITY_IS_DELETED', 'entity is deleted')) };
    return { fields: record.fields, ownerId: record.ownerId };
  }

  /** The field changes of a row, or its first error. */
  /** The row's field values, with OwnerId apart (it is stored in a column). */
  #changes(ctx: DmlContext, row: PayloadRow): { changes: Record<string, Stored>; owner: string | null | undefined } | { failure: RowOutcome } {
    const changes: Record<string, Stored> = {};
    let owner: string | null | undefined;
    for (const b of ctx.bindings) {
      const raw = row[b.position - 1];
      if (raw === undefined || b.field.type === 'id') continue;
      if (b.field.readOnly) {
        return {
          failure: failed(
            resultError(
              'INVALID_FIELD_FOR_INSERT_UPDATE',
              `Unable to create/update fields: ${b.field.name}. Please check the security settings of this field and verify that it is read/write for your user profile or permission set.`,
              [b.field.name],
            ),
          ),
        };
      }
      if (raw === null) {
        changes[b.field.name] = null;
        continue;
      }
      if (b.parent) {
        const parentId = this.#resolveParent(b.field, b.parent, raw);
        if (typeof parentId !== 'string') return { failure: parentId };
        changes[b.field.name] = parentId;
        continue;
      }
      if (b.field.type === 'base64') {
        const bytes = binaryValue(b.field, raw, ctx.attachments);
        if (!Buffer.isBuffer(bytes)) return { failure: failed(bytes) };
        changes[b.field.name] = bytes.toString('base64');
        if (b.field.lengthField) changes[b.field.lengthField] = bytes.length;
        continue;
      }
      const converted = convertValue(b.field, raw, b.position);
      if ('error' in converted) return { failure: failed(converted.error) };
      if (b.field.type === 'reference' && converted.value !== null) {
        const target = b.field.referenceTo ? this.#records.get(converted.value as string) : undefined;
        // The objects the id may belong to (Task.WhoId: Contact or Lead); undefined for any object.
        const allowed = b.field.referenceTargets ?? (b.field.referenceTo === '*' ? undefined : [b.field.referenceTo ?? '']);
        const wrongObject = allowed !== undefined && !allowed.some((o) => o.toLowerCase() === target?.object.toLowerCase());
        if (!target || target.deleted || wrongObject) {
          if (b.field.referenceTo !== 'User') return { failure: failed(resultError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [b.field.name])) };
        }
      }
      if (b.field.name === 'OwnerId') owner = converted.value as string | null;
      else changes[b.field.name] = converted.value;
    }
    return { changes, owner };
  }

  #resolveParent(reference: FieldDef, parent: NonNullable<ColumnBinding['parent']>, raw: string): string | RowOutcome {
    const { object, field } = parent;
    if (field.type === 'id') {
      const id = isValidId(raw) ? toId18(raw) : undefined;
      const target = id ? this.#records.get(id) : undefined;
      return target && !target.deleted && target.object === object.name
        ? target.id
        : failed(resultError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [reference.name]));
    }
    const matches = this.#records.findBy(object.name, field.name, raw, 2);
    if (matches.length === 1) return matches[0] as string;
    if (matches.length === 0) return failed(resultError('INVALID_FIELD', `Foreign key external ID: ${raw} not found for field ${field.name} in entity ${object.name}`));
    return failed(resultError('INVALID_FIELD', `Foreign key external ID: ${raw} matches more than one record for field ${field.name} in entity ${object.name}`));
  }

  /** Required and unique checks of the record as it would be stored. */
  #check(ctx: DmlContext, data: RecordData, changed: Record<string, Stored>, selfId: string | undefined): RowOutcome | undefined {
    const { required, unique } = constraintsOf(ctx.object);
    let missing: string[] | undefined;
    for (const name of required) {
      const value = data[name];
      if (value === undefined || value === null || value === '') (missing ??= []).push(name);
    }
    if (missing) return failed(resultError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing));
    for (const field of unique) {
      const value = changed[field.name];
      if (value === undefined || value === null || value === '') continue;
      const other = this.#records.findBy(ctx.object.name, field.name, String(value), 2).find((id) => id !== selfId);
      if (other) return failed(resultError('DUPLICATE_VALUE', `duplicate value found: ${field.name} duplicates value on record with id: ${other}`));
    }
    return undefined;
  }

  #insert(ctx: DmlContext, row: PayloadRow): RowOutcome {
    const idBinding = ctx.bindings.find((b) => b.field.type === 'id');
    const idValue = idBinding ? row[idBinding.position - 1] : undefined;
    if (idValue && ctx.operation === 'insert') return failed(resultError('INVALID_FIELD_FOR_INSERT_UPDATE', 'cannot specify Id in an insert call', ['Id']));
    const result = this.#changes(ctx, row);
    if ('failure' in result) return result.failure;
    const { changes, owner } = result;
    const problem = this.#check(ctx, changes, changes, undefined);
    if (problem) return problem;
    const id = this.#ids.next(ctx.object.keyPrefix);
    this.#records.insert(id, ctx.object.name, changes, ctx.now, owner ?? ctx.userId, ctx.userId);
    return { id, success: true, created: true, errors: [] };
  }

  #update(ctx: DmlContext, row: PayloadRow, idOrFailure: string | RowOutcome): RowOutcome {
    if (typeof idOrFailure !== 'string') return idOrFailure;
    const existing = this.#existing(ctx, idOrFailure);
    if ('failure' in existing) return existing.failure;
    const result = this.#changes(ctx, row);
    if ('failure' in result) return result.failure;
    const { changes, owner } = result;
    const fields: RecordData = { ...existing.fields, ...changes };
    const problem = this.#check(ctx, fields, changes, idOrFailure);
    if (problem) return problem;
    this.#records.update(idOrFailure, fields, ctx.now, owner === undefined ? existing.ownerId : owner);
    return { id: idOrFailure, success: true, created: false, errors: [] };
  }

  #upsert(ctx: DmlContext, row: PayloadRow): RowOutcome {
    const key = ctx.externalIdField;
    if (!key || key.type === 'id') {
      const idBinding = ctx.bindings.find((b) => b.field.type === 'id');
      const raw = idBinding ? row[idBinding.position - 1] : undefined;
      return raw === undefined || raw === null ? this.#insert(ctx, row) : this.#update(ctx, row, this.#idOf(ctx, row, 'upsert'));
    }
    const binding = ctx.bindings.find((b) => b.field === key);
    const value = binding ? row[binding.position - 1] : undefined;
    if (value === undefined || value === null) return failed(resultError('MISSING_ARGUMENT', `${key.name} not specified`));
    const matches = this.#records.findBy(ctx.object.name, key.name, value, 3);
    if (matches.length === 0) return this.#insert(ctx, row);
    if (matches.length === 1) return this.#update(ctx, row, matches[0] as string);
    return failed(resultError('DUPLICATE_EXTERNAL_ID', `${key.name}: more than one record found for external id field: [${matches.join(', ')}]`, [key.name]));
  }

  #delete(ctx: DmlContext, row: PayloadRow): RowOutcome {
    const id = this.#idOf(ctx, row, 'delete');
    if (typeof id !== 'string') return id;
    const record = this.#records.get(id);
    if (!record || record.object !== ctx.object.name) return failed(resultError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id'));
    if (ctx.operation === 'hardDelete') {
      this.#records.hardDelete(id);
      return { id, success: true, created: false, errors: [] };
    }
    if (record.deleted) return failed(resultError('ENTITY_IS_DELETED', 'entity is deleted'));
    this.#records.softDelete(id, ctx.now);
    return { id, success: true, created: false, errors: [] };
  }
}

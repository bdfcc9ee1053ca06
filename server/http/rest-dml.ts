/**
 * REST writes through the org's one DML engine (the engine Bulk batches run through): a JSON record
 * becomes the engine's columns and row (numbers and booleans as their text, `null` and `""` as a
 * null, a nested object as relationship columns `Account.Ext__c`), and every request runs in one
 * SQLite write transaction, which allOrNone rolls back whole when a record fails. It takes no row
 * locks (server/processing/row-locks.ts): a request is one synchronous transaction that nothing can
 * overlap, and lock contention is modelled where loads meet it, between Bulk batches.
 */
import type { ResultError } from '../../lib/types.js';
import type { FieldDef, ObjectDef, OrgSchema } from '../org/schema.js';
import { bindColumns, type DmlEngine, type RowOutcome } from '../processing/dml.js';
import { BatchFailure, type PayloadRow } from '../processing/payload.js';
import { type Db, writeTransaction } from '../store/database.js';

/** One record to write. */
export interface RestWrite {
  readonly object: ObjectDef;
  readonly operation: 'insert' | 'update' | 'upsert' | 'delete';
  /** The record's fields as the JSON body gave them (without `attributes`, `Id`). */
  readonly values: Readonly<Record<string, unknown>>;
  /** update, delete: the record's id as the request named it. */
  readonly id?: string;
  /** upsert: the External ID field, whose value is in `values`. */
  readonly externalIdField?: FieldDef;
}

export interface RestDmlContext {
  readonly schema: OrgSchema;
  readonly db: Db;
  readonly engine: DmlEngine;
  readonly now: () => number;
}

const failure = (error: ResultError, id?: string): RowOutcome => ({ id: id ?? null, success: false, created: false, errors: [error] });

/** Salesforce's words for the records of an allOrNone request that did not fail themselves (SOAP AllOrNoneHeader, sObject Collections). */
const ROLLED_BACK: ResultError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

class RolledBack extends Error {}

/**
 * Applies the writes in order in one transaction and returns one outcome per write (a write given
 * as an error fails as it is). With `allOrNone`, one failure rolls every change back, and the
 * records that did not fail themselves answer ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
export function runWrites(context: RestDmlContext, userId: string, writes: ReadonlyArray<RestWrite | ResultError>, allOrNone: boolean): RowOutcome[] {
  const now = new Date(context.now()).toISOString();
  let outcomes: RowOutcome[] = [];
  try {
    writeTransaction(context.db, () => {
      // A failed update or delete names the record it was for (the engine's failures carry no id).
      outcomes = writes.map((w) => ('statusCode' in w ? failure(w) : named(apply(context, userId, now, w), w.id)));
      if (allOrNone && outcomes.some((o) => !o.success)) throw new RolledBack();
    });
  } catch (err) {
    if (!(err instanceof RolledBack)) throw err;
    outcomes = outcomes.map((o, i) => {
      const write = writes[i] as RestWrite | ResultError;
      return o.success ? failure(ROLLED_BACK, 'statusCode' in write ? undefined : write.id) : o;
    });
  }
  return outcomes;
}

const named = (outcome: RowOutcome, id: string | undefined): RowOutcome => (outcome.id === null && id !== undefined ? { ...outcome, id } : outcome);

function apply(context: RestDmlContext, userId: string, now: string, write: RestWrite): RowOutcome {
  const record = columnsOf(write);
  if ('statusCode' in record) return failure(record, write.id);
  for (const column of record.columns) {
    if (!column.includes('.') && !context.schema.field(write.object, column))
      return failure({ statusCode: 'INVALID_FIELD', message: `No such column '${column}' on sobject of type ${write.object.name}`, fields: [] }, write.id);
  }
  let bindings: ReturnType<typeof bindColumns>;
  try {
    bindings = bindColumns(context.schema, write.object, record.columns);
  } catch (err) {
    if (err instanceof BatchFailure) return failure({ statusCode: 'INVALID_FIELD', message: err.message, fields: [] }, write.id);
    throw err;
  }
  return context.engine.apply({ operation: write.operation, object: write.object, externalIdField: write.externalIdField, bindings, userId, now }, record.row);
}

/** The engine's columns and row of a write; the Id column first for an update or a delete. */
function columnsOf(write: RestWrite): { columns: string[]; row: PayloadRow } | ResultError {
  const columns: string[] = [];
  const row: PayloadRow = [];
  if (write.id !== undefined) {
    columns.push('Id');
    row.push(write.id);
  }
  if (write.operation === 'delete') return { columns, row };
  for (const [name, value] of Object.entries(write.values)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      // A parent named by one of its unique fields: {"Account": {"Ext_Id__c": "A-1"}}.
      for (const [field, inner] of Object.entries(value)) {
        if (field === 'attributes') continue;
        const text = scalar(`${name}.${field}`, inner);
        if (typeof text === 'object' && text !== null) return text;
        columns.push(`${name}.${field}`);
        row.push(text);
      }
      continue;
    }
    const text = scalar(name, value);
    if (typeof text === 'object' && text !== null) return text;
    columns.push(name);
    row.push(text);
  }
  return { columns, row };
}

/** A JSON value as the engine's text; `""` clears a field in REST (where an empty CSV cell leaves it unchanged). */
function scalar(name: string, value: unknown): string | null | ResultError {
  if (value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return { statusCode: 'JSON_PARSER_ERROR', message: `Cannot deserialize the value of ${name}: ${JSON.stringify(value).slice(0, 80)}`, fields: [name] };
}

/** The fields of a JSON record to write: everything but `attributes` and the id keys. */
export function recordValues(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (k !== 'attributes' && k.toLowerCase() !== 'id') values[k] = v;
  return values;
}

/**
 * Records read by id for the REST API (`GET /sobjects/X/{id}`, `GET /composite/sobjects/X?ids=`):
 * through the SOQL engine of the REST query, so that values, `attributes` and parents have the
 * query's shape. Binary fields are given as the URL of their bytes, as Salesforce gives them.
 */
import { isValidId, toId18 } from '../../lib/ids.js';
import type { ObjectDef, OrgSchema } from '../org/schema.js';
import { BatchFailure } from '../processing/payload.js';
import { queryRows } from '../query/query-rows.js';
import { jsonRecord } from '../query/result-writers.js';
import { compileSoql } from '../query/soql.js';
import type { Db } from '../store/database.js';
import { soqlError } from './rest-query.js';
import { RestError } from './rest-reply.js';

export interface RestRecordsContext {
  readonly schema: OrgSchema;
  readonly db: Db;
}

const FIELD_PATH = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?$/;

/**
 * The live records of `object` with these ids, by 18-character id (an id that is not one of them
 * is absent). `fields`: the fields to give (default: every field of the object).
 */
export async function fetchRecords(
  context: RestRecordsContext,
  object: ObjectDef,
  ids: readonly string[],
  fields: readonly string[] | undefined,
  apiVersion: string,
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  const valid = ids.filter(isValidId).map(toId18);
  if (valid.length === 0) return found;
  const names = fields ?? [...object.fields.values()].map((f) => f.name);
  for (const name of names) if (!FIELD_PATH.test(name)) throw new RestError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${object.name}`);
  const binary = names.filter((n) => object.fields.get(n.toLowerCase())?.type === 'base64');
  const selected = names.filter((n) => !binary.includes(n));
  if (!selected.some((n) => n.toLowerCase() === 'id')) selected.unshift('Id');
  const soql = `SELECT ${selected.join(', ')} FROM ${object.name} WHERE Id IN (${valid.map((id) => `'${id}'`).join(', ')})`;
  try {
    const compiled = compileSoql(soql, context.schema, undefined, { rest: true });
    for await (const row of queryRows(context.db, compiled)) {
      const record = jsonRecord(object.name, compiled.fields, row, apiVersion);
      for (const name of binary) {
        const field = object.fields.get(name.toLowerCase());
        record[field?.name ?? name] = row.data[field?.name ?? name] == null ? null : `/services/data/v${apiVersion}/sobjects/${object.name}/${row.id}/${field?.name ?? name}`;
      }
      found.set(row.id, record);
    }
  } catch (err) {
    if (!(err instanceof BatchFailure)) throw err;
    throw soqlError(err);
  }
  return found;
}

/**
 * sObject Collections (`/composite/sobjects`), which jsforce uses for create, update, destroy and
 * retrieve of an array: up to 200 records a request, of any objects, written in order in one
 * transaction through the org's DML engine, one SaveResult each (`{"id","success","errors":
 * [{"statusCode","message","fields"}]}`, the SOAP shape, not REST's error array), and allOrNone
 * rolls all back (REST API guide, "sObject Collections").
 */
import { isValidId, toId18 } from '../../lib/ids.js';
import type { ResultError } from '../../lib/types.js';
import type { FieldDef, ObjectDef } from '../org/schema.js';
import type { RowOutcome } from '../processing/dml.js';
import { type RestWrite, recordValues, runWrites } from './rest-dml.js';
import { fetchRecords } from './rest-records.js';
import { RestError, readJson, restJson } from './rest-reply.js';
import { type RecordRequest, externalIdField } from './rest-sobjects.js';

/** Most records of one write request; most ids of one read. */
const MAX_WRITE = 200;
const MAX_READ = 2000;

/** The route's request without an object: collections name one per record. */
type CollectionRequest = Omit<RecordRequest, 'object'>;

const problem = (statusCode: string, message: string, fields: readonly string[] = []): ResultError => ({ statusCode, message, fields });

function saveResult(outcome: RowOutcome, upsert: boolean): Record<string, unknown> {
  return {
    ...(outcome.id ? { id: outcome.id } : {}),
    success: outcome.success,
    errors: outcome.errors.map((e) => ({ statusCode: e.statusCode, message: e.message, fields: e.fields })),
    ...(upsert ? { created: outcome.created } : {}),
  };
}

/** `{"allOrNone", "records"}`: the records (at most 200) and the flag. */
async function readRecords(r: CollectionRequest): Promise<{ records: Array<Record<string, unknown>>; allOrNone: boolean }> {
  const body = (await readJson(r.req)) as { allOrNone?: unknown; records?: unknown } | null;
  const records = body && typeof body === 'object' ? body.records : undefined;
  if (!Array.isArray(records) || records.some((x) => x === null || typeof x !== 'object' || Array.isArray(x)))
    throw new RestError(400, 'JSON_PARSER_ERROR', 'The request body must be {"allOrNone": boolean, "records": [ {...}, ... ]}');
  // The SOAP API's words for the same limit (EXCEEDED_ID_LIMIT); the REST one is a guess.
  if (records.length > MAX_WRITE) throw new RestError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_WRITE} records into this call`);
  return { records: records as Array<Record<string, unknown>>, allOrNone: body?.allOrNone === true };
}

function objectOf(r: CollectionRequest, record: Record<string, unknown>): ObjectDef | ResultError {
  const type = (record.attributes as { type?: unknown } | undefined)?.type;
  if (typeof type !== 'string' || type === '') return problem('INVALID_TYPE', 'Each record must have "attributes": {"type": "<object>"}');
  return r.context.schema.object(type) ?? problem('INVALID_TYPE', `sObject type '${type}' is not supported.`);
}

const idOf = (record: Record<string, unknown>): unknown => record.id ?? record.Id;

/** `POST /composite/sobjects`: creates the records. */
export async function createMany(r: CollectionRequest): Promise<void> {
  const { records, allOrNone } = await readRecords(r);
  const writes = records.map((record): RestWrite | ResultError => {
    const object = objectOf(r, record);
    if ('statusCode' in object) return object;
    if (idOf(record) !== undefined) return problem('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
    return { object, operation: 'insert', values: recordValues(record) };
  });
  await restJson(
    r.req,
    r.res,
    runWrites(r.context, r.userId, writes, allOrNone).map((o) => saveResult(o, false)),
  );
}

/** `PATCH /composite/sobjects`: updates the records named by their `id`. */
export async function updateMany(r: CollectionRequest): Promise<void> {
  const { records, allOrNone } = await readRecords(r);
  const writes = records.map((record): RestWrite | ResultError => {
    const object = objectOf(r, record);
    if ('statusCode' in object) return object;
    const id = idOf(record);
    if (typeof id !== 'string' || id === '') return problem('MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
    return { object, operation: 'update', values: recordValues(record), id };
  });
  await restJson(
    r.req,
    r.res,
    runWrites(r.context, r.userId, writes, allOrNone).map((o) => saveResult(o, false)),
  );
}

/** `PATCH /composite/sobjects/X/{ExternalIdField}` (API 46.0+): upserts records of X, each with `created`. */
export async function upsertMany(r: CollectionRequest, object: ObjectDef, field: FieldDef): Promise<void> {
  const { records, allOrNone } = await readRecords(r);
  const writes = records.map((record): RestWrite | ResultError => {
    const values = recordValues(record);
    const id = idOf(record);
    if (typeof id === 'string' && id !== '') return { object, operation: 'update', values, id };
    return { object, operation: 'upsert', values, externalIdField: field };
  });
  await restJson(
    r.req,
    r.res,
    runWrites(r.context, r.userId, writes, allOrNone).map((o) => saveResult(o, true)),
  );
}

/** `DELETE /composite/sobjects?ids=a,b[&allOrNone=true]`: each id's object is its key prefix's. */
export async function deleteMany(r: CollectionRequest): Promise<void> {
  const ids = idList(r.url, MAX_WRITE);
  const writes = ids.map((raw): RestWrite | ResultError => {
    const object = isValidId(raw) ? r.context.schema.objects.find((o) => o.keyPrefix === raw.slice(0, 3)) : undefined;
    if (!object) return problem('MALFORMED_ID', `malformed id ${raw}`, ['Id']);
    return { object, operation: 'delete', values: {}, id: toId18(raw) };
  });
  const outcomes = runWrites(r.context, r.userId, writes, r.url.searchParams.get('allOrNone') === 'true');
  // A delete's result names its id even when it failed.
  await restJson(
    r.req,
    r.res,
    outcomes.map((o, i) => saveResult(o.id ? o : { ...o, id: ids[i] ?? null }, false)),
  );
}

/** `GET /composite/sobjects/X?ids=&fields=` and `POST` with `{"ids", "fields"}`: the records in the order asked, null for an id not found. */
export async function retrieveMany(r: CollectionRequest, object: ObjectDef): Promise<void> {
  let ids: string[];
  let fields: string[] | undefined;
  if (r.req.method === 'POST') {
    const body = (await readJson(r.req)) as { ids?: unknown; fields?: unknown } | null;
    if (!Array.isArray(body?.ids) || !body.ids.every((x) => typeof x === 'string'))
      throw new RestError(400, 'JSON_PARSER_ERROR', 'The request body must be {"ids": [...], "fields": [...]}');
    ids = body.ids as string[];
    fields = Array.isArray(body.fields) ? (body.fields as unknown[]).map(String) : undefined;
    if (ids.length > MAX_READ) throw new RestError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_READ} records into this call`);
  } else {
    ids = idList(r.url, MAX_READ);
    const list = r.url.searchParams.get('fields');
    fields = list ? list.split(',').map((f) => f.trim()) : undefined;
  }
  const found = await fetchRecords(r.context, object, ids, fields, r.version);
  await restJson(
    r.req,
    r.res,
    ids.map((id) => (isValidId(id) ? (found.get(toId18(id)) ?? null) : null)),
  );
}

/** `?ids=a,b,c`: required, at most `max`. */
function idList(url: URL, max: number): string[] {
  const ids = (url.searchParams.get('ids') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new RestError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
  if (ids.length > max) throw new RestError(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${max} records into this call`);
  return ids;
}

/** The External ID field of an upsert collection path, or 404. */
export function upsertField(object: ObjectDef, name: string): FieldDef {
  const field = externalIdField(object, name);
  if (!field) throw new RestError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${name}`);
  return field;
}

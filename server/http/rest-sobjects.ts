/**
 * One record over REST (`/sobjects/X`, `/sobjects/X/{id}`, `/sobjects/X/{ExternalIdField}/{value}`):
 * create (201 `{"id","success","errors"}`), read, update (204), delete (204) and upsert by an
 * External ID (201 created; 200 updated with `created: false` from API 46.0, 204 before; 300 with
 * the matching records' URLs when the value matches several), as the REST API guide words them.
 * Writes go through the org's DML engine (rest-dml.ts); a failed write is 400 with REST's errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidId, toId18 } from '../../lib/ids.js';
import { type FieldDef, identifiesRecord, type ObjectDef } from '../org/schema.js';
import type { RowOutcome } from '../processing/dml.js';
import type { RecordsStore } from '../store/records-store.js';
import { type RestDmlContext, type RestWrite, recordValues, runWrites } from './rest-dml.js';
import { fetchRecords, type RestRecordsContext } from './rest-records.js';
import { RestError, notFound, readJson, restJson } from './rest-reply.js';

interface RestSObjectContext extends RestDmlContext, RestRecordsContext {
  readonly records: RecordsStore;
}

/** The request of one record resource, after routing. */
export interface RecordRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly context: RestSObjectContext;
  readonly userId: string;
  /** `62.0` */
  readonly version: string;
  readonly object: ObjectDef;
}

/** A JSON object body, or 400 as Salesforce refuses another JSON value. */
async function readRecordBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJson(req);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RestError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A failed write as REST answers it: 400 `[{"message","errorCode","fields"}]`. */
function failed(outcome: RowOutcome): RestError {
  const [error] = outcome.errors;
  return new RestError(400, error?.statusCode ?? 'UNKNOWN_EXCEPTION', error?.message ?? 'the record was not saved', error?.fields ?? []);
}

function writeOne(r: RecordRequest, write: RestWrite): RowOutcome {
  const [outcome] = runWrites(r.context, r.userId, [write], false);
  if (!outcome?.success) throw failed(outcome as RowOutcome);
  return outcome;
}

/** `POST /sobjects/X`: 201 and the new id. */
export async function createRecord(r: RecordRequest): Promise<void> {
  const values = recordValues(await readRecordBody(r.req));
  const outcome = writeOne(r, { object: r.object, operation: 'insert', values });
  await restJson(r.req, r.res, { id: outcome.id, success: true, errors: [] }, 201);
}

/** The live record of this object with this id (15 or 18 characters), or 404. */
function existing(r: RecordRequest, rawId: string): string {
  const id = isValidId(rawId) ? toId18(rawId) : undefined;
  const record = id ? r.context.records.get(id) : undefined;
  if (!id || !record || record.object !== r.object.name) throw notFound();
  if (record.deleted) throw new RestError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
  return id;
}

/** `GET /sobjects/X/{id}[?fields=a,b]`: the record with its attributes. */
export async function readRecord(r: RecordRequest, rawId: string): Promise<void> {
  const id = existing(r, rawId);
  const fields = r.url.searchParams.get('fields');
  const found = await fetchRecords(r.context, r.object, [id], fields ? fields.split(',').map((f) => f.trim()) : undefined, r.version);
  const record = found.get(id);
  if (!record) throw notFound();
  await restJson(r.req, r.res, record);
}

/** `PATCH /sobjects/X/{id}`: 204. */
export async function updateRecord(r: RecordRequest, rawId: string): Promise<void> {
  const id = existing(r, rawId);
  const values = recordValues(await readRecordBody(r.req));
  writeOne(r, { object: r.object, operation: 'update', values, id });
  await noContent(r);
}

/** `DELETE /sobjects/X/{id}`: 204 (the record goes to the recycle bin: queryAll still finds it). */
export async function deleteRecord(r: RecordRequest, rawId: string): Promise<void> {
  const id = existing(r, rawId);
  writeOne(r, { object: r.object, operation: 'delete', values: {}, id });
  await noContent(r);
}

/**
 * The External ID field a path names, or 404 as Salesforce answers a field that cannot be one. The
 * Id is left out: a record is written by its Id at `/sobjects/X/<id>`.
 */
export function externalIdField(object: ObjectDef, name: string): FieldDef | undefined {
  const field = object.fields.get(name.toLowerCase());
  return field && identifiesRecord(field) && field.type !== 'id' ? field : undefined;
}

/** The one live record whose External ID is `value`; 300 with their URLs when several match, as Salesforce. */
function byExternalId(r: RecordRequest, field: FieldDef, value: string): string | undefined {
  const matches = r.context.records.findBy(r.object.name, field.name, value, 10);
  if (matches.length > 1) {
    const urls = matches.map((id) => `/services/data/v${r.version}/sobjects/${r.object.name}/${id}`);
    throw new RestError(300, 'MULTIPLE_CHOICES', `${field.name}: more than one record found for external id field: ${value}`, undefined, urls);
  }
  return matches[0];
}

/** `GET /sobjects/X/{field}/{value}`: the record, or 404. */
export async function readByExternalId(r: RecordRequest, field: FieldDef, value: string): Promise<void> {
  const id = byExternalId(r, field, value);
  if (!id) throw notFound();
  await readRecord(r, id);
}

/** `DELETE /sobjects/X/{field}/{value}`: 204, or 404. */
export async function deleteByExternalId(r: RecordRequest, field: FieldDef, value: string): Promise<void> {
  const id = byExternalId(r, field, value);
  if (!id) throw notFound();
  await deleteRecord(r, id);
}

/** `PATCH /sobjects/X/{field}/{value}`: creates (201) or updates (200 from API 46.0, else 204) the record. */
export async function upsertRecord(r: RecordRequest, field: FieldDef, value: string): Promise<void> {
  const values = recordValues(await readRecordBody(r.req));
  byExternalId(r, field, value);
  // The path's value wins over one in the body (jsforce takes it out of the body; the guide forbids both).
  for (const key of Object.keys(values)) if (key.toLowerCase() === field.name.toLowerCase()) delete values[key];
  values[field.name] = value;
  const outcome = writeOne(r, { object: r.object, operation: 'upsert', values, externalIdField: field });
  const withCreated = Number(r.version) >= 46;
  if (outcome.created) return restJson(r.req, r.res, { id: outcome.id, success: true, errors: [], ...(withCreated ? { created: true } : {}) }, 201);
  if (!withCreated) return noContent(r);
  await restJson(r.req, r.res, { id: outcome.id, success: true, errors: [], created: false }, 200);
}

/** 204 No Content: the answer of a REST update or delete (no body, so no Content-Type or encoding either). */
function noContent(r: RecordRequest): Promise<void> {
  r.res.writeHead(204, { 'cache-control': 'no-cache,must-revalidate,max-age=0,no-store,private' }).end();
  return Promise.resolve();
}

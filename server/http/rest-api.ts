/**
 * The REST surface that real tools call (JSON, `Authorization: Bearer` with the SOAP login's session
 * ids, or `X-SFDC-Session`): the version list, a version's resources, `oauth2/userinfo`,
 * describeGlobal and an object's describe (from the org's schema, custom objects included), the
 * query (COUNT() too), records (create, read, update, upsert, delete), sObject Collections, the
 * org's limits, and the Bulk API 2.0 jobs. The session first on every path (401 INVALID_SESSION_ID),
 * then the version (20.0 to the current release; 404 past it), then the resource (404 NOT_FOUND),
 * then the method (405 METHOD_NOT_ALLOWED with an `Allow` header). Errors are REST's JSON arrays.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidId, toId18 } from '../../lib/ids.js';
import type { AuthStore } from '../store/auth-store.js';
import type { JobsStore } from '../store/jobs-store.js';
import type { OrgSchema } from '../org/schema.js';
import type { Db } from '../store/database.js';
import { describeGlobal, describeObject } from './rest-describe.js';
import { RestError, methodNotAllowed, notFound as missing, restError, restJson, restUser } from './rest-reply.js';
import { restQuery } from './rest-query.js';
import { respond } from './respond.js';
import type { RecordsStore } from '../store/records-store.js';
import type { IdGenerator } from '../org/id-generator.js';
import type { JobSchemas } from '../org/job-schemas.js';
import type { BatchProcessor } from '../processing/batch-processor.js';
import type { QueryResultsStore } from '../store/query-results-store.js';
import type { V2UploadsStore } from '../store/v2-uploads-store.js';
import type { V2QueryStore } from '../store/v2-query-store.js';
import { handleIngestJobs } from './v2/ingest-jobs.js';
import { handleQueryJobs } from './v2/query-jobs.js';
import { isServedVersion, versionList } from './api-versions.js';
import type { DmlEngine } from '../processing/dml.js';
import { type OrgLimits, REQUEST_LIMIT_MESSAGE } from '../org/org-limits.js';
import { type RecordRequest, createRecord, deleteByExternalId, deleteRecord, externalIdField, readByExternalId, readRecord, updateRecord, upsertRecord } from './rest-sobjects.js';
import { createMany, deleteMany, retrieveMany, updateMany, upsertField, upsertMany } from './rest-collections.js';

export interface RestContext {
  readonly auth: AuthStore;
  readonly jobs: JobsStore;
  readonly schema: OrgSchema;
  /** Each job's schema, and the row of this org's own (what a new job records). */
  readonly schemas: JobSchemas;
  readonly db: Db;
  readonly records: RecordsStore;
  readonly queryResults: QueryResultsStore;
  /** Bulk API 2.0 query jobs' results and their deletion. */
  readonly v2Queries: V2QueryStore;
  /** Bulk API 2.0 ingest uploads, staged until received whole. */
  readonly v2Uploads: V2UploadsStore;
  readonly ids: IdGenerator;
  readonly processor: BatchProcessor;
  /** The DML engine Bulk batches run through: REST writes use the same one. */
  readonly engine: DmlEngine;
  /** The org's daily counters (`/limits`); every authenticated request is counted. */
  readonly limits: OrgLimits;
  readonly orgId: string;
  /** scheme://host:port this server answers on. */
  readonly baseUrl: () => string;
  readonly now: () => number;
}

export const REST_ROUTE = /^\/services\/(?:data(?:\/.*)?|oauth2\/userinfo)\/?$/;

const json = (req: IncomingMessage, res: ServerResponse, body: unknown) => restJson(req, res, body);

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** A resource: what each method it takes does. HEAD is GET without the body. */
type Methods = Partial<Record<Method, () => Promise<void>>>;

export async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, context: RestContext): Promise<void> {
  const path = url.pathname.replace(/\/$/, '');
  // The version list is public on Salesforce too.
  if (path === '/services/data') return answer(req, res, { GET: () => json(req, res, versionList()) });
  // The session before anything else: a client renews its session on 401, never on another answer.
  const userId = restUser(req, context);
  if (!userId) return restError(req, res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  const counted = context.limits.countRequest();
  res.setHeader('sforce-limit-info', context.limits.limitInfo());
  if (!counted) return restError(req, res, 403, 'REQUEST_LIMIT_EXCEEDED', REQUEST_LIMIT_MESSAGE);
  const versioned = /^\/services\/data\/v([^/]+)(\/.*)?$/.exec(path);
  // A version the org does not have yet is an unknown resource: 404 NOT_FOUND, as users of a too-new version report (Salesforce-Inspector-reloaded #744).
  if (versioned && !isServedVersion(versioned[1] as string)) return notFound(req, res);
  const jobs = /^\/services\/data\/v(\d+\.\d)\/jobs\/(ingest|query)(\/.*)?$/.exec(path);
  if (jobs) {
    const [, v, kind, tail = ''] = jobs as unknown as [string, string, string, string | undefined];
    const route = { version: v, base: `/services/data/v${v}`, userId, tail };
    return kind === 'ingest' ? handleIngestJobs(req, res, url, context, route) : handleQueryJobs(req, res, url, context, route);
  }
  try {
    const methods =
      path === '/services/oauth2/userinfo'
        ? { GET: () => userInfo(req, res, context, userId) }
        : versioned
          ? versionResource({ req, res, url, context, userId, version: versioned[1] as string }, versioned[2] ?? '')
          : undefined;
    if (!methods) throw missing();
    await answer(req, res, methods);
  } catch (err) {
    if (!(err instanceof RestError)) throw err;
    if (err.body !== undefined) return restJson(req, res, err.body, err.status);
    return restError(req, res, err.status, err.errorCode, err.message, err.fields);
  }
}

/** Runs the method's handler, or answers 405 METHOD_NOT_ALLOWED naming the methods the resource takes. */
function answer(req: IncomingMessage, res: ServerResponse, methods: Methods): Promise<void> {
  const handler = methods[(req.method === 'HEAD' ? 'GET' : req.method) as Method];
  if (handler) return handler();
  return methodNotAllowed(
    req,
    res,
    (['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'] as const).filter((m) => (m === 'HEAD' ? methods.GET : methods[m])),
  );
}

/** A request under `/services/data/vXX.X`, its session and version checked. */
interface Routed {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly context: RestContext;
  readonly userId: string;
  /** `62.0` */
  readonly version: string;
}

/** The resource `rest` (the path after the version) names, or undefined (404). */
function versionResource(r: Routed, rest: string): Methods | undefined {
  const { req, res, context, version } = r;
  const base = `/services/data/v${version}`;
  const get = (body: () => unknown): Methods => ({ GET: () => json(req, res, body()) });
  switch (rest) {
    case '':
      return get(() => resources(base));
    case '/sobjects':
      return get(() => describeGlobal(context.schema, base));
    case '/limits':
      return get(() => context.limits.snapshot(version));
    case '/jobs':
      return get(() => ({ ingest: `${base}/jobs/ingest`, query: `${base}/jobs/query` }));
    case '/composite':
      return get(() => ({ sobjects: `${base}/composite/sobjects` }));
    case '/composite/sobjects':
      return { POST: () => createMany(r), PATCH: () => updateMany(r), DELETE: () => deleteMany(r) };
  }
  const query = /^\/(query|queryAll)(?:\/([^/]+))?$/.exec(rest);
  if (query) return { GET: () => restQuery(req, res, r.url, context, base, query[1] === 'queryAll', query[2]) };
  const collection = /^\/composite\/sobjects\/([^/]+)(?:\/([^/]+))?$/.exec(rest);
  if (collection) {
    const object = objectNamed(r, collection[1] as string);
    if (collection[2] === undefined) return { GET: () => retrieveMany(r, object), POST: () => retrieveMany(r, object) };
    const field = upsertField(object, segment(collection[2]));
    return { PATCH: () => upsertMany(r, object, field) };
  }
  const sobject = /^\/sobjects\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(rest);
  return sobject ? sobjectResource(r, base, sobject[1] as string, sobject[2], sobject[3]) : undefined;
}

/** `/sobjects/X`, `/sobjects/X/describe`, `/sobjects/X/{id}`, `/sobjects/X/{id}/{BinaryField}`, `/sobjects/X/{ExternalIdField}/{value}`. */
function sobjectResource(r: Routed, base: string, name: string, second: string | undefined, third: string | undefined): Methods | undefined {
  const { req, res, context } = r;
  if (name.toLowerCase() === 'organization') return second && !third ? { GET: () => organization(req, res, context, base, second) } : undefined;
  const object = objectNamed(r, name);
  const record: RecordRequest = { ...r, object };
  if (second === undefined) {
    const summary = () =>
      json(req, res, { objectDescribe: { ...describeObject(context.schema, object, base), fields: undefined, childRelationships: undefined }, recentItems: [] });
    return object.name === 'User' ? { GET: summary } : { GET: summary, POST: () => createRecord(record) };
  }
  if (third === undefined && second === 'describe') return { GET: () => json(req, res, describeObject(context.schema, object, base)) };
  // The org's users live in its login store, not among its records: read only.
  if (object.name === 'User') return third === undefined ? { GET: () => userRecord(req, res, context, base, second) } : undefined;
  if (third === undefined)
    return isValidId(second) ? { GET: () => readRecord(record, second), PATCH: () => updateRecord(record, second), DELETE: () => deleteRecord(record, second) } : undefined;
  if (isValidId(second) && object.fields.get(third.toLowerCase())?.type === 'base64') return { GET: () => binaryField(req, res, context, object.name, second, third) };
  const field = externalIdField(object, segment(second));
  if (!field) throw new RestError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${segment(second)}`);
  const value = segment(third);
  return { GET: () => readByExternalId(record, field, value), PATCH: () => upsertRecord(record, field, value), DELETE: () => deleteByExternalId(record, field, value) };
}

/** The object a path names, or 404 NOT_FOUND. */
function objectNamed(r: Routed, name: string) {
  const object = r.context.schema.objects.find((o) => o.name.toLowerCase() === name.toLowerCase());
  if (!object) throw missing();
  return object;
}

/** A path segment, %-decoded (an External ID value may hold spaces, slashes, ...); a malformed escape stays as it is. */
function segment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function userRecord(req: IncomingMessage, res: ServerResponse, context: RestContext, base: string, rawId: string): Promise<void> {
  const row = isValidId(rawId) ? context.auth.user(toId18(rawId)) : undefined;
  if (!row) return notFound(req, res);
  const [first, ...last] = row.full_name.split(' ');
  return json(req, res, {
    attributes: { type: 'User', url: `${base}/sobjects/User/${row.id}` },
    Id: row.id,
    Username: row.username,
    Name: row.full_name,
    FirstName: last.length ? first : null,
    LastName: last.length ? last.join(' ') : row.full_name,
    Email: row.username.includes('@') ? row.username : `${row.username}@bulkpipe.local`,
    IsActive: true,
  });
}

/** `GET .../sobjects/Attachment/<id>/Body`: a base64 field's bytes, as they were loaded. */
function binaryField(req: IncomingMessage, res: ServerResponse, context: RestContext, objectName: string, rawId: string, fieldName: string): Promise<void> {
  const object = context.schema.object(objectName);
  const field = object ? object.fields.get(fieldName.toLowerCase()) : undefined;
  if (!object || !field || field.type !== 'base64' || !isValidId(rawId)) return notFound(req, res);
  const record = context.records.get(toId18(rawId));
  if (!record || record.deleted || record.object !== object.name) return notFound(req, res);
  const value = record.fields[field.name];
  if (typeof value !== 'string') return notFound(req, res);
  return respond(req, res, 200, 'application/octet-stream', Buffer.from(value, 'base64'));
}

function notFound(req: IncomingMessage, res: ServerResponse): Promise<void> {
  return restError(req, res, 404, 'NOT_FOUND', 'The requested resource does not exist');
}

/** The version's resources: only what this org serves (each answers a GET; query and queryAll with their `q`). */
function resources(base: string): Record<string, string> {
  const names = ['sobjects', 'query', 'queryAll', 'jobs', 'limits', 'composite'];
  return Object.fromEntries(names.map((n) => [n, `${base}/${n}`]));
}

function userInfo(req: IncomingMessage, res: ServerResponse, context: RestContext, userId: string): Promise<void> {
  const user = context.auth.user(userId);
  const username = user?.username ?? '';
  const fullName = user?.full_name ?? '';
  const org = context.orgId;
  const id = `${context.baseUrl()}/id/${org}/${userId}`;
  const [given, ...family] = fullName.split(' ');
  return json(req, res, {
    sub: id,
    user_id: userId,
    organization_id: org,
    preferred_username: username,
    nickname: username.split('@')[0],
    name: fullName,
    email: username.includes('@') ? username : `${username}@bulkpipe.local`,
    email_verified: true,
    given_name: family.length ? given : '',
    family_name: family.length ? family.join(' ') : fullName,
    zoneinfo: 'UTC',
    active: true,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    urls: {
      rest: `${context.baseUrl()}/services/data/v{version}/`,
      sobjects: `${context.baseUrl()}/services/data/v{version}/sobjects/`,
      query: `${context.baseUrl()}/services/data/v{version}/query/`,
    },
    is_app_installed: true,
    updated_at: new Date(context.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
  });
}

function organization(req: IncomingMessage, res: ServerResponse, context: RestContext, base: string, id: string): Promise<void> {
  if (!isValidId(id) || toId18(id) !== context.orgId) return notFound(req, res);
  return json(req, res, {
    attributes: { type: 'Organization', url: `${base}/sobjects/Organization/${context.orgId}` },
    Id: context.orgId,
    Name: 'bulkpipe local org',
    OrganizationType: 'Developer Edition',
    IsSandbox: true,
    InstanceName: 'LOCAL',
    NamespacePrefix: null,
    TrialExpirationDate: null,
  });
}

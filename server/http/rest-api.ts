/**
 * The REST surface around the Bulk API that real tools call first (JSON, `Authorization: Bearer`
 * with the SOAP login's session ids, or `X-SFDC-Session`): the version list, a version's
 * resources, `oauth2/userinfo`, describeGlobal, an object's describe (from the org's schema,
 * custom objects included), the User and Organization records, and the job list. Errors are REST's
 * JSON arrays: 401 INVALID_SESSION_ID, 404 NOT_FOUND.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidId, toId18 } from '../../lib/ids.js';
import type { AuthStore } from '../store/auth-store.js';
import type { JobsStore } from '../store/jobs-store.js';
import type { OrgSchema } from '../org/schema.js';
import type { Db } from '../store/database.js';
import { describeGlobal, describeObject, versionList } from './rest-describe.js';
import { restError, restJson, restUser } from './rest-reply.js';
import { restQuery } from './rest-query.js';
import { respond } from './respond.js';
import type { RecordsStore } from '../store/records-store.js';
import type { IdGenerator } from '../org/id-generator.js';
import type { JobSchemas } from '../org/job-schemas.js';
import type { BatchProcessor } from '../processing/batch-processor.js';
import type { QueryResultsStore } from '../store/query-results-store.js';
import type { V2QueryStore } from '../store/v2-query-store.js';
import { handleIngestJobs } from './v2/ingest-jobs.js';
import { handleQueryJobs } from './v2/query-jobs.js';

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
  readonly ids: IdGenerator;
  readonly processor: BatchProcessor;
  readonly orgId: string;
  /** scheme://host:port this server answers on. */
  readonly baseUrl: () => string;
  readonly now: () => number;
}

export const REST_ROUTE = /^\/services\/(?:data(?:\/.*)?|oauth2\/userinfo)\/?$/;

/** The latest API version the org speaks. */
const LATEST_VERSION = '62.0';

const json = (req: IncomingMessage, res: ServerResponse, body: unknown) => restJson(req, res, body);

export async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, context: RestContext): Promise<void> {
  const path = url.pathname.replace(/\/$/, '');
  const readOnly = req.method === 'GET' || req.method === 'HEAD';
  // The version list is public on Salesforce too.
  if (path === '/services/data') return readOnly ? json(req, res, versionList()) : methodNotAllowed(req, res);
  // The session before anything else: a client renews its session on 401, never on another answer.
  const userId = restUser(req, context);
  if (!userId) return restError(req, res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  const jobs = /^\/services\/data\/v(\d+\.\d)\/jobs\/(ingest|query)(\/.*)?$/.exec(path);
  if (jobs) {
    const [, v, kind, tail = ''] = jobs as unknown as [string, string, string, string | undefined];
    const route = { version: v, base: `/services/data/v${v}`, userId, tail };
    return kind === 'ingest' ? handleIngestJobs(req, res, url, context, route) : handleQueryJobs(req, res, url, context, route);
  }
  if (!readOnly) return methodNotAllowed(req, res);
  const user = context.auth.user(userId);
  if (path === '/services/oauth2/userinfo') return json(req, res, userInfo(context, userId, user?.username ?? '', user?.full_name ?? ''));
  const version = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
  if (!version) return notFound(req, res);
  const [, v, rest = ''] = version as unknown as [string, string, string | undefined];
  if (Number(v) < 20 || Number(v) > Number(LATEST_VERSION)) return notFound(req, res);
  const base = `/services/data/v${v}`;
  if (rest === '') return json(req, res, resources(base));
  if (rest === '/sobjects') return json(req, res, describeGlobal(context.schema, base));
  const query = /^\/(query|queryAll)(?:\/([^/]+))?$/.exec(rest);
  if (query) return restQuery(req, res, url, context, base, query[1] === 'queryAll', query[2]);
  const blob = /^\/sobjects\/([A-Za-z][A-Za-z0-9_]*)\/([A-Za-z0-9]{15,18})\/([A-Za-z][A-Za-z0-9_]*)$/.exec(rest);
  if (blob) return binaryField(req, res, context, blob[1] as string, blob[2] as string, blob[3] as string);
  const sobject = /^\/sobjects\/([A-Za-z][A-Za-z0-9_]*)(?:\/([^/]+))?$/.exec(rest);
  if (!sobject) return notFound(req, res);
  const [, name, tail] = sobject as unknown as [string, string, string | undefined];
  if (name.toLowerCase() === 'organization') return tail ? organization(req, res, context, base, tail) : notFound(req, res);
  const object = context.schema.objects.find((o) => o.name.toLowerCase() === name.toLowerCase());
  if (!object) return restError(req, res, 404, 'NOT_FOUND', `The requested resource does not exist`);
  const described = describeObject(context.schema, object, base);
  if (tail === undefined) return json(req, res, { objectDescribe: { ...described, fields: undefined, childRelationships: undefined }, recentItems: [] });
  if (tail === 'describe') return json(req, res, described);
  if (object.name === 'User') {
    const row = isValidId(tail) ? context.auth.user(toId18(tail)) : undefined;
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
  return notFound(req, res);
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

function methodNotAllowed(req: IncomingMessage, res: ServerResponse): Promise<void> {
  return restError(req, res, 405, 'METHOD_NOT_ALLOWED', `HTTP Method '${req.method}' not allowed. Allowed are GET,HEAD`);
}

function notFound(req: IncomingMessage, res: ServerResponse): Promise<void> {
  return restError(req, res, 404, 'NOT_FOUND', 'The requested resource does not exist');
}

function resources(base: string): Record<string, string> {
  const names = ['sobjects', 'query', 'queryAll', 'jobs', 'limits', 'search', 'tooling', 'composite', 'recent', 'analytics', 'connect', 'chatter'];
  return Object.fromEntries(names.map((n) => [n, `${base}/${n}`]));
}

function userInfo(context: RestContext, userId: string, username: string, fullName: string): Record<string, unknown> {
  const org = context.orgId;
  const id = `${context.baseUrl()}/id/${org}/${userId}`;
  const [given, ...family] = fullName.split(' ');
  return {
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
  };
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

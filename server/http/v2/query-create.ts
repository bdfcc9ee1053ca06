/**
 * `POST /jobs/query` (spec §4.2): `{"operation","query","contentType","columnDelimiter","lineEnding"}`,
 * only operation and query required. The SOQL is checked now (a refused query is a 400, never a
 * Failed job); the job is stored UploadComplete with one internal batch that holds the SOQL, which
 * the batch processor runs like any query batch. Unknown properties are ignored [unconfirmed: the
 * surveyed clients send none].
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api-error.js';
import { readRequestBody } from '../request-body.js';
import type { RestContext } from '../rest-api.js';
import { COLUMN_DELIMITERS, LINE_ENDINGS } from '../../v2/csv-format.js';
import { V2QueryRefusal, compileV2Query } from '../../query/v2-soql.js';
import type { JobRow } from '../../store/jobs-store.js';
import { createShape, queryJobView, respondJob } from './query-job-info.js';
import type { V2Route } from './route.js';
import { v2Error } from './v2-error.js';

/** A create body is a few properties and one SOQL statement (SOQL is at most 100,000 characters). */
const MAX_BODY_BYTES = 1024 * 1024;

/** A refusal of the create body: the status, errorCode and message of the answer. */
class CreateRefusal extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

interface QueryJobRequest {
  readonly operation: 'query' | 'queryAll';
  readonly query: string;
  readonly columnDelimiter: string;
  readonly lineEnding: string;
}

export async function createQueryJob(req: IncomingMessage, res: ServerResponse, context: RestContext, route: V2Route): Promise<void> {
  let request: QueryJobRequest;
  try {
    request = parseCreateBody(await readBody(req));
  } catch (err) {
    if (err instanceof CreateRefusal) return v2Error(req, res, err.status, err.errorCode, err.message);
    throw err;
  }
  let object: string;
  try {
    object = compileV2Query(request.query, context.schema).object.name;
  } catch (err) {
    if (err instanceof V2QueryRefusal) return v2Error(req, res, 400, err.errorCode, err.message);
    throw err;
  }
  const now = Math.floor(context.now() / 1000) * 1000;
  const job: JobRow = {
    id: context.ids.next('750'),
    user_id: route.userId,
    operation: request.operation,
    object,
    external_id_field: null,
    concurrency_mode: 'Parallel',
    content_type: 'CSV',
    state: 'UploadComplete',
    api_version: route.version,
    assignment_rule_id: null,
    pk_chunking: null,
    created_date: now,
    modstamp: now,
    schema_id: context.schemas.ownId,
    job_type: 'V2Query',
    line_ending: request.lineEnding,
    column_delimiter: request.columnDelimiter,
    error_message: null,
  };
  // Queued at once: a query job needs no PATCH to start (spec §4.2).
  context.jobs.transaction(() => {
    context.jobs.createJob(job);
    context.jobs.addBatch(context.ids.next('751'), job.id, Buffer.from(request.query, 'utf8'), now);
  });
  context.processor.wake();
  await respondJob(req, res, createShape(queryJobView(context.jobs, job)));
}

async function readBody(req: IncomingMessage): Promise<string> {
  try {
    return (await readRequestBody(req, MAX_BODY_BYTES, () => new ApiError(400, 'API_ERROR', 'Request body too large'))).toString('utf8');
  } catch (err) {
    if (err instanceof ApiError) throw new CreateRefusal(err.status, err.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'API_ERROR', err.message);
    throw err;
  }
}

/**
 * The request, checked property by property. The error forms are the recorded ones (spec §3.2,
 * fixtures real_v47_create_errors.txt and real_v59_query_create_bad_body_400.txt): a value of the
 * wrong JSON type is `Value does not match expected type at [line:L, column:C]`, a bad enum value
 * `Invalid value: '<v>' supplied for property: '<name>'`. A missing operation or query is an
 * INVALIDJOB [unconfirmed wording].
 */
function parseCreateBody(text: string): QueryJobRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    // [unconfirmed] REST's code for a body that is not JSON.
    throw new CreateRefusal(400, 'JSON_PARSER_ERROR', `Unable to parse the request body as JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw typeMismatch(text, text.search(/\S/));
  const fields = body as Record<string, unknown>;
  const stringOf = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw typeMismatch(text, valueIndex(text, name));
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback?: T): T => {
    const value = stringOf(name);
    if (value === undefined && fallback !== undefined) return fallback;
    if (value === undefined) throw new CreateRefusal(400, 'INVALIDJOB', `InvalidJob : ${name} must be specified`);
    if (!(allowed as readonly string[]).includes(value)) throw new CreateRefusal(400, 'API_ERROR', `Invalid value: '${value}' supplied for property: '${name}'`);
    return value as T;
  };
  const operation = oneOf('operation', ['query', 'queryAll'] as const);
  const query = stringOf('query');
  if (query === undefined || query.trim() === '') throw new CreateRefusal(400, 'INVALIDJOB', 'InvalidJob : query must be specified');
  oneOf('contentType', ['CSV'], 'CSV');
  const columnDelimiter = oneOf('columnDelimiter', Object.keys(COLUMN_DELIMITERS), 'COMMA');
  const lineEnding = oneOf('lineEnding', Object.keys(LINE_ENDINGS), 'LF');
  return { operation, query, columnDelimiter, lineEnding };
}

function typeMismatch(text: string, index: number): CreateRefusal {
  return new CreateRefusal(400, 'API_ERROR', `Value does not match expected type at ${where(text, index)}`);
}

/** Where a property's value starts in the body text (its first match: the body is a flat object). */
function valueIndex(text: string, name: string): number {
  const m = new RegExp(`"${name}"\\s*:\\s*`).exec(text);
  return m ? m.index + m[0].length : 0;
}

/** `[line:L, column:C]` of a character index, 1-based, as Jackson (the org's JSON reader) prints it. */
function where(text: string, index: number): string {
  const before = text.slice(0, Math.max(0, index));
  const line = before.split('\n').length;
  const column = index - (before.lastIndexOf('\n') + 1) + 1;
  return `[line:${line}, column:${column}]`;
}

/**
 * `POST /jobs/query` (spec §4.2): `{"operation","query","contentType","columnDelimiter","lineEnding"}`,
 * only operation and query required. The SOQL is checked now (a refused query is a 400, never a
 * Failed job); the job is stored UploadComplete with one internal batch that holds the SOQL, which
 * the batch processor runs like any query batch. Unknown properties are ignored [unconfirmed: the
 * surveyed clients send none].
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RestContext } from '../rest-api.js';
import { COLUMN_DELIMITERS, LINE_ENDINGS } from '../../v2/csv-format.js';
import { V2QueryRefusal, compileV2Query } from '../../query/v2-soql.js';
import { createShape, queryJobView, respondJob } from './query-job-info.js';
import { V2Failure } from './v2-failure.js';
import { type JsonBody, MAX_QUERY_JSON_BYTES, readJsonBody, stringProperty } from './json-body.js';
import type { V2Route } from './route.js';
import { newV2Job } from './v2-job.js';
import { v2Error } from './v2-error.js';

interface QueryJobRequest {
  readonly operation: 'query' | 'queryAll';
  readonly query: string;
  readonly columnDelimiter: string;
  readonly lineEnding: string;
}

export async function createQueryJob(req: IncomingMessage, res: ServerResponse, context: RestContext, route: V2Route): Promise<void> {
  let request: QueryJobRequest;
  try {
    request = parseCreateBody(await readJsonBody(req, MAX_QUERY_JSON_BYTES));
  } catch (err) {
    if (err instanceof V2Failure) return v2Error(req, res, err.status, err.errorCode, err.message);
    throw err;
  }
  // Over DailyBulkV2QueryJobs: refused at create, in Salesforce's words (server/org/org-limits.ts).
  const spent = context.limits.queryJobRefusal();
  if (spent !== null) return v2Error(req, res, 400, 'LIMIT_EXCEEDED', spent);
  let object: string;
  try {
    object = compileV2Query(request.query, context.schema).object.name;
  } catch (err) {
    if (err instanceof V2QueryRefusal) return v2Error(req, res, 400, err.errorCode, err.message);
    throw err;
  }
  const job = newV2Job(context, route, {
    job_type: 'V2Query',
    operation: request.operation,
    object,
    state: 'UploadComplete',
    line_ending: request.lineEnding,
    column_delimiter: request.columnDelimiter,
  });
  // Queued at once: a query job needs no PATCH to start (spec §4.2).
  context.jobs.transaction(() => {
    context.jobs.createJob(job);
    context.jobs.addBatch(context.ids.next('751'), job.id, Buffer.from(request.query, 'utf8'), job.created_date);
  });
  context.processor.wake();
  await respondJob(req, res, createShape(queryJobView(context.jobs, job)));
}

/**
 * The request, checked property by property. The error forms are the recorded ones (spec §3.2,
 * fixtures real_v47_create_errors.txt and real_v59_query_create_bad_body_400.txt): a value of the
 * wrong JSON type is `Value does not match expected type at [line:L, column:C]`, a bad enum value
 * `Invalid value: '<v>' supplied for property: '<name>'`. A missing operation or query is an
 * INVALIDJOB [unconfirmed wording].
 */
function parseCreateBody(body: JsonBody): QueryJobRequest {
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback?: T): T => {
    const value = stringProperty(body, name);
    if (value === undefined && fallback !== undefined) return fallback;
    if (value === undefined) throw new V2Failure(400, 'INVALIDJOB', `InvalidJob : ${name} must be specified`);
    if (!(allowed as readonly string[]).includes(value)) throw new V2Failure(400, 'API_ERROR', `Invalid value: '${value}' supplied for property: '${name}'`);
    return value as T;
  };
  const operation = oneOf('operation', ['query', 'queryAll'] as const);
  const query = stringProperty(body, 'query');
  if (query === undefined || query.trim() === '') throw new V2Failure(400, 'INVALIDJOB', 'InvalidJob : query must be specified');
  oneOf('contentType', ['CSV'], 'CSV');
  const columnDelimiter = oneOf('columnDelimiter', Object.keys(COLUMN_DELIMITERS), 'COMMA');
  const lineEnding = oneOf('lineEnding', Object.keys(LINE_ENDINGS), 'LF');
  return { operation, query, columnDelimiter, lineEnding };
}

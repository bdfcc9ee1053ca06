/**
 * `GET /jobs/query/{id}/results?locator=&maxRecords=` (spec §4.4): one page of CSV, every page with
 * the header row, `Sforce-Locator` on every page (the literal `null` on the last; jsforce loops
 * forever without it) and `Sforce-NumberOfRecords`. The page is read a stored chunk at a time and
 * written with backpressure (gzip when accepted); the locator names its first row, so any page can
 * be fetched again while the job exists.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PAGE_BYTES, pageEnd, pageRows } from '../../query/result-pages.js';
import { locatorOf, rowOfLocator } from '../../query/result-locator.js';
import type { BatchRow } from '../../store/jobs-store.js';
import { compileSoql } from '../../query/soql.js';
import { csvWriter } from '../../query/result-writers.js';
import { dialectOf } from '../../v2/csv-format.js';
import type { RestContext } from '../rest-api.js';
import { respond } from '../respond.js';
import type { QueryJobView } from './query-job-info.js';
import type { V2Route } from './route.js';
import { v2Error } from './v2-error.js';

/** The Content-Type of a results page, as the docs' gzip sample shows it. */
const CSV_TYPE = 'text/csv; charset=UTF-8';

/**
 * What results and resultPages share before they answer: the same API version as the create (409
 * otherwise, docs: "Use the same API version to get query results that you used to create the query")
 * and a completed job (with its batch). For a job not yet complete the docs say only that results come "when the job
 * is JobComplete": 400 INVALIDJOBSTATE is our guess [unconfirmed].
 */
export function readyResults(req: IncomingMessage, res: ServerResponse, route: V2Route, view: QueryJobView): { batch: BatchRow; total: number } | Promise<void> {
  if (Number(route.version) !== Number(view.job.api_version))
    return v2Error(req, res, 409, 'API_ERROR', `Use the same API version to get query results that you used to create the query (${view.job.api_version})`);
  if (view.state !== 'JobComplete') return v2Error(req, res, 400, 'INVALIDJOBSTATE', `Results are available when the job is JobComplete; job ${view.job.id} is ${view.state}`);
  if (!view.batch) return v2Error(req, res, 404, 'NOT_FOUND', 'The requested resource does not exist');
  return { batch: view.batch, total: view.batch.records_processed };
}

/** The first row of the page a request's `locator` names (0 without one); else the refusal of the locator. */
export function startRow(req: IncomingMessage, res: ServerResponse, url: URL, total: number): number | Promise<void> {
  const rawLocator = url.searchParams.get('locator');
  const start = rawLocator === null || rawLocator === '' ? 0 : rowOfLocator(rawLocator);
  if (start === undefined || start > total) return v2Error(req, res, 400, 'INVALID_QUERY_LOCATOR', `Invalid locator: ${rawLocator ?? ''}`);
  return start;
}

export function sendQueryResults(req: IncomingMessage, res: ServerResponse, url: URL, context: RestContext, route: V2Route, view: QueryJobView): Promise<void> {
  const ready = readyResults(req, res, route, view);
  if (ready instanceof Promise) return ready;
  const { batch, total } = ready;
  const rawMax = url.searchParams.get('maxRecords');
  // [unconfirmed] the refusal of a bad maxRecords: in the recorded form of a bad property value.
  if (rawMax !== null && !/^[1-9]\d{0,9}$/.test(rawMax)) return v2Error(req, res, 400, 'API_ERROR', `Invalid value: '${rawMax}' supplied for property: 'maxRecords'`);
  const start = startRow(req, res, url, total);
  if (start instanceof Promise) return start;
  const end = pageEnd(context.v2Queries, batch.id, start, total, { maxRecords: rawMax === null ? context.v2Queries.defaultPageRows : Number(rawMax), maxBytes: PAGE_BYTES });
  const soql = context.jobs.request(batch.id).toString('utf8');
  const { fields } = compileSoql(soql, context.schemas.of(view.job), view.job.object);
  const { delimiter, lineEnding } = dialectOf(view.job);
  const header = csvWriter(fields, delimiter, lineEnding).head();
  const body = (function* () {
    yield header;
    yield* pageRows(context.v2Queries, batch.id, start, end);
  })();
  return respond(req, res, 200, CSV_TYPE, body, { 'sforce-locator': end < total ? locatorOf(end) : 'null', 'sforce-numberofrecords': String(end - start) });
}

/**
 * The REST query (`GET /services/data/vXX.X/query?q=` and `queryAll`) of the local org, through the
 * SOQL engine of the Bulk query: `totalSize`, `done`, 2,000 records a page with a `nextRecordsUrl`
 * whose locator carries the query and the offset (nothing kept on the server), records with
 * `attributes` and their parents nested. A query Salesforce would refuse is a 400 with its error
 * code (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, ...). Meant for the small queries tools make
 * (a page past the first reads the matches before it again, and totalSize counts every match).
 * `SELECT COUNT() ...` and `COUNT(field)` are one SQL count.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OrgSchema } from '../org/schema.js';
import { BatchFailure } from '../processing/payload.js';
import { countRows, queryRows } from '../query/query-rows.js';
import { jsonRecord } from '../query/result-writers.js';
import { compileSoql } from '../query/soql.js';
import type { Db } from '../store/database.js';
import { RestError, restError, restJson } from './rest-reply.js';

const PAGE = 2000;

export interface RestQueryContext {
  readonly schema: OrgSchema;
  readonly db: Db;
}

const locatorOf = (soql: string, offset: number) => `01g${Buffer.from(soql, 'utf8').toString('base64url')}-${offset}`;

function parseLocator(locator: string): { soql: string; offset: number } | undefined {
  const m = /^01g([A-Za-z0-9_-]+)-(\d+)$/.exec(locator);
  return m ? { soql: Buffer.from(m[1] as string, 'base64url').toString('utf8'), offset: Number(m[2]) } : undefined;
}

export async function restQuery(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: RestQueryContext,
  base: string,
  all: boolean,
  locator: string | undefined,
): Promise<void> {
  const cursor = locator === undefined ? { soql: url.searchParams.get('q') ?? '', offset: 0 } : parseLocator(locator);
  if (!cursor) return restError(req, res, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  if (cursor.soql.trim() === '') return restError(req, res, 400, 'MALFORMED_QUERY', 'A query string has to be specified');
  const records: Array<Record<string, unknown>> = [];
  let total = 0;
  try {
    const compiled = compileSoql(cursor.soql, context.schema, undefined, { rest: true });
    if (compiled.count) {
      const n = countRows(context.db, compiled, { all });
      // COUNT(): the count is the totalSize, with no records; COUNT(field): one AggregateResult.
      const answer =
        compiled.count.expression === undefined
          ? { totalSize: n, done: true, records: [] }
          : { totalSize: 1, done: true, records: [{ attributes: { type: 'AggregateResult' }, [compiled.count.label]: n }] };
      return await restJson(req, res, answer);
    }
    const version = base.slice(base.lastIndexOf('/v') + 2);
    for await (const row of queryRows(context.db, compiled, { all })) {
      if (total >= cursor.offset && records.length < PAGE) records.push(jsonRecord(compiled.object.name, compiled.fields, row, version));
      total++;
    }
  } catch (err) {
    if (!(err instanceof BatchFailure)) throw err;
    const { errorCode, message } = soqlError(err);
    return restError(req, res, 400, errorCode, message);
  }
  const next = cursor.offset + records.length;
  const done = next >= total;
  await restJson(req, res, { totalSize: total, done, ...(done ? {} : { nextRecordsUrl: `${base}/${all ? 'queryAll' : 'query'}/${locatorOf(cursor.soql, next)}` }), records });
}

/** A refused query as REST words it: "Failed to process query: CODE: message", as a Bulk query batch says it, with the code apart. */
export function soqlError(err: BatchFailure): RestError {
  const m = /^Failed to process query: ([A-Z_]+): ([\s\S]*)$/.exec(err.message);
  return new RestError(400, m?.[1] ?? 'MALFORMED_QUERY', m?.[2] ?? err.message);
}

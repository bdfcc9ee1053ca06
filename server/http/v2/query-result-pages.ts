/**
 * `GET /jobs/query/{id}/resultPages` (API 58.0+, spec §4.5): the job's result pages as URLs to fetch
 * in parallel, at most five a response, with `nextRecordsUrl` and `done`. Each page is listed in both
 * shapes seen: the docs' `resultPages[].resultUrl` (from /services) and node-sf-bulk2's
 * `resultChunks[].resultLink` (relative to /services/data/vXX.X, "the actual Bulk V2 API shape" per
 * its maintainer); clients ignore the keys they do not read. A listed page is the page its locator
 * gives without maxRecords: the same arithmetic (result-pages.ts) cuts both.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PAGE_BYTES, pageEnd } from '../../query/result-pages.js';
import { locatorOf } from '../../query/result-locator.js';
import type { RestContext } from '../rest-api.js';
import { restJson } from '../rest-reply.js';
import type { QueryJobView } from './query-job-info.js';
import { readyResults, startRow } from './query-results.js';
import type { V2Route } from './route.js';

/** Page URLs in one response (spec §6). */
const PAGES_PER_RESPONSE = 5;

export function sendResultPages(req: IncomingMessage, res: ServerResponse, url: URL, context: RestContext, route: V2Route, view: QueryJobView): Promise<void> {
  const ready = readyResults(req, res, route, view);
  if (ready instanceof Promise) return ready;
  const { batch, total } = ready;
  const first = startRow(req, res, url, total);
  if (first instanceof Promise) return first;
  let start = first;
  const path = `/jobs/query/${view.job.id}`;
  const links: string[] = [];
  // A result with no rows is one page: its header.
  do {
    links.push(`${path}/results?locator=${locatorOf(start)}`);
    start = pageEnd(context.v2Queries, batch.id, start, total, { maxRecords: context.v2Queries.defaultPageRows, maxBytes: PAGE_BYTES });
  } while (start < total && links.length < PAGES_PER_RESPONSE);
  const done = start >= total;
  return restJson(req, res, {
    resultPages: links.map((link) => ({ resultUrl: `${route.base}${link}` })),
    resultChunks: links.map((link) => ({ resultLink: link })),
    nextRecordsUrl: done ? null : `${route.base}${path}/resultPages?locator=${locatorOf(start)}`,
    done,
  });
}

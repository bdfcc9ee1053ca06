/**
 * `GET /jobs/ingest/{id}/successfulResults|failedResults|unprocessedrecords` (spec §3.9), streamed
 * with backpressure through respond(). A job not yet complete answers 200 with what is done so far
 * (the spec's suggestion; no recording says otherwise): an Aborted job's unprocessed rows included.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobRow } from '../../store/jobs-store.js';
import { type IngestResultKind, ingestResultChunks } from '../../v2/ingest-results.js';
import type { RestContext } from '../rest-api.js';
import { respond } from '../respond.js';
import type { V2Route } from './route.js';

/** The path's resource name (simple-salesforce asks for `unprocessedRecords`), or undefined. */
export function resultKind(name: string): IngestResultKind | undefined {
  if (name === 'successfulResults' || name === 'failedResults') return name;
  return name === 'unprocessedrecords' || name === 'unprocessedRecords' ? 'unprocessedrecords' : undefined;
}

export function sendResults(req: IncomingMessage, res: ServerResponse, context: RestContext, route: V2Route, job: JobRow, kind: IngestResultKind): Promise<void> {
  // sf__Id in failedResults is "Available in API version 53 and later" (docs): the version of the request.
  const chunks = ingestResultChunks(context.jobs, job, kind, Number(route.version) >= 53);
  return respond(req, res, 200, 'text/csv; charset=UTF-8', chunks);
}

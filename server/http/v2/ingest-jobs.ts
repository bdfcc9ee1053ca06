/** Bulk API 2.0 ingest jobs (`/services/data/vXX.X/jobs/ingest...`). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleJobList } from '../job-list.js';
import type { RestContext } from '../rest-api.js';
import { restError } from '../rest-reply.js';
import type { V2Route } from './route.js';

export function handleIngestJobs(req: IncomingMessage, res: ServerResponse, url: URL, context: RestContext, route: V2Route): Promise<void> {
  if (route.tail === '' && req.method === 'GET') return handleJobList(req, res, route.version, url, context);
  return restError(req, res, 404, 'NOT_FOUND', 'The requested resource does not exist');
}

/** Bulk API 2.0 query jobs (`/services/data/vXX.X/jobs/query...`). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RestContext } from '../rest-api.js';
import { restError } from '../rest-reply.js';
import type { V2Route } from './route.js';

export function handleQueryJobs(req: IncomingMessage, res: ServerResponse, _url: URL, _context: RestContext, _route: V2Route): Promise<void> {
  return restError(req, res, 404, 'NOT_FOUND', 'The requested resource does not exist');
}

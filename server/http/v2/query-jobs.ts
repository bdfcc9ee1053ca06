/** Bulk API 2.0 query jobs (`/services/data/vXX.X/jobs/query...`). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RestContext } from '../rest-api.js';
import { v2Error } from './v2-error.js';
import type { V2Route } from './route.js';

export function handleQueryJobs(req: IncomingMessage, res: ServerResponse, _url: URL, _context: RestContext, _route: V2Route): Promise<void> {
  return v2Error(req, res, 404, 'NOT_FOUND', 'The requested resource does not exist');
}

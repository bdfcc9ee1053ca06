/**
 * A Bulk API 2.0 resource error: a JSON array whose element prints `errorCode` before `message`
 * (spec §5.1, recorded), where the REST framework's own errors (401, 405) print `message` first.
 * Clients read only element 0.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { restJson } from '../rest-reply.js';

export function v2Error(req: IncomingMessage, res: ServerResponse, status: number, errorCode: string, message: string): Promise<void> {
  return restJson(req, res, [{ errorCode, message }], status);
}

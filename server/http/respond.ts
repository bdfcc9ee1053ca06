/**
 * Writes answers with the exact Content-Type strings clients compare (wire §9, item 1), gzip when
 * the client accepts it, and bodies given as chunk iterables written with backpressure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { WireFormat } from '../../lib/types.js';
import { serializeApiError } from '../../lib/wire/api-error.js';
import { MIME } from '../../lib/wire/content-types.js';
import type { ApiError } from './api-error.js';

const COMMON_HEADERS = { 'cache-control': 'no-cache,must-revalidate,max-age=0,no-store,private', 'x-content-type-options': 'nosniff' };

function acceptsGzip(req: IncomingMessage): boolean {
  return /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
}

export async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer | Iterable<string | Buffer>,
  headers: Record<string, string> = {},
): Promise<void> {
  const gzip = acceptsGzip(req);
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': contentType, ...(gzip ? { 'content-encoding': 'gzip', vary: 'Accept-Encoding' } : {}), ...headers });
  if (req.method === 'HEAD') return void res.end();
  const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([body]) : Readable.from(coalesce(body), { objectMode: false });
  // Level 1: most of the size gain for a fraction of the CPU (results can be large, and the org often shares the machine with its client).
  await (gzip ? pipeline(source, createGzip({ level: 1 }), res) : pipeline(source, res));
}

/** Joins small pieces (one per result row) into chunks of about 64 KiB: one write per row is slow. */
function* coalesce(pieces: Iterable<string | Buffer>): Generator<string> {
  let pending = '';
  for (const piece of pieces) {
    pending += typeof piece === 'string' ? piece : piece.toString('utf8');
    if (pending.length >= 65_536) {
      yield pending;
      pending = '';
    }
  }
  if (pending) yield pending;
}

export function respondError(req: IncomingMessage, res: ServerResponse, error: ApiError, format: WireFormat): Promise<void> {
  const body = serializeApiError({ exceptionCode: error.exceptionCode, exceptionMessage: error.message }, format);
  return respond(req, res, error.status, MIME[format], body, error.allow ? { allow: error.allow } : {});
}

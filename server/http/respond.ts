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

const CHUNK = 65_536;

/**
 * Joins small pieces (one per result row) into chunks of about 64 KiB: one write per row is slow.
 * Strings are joined as strings (the stream encodes each chunk once), Buffers as Buffers, never
 * through a string (issue 28); a piece of half a chunk or more goes as it is, copied into no other.
 */
function* coalesce(pieces: Iterable<string | Buffer>): Generator<string | Buffer> {
  let text = '';
  const parts: Buffer[] = [];
  let size = 0;
  const flush = (): string | Buffer => {
    if (text && parts.length > 0) parts.push(Buffer.from(text));
    const chunk = parts.length === 0 ? text : parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    text = '';
    parts.length = 0;
    size = 0;
    return chunk;
  };
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      text += piece;
    } else {
      if (text) {
        const bytes = Buffer.from(text);
        parts.push(bytes);
        size += bytes.length;
        text = '';
      }
      if (piece.length >= CHUNK / 2) {
        if (size > 0) yield flush();
        yield piece;
        continue;
      }
      parts.push(piece);
      size += piece.length;
    }
    if (size + text.length >= CHUNK) yield flush();
  }
  if (size + text.length > 0) yield flush();
}

export function respondError(req: IncomingMessage, res: ServerResponse, error: ApiError, format: WireFormat): Promise<void> {
  const body = serializeApiError({ exceptionCode: error.exceptionCode, exceptionMessage: error.message }, format);
  return respond(req, res, error.status, MIME[format], body, error.allow ? { allow: error.allow } : {});
}

/**
 * Reads a request body into memory up to a limit, counting decoded bytes as they stream in, so an
 * oversized or gzip-bomb body is refused early, never buffered whole. Only gzip is a valid
 * Content-Encoding (wire §2.3); anything else is 415.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ApiError } from './api-error.js';

/**
 * The request's body as sent, gzip decoded (a broken gzip stream destroys the gunzip with its error,
 * which the reader sees); another Content-Encoding is 415. `tooLarge` refuses a body whose declared
 * length is over `maxBytes` before any of it is read.
 */
export function decodedBody(req: IncomingMessage, maxBytes: number, tooLarge: () => Error): Readable {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .toLowerCase()
    .trim();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new ApiError(415, 'ClientInputError', `Unsupported Content-Encoding: ${encoding}`);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (encoding === 'identity' && declared > maxBytes) throw tooLarge();
  if (encoding === 'identity') return req;
  const gunzip = createGunzip();
  pipeline(req, gunzip).catch(() => {
    /* pipeline destroys gunzip with the error, which its reader sees */
  });
  return gunzip;
}

export async function readRequestBody(req: IncomingMessage, maxBytes: number, tooLarge: () => ApiError): Promise<Buffer> {
  const source = decodedBody(req, maxBytes, tooLarge);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (source !== req) source.destroy();
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, 'ClientInputError', `Unable to read the request body: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks);
}

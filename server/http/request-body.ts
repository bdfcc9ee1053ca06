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

export async function readRequestBody(req: IncomingMessage, maxBytes: number, tooLarge: () => ApiError): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .toLowerCase()
    .trim();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new ApiError(415, 'ClientInputError', `Unsupported Content-Encoding: ${encoding}`);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (encoding === 'identity' && declared > maxBytes) throw tooLarge();
  let source: Readable = req;
  if (encoding === 'gzip') {
    const gunzip = createGunzip();
    pipeline(req, gunzip).catch(() => {
      /* pipeline destroys gunzip with the error, which the loop below sees */
    });
    source = gunzip;
  }
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

/**
 * Request bodies for batch uploads. A Buffer, a string, a file on disk or a stream made anew per send
 * can be sent again (after a reset, a 5xx or a renewed session); a stream given as it is can be sent
 * once only, and the client never retries it, so that a request is never replayed with an empty body.
 * gzip, when asked, is applied per send.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, gzipSync, createGzip } from 'node:zlib';
import { StreamBodyError } from '../errors.js';
import { sha256Of } from '../streams/sha256.js';

/**
 * Uploads are compressed for the network, once per send: the fastest level (on CSV it takes about 0.6
 * of the default's CPU and compresses as well or within a few percent), as the client's CPU is what a load spends.
 */
const LEVEL = { level: constants.Z_BEST_SPEED };

/** A file to stream from disk, e.g. a spooled batch. */
export interface FileBody {
  readonly path: string;
}

/**
 * A body read from a stream that `stream()` makes anew for each send (and for the digest): sent
 * again like a file, e.g. a 2.0 upload made of several spooled segment files in a row.
 */
export interface ReplayableStreamBody {
  readonly stream: () => Readable;
}

export type UploadBody = Uint8Array | string | FileBody | ReplayableStreamBody | Readable | AsyncIterable<Uint8Array>;

export interface PreparedBody {
  /** True when the body can be sent again. */
  readonly replayable: boolean;
  /** The bytes (or stream) for one send; a one-shot body throws on its second call. */
  open(): Promise<Uint8Array | Readable>;
  /** SHA-256 of the uncompressed payload, for replayable bodies (used to find a batch whose answer was lost). */
  digest(): Promise<string>;
}

const isFileBody = (body: UploadBody): body is FileBody =>
  typeof body === 'object' && body !== null && !(body instanceof Uint8Array) && 'path' in body && typeof body.path === 'string' && !(body instanceof Readable);

const isReplayableStream = (body: UploadBody): body is ReplayableStreamBody =>
  typeof body === 'object' && body !== null && !(body instanceof Readable) && 'stream' in body && typeof body.stream === 'function';

export function prepareBody(body: UploadBody, gzip: boolean): PreparedBody {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const wire = gzip ? gzipSync(bytes, LEVEL) : bytes;
    return {
      replayable: true,
      open: async () => wire,
      digest: async () => createHash('sha256').update(bytes).digest('hex'),
    };
  }
  if (isFileBody(body)) {
    return {
      replayable: true,
      open: async () => {
        await stat(body.path); // fail here, with the path, rather than inside the socket
        const file = createReadStream(body.path, { highWaterMark: 256 * 1024 });
        return gzip ? compressed(file) : file;
      },
      digest: async () => (await sha256Of(createReadStream(body.path))).sha256,
    };
  }
  if (isReplayableStream(body)) {
    return {
      replayable: true,
      open: async () => (gzip ? compressed(body.stream()) : body.stream()),
      digest: async () => (await sha256Of(body.stream())).sha256,
    };
  }
  let used = false;
  return {
    replayable: false,
    open: async () => {
      if (used) throw new StreamBodyError('a stream body can be sent only once', { problem: 'sent-twice' });
      used = true;
      const stream = body instanceof Readable ? body : Readable.from(body, { objectMode: false });
      return gzip ? compressed(stream) : stream;
    },
    digest: async () => {
      throw new StreamBodyError('a stream body has no digest', { problem: 'no-digest' });
    },
  };
}

function compressed(source: Readable): Readable {
  const gz = createGzip(LEVEL);
  pipeline(source, gz).catch(() => {
    /* pipeline has already destroyed gz with the error, which reaches the request */
  });
  return gz;
}

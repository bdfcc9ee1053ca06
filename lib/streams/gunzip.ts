/**
 * gzip input, for every format: a file is gzip when its name ends in `.gz` or its first two bytes
 * are gzip's magic number (1f 8b), and a stream (stdin) when its first bytes are. Decompressed as it
 * is read (Node's zlib, several members after each other too), so memory stays flat.
 */
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, gunzipSync } from 'node:zlib';

const MAGIC = [0x1f, 0x8b] as const;

/** Whether a file holds gzip data: by its name, else by its first two bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  if (/\.gz$/i.test(path)) return true;
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === MAGIC[0] && buffer[1] === MAGIC[1];
  } finally {
    await handle.close();
  }
}

/** The first bytes of an input as its reader will see them: decompressed (as far as they go) when they are gzip. */
export function gunzippedHead(head: Buffer): Buffer {
  if (!(head.length >= 2 && head[0] === MAGIC[0] && head[1] === MAGIC[1])) return head;
  try {
    return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return head; // not gzip after all: the reader says what is wrong with it
  }
}

/** A file name without its `.gz`: `accounts.csv.gz` is read as `accounts.csv`. */
export const withoutGz = (path: string): string => path.replace(/\.gz$/i, '');

/** The bytes of a stream, decompressed when they start as gzip does; as they are otherwise. */
export async function* ungzipped(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const chunks = source[Symbol.asyncIterator]();
  // Enough bytes to tell (a first chunk of one byte is possible on a pipe).
  let head: Buffer = Buffer.alloc(0);
  let ended = false;
  while (head.length < 2) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  };
  if (!(head.length >= 2 && head[0] === MAGIC[0] && head[1] === MAGIC[1])) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip();
  const feeding = pipeline(Readable.from(rest()), gunzip);
  feeding.catch(() => undefined); // the same error reaches the reader of gunzip
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
    await feeding;
  } finally {
    gunzip.destroy();
  }
}

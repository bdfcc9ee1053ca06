/**
 * gzip input, for every format: a file is gzip when its name ends in `.gz` or its first two bytes
 * are gzip's magic number (1f 8b), and a stream (stdin) when its first bytes are. Decompressed as it
 * is read (Node's zlib, several members after each other too), so memory stays flat.
 * gzip data cut off (a copy that stopped) or damaged yields every byte that could be decompressed
 * before the break, then fails with a ParseError naming the input and the compressed byte where it
 * broke; or, given `onCut`, reports that error there and ends, so that a load keeps what came before
 * the cut, as it does for a cut-off JSON array.
 */
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { ParseError } from '../errors.js';

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

export interface UngzipOptions {
  /** Named in the error of gzip data cut off or damaged; default `input`. */
  readonly source?: string;
  /** Instead of failing on gzip data cut off or damaged: the error, reported here once the bytes before the break are all yielded; the bytes then end. */
  readonly onCut?: (err: ParseError) => void;
}

/** The bytes of a stream, decompressed when they start as gzip does; as they are otherwise. */
export async function* ungzipped(source: AsyncIterable<Buffer>, options: UngzipOptions = {}): AsyncGenerator<Buffer> {
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
  const done = new AbortController();
  // Fed by hand for one reason: a sync flush before the end hands out every byte zlib holds, which
  // the final flush of a cut stream would drop with its error (up to one 16 KiB chunk of records).
  const feeding = (async () => {
    for await (const chunk of rest()) {
      if (!gunzip.write(chunk)) await once(gunzip, 'drain', { signal: done.signal });
    }
    await new Promise<void>((resolve) => gunzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    gunzip.end();
  })();
  feeding.catch((err: Error) => gunzip.destroy(err)); // a read error of the source reaches the reader of gunzip
  let yielded = 0;
  try {
    for await (const chunk of gunzip) {
      yielded += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    await feeding;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('Z_')) throw err;
    const cut = new ParseError(
      `the gzip data ${code === 'Z_BUF_ERROR' ? 'ends cut off' : `is damaged (${(err as Error).message})`} at byte ${gunzip.bytesWritten} of the compressed input, ${yielded} bytes into the data: what came before is read, nothing after`,
      { source: options.source ?? 'input' },
      { cause: err },
    );
    if (!options.onCut) throw cut;
    options.onCut(cut);
  } finally {
    done.abort();
    gunzip.destroy();
  }
}

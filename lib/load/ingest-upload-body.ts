/**
 * The body of a Bulk API 2.0 job's one upload, made of the job's spooled segments: the first
 * payload whole (its header line is the job's), then every later payload without its header line.
 * Read from the spool afresh for each send, so that a retried PUT sends the same bytes; nothing is
 * held but one read chunk.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;

/** The records of each payload after the first, from the byte after its header line. */
async function* joinedPayloads(paths: readonly string[]): AsyncGenerator<Buffer> {
  for (const [i, path] of paths.entries()) {
    let inHeader = i > 0;
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
      if (!inHeader) {
        yield chunk;
        continue;
      }
      // A header line is column names: no quoted line break in it, so its end is the first LF.
      const end = chunk.indexOf(LF);
      if (end < 0) continue;
      inHeader = false;
      if (end + 1 < chunk.length) yield chunk.subarray(end + 1);
    }
  }
}

/** A replayable upload of the segments' payloads (paths in input order). */
export function ingestUploadStream(paths: readonly string[]): () => Readable {
  return () => Readable.from(joinedPayloads(paths), { objectMode: false });
}

/**
 * What the ledger records of an upload before it is sent: a hash over the segments' own hashes (each
 * taken as the spool wrote the file), so that it names the body's bytes without reading 100 MB again.
 */
export function uploadDigest(segmentDigests: readonly string[]): string {
  const hash = createHash('sha256').update('bulkpipe 2.0 upload\n');
  for (const digest of segmentDigests) hash.update(`${digest}\n`);
  return hash.digest('hex');
}

/**
 * The job's line ending: the one the payloads' lines end with (the CSV fast path keeps the input's
 * LF or CRLF; the other paths write LF). Read from the first payload's header line.
 */
export async function payloadLineEnding(path: string): Promise<'LF' | 'CRLF'> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const end = head.subarray(0, bytesRead).indexOf(LF);
    return end > 0 && head[end - 1] === CR ? 'CRLF' : 'LF';
  } finally {
    await file.close();
  }
}

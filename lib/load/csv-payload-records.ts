/**
 * The records of an uploaded CSV payload (a batch's stored request, or a spooled payload), one
 * SHA-256 each, as the chunkers write them: the bytes after the header record up to and including
 * each record's line end (quoted line ends belong to their record). A resume lines segments cut
 * again from the input up with the org's batches by these (BatchAlignment), and tells which of the
 * org's batches may hold a segment's rows (uploadRefusal). Holds one record at most.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { CsvRecordScanner } from '../csv/record-scanner.js';
import { sha256Hex } from '../streams/sha256.js';

/** A CSV request's records after its header: the first one's SHA-256 (undefined when it has none) and how many there are. */
export interface CsvRequestShape {
  readonly firstRecord: string | undefined;
  readonly records: number;
}

/** The SHA-256 of one record's bytes, given in pieces (the chunkers' slices). */
export function recordDigest(...pieces: readonly Buffer[]): string {
  return sha256Hex(pieces);
}

/** Calls `onRecord` with each record's SHA-256 after the header, in order; the payload's chunks are read as they come. */
export async function eachCsvRecordDigest(chunks: AsyncIterable<Buffer>, onRecord: (sha256: string) => boolean | undefined): Promise<void> {
  const scanner = new CsvRecordScanner();
  let header = true;
  let hash: Hash | undefined;
  let open = false;
  for await (const chunk of chunks) {
    let from = 0;
    for (let end = scanner.next(chunk, 0); end >= 0; end = scanner.next(chunk, from)) {
      if (!header) {
        hash ??= createHash('sha256');
        hash.update(chunk.subarray(from, end));
        if (onRecord(hash.digest('hex')) === false) return;
      }
      header = false;
      hash = undefined;
      open = false;
      from = end;
    }
    if (from < chunk.length && !header) {
      hash ??= createHash('sha256');
      hash.update(chunk.subarray(from));
      open = true;
    }
  }
  // A last record without a line end (the chunkers always write one; another client may not).
  if (open && hash) onRecord(hash.digest('hex'));
}

/** A CSV request's shape, read from its body as it streams; `whole` is given every chunk too (the request's hash). */
export async function csvRequestShape(body: AsyncIterable<Buffer>, whole: Hash): Promise<CsvRequestShape> {
  let firstRecord: string | undefined;
  let records = 0;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of body) {
      whole.update(chunk);
      yield chunk;
    }
  }
  await eachCsvRecordDigest(hashed(), (sha256) => {
    firstRecord ??= sha256;
    records++;
    return undefined;
  });
  return { firstRecord, records };
}

/** Whether a spooled CSV payload holds a record with one of these hashes: the first such hash, or undefined. */
export async function payloadHoldsRecord(path: string, wanted: ReadonlySet<string>): Promise<string | undefined> {
  let found: string | undefined;
  await eachCsvRecordDigest(createReadStream(path) as AsyncIterable<Buffer>, (sha256) => {
    if (!wanted.has(sha256)) return undefined;
    found = sha256;
    return false;
  });
  return found;
}

/**
 * A binary-attachment batch (ZIP_CSV, ZIP_XML, ZIP_JSON jobs, wire §2.2 and §7.1): a zip
 * holding `request.txt` (the manifest, in the job's record format) at its root and the files its
 * binary fields name as `#path/in/zip`. Read with yauzl, a maintained streaming unzip library that
 * checks each entry's sizes and names (no paths out of the zip), one entry at a time; the zip is at
 * most 10 MB (the batch limit) and its files at most 20 MB uncompressed, so one batch's files are
 * held while it is applied. What Salesforce refuses as a whole batch fails with InvalidBatch.
 */
import { fromBufferPromise, type Entry } from 'yauzl';
import { MAX_ZIP_FILES, MAX_ZIP_UNCOMPRESSED_BYTES } from '../../lib/limits.js';
import { BatchFailure } from './payload.js';

export interface ZipBatch {
  /** The manifest's text. */
  readonly manifest: string;
  /** Every file but the manifest, by its path in the zip (`subdir/a.doc`). */
  readonly files: ReadonlyMap<string, Buffer>;
}

type Archive = Awaited<ReturnType<typeof fromBufferPromise>>;

export async function readZipBatch(zip: Buffer): Promise<ZipBatch> {
  let archive: Archive;
  try {
    archive = await fromBufferPromise(zip, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true });
  } catch (err) {
    throw new BatchFailure('InvalidBatch', `Failed to read the zip file: ${(err as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  let manifest: Buffer | undefined;
  let total = 0;
  let count = 0;
  try {
    for (let entry = await nextEntry(archive); entry; entry = await nextEntry(archive)) {
      if (entry.fileName.endsWith('/')) continue; // a directory
      if (++count > MAX_ZIP_FILES + 1) throw new BatchFailure('InvalidBatch', `The zip file holds more than ${MAX_ZIP_FILES} files`);
      total += entry.uncompressedSize;
      if (total > MAX_ZIP_UNCOMPRESSED_BYTES) throw new BatchFailure('InvalidBatch', `The zip file's files are larger than ${MAX_ZIP_UNCOMPRESSED_BYTES} bytes uncompressed`);
      const bytes = await readEntry(archive, entry);
      if (entry.fileName === 'request.txt') manifest = bytes;
      else files.set(entry.fileName, bytes);
    }
  } catch (err) {
    if (err instanceof BatchFailure) throw err;
    throw new BatchFailure('InvalidBatch', `Failed to read the zip file: ${(err as Error).message}`);
  } finally {
    archive.close();
  }
  if (!manifest) throw new BatchFailure('InvalidBatch', 'The zip file has no request.txt at its root');
  return { manifest: manifest.toString('utf8'), files };
}

function nextEntry(archive: Archive): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: Entry) => {
      archive.off('end', onEnd).off('error', onError);
      resolve(entry);
    };
    const onEnd = () => {
      archive.off('entry', onEntry).off('error', onError);
      resolve(undefined);
    };
    const onError = (err: Error) => {
      archive.off('entry', onEntry).off('end', onEnd);
      reject(err);
    };
    archive.once('entry', onEntry).once('end', onEnd).once('error', onError);
    archive.readEntry();
  });
}

async function readEntry(archive: Archive, entry: Entry): Promise<Buffer> {
  const stream = await archive.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

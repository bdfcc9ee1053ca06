/**
 * Writes a binary-attachment batch's zip to the spool: `request.txt` (the manifest) at its root and
 * each file under its entry name. yazl (a maintained zip writer by yauzl's author, no dependencies)
 * streams each file from disk in turn, one open at a time, so a batch costs its files' disk space,
 * never their size in memory. A file whose size is not the one its record was checked with (it
 * changed or went away during the run) fails the batch's writing: the zip would not be the one
 * its limits were checked for.
 * Compression only saves upload bytes (batches are cut by the files' sizes before it, see
 * zip-budget.ts), so it must cost little: files already compressed by their format (images,
 * archives, media, Office documents) are stored as they are, any other file is deflated at level 1
 * (most of level 6's gain on text, at several times the speed) when a deflated sample of its first
 * 64 KiB shows that it pays (random or encrypted data would cost 20 ms of CPU per MB for nothing).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import pLimit from 'p-limit';
import { AttachmentError, BulkError } from '../errors.js';
import { isDiskError, spoolWriteError } from '../load/load-spool.js';
import type { AttachmentFile } from '../load-types.js';
import { yazl } from '../packages.js';
import { MANIFEST_ENTRY } from './zip-budget.js';

const COMPRESSED = new Set(
  'jpg jpeg png gif webp heic heif avif zip gz tgz bz2 xz zst 7z rar jar apk mp3 m4a aac ogg opus flac mp4 m4v mov avi mkv webm docx xlsx pptx odt ods odp epub'
    .split(' ')
    .map((e) => `.${e}`),
);

const deflateSample = promisify(deflateRaw);
const SAMPLE_BYTES = 64 * 1024;
/** Deflating must save this share of the sample, or the file is stored. */
const WORTHWHILE = 0.9;
const LEVEL = 1;
/**
 * Every entry's time: a zip of the same records and files is then the same bytes whenever it is
 * made, so that a resumed load that cuts a batch again knows it among the org's batches by its hash.
 */
const ENTRY_TIME = new Date('2000-01-01T00:00:00Z');

/** Whether a file's data is worth deflating: not for a format compressed already, nor for data whose sample does not shrink. */
export async function deflates(file: Pick<AttachmentFile, 'entry' | 'path' | 'size'>): Promise<boolean> {
  if (file.size < 512 || COMPRESSED.has(extname(file.entry).toLowerCase())) return false;
  const handle = await open(file.path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.allocUnsafe(Math.min(SAMPLE_BYTES, file.size)), 0, Math.min(SAMPLE_BYTES, file.size), 0);
    const deflated = await deflateSample(buffer.subarray(0, bytesRead), { level: LEVEL });
    return deflated.length < bytesRead * WORTHWHILE;
  } finally {
    await handle.close();
  }
}

/** Writes the zip to `path`; resolves to its size in bytes. */
export async function writeZipBatch(path: string, manifest: Buffer, files: readonly AttachmentFile[]): Promise<number> {
  const zip = new (yazl().ZipFile)();
  let failed: Error | undefined;
  const fail = (err: Error) => {
    failed ??= err;
    (zip.outputStream as Readable).destroy(err);
  };
  zip.on('error', fail);
  zip.addBuffer(manifest, MANIFEST_ENTRY, { compressionLevel: LEVEL, mtime: ENTRY_TIME });
  // Decided before the zip starts: yazl takes its entries in order, each with its method.
  const sampling = pLimit(8);
  const compress = await Promise.all(files.map((file) => sampling(() => deflates(file).catch(() => false)))); // a file that cannot be read fails below, with its name
  for (const [i, file] of files.entries()) {
    zip.addReadStreamLazy(file.entry, { compressionLevel: compress[i] ? LEVEL : 0, size: file.size, mtime: ENTRY_TIME }, (callback) => {
      const stream = createReadStream(file.path, { highWaterMark: 256 * 1024 });
      stream.on('error', (err) =>
        fail(new AttachmentError(`the attachment ${file.path} could not be read: ${err.message}`, { problem: 'unreadable', path: file.path }, { cause: err })),
      );
      callback(null, stream);
    });
  }
  zip.end();
  try {
    await pipeline(zip.outputStream, createWriteStream(path));
  } catch (err) {
    const cause = failed ?? (err as Error);
    if (cause instanceof BulkError) throw cause;
    // The spool's disk, not an attachment: named as such, and the partial zip never stays to be uploaded.
    if (isDiskError(cause)) {
      await rm(path, { force: true });
      throw spoolWriteError(path, cause);
    }
    throw new AttachmentError(
      `the zip of ${files.length} attachment(s) could not be written to ${path}: ${cause.message} (a file changed size since it was checked?)`,
      { problem: 'zip', path, attachments: files.length },
      { cause },
    );
  }
  return (await stat(path)).size;
}

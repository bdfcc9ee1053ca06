/**
 * Writes a binary-attachment batch's zip to the spool: `request.txt` (the manifest) at its root and
 * each file under its entry name. yazl (a maintained zip writer by yauzl's author, no dependencies)
 * streams each file from disk in turn, one open at a time, so a batch costs its files' disk space,
 * never their size in memory. A file whose size is not the one its record was checked with (it
 * changed or went away during the run) fails the batch's writing: the zip would not be the one
 * its limits were checked for.
 * Files already compressed (images, archives, media, Office documents) are stored as they are:
 * deflating them costs CPU and gains nothing.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { BulkError } from '../errors.js';
import type { AttachmentFile } from '../load-types.js';
import { MANIFEST_ENTRY } from './zip-budget.js';

const COMPRESSED = new Set(
  'jpg jpeg png gif webp heic heif avif zip gz tgz bz2 xz zst 7z rar jar apk mp3 m4a aac ogg opus flac mp4 m4v mov avi mkv webm docx xlsx pptx odt ods odp epub'.split(' ').map((e) => `.${e}`),
);

/** Whether a file's data is deflated in the zip (not for formats compressed already). */
export function deflates(entry: string): boolean {
  return !COMPRESSED.has(extname(entry).toLowerCase());
}

/** Writes the zip to `path`; resolves to its size in bytes. */
export async function writeZipBatch(path: string, manifest: Buffer, files: readonly AttachmentFile[]): Promise<number> {
  const zip = new ZipFile();
  let failed: Error | undefined;
  const fail = (err: Error) => {
    failed ??= err;
    (zip.outputStream as Readable).destroy(err);
  };
  zip.on('error', fail);
  zip.addBuffer(manifest, MANIFEST_ENTRY);
  for (const file of files) {
    zip.addReadStreamLazy(file.entry, { compress: deflates(file.entry), size: file.size }, (callback) => {
      const stream = createReadStream(file.path, { highWaterMark: 256 * 1024 });
      stream.on('error', (err) => fail(new BulkError('BULK_ATTACHMENT', `the attachment ${file.path} could not be read: ${err.message}`, { cause: err })));
      callback(null, stream);
    });
  }
  zip.end();
  try {
    await pipeline(zip.outputStream, createWriteStream(path));
  } catch (err) {
    const cause = failed ?? (err as Error);
    if (cause instanceof BulkError) throw cause;
    throw new BulkError('BULK_ATTACHMENT', `the zip of ${files.length} attachment(s) could not be written to ${path}: ${cause.message} (a file changed size since it was checked?)`, { cause });
  }
  return (await stat(path)).size;
}

/**
 * A binary field's value in an attachment load's manifest, read as a file of the attachments folder:
 * `#photos/a.jpg` or `photos/a.jpg` both name `<folder>/photos/a.jpg`, which goes into the batch's
 * zip as `photos/a.jpg` (and the manifest says `#photos/a.jpg`, as the org expects). A name that
 * would leave the folder (`../x`, `/etc/x`, `C:\x`) is refused: the zip could not hold it either.
 */
import { posix } from 'node:path';

/** The file's path in the zip (forward slashes, no `.` or `..`), or why the value names no file. */
export type AttachmentReference = { readonly entry: string } | { readonly problem: string };

export function attachmentReference(value: string): AttachmentReference {
  const name = (value.startsWith('#') ? value.slice(1) : value).replaceAll('\\', '/');
  if (name.trim() === '') return { problem: 'names no file (the value is only "#")' };
  if (name.startsWith('/') || /^[A-Za-z]:\//.test(name)) return { problem: `names the file ${name} by an absolute path: name it relative to the attachments folder` };
  const entry = posix.normalize(name);
  if (entry === '..' || entry.startsWith('../')) return { problem: `names the file ${name}, which is outside the attachments folder` };
  if (entry.endsWith('/') || entry === '.') return { problem: `names the folder ${name}, not a file` };
  if (Buffer.byteLength(entry) > 0xffff) return { problem: 'names a file whose path is longer than a zip can hold' };
  return { entry };
}

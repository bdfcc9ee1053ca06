/**
 * What a binary-attachment batch's zip may hold (the manifest and up to 1,000 files, within 10 MB
 * zipped and 20 MB unzipped), and what it holds so far. A batch is cut before the zip could break a
 * limit: the size of each entry is bounded before it is compressed (zlib's worst case for its
 * default settings: incompressible data grows by a few bytes per 16 KiB), so that no batch is ever
 * refused for its size, whatever the files compress to. The price: a batch of files that compress
 * well holds no more than 10 MB of them uncompressed (the 20 MB limit never binds).
 */
import type { AttachmentFile } from '../load-types.js';
import { MAX_ZIP_BYTES, MAX_ZIP_FILES, MAX_ZIP_UNCOMPRESSED_BYTES } from '../limits.js';

/** The manifest's name in the zip. */
export const MANIFEST_ENTRY = 'request.txt';

/** The headers of one entry (local and central, with the data descriptor and the extra fields yazl writes, ZIP64 ones included), besides its name twice. */
const ENTRY_OVERHEAD = 30 + 46 + 24 + 2 * 9 + 2 * 28;
/** The end of the zip: its end-of-central-directory record, and the ZIP64 ones. */
const END_OVERHEAD = 22 + 56 + 20;

/** The most bytes a file of `size` bytes and its name take in the zip. */
export function entryBound(entry: string, size: number): number {
  // zlib's deflateBound for the default window and memory level, with room to spare.
  const deflated = size + (size >>> 12) + (size >>> 14) + 32;
  return ENTRY_OVERHEAD + 2 * Buffer.byteLength(entry) + deflated;
}

/** The most bytes a zip of one manifest and these files takes. */
export function zipBound(manifestBytes: number, files: Iterable<{ readonly entry: string; readonly size: number }>): number {
  let bound = END_OVERHEAD + entryBound(MANIFEST_ENTRY, manifestBytes);
  for (const file of files) bound += entryBound(file.entry, file.size);
  return bound;
}

export interface ZipBudgetLimits {
  /** Most files besides the manifest; default and maximum 1,000. */
  readonly maxFiles: number;
  /** Most bytes of the zip; default and maximum 10,000,000. */
  readonly maxBytes: number;
}

export const ZIP_LIMITS: ZipBudgetLimits = { maxFiles: MAX_ZIP_FILES, maxBytes: MAX_ZIP_BYTES };

/** The files of the open batch's zip (each once, however many records name it) and the bytes they take. */
export class ZipBudget {
  readonly #limits: ZipBudgetLimits;
  #files = new Map<string, AttachmentFile>();
  #bound = 0;
  #unpacked = 0;

  constructor(limits: ZipBudgetLimits = ZIP_LIMITS) {
    this.#limits = limits;
  }

  get files(): number {
    return this.#files.size;
  }

  /** Whether the zip can take a record's files with the manifest at `manifestBytes`. */
  fits(files: readonly AttachmentFile[] | undefined, manifestBytes: number): boolean {
    let count = this.#files.size;
    let bound = this.#bound;
    let unpacked = this.#unpacked;
    for (const file of newFiles(files, this.#files)) {
      count++;
      bound += entryBound(file.entry, file.size);
      unpacked += file.size;
    }
    return count <= this.#limits.maxFiles && zipBound(manifestBytes, []) + bound <= this.#limits.maxBytes && unpacked + manifestBytes <= MAX_ZIP_UNCOMPRESSED_BYTES;
  }

  add(files: readonly AttachmentFile[] | undefined): void {
    for (const file of newFiles(files, this.#files)) {
      this.#files.set(file.entry, file);
      this.#bound += entryBound(file.entry, file.size);
      this.#unpacked += file.size;
    }
  }

  /** The zip's files, in the order they were added; the budget starts again empty. */
  take(): AttachmentFile[] {
    const files = [...this.#files.values()];
    this.#files = new Map();
    this.#bound = 0;
    this.#unpacked = 0;
    return files;
  }
}

/** The files not in the zip yet; one named twice by the same record counts once. */
function* newFiles(files: readonly AttachmentFile[] | undefined, present: ReadonlyMap<string, AttachmentFile>): Generator<AttachmentFile> {
  if (!files) return;
  for (let i = 0; i < files.length; i++) {
    const file = files[i] as AttachmentFile;
    if (present.has(file.entry) || files.findIndex((f) => f.entry === file.entry) < i) continue;
    yield file;
  }
}

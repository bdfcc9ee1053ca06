/**
 * LoadSpool: the one owner of a load's files on disk. Every stage that writes or reads a spool
 * file (the chunker writes a segment's payload and rejected records, the submitter uploads the
 * payload, the joiner reads both back) asks this object for the path, and the joiner tells it when
 * a segment is done; the orchestrator disposes of it on every exit path.
 * Creating one does no I/O: the folder is made on the first file, so that a run that fails on its
 * options, or before its first batch, leaves nothing behind.
 * Holds: one small entry per segment not yet released (its files and input rows), no data.
 */
import { sha256Hex, sha256Of } from '../streams/sha256.js';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, mkdtemp, open, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BulkError, InvalidOptionError, SpoolError } from '../errors.js';
import type { RowRun } from '../load-types.js';
import { DISK_PROBLEMS } from '../text/file-error-words.js';

export interface LoadSpoolOptions {
  /**
   * A folder of the caller's for the spool files: they are removed from it, the folder is kept.
   * Default: a new folder in the OS temp dir, removed with everything in it.
   */
  readonly dir?: string;
  /**
   * Opens a spool file for writing; default `fs.promises.open(path, 'w')`. A seam for tests, which
   * give one whose writes fail part-way, as a full disk's do.
   */
  readonly openFile?: (path: string) => Promise<SpoolWriteFile>;
}

/** What the spool needs of a file it writes. */
export type SpoolWriteFile = Pick<FileHandle, 'writev' | 'datasync' | 'stat' | 'close'>;

/**
 * A spool file as it was made whole: its name in the spool, size and SHA-256. The ledger keeps it
 * with the segment, so that a resumed run tells a damaged or cut file from a sound one.
 */
export interface SpoolFileCheck {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * The files a segment can have: its payload (the records as uploaded), its rejected records, the zip
 * uploaded for a binary-attachment batch, a grouped load's input rows of its records (`sources`), and (Bulk API 2.0) its results put in payload order, or
 * its job's result files as downloaded (kept under the job's first segment until they are ordered);
 * a record retry's files (its payloads, their results, the segment's results merged: `retry`).
 */
export type SpoolFileKind = 'payload' | 'rejects' | 'upload' | 'results' | 'download' | 'sources' | 'retry';

/** What the spool knows of a segment it has files for. */
export interface SpooledSegment {
  readonly seq: number;
  /** Input rows of the records uploaded (the rejected ones are in the rejects file). */
  rows: readonly RowRun[];
  records: number;
  rejected: number;
  readonly files: Set<string>;
  /** The checks of the files made whole (by `write` or `seal`), by path. */
  readonly checks: Map<string, SpoolFileCheck>;
}

/** Temp spool folders are named `bulkpipe-spool-<pid>-<random>`: one whose process is gone is stale. */
export const SPOOL_PREFIX = 'bulkpipe-spool-';

/** The pid in a temp spool folder's name; undefined for a name of another form. */
export function spoolOwner(folder: string): number | undefined {
  const pid = /^bulkpipe-spool-(\d+)-/.exec(folder)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

const EXTENSIONS: Record<SpoolFileKind, string> = { payload: '', rejects: '.rejects.ndjson', upload: '', results: '.results', download: '.job', sources: '.rows', retry: '.retry' };

/** A segment's file name in the spool (see `LoadSpool.path`). */
export function spoolFileName(seq: number, kind: SpoolFileKind, extension = ''): string {
  return `segment-${String(seq).padStart(6, '0')}${EXTENSIONS[kind]}${kind === 'rejects' ? '' : `.${extension}`}`;
}

export class LoadSpool {
  readonly #given: string | undefined;
  readonly #openFile: (path: string) => Promise<SpoolWriteFile>;
  #dir: Promise<string> | undefined;
  readonly #segments = new Map<number, SpooledSegment>();
  #disposed = false;

  constructor(options: LoadSpoolOptions = {}) {
    this.#given = options.dir;
    this.#openFile = options.openFile ?? ((path) => open(path, 'w'));
  }

  /**
   * Writes a segment's file whole: every byte (a short write is carried on until it fails), flushed
   * to the disk (fdatasync) and its size checked, before the caller may name it in a ledger or upload
   * it. A write that fails (a full disk, an I/O error) removes the partial file and rejects with
   * `BULK_SPOOL`. Resolves to the path.
   */
  async write(seq: number, kind: SpoolFileKind, extension: string, parts: readonly Buffer[]): Promise<string> {
    const path = await this.path(seq, kind, extension);
    let bytes = 0;
    for (const part of parts) bytes += part.length;
    let sha256 = '';
    try {
      const file = await this.#openFile(path);
      try {
        await writeAll(file, parts);
        // The bytes are hashed while the thread pool syncs them (the longest wait of the write): the same bytes, one pass, no copy.
        const synced = file.datasync();
        sha256 = sha256Hex(parts);
        await synced;
        const { size } = await file.stat();
        if (size !== bytes) throw Object.assign(new Error(`${size} bytes on disk where ${bytes} were written`), { code: 'EIO' });
      } finally {
        await file.close();
      }
    } catch (err) {
      await rm(path, { force: true });
      throw spoolWriteError(path, err);
    }
    this.#segment(seq).checks.set(path, { name: basename(path), bytes, sha256 });
    return path;
  }

  /**
   * Makes a file that another writer wrote (a zip, a reject file) whole: flushed to the disk, its
   * size and hash taken for the ledger. Resolves to its check.
   */
  async seal(seq: number, path: string): Promise<SpoolFileCheck> {
    const known = this.#segments.get(seq)?.checks.get(path);
    if (known) return known;
    try {
      const file = await open(path, 'r');
      try {
        await file.datasync();
      } finally {
        await file.close();
      }
      const { bytes, sha256 } = await fileDigest(path);
      const check = { name: basename(path), bytes, sha256 };
      this.#segment(seq).checks.set(path, check);
      return check;
    } catch (err) {
      throw spoolWriteError(path, err);
    }
  }

  /** The checks of a segment's files made whole so far. */
  checks(seq: number): SpoolFileCheck[] {
    return [...(this.#segments.get(seq)?.checks.values() ?? [])];
  }

  /** A segment's file's SHA-256: the one taken when it was written or sealed, else read from the disk (a file adopted from a stopped run). */
  async digest(seq: number, path: string): Promise<string> {
    return this.#segments.get(seq)?.checks.get(path)?.sha256 ?? (await fileDigest(path)).sha256;
  }

  /**
   * The path of a segment's file, creating the spool folder on first use. `extension` names the
   * payload's format (`csv`, `xml`, `json`) or the upload's (`zip`).
   */
  async path(seq: number, kind: SpoolFileKind, extension = ''): Promise<string> {
    if (this.#disposed) throw new Error('the load spool was disposed of');
    this.#dir ??= this.#given ? mkdir(this.#given, { recursive: true }).then(() => this.#given as string) : mkdtemp(join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
    const dir = await this.#dir;
    const path = join(dir, spoolFileName(seq, kind, extension));
    this.#segment(seq).files.add(path);
    return path;
  }

  /**
   * Takes on the files of a segment that an earlier run of the same load spooled in this spool's
   * folder (a resumed run): they are released and disposed of as if this spool had made them.
   */
  adopt(seq: number, paths: readonly string[]): void {
    for (const path of paths) this.#segment(seq).files.add(path);
  }

  /** Records a segment's input rows and counts, once it is cut. */
  describe(seq: number, rows: readonly RowRun[], records: number, rejected: number): void {
    const segment = this.#segment(seq);
    segment.rows = rows;
    segment.records = records;
    segment.rejected = rejected;
  }

  /** Segments whose rows are not in the outputs yet, in input order. */
  pending(): SpooledSegment[] {
    return [...this.#segments.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Removes a segment's files once its rows are written (a file never made, or gone already, is no fault). */
  async release(seq: number): Promise<void> {
    const segment = this.#segments.get(seq);
    if (!segment) return;
    this.#segments.delete(seq);
    // unlink alone: rm would lstat each file twice first (its options' check, then its own), two more trips to the thread pool.
    await Promise.all([...segment.files].map((file) => unlink(file).catch(unlessGone)));
  }

  /**
   * Removes every file, and the folder when the spool made it. Safe after a failure, and more than
   * once; a stage torn down mid-write may still be finishing a file, hence the retries. `keep`:
   * leave every file where it is (a run with a ledger that did not finish: its resume needs them).
   */
  async dispose(keep = false): Promise<void> {
    this.#disposed = true;
    if (keep) return void this.#segments.clear();
    const files = [...this.#segments.values()].flatMap((s) => [...s.files]);
    this.#segments.clear();
    const dir = await this.#dir?.catch(() => undefined);
    if (dir === undefined && this.#given) await Promise.all(files.map((file) => rm(file, { force: true, maxRetries: 5, retryDelay: 50 })));
    if (dir === undefined) return;
    if (this.#given) await Promise.all(files.map((file) => rm(file, { force: true, maxRetries: 5, retryDelay: 50 })));
    else await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }

  #segment(seq: number): SpooledSegment {
    let segment = this.#segments.get(seq);
    if (!segment) this.#segments.set(seq, (segment = { seq, rows: [], records: 0, rejected: 0, files: new Set(), checks: new Map() }));
    return segment;
  }
}

/** The `spool` option of the stages that share a load's files: a LoadSpool, or an option error. */
export function spoolOption(value: unknown): LoadSpool {
  if (!(value instanceof LoadSpool)) throw new InvalidOptionError('spool', 'a LoadSpool', value);
  return value;
}

/** Rethrows an error other than the file being gone (rm's `force`). */
function unlessGone(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

/** Writes every byte of `parts`: the OS may take part of a write (a disk filling up), the rest is written again, and fails then. */
async function writeAll(file: SpoolWriteFile, parts: readonly Buffer[]): Promise<void> {
  let queue = parts.filter((part) => part.length > 0);
  // writev takes at most IOV_MAX buffers at once; libuv carries on past that, but stops silently at a short write.
  while (queue.length > 0) {
    const { bytesWritten } = await file.writev(queue);
    if (bytesWritten === 0) throw Object.assign(new Error('the disk took no byte of the write'), { code: 'EIO' });
    let left = bytesWritten;
    let i = 0;
    while (i < queue.length && left >= (queue[i] as Buffer).length) left -= (queue[i++] as Buffer).length;
    queue = queue.slice(i);
    if (left > 0) queue[0] = (queue[0] as Buffer).subarray(left);
  }
}

/** Whether a write failed for the disk (full, quota, I/O, read-only), not for what was written. */
export function isDiskError(err: unknown): boolean {
  return Object.hasOwn(DISK_PROBLEMS, (err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** A spool file that could not be written whole, naming the disk problem. */
export function spoolWriteError(path: string, err: unknown): BulkError {
  if (err instanceof BulkError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const what = DISK_PROBLEMS[code] ?? (err as Error).message;
  return new SpoolError(
    `the spool file ${path} could not be written whole: ${what}${code ? ` (${code})` : ''}; nothing of it was recorded or uploaded`,
    { path, causeCode: code || undefined },
    { cause: err },
  );
}

/** A file's size and SHA-256, read in chunks. */
export function fileDigest(path: string): Promise<{ bytes: number; sha256: string }> {
  return sha256Of(createReadStream(path, { highWaterMark: 256 * 1024 }));
}

/** Whether a spool file is as its check says (there, of its size and hash); false when it is gone or differs. */
export async function fileMatches(path: string, check: SpoolFileCheck | undefined): Promise<boolean> {
  const found = await stat(path).catch(() => undefined);
  if (!found?.isFile()) return false;
  if (!check) return true;
  if (found.size !== check.bytes) return false;
  return (await fileDigest(path)).sha256 === check.sha256;
}

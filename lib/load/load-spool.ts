/**
 * LoadSpool: the one owner of a load's files on disk. Every stage that writes or reads a spool
 * file (the chunker writes a segment's payload and rejected records, the submitter uploads the
 * payload, the joiner reads both back) asks this object for the path, and the joiner tells it when
 * a segment is done; the orchestrator disposes of it on every exit path.
 * Creating one does no I/O: the folder is made on the first file, so that a run that fails on its
 * options, or before its first batch, leaves nothing behind.
 * Holds: one small entry per segment not yet released (its files and input rows), no data.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import type { RowRun } from '../load-types.js';

export interface LoadSpoolOptions {
  /**
   * A folder of the caller's for the spool files: they are removed from it, the folder is kept.
   * Default: a new folder in the OS temp dir, removed with everything in it.
   */
  readonly dir?: string;
}

/** The files a segment can have: its payload (the records as uploaded), its rejected records, and the zip uploaded for a binary-attachment batch. */
export type SpoolFileKind = 'payload' | 'rejects' | 'upload';

/** What the spool knows of a segment it has files for. */
export interface SpooledSegment {
  readonly seq: number;
  /** Input rows of the records uploaded (the rejected ones are in the rejects file). */
  rows: readonly RowRun[];
  records: number;
  rejected: number;
  readonly files: Set<string>;
}

/** Temp spool folders are named `bulkpipe-spool-<pid>-<random>`: one whose process is gone is stale. */
export const SPOOL_PREFIX = 'bulkpipe-spool-';

/** The pid in a temp spool folder's name; undefined for a name of another form. */
export function spoolOwner(folder: string): number | undefined {
  const pid = /^bulkpipe-spool-(\d+)-/.exec(folder)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

const EXTENSIONS: Record<SpoolFileKind, string> = { payload: '', rejects: '.rejects.ndjson', upload: '' };

export class LoadSpool {
  readonly #given: string | undefined;
  #dir: Promise<string> | undefined;
  readonly #segments = new Map<number, SpooledSegment>();
  #disposed = false;

  constructor(options: LoadSpoolOptions = {}) {
    this.#given = options.dir;
  }

  /**
   * The path of a segment's file, creating the spool folder on first use. `extension` names the
   * payload's format (`csv`, `xml`, `json`) or the upload's (`zip`).
   */
  async path(seq: number, kind: SpoolFileKind, extension = ''): Promise<string> {
    if (this.#disposed) throw new Error('the load spool was disposed of');
    this.#dir ??= this.#given ? mkdir(this.#given, { recursive: true }).then(() => this.#given as string) : mkdtemp(join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
    const dir = await this.#dir;
    const path = join(dir, `segment-${String(seq).padStart(6, '0')}${EXTENSIONS[kind]}${kind === 'rejects' ? '' : `.${extension}`}`);
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

  /** Removes a segment's files once its rows are written. */
  async release(seq: number): Promise<void> {
    const segment = this.#segments.get(seq);
    if (!segment) return;
    this.#segments.delete(seq);
    await Promise.all([...segment.files].map((file) => rm(file, { force: true })));
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
    if (!segment) this.#segments.set(seq, (segment = { seq, rows: [], records: 0, rejected: 0, files: new Set() }));
    return segment;
  }
}

/** The `spool` option of the stages that share a load's files: a LoadSpool, or an option error. */
export function spoolOption(value: unknown): LoadSpool {
  if (!(value instanceof LoadSpool)) throw new InvalidOptionError('spool', 'a LoadSpool', value);
  return value;
}

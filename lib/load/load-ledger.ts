/**
 * LoadLedger: a load's durable account, one JSON line per event in `<dir>/ledger.ndjson`, beside
 * the load's spool (`<dir>/spool`). It is what makes a load crash-proof: from it a resumed run knows
 * the job, which segments of the input were cut (their rows, counts and where the input stands after
 * them), which were created as batches, and which are in the outputs already (with the outputs'
 * sizes after them, so that rows written past the last whole segment are cut away).
 *
 * Order is the invariant: a segment is recorded before it is uploaded, the job creation is
 * announced before its POST, and a segment is marked joined only after its rows are in the output
 * files. Lines are appended one at a time in that order and synced at each of those points, so a
 * crash (even `kill -9` between two writes) leaves a ledger that is a true prefix of the run; a torn
 * last line is ignored when it is read. One process at a time: a ledger is written only under its
 * run's lock (run-lock.ts), which a second process is refused.
 * Memory: the state read back holds one small entry per segment not yet joined (joined ones are
 * counted, not kept) and the id of every batch (18 characters each: a 1 GB load has about a thousand).
 */
import { createReadStream } from 'node:fs';
import { access, mkdir, open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LedgerError } from '../errors.js';
import type { InputPosition, SpooledBatch } from '../load-types.js';
import type { ContentType } from '../types.js';
import { RunLock } from './run-lock.js';
import type { SpoolFileCheck } from './load-spool.js';

export const LEDGER_FILE = 'ledger.ndjson';
const SPOOL_FOLDER = 'spool';
const VERSION = 1;

/** What a run is: everything a resumed run must repeat to cut the same batches and write the same outputs. */
export interface LedgerRun {
  readonly runId: string;
  /** The org: its instance URL (or `local:<db>`), and the user when known. */
  readonly org: string;
  readonly username?: string | undefined;
  /** The input file's absolute path, with its size and modification time; null for a stream (stdin). */
  readonly input: { readonly path: string; readonly size: number; readonly mtimeMs: number } | null;
  readonly source: string;
  readonly format: string;
  readonly contentType: ContentType;
  readonly object: string;
  readonly operation: string;
  readonly externalIdField?: string | undefined;
  readonly batchSize?: number | undefined;
  readonly columns?: readonly string[] | undefined;
  readonly serial: boolean;
  readonly successPath?: string | undefined;
  readonly errorPath?: string | undefined;
  readonly resultsPath?: string | undefined;
  /** CSV input read with another field separator than a comma. */
  readonly delimiter?: string | undefined;
  readonly replaceInvalidUtf8?: boolean | undefined;
  readonly columnMap?: Readonly<Record<string, string>> | undefined;
  readonly dateFormat?: string | undefined;
  readonly timeZone?: string | undefined;
  /** A binary-attachment load: the folder its files are read from (absolute). */
  readonly attachments?: string | undefined;
}

/** A segment as the ledger knows it: the spooled batch's description, its payload named within the spool. */
export interface LedgerSegment extends Pick<SpooledBatch, 'seq' | 'records' | 'rejected' | 'bytes' | 'rows' | 'columns' | 'contentType'> {
  /** The payload's file name in the spool; null when nothing is uploaded (rejected records only). */
  readonly payload: string | null;
  /** A binary-attachment batch: its zip's file name in the spool (what is uploaded). */
  readonly upload?: string;
  readonly end: InputPosition;
  /** The input's CSV header line as read (fast path), on the first segment recorded: a resumed run that reads on from an offset needs it. */
  readonly header?: string;
  /** Each spool file of the segment as it was made whole: a resumed run rebuilds one that is gone or differs. */
  readonly files?: readonly SpoolFileCheck[];
  /** Set once the batch exists. */
  jobId?: string;
  batchId?: string;
}

/** Output file sizes (bytes) after a joined segment, by output. */
export interface OutputSizes {
  readonly successPath?: number;
  readonly errorPath?: number;
  readonly resultsPath?: number;
}

export interface LedgerJoined {
  readonly seq: number;
  /** Rows in the outputs after this segment, all segments so far. */
  readonly succeeded: number;
  readonly failed: number;
  readonly sizes: OutputSizes;
}

type Entry =
  | ({ readonly type: 'run'; readonly version: number; readonly pid: number; readonly host: string; readonly startedAt: string } & LedgerRun)
  | { readonly type: 'resumed'; readonly pid: number; readonly host: string; readonly at: string }
  | { readonly type: 'creating'; readonly at: number }
  | { readonly type: 'job'; readonly jobId: string }
  | ({ readonly type: 'segment' } & Omit<LedgerSegment, 'jobId' | 'batchId'>)
  | { readonly type: 'batch'; readonly seq: number; readonly jobId: string; readonly batchId: string }
  | ({ readonly type: 'joined' } & LedgerJoined)
  | { readonly type: 'inputEnd'; readonly row: number }
  | { readonly type: 'finished'; readonly at: string };

/** A ledger read back: where the run stands. */
export interface LedgerState {
  readonly dir: string;
  readonly run: LedgerRun;
  /** The process that wrote it last, to tell a live run from an abandoned one. */
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** Every job of the run, oldest first (a resumed run whose job was closed makes a new one). */
  readonly jobs: readonly string[];
  /** The jobs the run made (a job line), oldest first: only these take new batches on a resume; a job known by its batch lines alone was found in the org. */
  readonly createdJobs: readonly string[];
  /** The batches the run created, joined or not, by job: a resumed run never takes one of them for a lost upload. */
  readonly batches: ReadonlyMap<string, readonly string[]>;
  /** Set when a create-job POST was sent and no job id followed: the job may exist (epoch ms of the attempt). */
  readonly creatingSince: number | undefined;
  /** Segments cut and not yet joined, in order. */
  readonly pending: readonly LedgerSegment[];
  /**
   * Segments recorded before and cut again since (a resume cut them again from the input), not yet
   * joined past: where they ended is where a resume that cuts that stretch again must cut it too (a
   * stop's short segment is no cut the batch size makes), and their batches, placed by no segment now,
   * hold those rows.
   */
  readonly superseded: readonly LedgerSegment[];
  /** The last joined segment's counts and output sizes; undefined when none is. */
  readonly joined: LedgerJoined | undefined;
  /** Where the input stands after the last joined segment (where a segment after it starts). */
  readonly joinedEnd?: InputPosition | undefined;
  /** The next segment number. */
  readonly nextSeq: number;
  /** Where the input stands after the last segment cut. */
  readonly inputAt: InputPosition;
  /** The input's CSV header line, when the fast path read it. */
  readonly inputHeader: string | undefined;
  /** True when the input was read to its end. */
  readonly inputEnded: boolean;
  readonly finished: boolean;
}

export class LoadLedger {
  readonly dir: string;
  #file: FileHandle | undefined;
  #lock: RunLock | undefined;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  /** No I/O: `start()` or `reopen()` opens the file. */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** The spool folder that belongs to the ledger. */
  get spoolDir(): string {
    return join(this.dir, SPOOL_FOLDER);
  }

  /**
   * Takes the run's lock (run-lock.ts) for as long as the ledger is open, or rejects with
   * RunLockedError (`BULK_LOCKED`) naming the process that holds it. `start()` and `reopen()` take it
   * themselves; a resume takes it first, before it reads the ledger, so that what it reads cannot be
   * moved on by another process. Idempotent.
   */
  async lock(): Promise<void> {
    try {
      this.#lock ??= await RunLock.acquire(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LedgerError(`no load ledger in ${this.dir}`, { problem: 'missing', dir: this.dir }, { cause: err });
      throw err;
    }
  }

  /** Starts the ledger (its folder is made if missing) under the run's lock; refuses a folder that holds one already. */
  async start(run: LedgerRun): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.#locked(async () => {
      try {
        this.#file = await open(join(this.dir, LEDGER_FILE), 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw ledgerTaken(this.dir);
        throw err;
      }
      await this.#append({ type: 'run', version: VERSION, pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), ...run }, true);
    });
  }

  /** Opens the existing ledger to go on with it under the run's lock, saying that this process now owns it. */
  async reopen(): Promise<void> {
    await this.#locked(async () => {
      this.#file = await open(join(this.dir, LEDGER_FILE), 'a');
      // A torn last line (a crash mid-write) must not swallow the next entry: start on a new line.
      await this.#append({ type: 'resumed', pid: process.pid, host: hostname(), at: new Date().toISOString() }, true, true);
    });
  }

  /** Before the create-job POST: a crash after it leaves a job to look for. Synced. */
  creatingJob(): Promise<void> {
    return this.#append({ type: 'creating', at: Date.now() }, true);
  }

  job(jobId: string): Promise<void> {
    return this.#append({ type: 'job', jobId }, true);
  }

  /** A segment cut (its payload complete in the spool), before it is uploaded. Synced. */
  segment(segment: Omit<LedgerSegment, 'jobId' | 'batchId'>): Promise<void> {
    return this.#append({ type: 'segment', ...segment }, true);
  }

  /** A segment's batch exists. Not synced: a crash before it is durable is found by the lost-upload lookup. */
  batch(seq: number, jobId: string, batchId: string): Promise<void> {
    return this.#append({ type: 'batch', seq, jobId, batchId }, false);
  }

  /** A segment's rows are all in the output files (written, their sizes as given). Synced. */
  joined(joined: LedgerJoined): Promise<void> {
    return this.#append({ type: 'joined', ...joined }, true);
  }

  /** The input was read to its end at `row`. */
  inputEnd(row: number): Promise<void> {
    return this.#append({ type: 'inputEnd', row }, true);
  }

  /** The run is complete: every record of the input is in the outputs. */
  finished(): Promise<void> {
    return this.#append({ type: 'finished', at: new Date().toISOString() }, true);
  }

  /** Waits for the lines appended so far, closes the file and lets the run's lock go. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#tail.catch(() => undefined);
      await this.#file?.close();
    } finally {
      await this.#lock?.release();
    }
  }

  /** Runs `open` under the run's lock; a ledger that could not be opened lets the lock go. */
  async #locked(open: () => Promise<void>): Promise<void> {
    await this.lock();
    try {
      await open();
    } catch (err) {
      await this.#file?.close().catch(() => undefined);
      this.#file = undefined;
      await this.#lock?.release();
      this.#lock = undefined;
      throw err;
    }
  }

  /** Appends one line after those before it; a write that fails fails every later one (the ledger would lie). */
  #append(entry: Entry, sync: boolean, newLine = false): Promise<void> {
    const file = this.#file;
    if (this.#closed || !file)
      return Promise.reject(
        new LedgerError(`the ledger in ${this.dir} is ${this.#closed ? 'closed' : 'not open'}`, { problem: this.#closed ? 'closed' : 'not-open', dir: this.dir }),
      );
    const line = `${newLine ? '\n' : ''}${JSON.stringify(entry)}\n`;
    const next = this.#tail.then(async () => {
      await file.appendFile(line);
      if (sync) await file.datasync();
    });
    this.#tail = next;
    return next;
  }
}

/** Whether `dir` holds a ledger: a new run must not take the folder (nor open outputs that its resume will need as they are). */
export async function holdsLedger(dir: string): Promise<boolean> {
  return access(join(dir, LEDGER_FILE)).then(
    () => true,
    () => false,
  );
}

export function ledgerTaken(dir: string): LedgerError {
  return new LedgerError(`${dir} holds the ledger of another load already: resume it, or give another folder`, { problem: 'taken', dir });
}

/** Reads a ledger back. A line that does not parse is taken for the torn end of a crashed write and skipped. */
export async function readLedger(dir: string): Promise<LedgerState> {
  let header: Extract<Entry, { type: 'run' }> | undefined;
  let pid = 0;
  let host = '';
  const jobs: string[] = [];
  const createdJobs: string[] = [];
  const batches = new Map<string, string[]>();
  let creatingSince: number | undefined;
  const pending = new Map<number, LedgerSegment>();
  let superseded: LedgerSegment[] = [];
  let joined: LedgerJoined | undefined;
  let joinedEnd: InputPosition | undefined;
  let nextSeq = 0;
  let inputAt: InputPosition = { row: 0, offset: 0 };
  let inputEnded = false;
  let finished = false;
  let inputHeader: string | undefined;
  const lines = createInterface({ input: createReadStream(join(dir, LEDGER_FILE)), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let entry: Entry;
      try {
        entry = JSON.parse(line) as Entry;
      } catch {
        continue;
      }
      switch (entry.type) {
        case 'run':
          if (entry.version !== VERSION)
            throw new LedgerError(`the ledger in ${dir} is of version ${entry.version}; this bulkpipe reads version ${VERSION}`, {
              problem: 'version',
              version: entry.version,
              reads: VERSION,
              dir,
            });
          header = entry;
          pid = entry.pid;
          host = entry.host;
          break;
        case 'resumed':
          pid = entry.pid;
          host = entry.host;
          break;
        case 'creating':
          creatingSince = entry.at;
          break;
        case 'job':
          jobs.push(entry.jobId);
          createdJobs.push(entry.jobId);
          creatingSince = undefined;
          break;
        case 'segment': {
          const { type: _type, header, ...segment } = entry;
          if (header !== undefined) inputHeader = header;
          // A segment recorded again was cut again by a resumed run (from the first segment whose spool
          // file was gone or damaged): that cut supersedes the segments recorded from there on. Their
          // batches are no longer placed by the ledger: the org's copies are matched by their bytes.
          if (segment.seq < nextSeq) {
            for (const [seq, was] of pending) {
              if (seq < segment.seq) continue;
              if (was.jobId && was.batchId) unplace(batches, was.jobId, was.batchId);
              superseded.push(was);
              pending.delete(seq);
            }
            inputEnded = false;
          }
          pending.set(segment.seq, { ...segment });
          nextSeq = segment.seq + 1;
          inputAt = segment.end;
          break;
        }
        case 'batch': {
          // A batch of a job whose own line the ledger lost (a resumed run found the job in the org by its batches) makes it a job of the run.
          if (!jobs.includes(entry.jobId)) jobs.push(entry.jobId);
          const ids = batches.get(entry.jobId) ?? [];
          ids.push(entry.batchId);
          batches.set(entry.jobId, ids);
          const segment = pending.get(entry.seq);
          if (segment) {
            segment.jobId = entry.jobId;
            segment.batchId = entry.batchId;
          }
          break;
        }
        case 'joined': {
          const { type: _type, ...rest } = entry;
          joined = rest;
          joinedEnd = pending.get(entry.seq)?.end ?? joinedEnd;
          pending.delete(entry.seq);
          const past = joinedEnd?.row ?? 0;
          superseded = superseded.filter((s) => s.end.row > past);
          break;
        }
        case 'inputEnd':
          inputEnded = true;
          break;
        case 'finished':
          finished = true;
          break;
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LedgerError(`no load ledger in ${dir}`, { problem: 'missing', dir }, { cause: err });
    throw err;
  }
  if (!header)
    throw new LedgerError(`the ledger in ${dir} has no run line: it is not a bulkpipe load ledger, or it was cut before its first line`, { problem: 'no-run-line', dir });
  const { type: _t, version: _v, pid: _p, host: _h, startedAt, ...run } = header;
  return {
    dir,
    run,
    pid,
    host,
    startedAt,
    jobs,
    createdJobs,
    batches,
    creatingSince,
    pending: [...pending.values()].sort((a, b) => a.seq - b.seq),
    superseded,
    joined,
    joinedEnd,
    nextSeq,
    inputAt,
    inputHeader,
    inputEnded,
    finished,
  };
}

/** Takes a batch id out of the ledger's placed batches. */
function unplace(batches: Map<string, string[]>, jobId: string, batchId: string): void {
  const ids = batches.get(jobId);
  const at = ids?.indexOf(batchId) ?? -1;
  if (ids && at >= 0) ids.splice(at, 1);
}

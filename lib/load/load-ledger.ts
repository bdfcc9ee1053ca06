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
import { access, mkdir, open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LedgerError } from '../errors.js';
import type { IngestJobEntry } from './ledger-ingest-jobs.js';
import type { RetryEntry } from './ledger-retries.js';
import { RunLock } from './run-lock.js';
import { LEDGER_VERSION, type LedgerRun } from './ledger-run.js';
import { LEDGER_FILE, type Entry, type LedgerJoined, type LedgerSegment } from './ledger-state.js';

export type { LedgerRun } from './ledger-run.js';
export { LEDGER_FILE, readLedger, type LedgerJoined, type LedgerSegment, type LedgerState, type OutputSizes } from './ledger-state.js';

const SPOOL_FOLDER = 'spool';

export class LoadLedger {
  readonly dir: string;
  #file: FileHandle | undefined;
  #lock: RunLock | undefined;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  #announcedJob = false;
  #finished = false;

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
      await this.#append({ type: 'run', version: LEDGER_VERSION, pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), ...run }, true);
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
    this.#announcedJob = true;
    return this.#append({ type: 'creating', at: Date.now() }, true);
  }

  job(jobId: string): Promise<void> {
    this.#announcedJob = true;
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

  /** A 2.0 job's line (lib/load/ledger-ingest-jobs.ts): each is synced before the step it announces is taken. */
  ingestJob(entry: IngestJobEntry): Promise<void> {
    if (entry.type === 'v2group' || entry.type === 'v2job') this.#announcedJob = true;
    return this.#append(entry, true);
  }

  /** A record retry's line (lib/load/ledger-retries.ts): each is synced before the step it announces. */
  retry(entry: RetryEntry): Promise<void> {
    if (entry.type === 'retryJobCreating' || entry.type === 'retryCreating') this.#announcedJob = true;
    return this.#append(entry, true);
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
  async finished(): Promise<void> {
    await this.#append({ type: 'finished', at: new Date().toISOString() }, true);
    this.#finished = true;
  }

  /** What this process did with the ledger: whether it took the run's lock, opened the ledger, a job of the run announced (it may exist in the org), the run finished. */
  get written(): { readonly locked: boolean; readonly opened: boolean; readonly announcedJob: boolean; readonly finished: boolean } {
    return { locked: this.#lock !== undefined, opened: this.#file !== undefined, announcedJob: this.#announcedJob, finished: this.#finished };
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

/**
 * A load ledger read back (`readLedger`): the lines of `ledger.ndjson` folded, in order, into where
 * the run stands. The line types are here, with the ledger's segment and joined records, so that the
 * writer (load-ledger.ts) and the reader agree on one definition.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LedgerError } from '../errors.js';
import type { InputPosition, SpooledBatch } from '../load-types.js';
import { IngestJobsReading, isIngestJobEntry, type IngestJobEntry, type LedgerIngestJob } from './ledger-ingest-jobs.js';
import { isRetryEntry, RetriesReading, type LedgerRetries, type RetryEntry } from './ledger-retries.js';
import { runOfLine, type LedgerRun, type RunLine } from './ledger-run.js';
import type { SpoolFileCheck } from './load-spool.js';

export const LEDGER_FILE = 'ledger.ndjson';

/** A segment as the ledger knows it: the spooled batch's description, its payload named within the spool. */
export interface LedgerSegment extends Pick<SpooledBatch, 'seq' | 'records' | 'rejected' | 'bytes' | 'rows' | 'columns' | 'contentType'> {
  /** The payload's file name in the spool; null when nothing is uploaded (rejected records only). */
  readonly payload: string | null;
  /** A binary-attachment batch: its zip's file name in the spool (what is uploaded). */
  readonly upload?: string;
  /** A grouped load: the file name in the spool of its records' input rows (SpooledBatch.sources). */
  readonly sources?: string;
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

export type Entry =
  | RunLine
  | { readonly type: 'resumed'; readonly pid: number; readonly host: string; readonly at: string }
  | { readonly type: 'creating'; readonly at: number }
  | { readonly type: 'job'; readonly jobId: string }
  | ({ readonly type: 'segment' } & Omit<LedgerSegment, 'jobId' | 'batchId'>)
  | { readonly type: 'batch'; readonly seq: number; readonly jobId: string; readonly batchId: string }
  | ({ readonly type: 'joined' } & LedgerJoined)
  | { readonly type: 'inputEnd'; readonly row: number }
  | { readonly type: 'finished'; readonly at: string }
  | IngestJobEntry
  | RetryEntry;

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
  /** A Bulk API 2.0 load's jobs, by their first segment (none for v1). */
  readonly ingestJobs: readonly LedgerIngestJob[];
  /** The record retries of the segments not yet joined, and the jobs they made (lib/load/ledger-retries.ts). */
  readonly retries: LedgerRetries;
}

/** Reads a ledger back. A line that does not parse is taken for the torn end of a crashed write and skipped. */
export async function readLedger(dir: string): Promise<LedgerState> {
  const reading = new LedgerReading(dir);
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
      reading.take(entry);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LedgerError(`no load ledger in ${dir}`, { problem: 'missing', dir }, { cause: err });
    throw err;
  }
  return reading.state();
}

/** Where a run stands, as the lines read so far say. */
class LedgerReading {
  readonly #dir: string;
  #run: LedgerRun | undefined;
  #startedAt = '';
  #pid = 0;
  #host = '';
  readonly #jobs: string[] = [];
  readonly #createdJobs: string[] = [];
  readonly #batches = new Map<string, string[]>();
  #creatingSince: number | undefined;
  readonly #pending = new Map<number, LedgerSegment>();
  #superseded: LedgerSegment[] = [];
  #joined: LedgerJoined | undefined;
  #joinedEnd: InputPosition | undefined;
  #nextSeq = 0;
  #inputAt: InputPosition = { row: 0, offset: 0 };
  #inputEnded = false;
  #finished = false;
  #inputHeader: string | undefined;
  readonly #ingestJobs = new IngestJobsReading();
  readonly #retries = new RetriesReading();

  constructor(dir: string) {
    this.#dir = dir;
  }

  take(entry: Entry): void {
    if (isRetryEntry(entry)) {
      this.#retries.take(entry);
      return;
    }
    if (isIngestJobEntry(entry)) {
      this.#ingestJobs.take(entry);
      if (entry.type === 'v2job') this.#jobs.push(entry.jobId);
      return;
    }
    switch (entry.type) {
      case 'run':
        this.#run = runOfLine(entry as unknown as Record<string, unknown>, this.#dir);
        this.#startedAt = entry.startedAt;
        this.#pid = entry.pid;
        this.#host = entry.host;
        break;
      case 'resumed':
        this.#pid = entry.pid;
        this.#host = entry.host;
        break;
      case 'creating':
        this.#creatingSince = entry.at;
        break;
      case 'job':
        this.#jobs.push(entry.jobId);
        this.#createdJobs.push(entry.jobId);
        this.#creatingSince = undefined;
        break;
      case 'segment':
        this.#segment(entry);
        break;
      case 'batch':
        this.#batch(entry);
        break;
      case 'joined':
        this.#joinedSegment(entry);
        break;
      case 'inputEnd':
        this.#inputEnded = true;
        break;
      case 'finished':
        this.#finished = true;
        break;
    }
  }

  state(): LedgerState {
    const run = this.#run;
    if (!run)
      throw new LedgerError(`the ledger in ${this.#dir} has no run line: it is not a bulkpipe load ledger, or it was cut before its first line`, {
        problem: 'no-run-line',
        dir: this.#dir,
      });
    return {
      dir: this.#dir,
      run,
      pid: this.#pid,
      host: this.#host,
      startedAt: this.#startedAt,
      jobs: this.#jobs,
      createdJobs: this.#createdJobs,
      batches: this.#batches,
      creatingSince: this.#creatingSince,
      pending: [...this.#pending.values()].sort((a, b) => a.seq - b.seq),
      superseded: this.#superseded,
      joined: this.#joined,
      joinedEnd: this.#joinedEnd,
      nextSeq: this.#nextSeq,
      inputAt: this.#inputAt,
      inputHeader: this.#inputHeader,
      inputEnded: this.#inputEnded,
      finished: this.#finished,
      ingestJobs: this.#ingestJobs.jobs(),
      retries: this.#retries.state(),
    };
  }

  #segment(entry: Extract<Entry, { type: 'segment' }>): void {
    const { type: _type, header, ...segment } = entry;
    if (header !== undefined) this.#inputHeader = header;
    // A segment recorded again was cut again by a resumed run (from the first segment whose spool
    // file was gone or damaged): that cut supersedes the segments recorded from there on. Their
    // batches are no longer placed by the ledger: the org's copies are matched by their bytes.
    if (segment.seq < this.#nextSeq) {
      for (const [seq, was] of this.#pending) {
        if (seq < segment.seq) continue;
        if (was.jobId && was.batchId) this.#unplace(was.jobId, was.batchId);
        this.#superseded.push(was);
        this.#pending.delete(seq);
      }
      this.#inputEnded = false;
    }
    this.#pending.set(segment.seq, { ...segment });
    this.#nextSeq = segment.seq + 1;
    this.#inputAt = segment.end;
  }

  #batch(entry: Extract<Entry, { type: 'batch' }>): void {
    // A batch of a job whose own line the ledger lost (a resumed run found the job in the org by its batches) makes it a job of the run.
    if (!this.#jobs.includes(entry.jobId)) this.#jobs.push(entry.jobId);
    const ids = this.#batches.get(entry.jobId) ?? [];
    ids.push(entry.batchId);
    this.#batches.set(entry.jobId, ids);
    const segment = this.#pending.get(entry.seq);
    if (segment) {
      segment.jobId = entry.jobId;
      segment.batchId = entry.batchId;
    }
  }

  #joinedSegment(entry: Extract<Entry, { type: 'joined' }>): void {
    const { type: _type, ...rest } = entry;
    this.#joined = rest;
    this.#joinedEnd = this.#pending.get(entry.seq)?.end ?? this.#joinedEnd;
    this.#pending.delete(entry.seq);
    this.#retries.joined(entry.seq);
    const past = this.#joinedEnd?.row ?? 0;
    this.#superseded = this.#superseded.filter((s) => s.end.row > past);
  }

  /** Takes a batch id out of the ledger's placed batches. */
  #unplace(jobId: string, batchId: string): void {
    const ids = this.#batches.get(jobId);
    const at = ids?.indexOf(batchId) ?? -1;
    if (ids && at >= 0) ids.splice(at, 1);
  }
}

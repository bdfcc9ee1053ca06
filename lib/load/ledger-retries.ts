/**
 * A load's record retries as its ledger tells them (issue 26). The rows of a segment whose results
 * proved them unwritten (lib/retry/retryable-errors.ts) are sent again, attempt after attempt, and
 * each step is a line, synced before the step it announces:
 * - `retry`: which rows of which segment await attempt `attempt` (0-based payload indices, in the
 *   order of the retry payload), with the retry payload and the segment's results before it (the
 *   `base`) as spool files, whole; written before anything of the attempt is sent;
 * - v1: `retryJobCreating` before the run's retry job's create POST, `retryJob` after it, then
 *   `retrySent` with the attempt's batch id once it exists;
 * - 2.0: `retryCreating` before the attempt's job's create POST, `retrySent` with its id after it,
 *   `retryUploaded` once the org took the upload, `retryClosed` once UploadComplete was answered;
 * - `retried`: the segment's results with the attempt's merged in, synced (the next attempt's base).
 * A resume (transforms/record-retrier.ts, `goOn`) goes on from each segment's last durable step.
 */
import type { SpoolFileCheck } from './load-spool.js';

export type RetryEntry =
  | {
      readonly type: 'retry';
      readonly seq: number;
      readonly attempt: number;
      readonly rows: readonly number[];
      readonly payload: SpoolFileCheck;
      readonly base: SpoolFileCheck;
    }
  | { readonly type: 'retryJobCreating'; readonly at: number }
  | { readonly type: 'retryJob'; readonly jobId: string }
  | { readonly type: 'retryCreating'; readonly seq: number; readonly attempt: number; readonly at: number }
  | { readonly type: 'retrySent'; readonly seq: number; readonly attempt: number; readonly jobId: string; readonly batchId?: string }
  | { readonly type: 'retryUploaded'; readonly seq: number; readonly attempt: number }
  | { readonly type: 'retryClosed'; readonly seq: number; readonly attempt: number }
  | { readonly type: 'retried'; readonly seq: number; readonly attempt: number; readonly results: SpoolFileCheck };

const TYPES = new Set(['retry', 'retryJobCreating', 'retryJob', 'retryCreating', 'retrySent', 'retryUploaded', 'retryClosed', 'retried']);

/** Whether a ledger line is a record retry's. */
export function isRetryEntry(entry: { readonly type: string }): entry is RetryEntry {
  return TYPES.has(entry.type);
}

/** An attempt announced: its rows and files, and how far it got. */
export interface LedgerRetryAttempt {
  readonly kind: 'attempt';
  readonly attempt: number;
  readonly rows: readonly number[];
  readonly payload: SpoolFileCheck;
  readonly base: SpoolFileCheck;
  /** 2.0: when its job's create POST went out (a job whose id never came back is dated after it). */
  readonly creatingAt?: number;
  /** Its batch's job (v1) or its job (2.0), once it exists. */
  readonly jobId?: string;
  readonly batchId?: string;
  readonly uploaded: boolean;
  readonly closed: boolean;
}

/** An attempt's results merged into the segment's, synced. */
interface LedgerRetryMerged {
  readonly kind: 'merged';
  readonly attempt: number;
  readonly results: SpoolFileCheck;
}

/** Where a segment's retries stand: its last durable step. */
export type LedgerRetryStep = LedgerRetryAttempt | LedgerRetryMerged;

/** The record retries of a run, folded from its ledger. */
export interface LedgerRetries {
  /** Each segment's last step, for the segments not yet joined. */
  readonly steps: ReadonlyMap<number, LedgerRetryStep>;
  /** The jobs record retries made (v1's retry jobs, 2.0's retry jobs), oldest first. */
  readonly jobs: readonly string[];
  /** v1: the retry jobs by their id, to tell them from 2.0's. */
  readonly batchJobs: readonly string[];
  /** The batches (v1) that attempts recorded as theirs: a lost one is looked for among the others. */
  readonly placed: ReadonlySet<string>;
  /** v1: when a retry job's create POST went out with no id recorded after it (epoch ms): an Open job without batches may be its. */
  readonly lostJobCreate?: number;
}

export class RetriesReading {
  readonly #steps = new Map<number, LedgerRetryStep>();
  readonly #jobs: string[] = [];
  readonly #batchJobs: string[] = [];
  readonly #placed = new Set<string>();
  #lostJobCreate: number | undefined;

  take(entry: RetryEntry): void {
    switch (entry.type) {
      case 'retry':
        this.#steps.set(entry.seq, { kind: 'attempt', attempt: entry.attempt, rows: entry.rows, payload: entry.payload, base: entry.base, uploaded: false, closed: false });
        return;
      case 'retryJobCreating':
        this.#lostJobCreate = entry.at;
        return;
      case 'retryJob':
        this.#lostJobCreate = undefined;
        this.#jobs.push(entry.jobId);
        this.#batchJobs.push(entry.jobId);
        return;
      case 'retried':
        this.#steps.set(entry.seq, { kind: 'merged', attempt: entry.attempt, results: entry.results });
        return;
      default:
        this.#attemptStep(entry);
    }
  }

  /** A segment joined: its retries are over. */
  joined(seq: number): void {
    this.#steps.delete(seq);
  }

  state(): LedgerRetries {
    return {
      steps: this.#steps,
      jobs: this.#jobs,
      batchJobs: this.#batchJobs,
      placed: this.#placed,
      ...(this.#lostJobCreate === undefined ? {} : { lostJobCreate: this.#lostJobCreate }),
    };
  }

  #attemptStep(entry: Extract<RetryEntry, { type: 'retryCreating' | 'retrySent' | 'retryUploaded' | 'retryClosed' }>): void {
    const step = this.#steps.get(entry.seq);
    if (step?.kind !== 'attempt' || step.attempt !== entry.attempt) return;
    if (entry.type === 'retryCreating') this.#steps.set(entry.seq, { ...step, creatingAt: entry.at });
    else if (entry.type === 'retrySent') {
      this.#steps.set(entry.seq, { ...step, jobId: entry.jobId, ...(entry.batchId === undefined ? {} : { batchId: entry.batchId }) });
      if (entry.batchId !== undefined) this.#placed.add(entry.batchId);
      else if (!this.#jobs.includes(entry.jobId)) this.#jobs.push(entry.jobId);
    } else if (entry.type === 'retryUploaded') this.#steps.set(entry.seq, { ...step, uploaded: true });
    else this.#steps.set(entry.seq, { ...step, uploaded: true, closed: true });
  }
}

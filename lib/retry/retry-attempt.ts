/**
 * One attempt of a record retry as its sender takes it (issue 26): the segment and attempt, its rows
 * and payload, and, for a resumed run, how far the ledger says it got. A sender sends it (or finds
 * that the org holds it already), waits for the org, and gives its results in the retry payload's
 * order (AttemptOutcome); each step is in the ledger before or after it, as ledger-retries.ts says.
 */
import { PollTimeoutError } from '../errors.js';
import type { LedgerRetryAttempt } from '../load/ledger-retries.js';
import { pollTicks, type PollLoopOptions } from '../poll-loop.js';
import type { AttemptOutcome } from './merge-results.js';

export interface RetryAttempt {
  readonly seq: number;
  readonly attempt: number;
  /** Rows in the retry payload. */
  readonly records: number;
  readonly payloadPath: string;
  readonly payloadSha256: string;
  /** A resumed run's attempt: its last step in the ledger. */
  readonly resumed?: LedgerRetryAttempt;
}

/** Sends attempts, one call each; `settle` leaves nothing of its own Open once the run is done (or failed). */
export interface RetrySender {
  /** Bulk API batches this run's attempts spent of the org's DailyBulkApiBatches (v1: each batch made; 2.0: each job's internal batches). */
  readonly batches: number;
  send(attempt: RetryAttempt, signal: AbortSignal): Promise<AttemptOutcome>;
  settle(failed: boolean): Promise<void>;
}

/** Polls `check` in the poll loop until it gives a value; a timeout ends it naming the job and what was awaited. */
export async function pollUntil<T>(loop: PollLoopOptions, jobId: string, awaited: string, check: () => Promise<T | undefined>): Promise<T> {
  for await (const tick of pollTicks(loop, () => new PollTimeoutError(jobId, [awaited], loop.timeoutMs))) {
    const value = await check();
    if (value !== undefined) return value;
    tick.changed = false;
  }
  throw new PollTimeoutError(jobId, [awaited], loop.timeoutMs);
}

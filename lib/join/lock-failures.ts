/**
 * Counts a joined segment's lock failures as its blocks pass: its uploaded rows, and those that
 * failed on a row lock as record retry defines it (lib/retry/retryable-errors.ts: `UNABLE_TO_LOCK_ROW`,
 * or a trigger's save that hit one), so that adaptive concurrency hears the same with retries on or off.
 * A segment joined again from its first row (`restart`) is counted again from nothing. The counts
 * of a segment are given once its last block is by. Memory: two numbers per segment being joined.
 */
import type { JoinedBlock } from '../load-types.js';
import { isRetryableError } from '../retry/retryable-errors.js';
import { JoinedRows, UPLOADED } from './joined-rows.js';

export class LockFailureCounter {
  readonly #onSegment: (sent: number, lockFailed: number) => void;
  readonly #open = new Map<number, { sent: number; lockFailed: number }>();

  constructor(onSegment: (sent: number, lockFailed: number) => void) {
    this.#onSegment = onSegment;
  }

  add(block: JoinedBlock): void {
    const rows = JoinedRows.of(block);
    let counts = this.#open.get(rows.seq);
    if (!counts || rows.restart) this.#open.set(rows.seq, (counts = { sent: 0, lockFailed: 0 }));
    for (let i = 0; i < rows.count; i++) {
      if (((rows.flags[i] as number) & UPLOADED) === 0) continue; // rejected before upload: never sent
      counts.sent++;
      if (isRetryableError(rows.errors[i] ?? '')) counts.lockFailed++;
    }
    if (!rows.last) return;
    this.#open.delete(rows.seq);
    // A segment of rejected records only was never sent: nothing to learn from it.
    if (counts.sent > 0) this.#onSegment(counts.sent, counts.lockFailed);
  }
}

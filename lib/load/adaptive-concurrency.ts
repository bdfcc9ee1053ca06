/**
 * AdaptiveConcurrency: how many uploads a load keeps in flight, from the lock failures its batches
 * come back with. Salesforce's guideline for `UNABLE_TO_LOCK_ROW` is fewer concurrent batches on the
 * same parents; so a batch whose share of lock failures is above `threshold` halves the limit
 * (never below 1), and each `recoverAfter` batches in a row at or under it raise it by one again
 * (never above `max`). The batches that were in flight when the limit was lowered were sent under the
 * old limit: the next `before` of them (the old limit) neither lower it again nor count as clean, so
 * that one burst does not halve it down to 1. Pure and deterministic: the same observations give
 * the same limits. No I/O, no timers.
 */
import { positiveInteger } from '../options.js';
import { InvalidOptionError } from '../errors.js';

export interface AdaptiveConcurrencyOptions {
  /** The configured concurrency: the start and the most. */
  readonly max: number;
  /** The share of a batch's records failed with a lock error above which the limit is halved; default 0.02 (2%). */
  readonly threshold?: number;
  /** Batches in a row at or under the threshold after which the limit rises by one; default 4. */
  readonly recoverAfter?: number;
}

/** A change of the limit, and the batch that made it. */
export interface ConcurrencyChange {
  readonly from: number;
  readonly to: number;
  /** The observed batch: its records and those that failed on a lock. */
  readonly sent: number;
  readonly lockFailed: number;
}

const DEFAULT_LOCK_FAILURE_THRESHOLD = 0.02;
const DEFAULT_RECOVER_AFTER = 4;

export class AdaptiveConcurrency {
  readonly #max: number;
  readonly #threshold: number;
  readonly #recoverAfter: number;
  #current: number;
  #lowest: number;
  #clean = 0;
  /** Observations still due from batches sent under a higher limit. */
  #settling = 0;

  constructor(options: AdaptiveConcurrencyOptions) {
    this.#max = positiveInteger('concurrency', options.max);
    const threshold = options.threshold ?? DEFAULT_LOCK_FAILURE_THRESHOLD;
    if (typeof threshold !== 'number' || !(threshold >= 0 && threshold < 1)) throw new InvalidOptionError('threshold', 'a share from 0 to under 1', threshold);
    this.#threshold = threshold;
    this.#recoverAfter = positiveInteger('recoverAfter', options.recoverAfter ?? DEFAULT_RECOVER_AFTER);
    this.#current = this.#max;
    this.#lowest = this.#max;
  }

  /** The limit now. */
  get current(): number {
    return this.#current;
  }

  /** The lowest the limit has been. */
  get lowest(): number {
    return this.#lowest;
  }

  /** One batch's outcome: `sent` records, `lockFailed` of them failed on a lock. Returns the change it makes, if any. */
  observe(sent: number, lockFailed: number): ConcurrencyChange | undefined {
    if (!(Number.isInteger(sent) && sent >= 0 && Number.isInteger(lockFailed) && lockFailed >= 0 && lockFailed <= sent))
      throw new InvalidOptionError('observe', 'whole counts, lockFailed at most sent', { sent, lockFailed });
    if (sent === 0) return undefined;
    const high = lockFailed / sent > this.#threshold;
    if (this.#settling > 0) {
      this.#settling--;
      return undefined;
    }
    if (high) {
      this.#clean = 0;
      if (this.#current === 1) return undefined;
      const from = this.#current;
      this.#current = Math.max(1, Math.floor(from / 2));
      this.#lowest = Math.min(this.#lowest, this.#current);
      // The batches in flight were sent under the old limit: their failures are not news.
      this.#settling = from - 1;
      return { from, to: this.#current, sent, lockFailed };
    }
    if (this.#current === this.#max) return undefined;
    if (++this.#clean < this.#recoverAfter) return undefined;
    this.#clean = 0;
    const from = this.#current;
    this.#current = from + 1;
    return { from, to: this.#current, sent, lockFailed };
  }
}

/** A change as the CLI says it: `concurrency 8 -> 4 (lock failures 12% of the last batch)`. */
export function describeConcurrencyChange(change: ConcurrencyChange): string {
  const share = Math.round((100 * change.lockFailed) / change.sent);
  return `concurrency ${change.from} -> ${change.to} (lock failures ${share}% of the last batch)`;
}

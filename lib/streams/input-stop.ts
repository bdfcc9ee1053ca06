/**
 * The stop state of an input stage (RecordParser, CsvBatchSplitter): a graceful stop (stop()), or,
 * with `onError`, a stop on malformed input instead of a failure, so that what came before can
 * still be finished. Once stopped, a stage emits nothing more and ends when its input ends.
 */
import type { TransformCallback } from 'node:stream';
import { BulkError } from '../errors.js';

export class InputStop {
  readonly #onError: ((err: Error) => void) | undefined;
  #stopped = false;
  /** The whole input was taken (the stage's flush began): a stop comes too late to leave anything unread. */
  #ended = false;

  constructor(onError: ((err: Error) => void) | undefined) {
    this.#onError = onError;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Whether malformed input stops the stage rather than fails it. */
  get stopsOnError(): boolean {
    return this.#onError !== undefined;
  }

  /** Stops; false when the stage had taken its whole input already (then it ends as it would have). */
  stop(): boolean {
    if (this.#ended && !this.#stopped) return false;
    this.#stopped = true;
    return true;
  }

  /** The stage's input ended, every chunk of it taken (call it first thing in the stage's flush). */
  inputEnded(): void {
    this.#ended = true;
  }

  /** Fails the stream, or with onError, reports the error (once) and stops. */
  fail(err: Error, callback: TransformCallback): void {
    if (!this.#onError || failsTheRun(err)) return callback(err);
    if (!this.#stopped) {
      this.#stopped = true;
      this.#onError(err);
    }
    callback();
  }
}

/** A spool file that could not be written (a full disk) is no fault of the input: it fails the run, which is resumed once the disk has room. */
export function failsTheRun(err: Error): boolean {
  return err instanceof BulkError && err.code === 'BULK_SPOOL';
}

/**
 * The one poll loop of bulkpipe, shared by the load's StatusPoller and by bulkQuery: poll, then
 * wait, adaptively. The wait starts at `minIntervalMs`, grows by half after each poll that saw no
 * change, up to `maxIntervalMs`, and drops back to the minimum after one that did. A caller that can
 * tell when the next change is due (a batch's processed count rising towards its size) says so
 * (`tick.dueInMs`): that one wait ends then instead, never under `minIntervalMs` (issue 28: the
 * org's last batches end between two polls, and it idles until the next; the minimum stays the
 * shortest wait between two polls, as `--poll-interval` documents). A run that is
 * still waiting after `timeoutMs` ends with the caller's timeout error. The wait is a
 * timers/promises sleep on the caller's signal: an abort ends it at once and leaves no timer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidOptionError } from './errors.js';
import { MAX_POLL_INTERVAL_MS, MAX_POLL_TIMEOUT_MS } from './limits.js';
import { duration } from './options.js';

export interface PollLoopOptions {
  /** First and shortest wait between two polls, ms. */
  readonly minIntervalMs: number;
  /** Longest wait, ms. */
  readonly maxIntervalMs: number;
  /** Most time the loop may run, ms. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** One turn of the loop: the caller polls, then says whether anything changed. */
export interface PollTick {
  /** Set by the caller: something changed since the last poll (a batch finished), so the next wait is the shortest. */
  changed: boolean;
  /** The wait after this poll if nothing changed, ms (after a change: `minIntervalMs`). */
  readonly waitMs: number;
  /**
   * Set by the caller: when the next change is due, ms from now. The next wait ends then if that is
   * sooner, never under `minIntervalMs` (a due time sooner than that is polled for then); the waits
   * after it back off as before. So polls stay at least `minIntervalMs` apart, however often the
   * caller says so.
   */
  dueInMs?: number;
}

/** The wait after a tick: the loop's, or the caller's due time when sooner. */
export function waitAfter(tick: PollTick, options: PollLoopOptions): number {
  const wait = tick.changed ? options.minIntervalMs : tick.waitMs;
  if (tick.dueInMs === undefined) return wait;
  return Math.min(wait, Math.max(options.minIntervalMs, Math.round(tick.dueInMs)));
}

/** Checks the intervals (option errors name them as the caller spells them). */
export function pollLoopOptions(
  names: { min: string; max: string; timeout: string },
  values: { min: number; max: number; timeout: number },
  signal?: AbortSignal,
): PollLoopOptions {
  const minIntervalMs = duration(names.min, values.min, MAX_POLL_INTERVAL_MS);
  const maxIntervalMs = duration(names.max, values.max, MAX_POLL_INTERVAL_MS);
  const timeoutMs = duration(names.timeout, values.timeout, MAX_POLL_TIMEOUT_MS);
  if (maxIntervalMs < minIntervalMs) throw new InvalidOptionError(names.max, `at least ${names.min} (${minIntervalMs})`, maxIntervalMs);
  return { minIntervalMs, maxIntervalMs, timeoutMs, ...(signal ? { signal } : {}) };
}

/**
 * Yields once per poll, at once the first time and after the wait from then on: the caller polls,
 * sets `tick.changed`, and leaves the loop (break or return) when nothing is left to wait for. A
 * generator rather than a callback, so that bulkQuery can yield its rows from inside the loop. Once
 * `timeoutMs` has passed, `timedOut()` gives the error to end with (undefined: nothing is being
 * waited for, go on).
 */
export async function* pollTicks(options: PollLoopOptions, timedOut: () => Error | undefined): AsyncGenerator<PollTick, void, undefined> {
  const deadline = Date.now() + options.timeoutMs;
  let wait = options.minIntervalMs;
  for (;;) {
    const tick: PollTick = { changed: false, waitMs: wait };
    yield tick;
    if (Date.now() > deadline) {
      const err = timedOut();
      if (err) throw err;
    }
    if (tick.changed) wait = options.minIntervalMs;
    await sleep(waitAfter(tick, options), undefined, options.signal ? { signal: options.signal } : {});
    wait = Math.min(options.maxIntervalMs, Math.round(wait * 1.5));
  }
}

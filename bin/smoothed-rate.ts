/**
 * A per-second rate of a running count that moves in steps: a poll brings the org's news all at
 * once (one step after seconds of nothing, then several close together), so a rate over the last
 * few samples swings from a fraction to many times the real pace (issue 27: 8k to 228k records/s
 * in one load). Each step is spread over the time since the step before it, and the steps are
 * weighted down exponentially with their age: an exponentially weighted rate over a time window, as
 * a ratio of decayed records to decayed time (so one long gap and its large step count as what
 * they are). Three counters; nothing per sample is kept.
 */

/** The time constant of the weights, in ms: a step this old weighs e⁻¹ (about 0.37) of a new one. */
const DEFAULT_WINDOW_MS = 20_000;
/** No rate is told before the steps measured span this long: a first rate over a few hundred ms is noise. */
const MIN_SPAN_MS = 1_000;
/** Past this many usual gaps between steps with no step, the quiet time counts as time with no records (a stall shows). */
const QUIET_GAPS = 2;

export class SmoothedRate {
  readonly #windowMs: number;
  /** The last step (or the first sample, before any step). */
  #last: { at: number; total: number } | undefined;
  /** When the first step came: it only sets where the pace is measured from. */
  #originAt: number | undefined;
  /** Decayed sums of the steps' records, of their spans (ms), and of their number. */
  #records = 0;
  #spanMs = 0;
  #steps = 0;

  /** `windowMs`: the weights' time constant (default 20 s). */
  constructor(windowMs = DEFAULT_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /**
   * Takes the running total at `at` (ms) and returns the rate per second, or undefined when it
   * cannot be told yet. A total lower than one seen before is no news (the count only rises).
   */
  sample(total: number, at = Date.now()): number | undefined {
    const last = this.#last;
    if (last === undefined) {
      this.#last = { at, total };
      return undefined;
    }
    // A rise in the same ms as the last step waits for the next one: a step needs a span to spread over.
    if (total > last.total && at > last.at) {
      if (this.#originAt !== undefined) this.#step(total - last.total, at - last.at);
      // The first step holds the run's start (the job made, the first batches sent, the first poll) or,
      // for a resumed load, what the org did while no one watched: not the pace. It sets the origin.
      else this.#originAt = at;
      this.#last = { at, total };
    }
    return this.rate(at);
  }

  /** The rate per second at `now` (ms), without a new sample; undefined before a second of steps. */
  rate(now = Date.now()): number | undefined {
    if (this.#last === undefined || this.#originAt === undefined || this.#last.at - this.#originAt < MIN_SPAN_MS) return undefined;
    const gapMs = this.#spanMs / this.#steps;
    const quietMs = Math.max(0, now - this.#last.at - QUIET_GAPS * gapMs);
    const keep = Math.exp(-quietMs / this.#windowMs);
    return ((this.#records * keep) / (this.#spanMs * keep + quietMs)) * 1000;
  }

  #step(records: number, spanMs: number): void {
    const keep = Math.exp(-spanMs / this.#windowMs);
    this.#records = this.#records * keep + records;
    this.#spanMs = this.#spanMs * keep + spanMs;
    this.#steps = this.#steps * keep + 1;
  }
}

/**
 * The wait between two polls: it starts at `minMs`, grows by half while nothing changes, up to
 * `maxMs`, and drops back to `minMs` when something does.
 */
export class AdaptiveInterval {
  readonly #minMs: number;
  readonly #maxMs: number;
  #current: number;

  constructor(minMs: number, maxMs: number) {
    this.#minMs = minMs;
    this.#maxMs = maxMs;
    this.#current = minMs;
  }

  get ms(): number {
    return this.#current;
  }

  /** Records the outcome of a poll. */
  next(changed: boolean): void {
    this.#current = changed ? this.#minMs : Math.min(this.#maxMs, Math.round(this.#current * 1.5));
  }
}

/**
 * A submitting stage's work in flight, and its write callback held while it has no room: the
 * backpressure from a bounded number of uploads (or jobs) back to the input. The stage says what
 * room is (`hasRoom`); a task that settles, or room made elsewhere (`release`), lets the held
 * callback go. Buffers: the tasks' promises and one callback.
 */
import { MAX_LOAD_CONCURRENCY } from '../limits.js';
import { positiveInteger } from '../options.js';

export class InFlight {
  readonly #hasRoom: () => boolean;
  readonly #tasks = new Set<Promise<void>>();
  #held: (() => void) | undefined;

  constructor(hasRoom: () => boolean) {
    this.#hasRoom = hasRoom;
  }

  /** Calls `callback` now when there is room, else once there is. */
  pass(callback: () => void): void {
    if (this.#hasRoom()) callback();
    else this.#held = callback;
  }

  /** Keeps `task` until it settles (it must not reject), then lets a held callback go if there is room. */
  track(task: Promise<void>): void {
    const tracked = task.finally(() => {
      this.#tasks.delete(tracked);
      this.release();
    });
    this.#tasks.add(tracked);
  }

  /** Lets a held callback go once there is room (room may come from elsewhere than a task). */
  release(): void {
    const held = this.#held;
    if (held && this.#hasRoom()) {
      this.#held = undefined;
      held();
    }
  }

  /** Resolves once every task, including those tracked meanwhile, has settled. */
  async drain(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
  }

  /** Drops a held callback (the stage is destroyed). */
  clear(): void {
    this.#held = undefined;
  }
}

/**
 * A submitting stage's limit changed at run time (adaptive concurrency): `n` checked, given to the
 * stage (`apply`, before anything else: its room depends on it) and to the p-limit queue, and a held
 * write let go when the new limit makes room.
 */
export function changeLimit(n: number, apply: (concurrency: number) => void, limit: { concurrency: number }, inFlight: InFlight): void {
  const checked = positiveInteger('concurrency', n, MAX_LOAD_CONCURRENCY);
  apply(checked);
  limit.concurrency = checked;
  inFlight.release();
}

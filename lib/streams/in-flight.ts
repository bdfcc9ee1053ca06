/**
 * A submitting stage's work in flight, and its write callback held while it has no room: the
 * backpressure from a bounded number of uploads (or jobs) back to the input. The stage says what
 * room is (`hasRoom`); a task that settles, or room made elsewhere (`release`), lets the held
 * callback go. Buffers: the tasks' promises and one callback.
 */
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

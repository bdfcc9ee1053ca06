/**
 * For Transforms that push from their own async loop (the poller, the joiner): when push() says the
 * readable side is full, the loop waits here until the reader calls _read.
 */
export class ReadWaiter {
  #resolve: (() => void) | undefined;

  /** Resolves at the reader's next _read. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => (this.#resolve = resolve));
  }

  /** Call from _read. */
  release(): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.();
  }
}

/**
 * Describe documents read once per client: the first call for a key asks the org and every call
 * after it gets the same answer; a failure is not kept, so that the next call asks again.
 * Buffers: one parsed document per object described (an org's schema is bounded).
 */
export class DescribeCache {
  /** By lower-case object name ('' for describeGlobal). */
  readonly #pending = new Map<string, Promise<unknown>>();

  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = this.#pending.get(key) as Promise<T> | undefined;
    if (!pending) {
      const kept = read();
      this.#pending.set(key, kept);
      kept.catch(() => {
        if (this.#pending.get(key) === kept) this.#pending.delete(key);
      });
      pending = kept;
    }
    return pending;
  }
}

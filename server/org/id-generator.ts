/**
 * Record ids with real key prefixes: prefix (3) + instance (2) + a base-62 counter (10), then the
 * 18-character case-safe suffix. Counters are reserved in blocks in the store (one atomic statement),
 * so ids never repeat across restarts nor between processes that share the org's file; ids one
 * process makes of a prefix sort in creation order.
 */
import { caseSafeSuffix } from '../../lib/ids.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const INSTANCE = '5g';
const BLOCK = 10_000;

export interface CounterStore {
  /** Reserves `count` numbers for a prefix and returns the first. */
  reserve(prefix: string, count: number): number;
}

function encodeBase62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export class IdGenerator {
  readonly #store: CounterStore;
  readonly #blocks = new Map<string, { next: number; end: number }>();

  constructor(store: CounterStore) {
    this.#store = store;
  }

  /** A new 18-character id. */
  next(prefix: string): string {
    const id15 = this.next15(prefix);
    return id15 + caseSafeSuffix(id15);
  }

  /** A new 15-character id (query result ids are 15 characters on the wire). */
  next15(prefix: string): string {
    let block = this.#blocks.get(prefix);
    if (!block || block.next >= block.end) {
      const first = this.#store.reserve(prefix, BLOCK);
      block = { next: first, end: first + BLOCK };
      this.#blocks.set(prefix, block);
    }
    return `${prefix}${INSTANCE}${encodeBase62(block.next++, 10)}`;
  }

  /**
   * Drops the blocks in hand: call it after a transaction rolled back, which may have undone the
   * reservation of one of them (another process would then be given the same numbers).
   */
  forget(): void {
    this.#blocks.clear();
  }
}

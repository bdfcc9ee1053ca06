/**
 * The rows of a job by their 64-bit hash, in typed arrays only: each row's hash (8 bytes), a link
 * to the next row of the same hash (4), and an open-addressing table of at least twice as many slots
 * as rows (4 bytes a slot), about 20 bytes a row in all, whatever the rows hold. Rows of one hash
 * (identical rows) form a chain; `take` hands out the chain's rows one by one, so that each row is
 * taken once and n identical rows take n results in O(1) each.
 */

const EMPTY = -1;

export class RowIndex {
  #size: number;
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #next: Int32Array;
  /** A slot holds the next row of its chain to hand out, or `-(row + 2)` once the chain is spent (row: any row of the hash, kept to compare). */
  #table: Int32Array = new Int32Array(0);
  #shift = 0;

  /** `capacity`: how many rows (entries 0..capacity-1) it can hold. */
  constructor(capacity: number) {
    this.#size = capacity;
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#next = new Int32Array(capacity);
  }

  /** Empties it for `size` rows (at most its capacity): one index serves partition after partition, its arrays allocated once. */
  reset(size: number): void {
    this.#size = Math.min(size, this.#hi.length);
  }

  set(entry: number, hi: number, lo: number): void {
    this.#hi[entry] = hi;
    this.#lo[entry] = lo;
  }

  /** Builds the table once every entry is set. */
  build(): void {
    let bits = 4;
    while (1 << bits < this.#size * 2) bits++;
    this.#shift = 32 - bits;
    // The table too is kept when it is big enough (a larger one than needed only spreads the rows more).
    if (this.#table.length < 1 << bits) this.#table = new Int32Array(1 << bits);
    else this.#shift = 32 - Math.log2(this.#table.length);
    this.#table.fill(EMPTY);
    const mask = this.#table.length - 1;
    for (let entry = 0; entry < this.#size; entry++) {
      const hi = this.#hi[entry] as number;
      const lo = this.#lo[entry] as number;
      for (let s = this.#slot(hi, lo); ; s = (s + 1) & mask) {
        const at = this.#table[s] as number;
        if (at === EMPTY) {
          this.#next[entry] = EMPTY;
          this.#table[s] = entry;
          break;
        }
        if (this.#hi[at] === hi && this.#lo[at] === lo) {
          this.#next[entry] = at;
          this.#table[s] = entry;
          break;
        }
      }
    }
  }

  /** An entry of this hash not taken before (and now taken), or -1 when there is none left. */
  take(hi: number, lo: number): number {
    const mask = this.#table.length - 1;
    for (let s = this.#slot(hi, lo); ; s = (s + 1) & mask) {
      const at = this.#table[s] as number;
      if (at === EMPTY) return -1;
      const entry = at >= 0 ? at : -at - 2;
      if (this.#hi[entry] !== hi || this.#lo[entry] !== lo) continue;
      if (at < 0) return -1;
      const next = this.#next[at] as number;
      this.#table[s] = next === EMPTY ? -at - 2 : next;
      return at;
    }
  }

  /** Fibonacci hashing of both halves into the table's bits. */
  #slot(hi: number, lo: number): number {
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.#shift;
  }
}

/**
 * The cuts a resumed run must make again: rows after which a segment ends whatever its size, so that
 * each segment cut again has the bytes of the batch the org holds for it. Holds the rows not yet
 * reached, ascending.
 */
export class CutSchedule {
  readonly #rows: number[];

  constructor(rows: readonly number[] = []) {
    this.#rows = [...rows];
  }

  /** The next row after which a segment ends, if any is left. */
  get next(): number | undefined {
    return this.#rows[0];
  }

  /** Whether the open segment ends before input row `row`: a cut made before lies behind it. Passes over every such cut. */
  dueBefore(row: number): boolean {
    const rows = this.#rows;
    if (rows.length === 0) return false;
    let due = false;
    while (rows.length > 0 && (rows[0] as number) < row) {
      rows.shift();
      due = true;
    }
    return due;
  }
}

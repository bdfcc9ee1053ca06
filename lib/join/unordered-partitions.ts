/**
 * The hash join of rows and results, in partitions on disk when the rows are many (a hybrid Grace
 * hash join). Rows and results are split by the high bits of their 64-bit hash into as many
 * partitions as it takes to keep each under `partitionRows` rows, spilled, then joined one partition
 * at a time, its rows in a RowIndex: the index's memory is bounded by `partitionRows` (about 21
 * bytes a row), not by the job, so that a 100 MB job of narrow rows (a delete job's ids: 5 million
 * rows) takes no more of it than one of a million. A job that fits one partition (the usual case)
 * is not spilled: its rows go straight into the index and each result is matched as it is read.
 * Memory: one partition's RowIndex and entry numbers; while spilling, each partition's staging
 * (64 KiB each, flushed between chunks); a spill reader's chunk.
 */
import { join } from 'node:path';
import type { CsvRow } from './unordered-csv-rows.js';
import type { ResultBuckets } from './unordered-result-buckets.js';
import { RowIndex } from './unordered-row-index.js';
import { forEachSpillRecord, type SpillRecord, SpillWriter } from './unordered-spill.js';

/** Rows of a partition at most, by default (when hashes spread evenly, as they do: a partition is a range of hash values). */
export const ROWS_PER_PARTITION = 1 << 20;
const TWO_32 = 4294967296;

export interface HashJoinOptions {
  /** Where the spill files go, and their names' prefix. */
  readonly dir: string;
  readonly name: string;
  /** How many rows will be added. */
  readonly rows: number;
  readonly partitionRows: number;
  /** Where a matched result goes, by its row. */
  readonly buckets: ResultBuckets;
  /** A result took row `entry`. */
  readonly onMatch: (entry: number) => void;
  /** Result number `n` found no row of its hash left (only for results of spilled partitions: addResult tells the others). */
  readonly onMiss: (n: number) => void;
  readonly signal?: AbortSignal | undefined;
}

/** Add every row, then `rowsDone`, then every result, then `finish`; `flush` between chunks. */
export class HashJoin {
  readonly #o: HashJoinOptions;
  /** The one partition's index, when the rows fit one: no spill. */
  readonly #resident: RowIndex | undefined;
  readonly #entries: Int32Array;
  #count = 0;
  readonly #rowParts: SpillWriter[];
  readonly #resultParts: SpillWriter[];

  constructor(options: HashJoinOptions) {
    this.#o = options;
    const partitions = Math.max(1, Math.ceil(options.rows / options.partitionRows));
    const writers = (side: string) => (partitions === 1 ? [] : Array.from({ length: partitions }, (_, i) => new SpillWriter(join(options.dir, `${options.name}-${side}-${i}`))));
    this.#rowParts = writers('rows');
    this.#resultParts = writers('results');
    this.#resident = partitions === 1 ? new RowIndex(options.rows) : undefined;
    this.#entries = new Int32Array(partitions === 1 ? options.rows : 0);
  }

  addRow(hi: number, lo: number, entry: number): void {
    if (this.#resident) {
      this.#resident.set(this.#count, hi, lo);
      this.#entries[this.#count++] = entry;
    } else this.#part(this.#rowParts, hi).add(hi, lo, entry, 0, undefined, -1, -1);
  }

  async rowsDone(): Promise<void> {
    if (this.#resident) this.#resident.build();
    else for (const w of this.#rowParts) await w.close();
  }

  /**
   * Result number `n`, a row of a result file whose id and error are fields `idField` and
   * `errorField` (-1: none). False when it found no row, known at once (rows in one partition);
   * otherwise a miss is told by `onMiss` in `finish`.
   */
  addResult(hi: number, lo: number, n: number, flags: number, row: CsvRow, idField: number, errorField: number): boolean {
    if (!this.#resident) {
      this.#part(this.#resultParts, hi).add(hi, lo, n, flags, row, idField, errorField);
      return true;
    }
    const at = this.#resident.take(hi, lo);
    if (at < 0) return false;
    const entry = this.#entries[at] as number;
    this.#o.buckets.add(entry, flags, row, idField, errorField);
    this.#o.onMatch(entry);
    return true;
  }

  /** A spilled result, `a`:`b` its hash and `c` its number; as addResult. */
  addSpilled(r: SpillRecord): boolean {
    if (!this.#resident) {
      this.#part(this.#resultParts, r.a).copy(r.a, r.b, r.c, r);
      return true;
    }
    const at = this.#resident.take(r.a, r.b);
    if (at < 0) return false;
    const entry = this.#entries[at] as number;
    this.#o.buckets.copy(entry, r);
    this.#o.onMatch(entry);
    return true;
  }

  async flush(): Promise<void> {
    for (const w of this.#rowParts) await w.flush();
    for (const w of this.#resultParts) await w.flush();
    await this.#o.buckets.flush();
  }

  /** Joins the spilled partitions, one at a time. */
  async finish(): Promise<void> {
    const { buckets, signal } = this.#o;
    // One index and one entry array for every partition, sized to the largest.
    const largest = this.#rowParts.reduce((most, w) => Math.max(most, w.records), 0);
    const index = new RowIndex(largest);
    const entries = new Int32Array(largest);
    for (const [p, rows] of this.#rowParts.entries()) {
      const results = this.#resultParts[p] as SpillWriter;
      if (!(await results.close())) continue; // no result hashed here: its rows stay without one
      index.reset(rows.records);
      let k = 0;
      if (rows.records > 0) {
        await forEachSpillRecord(
          rows.path,
          (r) => {
            index.set(k, r.a, r.b);
            entries[k++] = r.c;
          },
          async () => undefined,
          signal,
        );
      }
      index.build();
      await forEachSpillRecord(
        results.path,
        (r) => {
          const at = index.take(r.a, r.b);
          if (at < 0) return this.#o.onMiss(r.c);
          const entry = entries[at] as number;
          buckets.copy(entry, r);
          this.#o.onMatch(entry);
        },
        () => buckets.flush(),
        signal,
      );
    }
  }

  /** Closes the spill files (after a failure too). */
  async dispose(): Promise<void> {
    for (const w of [...this.#rowParts, ...this.#resultParts]) await w.dispose();
  }

  #part(writers: SpillWriter[], hi: number): SpillWriter {
    return writers[Math.floor((hi * writers.length) / TWO_32)] as SpillWriter;
  }
}

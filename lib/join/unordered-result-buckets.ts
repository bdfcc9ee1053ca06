/**
 * Matched results put back in row order by a one-level bucket sort on disk: a result for row r goes
 * to the spill file of r's range of rows (at most MAX_BUCKETS ranges, of at least MIN_BUCKET_ROWS),
 * and each range is then read back whole and placed by its rows. This is what keeps the join's
 * memory flat: the results themselves never wait in memory, only their row numbers' ranges do.
 * Memory: each bucket's staging while results arrive (64 KiB each, flushed between chunks); then
 * one bucket's file (its rows' ids and errors, about 30 bytes a row plus error texts) and an
 * Int32Array of its rows.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { SpoolError } from '../errors.js';
import { type CsvRow, ioError } from './unordered-csv-rows.js';
import { SpillRecord, SpillWriter } from './unordered-spill.js';
import { ReusedBuffer } from './unordered-buffer.js';

const MAX_BUCKETS = 64;
const MIN_BUCKET_ROWS = 1 << 15;

export class ResultBuckets {
  readonly #rows: number;
  readonly #bucketRows: number;
  readonly #writers: SpillWriter[];
  readonly #written: boolean[] = [];
  /** The bucket read back, its records' places by row. */
  #loaded = -1;
  #buf: Buffer = Buffer.alloc(0);
  #offsets: Int32Array;
  readonly #space = new ReusedBuffer(0);
  readonly #record = new SpillRecord();

  /** `rows`: the job's rows; `dir`: where the bucket files go. */
  constructor(rows: number, dir: string) {
    this.#rows = rows;
    this.#bucketRows = Math.max(MIN_BUCKET_ROWS, Math.ceil(rows / MAX_BUCKETS));
    this.#offsets = new Int32Array(Math.min(rows, this.#bucketRows));
    const count = Math.ceil(rows / this.#bucketRows);
    this.#writers = Array.from({ length: count }, (_, i) => new SpillWriter(join(dir, `bucket-${i}`)));
  }

  /** Row `row`'s result, from a result file's row. */
  add(row: number, flags: number, from: CsvRow, idField: number, errorField: number): void {
    this.#writer(row).add(row, 0, 0, flags, from, idField, errorField);
  }

  /** Row `row`'s result, from a spilled one. */
  copy(row: number, from: SpillRecord): void {
    this.#writer(row).copy(row, 0, 0, from);
  }

  /** Writes out the buckets whose staging is full. */
  async flush(): Promise<void> {
    for (const w of this.#writers) await w.flush();
  }

  /** Ends the matching: every bucket written whole. */
  async close(): Promise<void> {
    for (const [i, w] of this.#writers.entries()) this.#written[i] = await w.close();
  }

  /** Closes the files after a failure. */
  async dispose(): Promise<void> {
    for (const w of this.#writers) await w.dispose();
  }

  /** Whether row `row`'s bucket is the one read back. */
  holds(row: number): boolean {
    return Math.floor(row / this.#bucketRows) === this.#loaded;
  }

  /** Reads back the bucket of row `row` (once closed): rows are best asked in order, so that each bucket is read once. */
  async load(row: number): Promise<void> {
    await this.#load(Math.floor(row / this.#bucketRows));
  }

  /** Row `row`'s result, from its bucket read back by `load`; valid until the next call. */
  result(row: number): SpillRecord {
    const bucket = this.#loaded;
    const at = row >= bucket * this.#bucketRows ? (this.#offsets[row - bucket * this.#bucketRows] ?? -1) : -1;
    const writer = this.#writers[bucket] as SpillWriter;
    if (at < 0 || !this.#record.read(this.#buf, at, this.#buf.length)) {
      throw new SpoolError(`the join's spill file ${writer.path} has no result for row ${row}`, { path: writer.path, causeCode: undefined });
    }
    return this.#record;
  }

  async #load(bucket: number): Promise<void> {
    const writer = this.#writers[bucket] as SpillWriter;
    this.#buf = Buffer.alloc(0);
    if (this.#written[bucket]) {
      // Into the one reused buffer: a bucket a time, and no new buffer for each (64 of them would wait for the GC).
      let file: FileHandle | undefined;
      try {
        file = await open(writer.path, 'r');
        const size = (await file.stat()).size;
        const buf = this.#space.atLeast(size);
        for (let done = 0; done < size; ) {
          const { bytesRead } = await file.read(buf, done, size - done, done);
          if (bytesRead === 0) throw new SpoolError(`the join's spill file ${writer.path} ends early`, { path: writer.path, causeCode: undefined });
          done += bytesRead;
        }
        this.#buf = buf.subarray(0, size);
      } catch (err) {
        throw err instanceof SpoolError ? err : ioError(writer.path, 'read', err);
      } finally {
        await file?.close();
      }
    }
    const first = bucket * this.#bucketRows;
    this.#offsets.fill(-1, 0, Math.min(this.#bucketRows, this.#rows - first));
    for (let at = 0; this.#record.read(this.#buf, at, this.#buf.length); at = this.#record.end) this.#offsets[this.#record.a - first] = at;
    this.#loaded = bucket;
  }

  #writer(row: number): SpillWriter {
    return this.#writers[Math.floor(row / this.#bucketRows)] as SpillWriter;
  }
}

/**
 * The records of a CSV file as the places of their lines' bytes, header skipped, read a chunk at a
 * time: the join copies these bytes into the outputs instead of parsing and writing the fields again.
 * Record ends are found by the quote-aware scanner, so a quoted newline stays inside its record.
 * Memory: one chunk (256 KiB) and a record that spans chunks; lines are places in the chunks, so
 * that no object is made per line.
 */
import { open } from 'node:fs/promises';
import { withoutLineEnd as lineEnd } from '../csv/count-fields.js';
import { CsvRecordScanner } from '../csv/record-scanner.js';

const CHUNK_BYTES = 256 * 1024;

/** A chunk's lines: line i is `chunkOf(i)` from `starts[i]` to `ends[i]`, without its line end (i < count). */
export interface CsvLineBlock {
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  chunkOf(i: number): Buffer;
}

/** Lines in one chunk, the first perhaps a record carried over from the chunks before (a buffer of its own). */
class LineBlock implements CsvLineBlock {
  count = 0;
  starts: Int32Array;
  ends: Int32Array;
  readonly #chunk: Buffer;
  #first: Buffer | undefined;

  constructor(chunk: Buffer, capacity: number) {
    this.#chunk = chunk;
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  chunkOf(i: number): Buffer {
    return i === 0 && this.#first ? this.#first : this.#chunk;
  }

  /** Adds a line of the chunk, or (the first line only) of a buffer of its own. */
  add(start: number, end: number, own?: Buffer): void {
    if (this.count === this.starts.length) {
      const starts = new Int32Array(this.count * 2);
      const ends = new Int32Array(this.count * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    if (own) this.#first = own;
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }
}

/**
 * Cuts chunks into their whole records' lines, carrying a record that spans chunks and skipping the
 * header and empty lines: the per-record loop in a plain function, apart from the reads.
 */
class LineCutter {
  readonly #scanner = new CsvRecordScanner();
  #carry: Buffer[] = [];
  #header = true;
  /** Lines expected in the next chunk (the last one's count and an eighth). */
  #expect = 256;

  /** The lines of the records that end in `data` (its last record, cut by the chunk's end, is carried). */
  lines(data: Buffer): CsvLineBlock {
    const scanner = this.#scanner;
    // Sized by the chunk before (grown when short): no array grown line by line.
    const block = new LineBlock(data, this.#expect);
    let pos = 0;
    if (this.#carry.length > 0) {
      // The record begun in the chunks before, whole once this one ends it (else carried on).
      pos = scanner.next(data, 0);
      if (pos < 0) {
        this.#carry.push(data);
        return block;
      }
      const record = Buffer.concat([...this.#carry, data.subarray(0, pos)]);
      this.#carry = [];
      this.#add(block, record, 0, record.length, record);
    }
    for (let next = scanner.next(data, pos); next >= 0; next = scanner.next(data, next)) {
      this.#add(block, data, pos, next, undefined);
      pos = next;
    }
    if (pos < data.length) this.#carry.push(data.subarray(pos));
    this.#expect = Math.max(16, block.count + (block.count >> 3));
    return block;
  }

  /** Adds the record `record[start, end)` to the block (`own`: a carried record's buffer): its line without the line end; the header and empty lines are left out. */
  #add(block: LineBlock, record: Buffer, start: number, end: number, own: Buffer | undefined): void {
    const to = lineEnd(record, start, end);
    if (to === start) return;
    if (this.#header) {
      this.#header = false;
      return;
    }
    block.add(start, to, own);
  }

  /** The last record, when the input ends with no line end after it. */
  last(): CsvLineBlock | undefined {
    const last = Buffer.concat(this.#carry);
    const end = lineEnd(last, 0, last.length);
    if (end === 0 || this.#header) return undefined;
    const block = new LineBlock(last, 1);
    block.add(0, end);
    return block;
  }
}

/** Yields the lines of each chunk's whole records; an empty line (no record) is skipped. */
export async function* readCsvLines(path: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<CsvLineBlock> {
  const file = await open(path, 'r');
  const cutter = new LineCutter();
  try {
    for (;;) {
      // A fresh buffer per chunk: the lines are places in it and live on in the outputs' queue.
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await file.read(chunk, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      const block = cutter.lines(chunk.subarray(0, bytesRead));
      if (block.count > 0) yield block;
    }
    const last = cutter.last();
    if (last) yield last;
  } finally {
    await file.close();
  }
}

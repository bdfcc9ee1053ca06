/**
 * OutputFile: one output file written in large pieces at known offsets, so that it keeps whole
 * batches. `commit()` marks a boundary (a segment's rows are all in); `rollback()` drops what came
 * after it; `abandon()`, after a failure, writes what lies before the last boundary and cuts the file
 * there, so that a failed run leaves whole segments only, never half of one. Errors of the file
 * system are thrown as they are. A path that is no regular file (`/dev/null`, a FIFO) is written
 * straight through, in order: it can be neither synced nor cut, so those steps are left out (what
 * went to a device cannot be taken back).
 * Buffers: two buffers of 256 KiB (BUFFER_BYTES): one filling while the other is written.
 */
import { open, type FileHandle } from 'node:fs/promises';

const BUFFER_BYTES = 256 * 1024;

export class OutputFile {
  readonly path: string;
  readonly #file: FileHandle;
  /** A regular file (synced, cut back, written at offsets); else a device or FIFO, written in order only. */
  readonly #regular: boolean;
  #buffer: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #spare: Buffer | undefined = Buffer.allocUnsafe(BUFFER_BYTES);
  #used = 0;
  /** File offset of the next write. */
  #position = 0;
  /** File offset of the last boundary. */
  #committed = 0;
  /** End of the bytes the disk has taken (writes go one at a time, in order). */
  #durable = 0;
  /** Boundaries not yet on disk, as [file offset, rows before it]; and the rows of the last one that is. */
  #boundaries: Array<[number, number]> = [];
  #durableRows = 0;
  /** File offset of the last boundary the disk has taken whole (where a failed write's file is cut). */
  #durableBoundary = 0;
  #writing: Promise<void> | undefined;
  /** The file's size at its last datasync, while nothing was written or cut since (-1: not synced so). */
  #synced = -1;
  #closed = false;

  private constructor(path: string, file: FileHandle, regular: boolean) {
    this.path = path;
    this.#file = file;
    this.#regular = regular;
  }

  /** Creates (or empties) the file. */
  static async create(path: string): Promise<OutputFile> {
    const file = await open(path, 'w');
    return new OutputFile(path, file, await isRegular(file));
  }

  /**
   * Opens a file an earlier run wrote, to append to it after its first `size` bytes (what that run's
   * ledger says was whole); anything after them is cut off. A file shorter than `size` is an error:
   * rows that were accounted for are gone.
   */
  static async continue(path: string, size: number): Promise<OutputFile> {
    if (size === 0) return OutputFile.create(path);
    const file = await open(path, 'r+');
    if (!(await isRegular(file))) return new OutputFile(path, file, false);
    try {
      const { size: actual } = await file.stat();
      if (actual < size) throw new Error(`${path} has ${actual} bytes, fewer than the ${size} its load's ledger accounts for: it was changed since`);
      await file.truncate(size);
    } catch (err) {
      await file.close();
      throw err;
    }
    const output = new OutputFile(path, file, true);
    output.#position = size;
    output.#committed = size;
    output.#durable = size;
    output.#durableBoundary = size;
    return output;
  }

  /**
   * Writes out everything added so far, onto the disk (synced); resolves to the file's size then. A
   * file with nothing written or cut since its last sync is not synced again (a segment with no row
   * of its kind: the error file of a clean load).
   */
  async flush(): Promise<number> {
    await this.#writeOut();
    await this.#writing;
    if (this.#regular && this.#synced !== this.#position) {
      // What the disk has taken now: a write started while the sync runs is not counted as synced.
      const size = this.#durable;
      await this.#file.datasync();
      this.#synced = size;
    }
    return this.#position;
  }

  /** Adds bytes (`start` to `end` of them); returns a promise only when the caller must wait for the disk. */
  addBytes(bytes: Buffer, start = 0, end = bytes.length): Promise<void> | undefined {
    if (this.#used + end - start <= this.#buffer.length) {
      this.putBytes(bytes, start, end);
      return undefined;
    }
    // The slow path in a method of its own: a closure here would make V8 allocate a context on every
    // call, the fast ones too (100 bytes a row on the hottest path).
    return this.#addAfterWriteOut(bytes, start, end);
  }

  async #addAfterWriteOut(bytes: Buffer, start: number, end: number): Promise<void> {
    await this.#writeOut();
    if (end - start > this.#buffer.length) return this.#write(bytes.subarray(start, end)); // a huge record: as it is
    this.putBytes(bytes, start, end);
  }

  /** Adds text as UTF-8; returns a promise only when the caller must wait for the disk. */
  addText(text: string): Promise<void> | undefined {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count exactly only when that bound does not fit.
    if (this.#used + text.length * 3 <= this.#buffer.length || this.#used + Buffer.byteLength(text) <= this.#buffer.length) {
      this.#used += this.#buffer.write(text, this.#used);
      return undefined;
    }
    return this.addBytes(Buffer.from(text));
  }

  /** Whether `bytes` more bytes fit in the buffer as it is (the `put` methods may then be called with no `room` first). */
  fits(bytes: number): boolean {
    return this.#used + bytes <= this.#buffer.length;
  }

  /**
   * Makes room for `bytes` more bytes in the buffer (at most its size), for the `put` methods that
   * follow; returns a promise only when the buffer had to be handed to the disk first.
   */
  room(bytes: number): Promise<void> | undefined {
    return this.#used + bytes <= this.#buffer.length ? undefined : this.#writeOut();
  }

  /** Puts one byte, in room made before. */
  putByte(byte: number): void {
    this.#buffer[this.#used++] = byte;
  }

  /** Puts bytes (`start` to `end`), in room made before. */
  putBytes(bytes: Buffer, start: number, end: number): void {
    if (end - start > 512) {
      bytes.copy(this.#buffer, this.#used, start, end);
      this.#used += end - start;
      return;
    }
    // A line or an id: a loop beats Buffer#copy for a few hundred bytes, which makes a view object
    // of the source on every call (Node 20) when the copy does not start at its first byte.
    const buffer = this.#buffer;
    let used = this.#used;
    for (let i = start; i < end; i++) buffer[used++] = bytes[i] as number;
    this.#used = used;
  }

  /**
   * Puts short text, in room made before (3 bytes a character at most): ASCII a byte at a time,
   * faster than an encoder call for the ids, flags and numbers that end every output row.
   */
  putText(text: string): void {
    const buffer = this.#buffer;
    let used = this.#used;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        this.#used = used + buffer.write(text.slice(i), used, 'utf8');
        return;
      }
      buffer[used++] = c;
    }
    this.#used = used;
  }

  /** Puts a whole non-negative number in decimal, in room made before (16 bytes). */
  putInteger(n: number): void {
    if (n > 0x7fffffff) {
      this.putText(String(n));
      return;
    }
    // Small integers: `| 0` keeps the arithmetic in integers, with no number boxed per digit.
    const buffer = this.#buffer;
    let digits = 1;
    for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++;
    let at = this.#used + digits;
    this.#used = at;
    let rest = n | 0;
    do {
      buffer[--at] = 0x30 + (rest % 10);
      rest = (rest / 10) | 0;
    } while (rest > 0);
  }

  /**
   * Marks a boundary: everything added so far is a whole that a failure must not cut into. `rows`:
   * how many rows the file holds up to here (see durableRows).
   */
  commit(rows = 0): void {
    this.#committed = this.#position + this.#used;
    this.#boundaries.push([this.#committed, rows]);
  }

  /** The rows (as given to commit) that the disk has taken whole. */
  get durableRows(): number {
    this.#settleBoundaries();
    return this.#durableRows;
  }

  /** Drops the boundaries the disk has passed: a few are kept, whatever the run's length. */
  #settleBoundaries(): void {
    while (this.#boundaries.length > 0 && (this.#boundaries[0] as [number, number])[0] <= this.#durable) {
      const [offset, rows] = this.#boundaries.shift() as [number, number];
      this.#durableBoundary = offset;
      this.#durableRows = rows;
    }
  }

  /** Drops everything added since the last boundary (from the buffer, or cut from the file). */
  async rollback(): Promise<void> {
    await this.#writing;
    if (this.#committed >= this.#position) {
      this.#used = this.#committed - this.#position;
      return;
    }
    if (this.#regular) await this.#file.truncate(this.#committed);
    this.#synced = -1;
    this.#position = this.#committed;
    this.#durable = Math.min(this.#durable, this.#committed);
    this.#used = 0;
  }

  /** Writes everything and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#writeOut();
      await this.#writing;
    } finally {
      this.#closed = true;
      await this.#file.close();
    }
  }

  /**
   * After a failure: keeps the file up to the last boundary (writing what of it is still buffered),
   * cuts off anything after, and closes it. Never throws: the run's own error is the one to report.
   */
  async abandon(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      let sound =
        (await this.#writing?.then(
          () => true,
          () => false,
        )) ?? true;
      const keep = this.#committed - this.#position;
      if (sound && keep > 0)
        sound = await this.#writeAll(this.#buffer, keep, this.#position).then(
          () => true,
          () => false,
        );
      // After a failed write, at the last boundary the disk took whole: never past what it took (a cut
      // beyond would pad the file with zeros), never inside a segment (durableRows counts to there).
      this.#settleBoundaries();
      if (this.#regular) await this.#file.truncate(sound ? this.#committed : this.#durableBoundary);
    } catch {
      /* the file is as good as the disk lets it be */
    } finally {
      await this.#file.close().catch(() => undefined);
    }
  }

  /** Hands the filled buffer to the disk and starts filling the other one (after the last write ended). */
  async #writeOut(): Promise<void> {
    await this.#writing;
    if (this.#used === 0) return;
    const full = this.#buffer;
    const length = this.#used;
    const position = this.#position;
    this.#buffer = this.#spare ?? Buffer.allocUnsafe(BUFFER_BYTES);
    this.#spare = undefined;
    this.#used = 0;
    this.#position += length;
    const writing = this.#writeAll(full, length, position).then(() => {
      this.#spare = full;
    });
    writing.catch(() => undefined); // awaited at the next write or at close
    this.#writing = writing;
  }

  /** A piece larger than a buffer, after the buffered bytes. */
  async #write(bytes: Buffer): Promise<void> {
    await this.#writing;
    const position = this.#position;
    this.#position += bytes.length;
    const writing = this.#writeAll(bytes, bytes.length, position);
    writing.catch(() => undefined);
    this.#writing = writing;
  }

  async #writeAll(buffer: Buffer, length: number, position: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const { bytesWritten } = await this.#file.write(buffer, done, length - done, this.#regular ? position + done : null);
      done += bytesWritten;
    }
    this.#durable = position + length;
    this.#settleBoundaries();
  }
}

/** Whether an opened path is a regular file (not `/dev/null`, a terminal or a FIFO). */
async function isRegular(file: FileHandle): Promise<boolean> {
  try {
    return (await file.stat()).isFile();
  } catch (err) {
    await file.close();
    throw err;
  }
}

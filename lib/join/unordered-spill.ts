/**
 * Result rows on disk while the unordered join matches them: what a row's result needs and no more
 * (flags, the id, the error's text), each record `[u32 a][u32 b][u32 c][u8 flags][u16 id bytes][id]
 * [u32 error bytes][error]`. `a`, `b` and `c` are the caller's: a hash and a row or result number,
 * or a row number alone.
 * Writers stage records in memory and write them out when the caller flushes (between chunks of
 * the file being read); the reader streams records back a chunk at a time.
 * Memory: a writer's staging (a flush threshold of 64 KiB plus one chunk's rows); a reader's chunk.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { AbortedError, ParseError } from '../errors.js';
import { type CsvRow, ioError } from './unordered-csv-rows.js';

export const SUCCESS = 1;
export const CREATED = 2;
export const UNPROCESSED = 4;

const QUOTE = 0x22;
const FLUSH_BYTES = 64 * 1024;
const HEAD_BYTES = 4 + 4 + 4 + 1 + 2;

export class SpillWriter {
  readonly path: string;
  #file: FileHandle | undefined;
  #buf = Buffer.allocUnsafe(FLUSH_BYTES * 2);
  #len = 0;
  /** Records added. */
  records = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Adds a record whose id and error are fields of `row` (-1: none), unescaped as they are copied. */
  add(a: number, b: number, c: number, flags: number, row: CsvRow | undefined, idField: number, errorField: number): void {
    const idBytes = fieldBytes(row, idField);
    if (idBytes > 0xffff) throw new ParseError(`an sf__Id of ${idBytes} bytes`, { field: 'sf__Id' });
    const errorBytes = fieldBytes(row, errorField);
    this.#reserve(HEAD_BYTES + idBytes + 4 + errorBytes);
    const buf = this.#buf;
    let at = put32(buf, this.#len, a);
    at = put32(buf, at, b);
    at = put32(buf, at, c);
    buf[at++] = flags;
    const idAt = at;
    at = copyField(row, idField, buf, at + 2);
    const idLength = at - idAt - 2;
    buf[idAt] = idLength & 0xff;
    buf[idAt + 1] = idLength >>> 8;
    const errorAt = at;
    at = copyField(row, errorField, buf, at + 4);
    put32(buf, errorAt, at - errorAt - 4);
    this.#len = at;
    this.records++;
  }

  /** Adds a record read back from another spill, with new `a`, `b` and `c`. */
  copy(a: number, b: number, c: number, r: SpillRecord): void {
    const length = r.end - r.start;
    this.#reserve(length);
    r.buf.copy(this.#buf, this.#len, r.start, r.end);
    put32(this.#buf, put32(this.#buf, put32(this.#buf, this.#len, a), b), c);
    this.#len += length;
    this.records++;
  }

  /** Writes the staged records out once they pass the threshold (or all of them, `all`). */
  async flush(all = false): Promise<void> {
    if (this.#len === 0 || (!all && this.#len < FLUSH_BYTES)) return;
    try {
      this.#file ??= await open(this.path, 'w');
      let done = 0;
      while (done < this.#len) done += (await this.#file.write(this.#buf, done, this.#len - done)).bytesWritten;
    } catch (err) {
      throw ioError(this.path, 'write', err);
    }
    this.#len = 0;
    if (this.#buf.length > FLUSH_BYTES * 2) this.#buf = Buffer.allocUnsafe(FLUSH_BYTES * 2);
  }

  /** Writes what is staged and closes the file; true when the file holds records. */
  async close(): Promise<boolean> {
    await this.flush(true);
    await this.#file?.close();
    const written = this.#file !== undefined;
    this.#file = undefined;
    return written;
  }

  /** Closes the file after a failure elsewhere (its own error would hide that one). */
  async dispose(): Promise<void> {
    await this.#file?.close().catch(() => undefined);
    this.#file = undefined;
  }

  #reserve(bytes: number): void {
    if (this.#len + bytes <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + bytes));
    this.#buf.copy(bigger, 0, 0, this.#len);
    this.#buf = bigger;
  }
}

/** The bytes field f of the row takes, quotes still doubled (an upper bound of its unescaped length). */
const fieldBytes = (row: CsvRow | undefined, f: number): number => (row && f >= 0 && f < row.count ? (row.ends[f] as number) - (row.starts[f] as number) : 0);

/** Copies field f of the row (none when f < 0) to `out` at `at`, `""` as one quote; returns the end. */
function copyField(row: CsvRow | undefined, f: number, out: Buffer, at: number): number {
  if (!row || f < 0 || f >= row.count) return at;
  const start = row.starts[f] as number;
  const end = row.ends[f] as number;
  const escaped = row.escaped[f] === 1;
  // A byte loop, not Buffer.copy: ids and most errors are short, and copy's call costs more than they do.
  for (let i = start; i < end; i++) {
    const b = row.buf[i] as number;
    out[at++] = b;
    if (escaped && b === QUOTE) i++;
  }
  return at;
}

/** A record in a buffer: its places. Reused from record to record. */
export class SpillRecord {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  a = 0;
  b = 0;
  c = 0;
  flags = 0;
  idStart = 0;
  idEnd = 0;
  errorStart = 0;
  errorEnd = 0;

  /** Reads the record at `at` of `buf[0, len)`; false when it does not end there. */
  read(buf: Buffer, at: number, len: number): boolean {
    if (at + HEAD_BYTES > len) return false;
    const idEnd = at + HEAD_BYTES + ((buf[at + 13] as number) | ((buf[at + 14] as number) << 8));
    if (idEnd + 4 > len) return false;
    const errorEnd = idEnd + 4 + get32(buf, idEnd);
    if (errorEnd > len) return false;
    this.buf = buf;
    this.start = at;
    this.end = errorEnd;
    this.a = get32(buf, at);
    this.b = get32(buf, at + 4);
    this.c = get32(buf, at + 8);
    this.flags = buf[at + 12] as number;
    this.idStart = at + HEAD_BYTES;
    this.idEnd = idEnd;
    this.errorStart = idEnd + 4;
    this.errorEnd = errorEnd;
    return true;
  }
}

/** Little-endian u32 by hand: Buffer's readers and writers check their arguments on every call. */
function put32(buf: Buffer, at: number, v: number): number {
  buf[at] = v & 0xff;
  buf[at + 1] = (v >>> 8) & 0xff;
  buf[at + 2] = (v >>> 16) & 0xff;
  buf[at + 3] = v >>> 24;
  return at + 4;
}

const get32 = (buf: Buffer, at: number): number => ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16) | ((buf[at + 3] as number) << 24)) >>> 0;

/** Calls `onRecord` for each record of a spill file, in the order written; `afterChunk` is awaited after each chunk. */
export async function forEachSpillRecord(path: string, onRecord: (r: SpillRecord) => void, afterChunk: () => Promise<void>, signal?: AbortSignal): Promise<void> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw ioError(path, 'open', err);
  }
  const record = new SpillRecord();
  let buf = Buffer.allocUnsafe(FLUSH_BYTES * 4);
  let len = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw new AbortedError(`reading ${path}`, signal.reason);
      if (len === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await file.read(buf, len, buf.length - len, null));
      } catch (err) {
        throw ioError(path, 'read', err);
      }
      if (bytesRead === 0) {
        if (len > 0) throw new ParseError('a spill file ends inside a record', { source: path });
        break;
      }
      len += bytesRead;
      let at = 0;
      while (record.read(buf, at, len)) {
        onRecord(record);
        at = record.end;
      }
      buf.copy(buf, 0, at, len);
      len -= at;
      await afterChunk();
    }
  } finally {
    await file.close();
  }
}

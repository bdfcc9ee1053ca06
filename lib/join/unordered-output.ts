/**
 * A segment's ordered results as a v1 CSV result file (`"Id","Success","Created","Error"`, every
 * value quoted, LF), the form readCsvResults reads and the v1 join takes: the unordered join writes
 * one per segment so that the rest of the load joins a 2.0 job as it joins v1 batches.
 * Memory: a 256 KiB staging buffer, shared by the segments' writers in turn (more only for a row
 * longer than it).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { OutputError } from '../errors.js';
import { CSV_RESULT_HEADER } from '../wire/dml-results.js';
import type { ReusedBuffer } from './unordered-buffer.js';
import { CREATED, type SpillRecord, SUCCESS, UNPROCESSED } from './unordered-spill.js';

const QUOTE = 0x22;
const STAGE_BYTES = 256 * 1024;
const TRUE = Buffer.from('"true"');
const FALSE = Buffer.from('"false"');

/** `"true"` or `"false"` at `at`, byte by byte (a Buffer.copy call costs more than 7 bytes). */
function flag(buf: Buffer, at: number, value: boolean): number {
  const text = value ? TRUE : FALSE;
  for (let i = 0; i < text.length; i++) buf[at++] = text[i] as number;
  return at;
}

export class ResultFileWriter {
  readonly #path: string;
  readonly #jobId: string;
  readonly #notProcessed: Buffer;
  #file: FileHandle | undefined;
  readonly #stage: ReusedBuffer;
  #buf: Buffer;
  #len = 0;
  #rows = 0;

  /** `notProcessed`: the Error of an unprocessed row; `stage`: the staging buffer, taken until close. */
  constructor(path: string, jobId: string, notProcessed: string, stage: ReusedBuffer) {
    this.#stage = stage;
    this.#buf = stage.atLeast(STAGE_BYTES);
    this.#path = path;
    this.#jobId = jobId;
    this.#notProcessed = Buffer.from(notProcessed);
    this.#len = this.#buf.write(CSV_RESULT_HEADER, 0);
  }

  /** Stages one row from a spilled result (synchronous: a million rows must not mean a million awaits); then call `flush`. */
  add(r: SpillRecord): void {
    // The error's place, not a subarray of it: a Buffer object a row is a cost of its own here.
    const unprocessed = (r.flags & UNPROCESSED) !== 0;
    const error = unprocessed ? this.#notProcessed : r.buf;
    const errorStart = unprocessed ? 0 : r.errorStart;
    const errorEnd = unprocessed ? error.length : r.errorEnd;
    // Every byte doubled at worst, plus the quotes, commas and booleans.
    const most = 2 * (r.idEnd - r.idStart) + 2 * (errorEnd - errorStart) + 32;
    if (this.#len + most > this.#buf.length) this.#buf = this.#stage.atLeast(this.#len + most, this.#len);
    const buf = this.#buf;
    let at = this.#len;
    buf[at++] = QUOTE;
    at = quoted(r.buf, r.idStart, r.idEnd, buf, at);
    buf[at++] = QUOTE;
    buf[at++] = 0x2c;
    at = flag(buf, at, (r.flags & SUCCESS) !== 0);
    buf[at++] = 0x2c;
    at = flag(buf, at, (r.flags & CREATED) !== 0);
    buf[at++] = 0x2c;
    buf[at++] = QUOTE;
    at = quoted(error, errorStart, errorEnd, buf, at);
    buf[at++] = QUOTE;
    buf[at++] = 0x0a;
    this.#len = at;
    this.#rows++;
  }

  /** Whether the staged rows fill the staging buffer: then `flush`. */
  get full(): boolean {
    return this.#len >= STAGE_BYTES;
  }

  /** Writes the staged rows out. */
  async flush(): Promise<void> {
    await this.#write();
  }

  /** Writes the rest and closes the file. */
  async close(): Promise<void> {
    await this.#write();
    try {
      await this.#file?.close();
    } catch (err) {
      throw new OutputError(this.#path, this.#rows, this.#jobId, err);
    } finally {
      this.#file = undefined;
    }
  }

  /** Closes the file after a failure elsewhere (its own error would hide that one). */
  async dispose(): Promise<void> {
    await this.#file?.close().catch(() => undefined);
    this.#file = undefined;
  }

  async #write(): Promise<void> {
    try {
      this.#file ??= await open(this.#path, 'w');
      let done = 0;
      while (done < this.#len) done += (await this.#file.write(this.#buf, done, this.#len - done)).bytesWritten;
    } catch (err) {
      throw new OutputError(this.#path, this.#rows, this.#jobId, err);
    }
    this.#len = 0;
  }
}

/** Copies `src[start, end)` to `out` at `at` with each quote doubled; returns the end. Byte by byte: values here are ids and error texts. */
function quoted(src: Buffer, start: number, end: number, out: Buffer, at: number): number {
  for (let i = start; i < end; i++) {
    const b = src[i] as number;
    out[at++] = b;
    if (b === QUOTE) out[at++] = QUOTE;
  }
  return at;
}

/**
 * OutcomeSink: JoinedRow -> files. Successes go to a CSV of the input columns plus `sf__Id` and
 * `sf__Created`, failures to a CSV of the input columns plus `sf__Error`, and every row, optionally,
 * to an NDJSON file. Counts rows as they pass. Buffers: up to 64 KiB of text per file before it is
 * written; a full file stream holds the write callback.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import type { InputValue, JoinedRow } from '../lib/load-types.js';
import { callBackAfter } from '../lib/streams/call-back-after.js';
import { csvField } from '../lib/records/serialize-record.js';

export interface OutcomeSinkOptions {
  /** CSV of the rows that succeeded. */
  readonly successPath?: string;
  /** CSV of the rows that failed. */
  readonly errorPath?: string;
  /** NDJSON of every row with its outcome. */
  readonly resultsPath?: string;
}

const FLUSH_CHARS = 65_536;

/** A file written in pieces of about 64 KiB. */
class TextFile {
  readonly #stream: WriteStream;
  readonly #closed: Promise<unknown>;
  #pending = '';

  constructor(path: string) {
    this.#stream = createWriteStream(path);
    this.#closed = once(this.#stream, 'close');
  }

  /** Adds text; resolves at once unless the file stream is full. */
  add(text: string): Promise<void> | undefined {
    this.#pending += text;
    if (this.#pending.length < FLUSH_CHARS) return undefined;
    const ok = this.#stream.write(this.#pending);
    this.#pending = '';
    return ok ? undefined : once(this.#stream, 'drain').then(() => undefined);
  }

  async close(): Promise<void> {
    this.#stream.end(this.#pending);
    this.#pending = '';
    await this.#closed;
    if (this.#stream.errored) throw this.#stream.errored;
  }

  destroy(): void {
    this.#stream.destroy();
  }
}

const cell = (v: InputValue | undefined) => (v === null ? '#N/A' : v === undefined ? '' : csvField(v));

export class OutcomeSink extends Writable {
  readonly #options: OutcomeSinkOptions;
  #success: TextFile | undefined;
  #errors: TextFile | undefined;
  #results: TextFile | undefined;
  #opened = false;
  succeeded = 0;
  failed = 0;

  constructor(options: OutcomeSinkOptions = {}) {
    super({ objectMode: true, highWaterMark: 16 });
    this.#options = options;
  }

  override _write(row: JoinedRow, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    callBackAfter(() => this.#write(row), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.#opened) this.#open([]);
    Promise.all([this.#success?.close(), this.#errors?.close(), this.#results?.close()]).then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    for (const file of [this.#success, this.#errors, this.#results]) file?.destroy();
    callback(err);
  }

  #open(columns: readonly string[]): void {
    this.#opened = true;
    const header = columns.map(csvField);
    const { successPath, errorPath, resultsPath } = this.#options;
    if (successPath) {
      this.#success = new TextFile(successPath);
      void this.#success.add(`${[...header, 'sf__Id', 'sf__Created'].join(',')}\n`);
    }
    if (errorPath) {
      this.#errors = new TextFile(errorPath);
      void this.#errors.add(`${[...header, 'sf__Error'].join(',')}\n`);
    }
    if (resultsPath) this.#results = new TextFile(resultsPath);
  }

  #write(row: JoinedRow): Promise<unknown> | undefined {
    if (!this.#opened) this.#open(row.columns);
    let values = '';
    for (const c of row.columns) values += `${cell(row.fields[c])},`;
    let a: Promise<void> | undefined;
    if (row.success) {
      this.succeeded++;
      a = this.#success?.add(`${values}${row.id ?? ''},${String(row.created)}\n`);
    } else {
      this.failed++;
      a = this.#errors?.add(`${values}${csvField(row.error)}\n`);
    }
    const b = this.#results?.add(`${JSON.stringify({ row: row.row, success: row.success, id: row.id, created: row.created, error: row.error || null, batchId: row.batchId, fields: row.fields })}\n`);
    return a || b ? Promise.all([a, b]) : undefined;
  }
}

/** An OutcomeSink; e.g. `outcomeSink({ successPath: 'ok.csv', errorPath: 'failed.csv' })`. */
export const outcomeSink = (options?: OutcomeSinkOptions) => new OutcomeSink(options);

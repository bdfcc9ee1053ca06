/**
 * OutcomeSink: JoinedRow -> files. Successes go to a CSV of the input columns plus `sf__Id` and
 * `sf__Created`, failures to a CSV of the input columns plus `sf__Error` (csv-stringify), and every
 * row, optionally, to an NDJSON file. Counts rows as they pass. Buffers: the file streams' own
 * high-water marks; a full file stream holds the write callback.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import type { InputValue, JoinedRow } from '../lib/load-types.js';

export interface OutcomeSinkOptions {
  /** CSV of the rows that succeeded. */
  readonly successPath?: string;
  /** CSV of the rows that failed. */
  readonly errorPath?: string;
  /** NDJSON of every row with its outcome. */
  readonly resultsPath?: string;
}

interface Output {
  readonly writer: Stringifier | NodeJS.WritableStream & { write(chunk: string): boolean; end(): void };
  readonly done: Promise<void>;
}

const cell = (v: InputValue | undefined) => (v === null ? '#N/A' : (v ?? ''));

export class OutcomeSink extends Writable {
  readonly #options: OutcomeSinkOptions;
  #success: Output | undefined;
  #errors: Output | undefined;
  #results: Output | undefined;
  #opened = false;
  succeeded = 0;
  failed = 0;

  constructor(options: OutcomeSinkOptions = {}) {
    super({ objectMode: true, highWaterMark: 16 });
    this.#options = options;
  }

  override _write(row: JoinedRow, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#write(row).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      if (!this.#opened) this.#open([]);
      for (const output of [this.#success, this.#errors, this.#results]) output?.writer.end();
      await Promise.all([this.#success?.done, this.#errors?.done, this.#results?.done]);
    })().then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    for (const output of [this.#success, this.#errors, this.#results]) (output?.writer as unknown as { destroy?: (e?: Error) => void })?.destroy?.();
    callback(err);
  }

  #csv(path: string, header: string[]): Output {
    const writer = stringify({ header: true, columns: header, record_delimiter: 'unix' });
    return { writer, done: pipeline(writer, createWriteStream(path)) };
  }

  #open(columns: readonly string[]): void {
    this.#opened = true;
    const { successPath, errorPath, resultsPath } = this.#options;
    if (successPath) this.#success = this.#csv(successPath, [...columns, 'sf__Id', 'sf__Created']);
    if (errorPath) this.#errors = this.#csv(errorPath, [...columns, 'sf__Error']);
    if (resultsPath) {
      const file = createWriteStream(resultsPath);
      this.#results = { writer: file, done: once(file, 'close').then(() => undefined) };
    }
  }

  async #write(row: JoinedRow): Promise<void> {
    if (!this.#opened) this.#open(row.columns);
    const values = row.columns.map((c) => cell(row.fields[c]));
    let ok = true;
    if (row.success) {
      this.succeeded++;
      if (this.#success) ok = (this.#success.writer as Stringifier).write([...values, row.id ?? '', String(row.created)]);
    } else {
      this.failed++;
      if (this.#errors) ok = (this.#errors.writer as Stringifier).write([...values, row.error]);
    }
    if (this.#results) {
      const line = `${JSON.stringify({ row: row.row, success: row.success, id: row.id, created: row.created, error: row.error || null, batchId: row.batchId, fields: row.fields })}\n`;
      if (!this.#results.writer.write(line)) ok = false;
    }
    if (!ok) {
      await Promise.all(
        [this.#success, this.#errors, this.#results]
          .filter((o): o is Output => o !== undefined && (o.writer as unknown as { writableNeedDrain?: boolean }).writableNeedDrain === true)
          .map((o) => once(o.writer as unknown as NodeJS.EventEmitter, 'drain')),
      );
    }
  }
}

/** An OutcomeSink; e.g. `outcomeSink({ successPath: 'ok.csv', errorPath: 'failed.csv' })`. */
export const outcomeSink = (options?: OutcomeSinkOptions) => new OutcomeSink(options);

/**
 * A segment's records rejected before upload, on disk (one JSON line each), so that any number of
 * them can wait for their segment's turn in the outputs without being held in memory. A record is
 * kept as its CSV line as it would have been uploaded (for a CSV job) or as its fields.
 * Buffers: up to 64 KiB of lines before they are appended to the file.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { InputValue } from '../load-types.js';
import { spoolWriteError } from './load-spool.js';

export interface RejectEntry {
  /** The record's row: its input row, or a grouped load's grouped row (its place among the segment's records). */
  readonly row: number;
  /** A grouped load: the record's input row, which the outputs give. */
  readonly sourceRow?: number;
  /** In Salesforce's CSV result form: `CODE:message:fields --`. */
  readonly error: string;
  /** The CSV line, without its line end (CSV jobs). */
  readonly line?: string;
  readonly fields?: Readonly<Record<string, InputValue>>;
}

const FLUSH_CHARS = 65_536;

export class RejectWriter {
  readonly #path: string;
  #pending = '';
  /** The first write replaces the file: a run that stopped may have left one for the same segment. */
  #written = false;
  count = 0;

  constructor(path: string) {
    this.#path = path;
  }

  /** Adds an entry; returns a promise only when the buffer was written out. */
  add(entry: RejectEntry): Promise<void> | undefined {
    this.#pending += `${JSON.stringify(entry)}\n`;
    this.count++;
    return this.#pending.length >= FLUSH_CHARS ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    try {
      if (this.#written) await appendFile(this.#path, text);
      else await writeFile(this.#path, text);
    } catch (err) {
      // A full disk is the run's failure (BULK_SPOOL), never the input's: taken for malformed input, it would end the reading for good.
      throw spoolWriteError(this.#path, err);
    }
    this.#written = true;
  }
}

/** The entries of a reject file, in the order they were added (input order). */
export async function* readRejects(path: string): AsyncGenerator<RejectEntry> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line) yield JSON.parse(line) as RejectEntry;
  } finally {
    lines.close();
  }
}

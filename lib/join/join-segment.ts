/**
 * Joins one segment of a load: its uploaded records, read back from the spooled payload, zipped
 * with the batch's results in request order (the Bulk API returns them so), and its records
 * rejected before upload merged in by row number, so that the rows come out in input order.
 * A batch without results to join (Failed, NotProcessed, or results that do not match its records)
 * gives every uploaded row the segment's `failure` text.
 * Memory: a chunk of the payload and of the results, and the rows joined from them (one block).
 */
import { JoinMismatchError } from '../errors.js';
import type { ContentType } from '../types.js';
import type { JoinedRow, RowRun } from '../load-types.js';
import { readRejects, type RejectEntry } from '../load/reject-file.js';
import { readCsvLines } from './csv-lines.js';
import { JoinedRecord } from './joined-record.js';
import { readPayloadRecords, type PayloadRecord } from './payload-records.js';
import { readResultFile, type ResultFile, type RowOutcome } from './result-file.js';

export interface SegmentSources {
  readonly jobId: string | null;
  readonly batchId: string | null;
  readonly contentType: ContentType;
  readonly columns: readonly string[];
  /** Input rows of the uploaded records. */
  readonly rows: readonly RowRun[];
  readonly records: number;
  readonly payloadPath: string | null;
  readonly rejectsPath: string | null;
  /** The downloaded results, when they are to be joined. */
  readonly results: ResultFile | undefined;
  /** The error of every uploaded row when there are no results to join. */
  readonly failure: string;
}

/** Blocks of an async source, taken item by item. */
class BlockCursor<T> {
  readonly #source: AsyncIterator<T[]>;
  #items: T[] = [];
  #at = 0;
  #done = false;

  constructor(source: AsyncIterable<T[]>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Reads blocks until `n` items are at hand or the source ends; returns how many are. */
  async fill(n: number): Promise<number> {
    while (this.#items.length - this.#at < n && !this.#done) {
      const next = await this.#source.next();
      if (next.done) this.#done = true;
      else {
        this.#items = this.#at > 0 ? this.#items.slice(this.#at).concat(next.value) : this.#items.concat(next.value);
        this.#at = 0;
      }
    }
    return this.#items.length - this.#at;
  }

  shift(): T {
    return this.#items[this.#at++] as T;
  }

  async close(): Promise<void> {
    await this.#source.return?.();
  }
}

const BLOCK = 1024;

export async function* joinSegment(s: SegmentSources): AsyncGenerator<JoinedRow[]> {
  const failed: RowOutcome = { success: false, id: null, created: false, error: s.failure };
  const results = s.results ? new BlockCursor(readResultFile(s.results)) : undefined;
  const rejects = s.rejectsPath ? readRejects(s.rejectsPath)[Symbol.asyncIterator]() : undefined;
  let reject: RejectEntry | undefined = rejects ? (await rejects.next()).value : undefined;
  const rejected = (entry: RejectEntry) =>
    new JoinedRecord(entry.row, { success: false, id: null, created: false, error: entry.error }, null, s.columns, entry.line !== undefined ? Buffer.from(entry.line) : (entry.fields ?? {}));
  let run = 0;
  let offset = 0;
  let joined = 0;
  try {
    if (s.payloadPath !== null && s.records > 0) {
      const inputs: AsyncIterable<Array<Buffer | PayloadRecord>> = s.contentType === 'CSV' ? readCsvLines(s.payloadPath) : readPayloadRecords(s.payloadPath, s.contentType === 'XML' ? 'xml' : 'json');
      for await (const block of inputs) {
        if (results && (await results.fill(block.length)) < block.length) throw new JoinMismatchError(s.jobId ?? '', s.batchId ?? '', s.records, joined);
        const out: JoinedRow[] = [];
        for (const input of block) {
          const [first, count] = s.rows[run] ?? [0, 0];
          if (count === 0) throw new JoinMismatchError(s.jobId ?? '', s.batchId ?? '', s.records, joined + 1);
          const row = first + offset;
          if (++offset === count) [run, offset] = [run + 1, 0];
          while (reject && reject.row < row) {
            out.push(rejected(reject));
            reject = (await (rejects as AsyncIterator<RejectEntry>).next()).value;
          }
          out.push(new JoinedRecord(row, results ? results.shift() : failed, s.batchId, s.columns, input));
          joined++;
        }
        yield out;
      }
      // The payload read back must hold exactly the records it was cut with, and the results no more.
      if (joined !== s.records || (results && (await results.fill(1)) > 0)) throw new JoinMismatchError(s.jobId ?? '', s.batchId ?? '', s.records, joined);
    }
    let out: JoinedRow[] = [];
    while (reject) {
      out.push(rejected(reject));
      reject = (await (rejects as AsyncIterator<RejectEntry>).next()).value;
      if (out.length === BLOCK) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    await results?.close();
    await rejects?.return?.(undefined);
  }
}

/**
 * What a Bulk API 2.0 query job keeps beyond its job and batch rows: its result rows, as CSV lines
 * in the job's delimiter and line ending, stored in chunks with each row's byte offset. A page that
 * starts at any row reads only the chunks it covers, one query per chunk (an open SQLite iterator
 * would block every other statement on the connection while a slow client downloads).
 */
import type { Db } from './database.js';

/** A stored chunk: rows [firstRow, firstRow + rows), and where each row starts in `data`. */
export interface ResultChunk {
  readonly firstRow: number;
  readonly rows: number;
  /** rows + 1 little-endian uint32s: row i spans bytes [offset(i), offset(i + 1)) of the data. */
  readonly offsets: Buffer;
  /** The rows' CSV lines; absent when only the offsets were read. */
  readonly data?: Buffer;
}

/** Where row `i` of a chunk starts in its data (i = rows: where the data ends). */
export const chunkOffset = (chunk: Pick<ResultChunk, 'offsets'>, i: number): number => chunk.offsets.readUInt32LE(i * 4);

export interface V2QueryStoreOptions {
  /**
   * Rows in a results page when the request names no maxRecords. Salesforce says only "based on the
   * service" (spec §4.4); default 50,000: the page the docs' sample asks for, simple-salesforce's default.
   */
  readonly defaultPageRows?: number;
}

export class V2QueryStore {
  /** Rows in a results page when the request names no maxRecords (and in each page resultPages lists). */
  readonly defaultPageRows: number;
  readonly #s;

  constructor(db: Db, options: V2QueryStoreOptions = {}) {
    this.defaultPageRows = options.defaultPageRows ?? 50_000;
    this.#s = {
      insert: db.prepare('INSERT INTO v2_query_chunks (batch_id, first_row, rows, offsets, data) VALUES (?, ?, ?, ?, ?)'),
      clear: db.prepare('DELETE FROM v2_query_chunks WHERE batch_id = ?'),
      // The chunk holding `row`: the last that starts at or before it.
      holding: db.prepare('SELECT first_row, rows, offsets FROM v2_query_chunks WHERE batch_id = ? AND first_row <= ? ORDER BY first_row DESC LIMIT 1'),
      holdingData: db.prepare('SELECT first_row, rows, offsets, data FROM v2_query_chunks WHERE batch_id = ? AND first_row <= ? ORDER BY first_row DESC LIMIT 1'),
      dropChunks: db.prepare('DELETE FROM v2_query_chunks WHERE batch_id IN (SELECT id FROM batches WHERE job_id = ?)'),
    };
  }

  /** Stores a chunk of CSV lines (call under the batch's claim). */
  add(batchId: string, firstRow: number, rows: number, offsets: Buffer, data: Buffer): void {
    this.#s.insert.run(batchId, firstRow, rows, offsets, data);
  }

  /** Drops what a batch's interrupted run stored, before it runs again. */
  clear(batchId: string): void {
    this.#s.clear.run(batchId);
  }

  /**
   * The chunks that hold rows `from` onwards, in row order, read one at a time; with `data` false,
   * only their offsets (to measure a page without reading its rows).
   */
  *chunksFrom(batchId: string, from: number, data: boolean): Generator<ResultChunk> {
    const statement = data ? this.#s.holdingData : this.#s.holding;
    for (let row = from; ; ) {
      const found = statement.get(batchId, row) as { first_row: number; rows: number; offsets: Buffer; data?: Buffer } | undefined;
      if (!found || found.first_row + found.rows <= row) return;
      yield { firstRow: found.first_row, rows: found.rows, offsets: found.offsets, ...(found.data ? { data: found.data } : {}) };
      row = found.first_row + found.rows;
    }
  }

  /** Drops a job's result rows (before JobsStore.deleteJob drops the job, in one transaction). */
  dropResults(jobId: string): void {
    this.#s.dropChunks.run(jobId);
  }
}

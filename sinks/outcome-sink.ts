/**
 * OutcomeSink: JoinedBlock -> files. Successes go to a CSV of the uploaded columns plus `sf__Id`,
 * `sf__Created` and `sf__Row` (the input record number), failures to a CSV of the uploaded columns
 * plus `sf__Error` and `sf__Row`, and every row, optionally, to an NDJSON file. With `attempts` (a
 * load that retries records) both CSVs end with `sf__Attempts` and the NDJSON rows carry `attempts`. A row's columns are
 * its CSV line's own bytes when it has one (never parsed and written again). The files are created
 * by `open()` (or at the first write), so that a path that cannot be written fails before any job
 * exists. A segment is kept whole: after a failure each file is cut back to the last complete one,
 * and `succeeded` / `failed` count the rows of complete segments only.
 * Buffers: two 256 KiB buffers per file (OutputFile's).
 */
import { Writable } from 'node:stream';
import { InvalidOptionError, OutputError } from '../lib/errors.js';
import type { InputValue, JoinedBlock, JoinedRow } from '../lib/load-types.js';
import { csvField } from '../lib/records/serialize-record.js';
import { CREATED, JoinedRows, SUCCESS } from '../lib/join/joined-rows.js';
import type { LedgerJoined, OutputSizes } from '../lib/load/load-ledger.js';
import { unnamedKey } from '../lib/load/unnamed-columns.js';
import { OutputFile } from './output-file.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';

export interface OutcomeSinkOptions {
  /** CSV of the rows that succeeded. */
  readonly successPath?: string;
  /** CSV of the rows that failed. */
  readonly errorPath?: string;
  /** NDJSON of every row with its outcome. */
  readonly resultsPath?: string;
  /**
   * Append to the outputs of a run that stopped, after the sizes and counts of its last whole
   * segment (from its ledger); bytes after them are cut off. Without it the files are created empty.
   */
  readonly resume?: { readonly sizes: OutputSizes; readonly succeeded: number; readonly failed: number };
  /**
   * Called after each segment's rows are all written to the files (not only buffered), with the
   * files' sizes then; awaited before the next segment is written. For a ledger.
   */
  readonly onSegmentWritten?: (written: LedgerJoined) => Promise<void>;
  /** Add each row's attempts (how many times it was sent): `sf__Attempts` in the CSVs, `attempts` in the NDJSON. Default false. */
  readonly attempts?: boolean;
}

type FileKey = 'successPath' | 'errorPath' | 'resultsPath';

const COMMA = 0x2c;
const LF = 0x0a;

const cell = (v: InputValue | undefined) => (v === null ? '#N/A' : v === undefined ? '' : csvField(v));

/** Adds row i's uploaded columns: its line's bytes, or its fields as CSV (XML and JSON jobs). */
function addColumns(block: JoinedRows, i: number, file: OutputFile): Promise<void> | undefined {
  const chunk = block.lineChunks[i];
  if (chunk) return file.addBytes(chunk, block.lineStarts[i], block.lineEnds[i]);
  const fields = block.fields?.[i] ?? {};
  return file.addText(block.columns.map((c) => cell(fields[c])).join(','));
}

export class OutcomeSink extends Writable {
  readonly #options: OutcomeSinkOptions;
  #opening: Promise<void> | undefined;
  readonly #files: Partial<Record<FileKey, OutputFile>> = {};
  #header = false;
  /** The uploaded columns, when known before the first block (for the header of a run that fails early). */
  #columns: readonly string[] | undefined;
  #jobId: string | undefined;
  /** The keys of a rejected record's values in the input's columns without a name (unnamedKey), in the error file's columns after the uploaded ones. */
  #unnamed: readonly string[] = [];
  #pendingSucceeded = 0;
  #pendingFailed = 0;
  /** Rows of complete segments written. */
  succeeded = 0;
  failed = 0;

  constructor(options: OutcomeSinkOptions = {}) {
    super({ objectMode: true, highWaterMark: 4 });
    this.#options = options;
    if (options.resume) {
      this.succeeded = options.resume.succeeded;
      this.failed = options.resume.failed;
      // The header is in files that hold any segment.
      this.#header = Object.values(options.resume.sizes).some((size) => size > 0);
    }
  }

  /** The uploaded columns, once known: a run that fails before its first block still writes the files' header. */
  knowColumns(columns: readonly string[]): void {
    this.#columns = columns;
  }

  /**
   * The input header's columns without a name (1-based; lib/load/unnamed-columns.ts). The error file
   * keeps a rejected record's values there whole, in as many columns after the uploaded ones, with no
   * name either: loaded back, the file's empty ones are dropped and a value is refused naming its
   * column, as the input's were, never lost without a word. Call it before the first block (a resume
   * with the same input gets the same header, so its rows fit the file's).
   */
  knowUnnamed(numbers: readonly number[]): void {
    if (numbers.length > 0) this.#unnamed = numbers.map(unnamedKey);
  }

  /**
   * Creates the files. An option naming a file that cannot be created is an InvalidOptionError;
   * call it before the job is created. Idempotent.
   */
  open(): Promise<void> {
    this.#opening ??= (async () => {
      for (const key of ['successPath', 'errorPath', 'resultsPath'] as const) {
        const path = this.#options[key];
        if (path === undefined) continue;
        try {
          const size = this.#options.resume?.sizes[key];
          this.#files[key] = size === undefined ? await OutputFile.create(path) : await OutputFile.continue(path, size);
        } catch (err) {
          await this.#abandonAll();
          throw new InvalidOptionError(key, 'a file that can be written', path, { cause: err });
        }
      }
    })();
    return this.#opening;
  }

  override _write(block: JoinedBlock, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const wrong = wrongStageItem('OutcomeSink', ['joined'], block);
    if (wrong) return callback(wrong);
    this.open()
      .then(() => this.#write(block))
      .then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      await this.open();
      if (!this.#header) await this.#writeHeader([]);
      for (const key of ['successPath', 'errorPath', 'resultsPath'] as const) await this.#guard(key, this.#files[key]?.close());
    })().then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    (async () => {
      // A failed run's files still say what their columns are.
      if (this.#opening && !this.#header) await this.#writeHeader(this.#columns ?? []).catch(() => undefined);
      await this.#abandonAll();
    })().then(() => callback(err));
  }

  async #abandonAll(): Promise<void> {
    await Promise.all(Object.values(this.#files).map((file) => file.abandon()));
  }

  /**
   * Waits for a file step, naming the file, its rows and the job when it fails. Takes the promise,
   * not a function: a closure per row would cost an allocation per row.
   */
  async #guard(key: FileKey, pending: Promise<unknown> | undefined): Promise<void> {
    try {
      await pending;
    } catch (err) {
      throw new OutputError(this.#options[key] as string, this.#files[key]?.durableRows ?? 0, this.#jobId, err);
    }
  }

  async #writeHeader(columns: readonly string[]): Promise<void> {
    this.#header = true;
    const header = columns.map(csvField);
    const attempts = this.#options.attempts ? ['sf__Attempts'] : [];
    await this.#guard('successPath', this.#files.successPath?.addText(`${[...header, 'sf__Id', 'sf__Created', 'sf__Row', ...attempts].join(',')}\n`));
    await this.#guard('errorPath', this.#files.errorPath?.addText(`${[...header, ...this.#unnamed.map(() => ''), 'sf__Error', 'sf__Row', ...attempts].join(',')}\n`));
    this.#files.successPath?.commit();
    this.#files.errorPath?.commit();
  }

  async #write(given: JoinedBlock): Promise<void> {
    const block = JoinedRows.of(given);
    if (block.jobId) this.#jobId = block.jobId;
    if (!this.#header) await this.#writeHeader(block.columns);
    if (block.restart) {
      // The segment starts again: what of it was written is void.
      for (const key of ['successPath', 'errorPath', 'resultsPath'] as const) await this.#guard(key, this.#files[key]?.rollback());
      this.#pendingSucceeded = 0;
      this.#pendingFailed = 0;
    }
    const { successPath: success, errorPath: errors, resultsPath: results } = this.#files;
    const attempts = this.#options.attempts === true;
    const rows = results ? block.rows : undefined;
    // No column (a load whose every record was rejected before any set one): no comma after the columns either.
    const after = block.columns.length > 0 ? ',' : '';
    for (let i = 0; i < block.count; i++) {
      // The common rows (a success whose line and suffix fit in the buffer) in a loop with no await;
      // the rest, one at a time, below.
      if (!results) i = this.#putSuccessRows(block, i, success, after !== '', attempts);
      if (i === block.count) break;
      const flags = block.flags[i] as number;
      if ((flags & SUCCESS) !== 0) {
        this.#pendingSucceeded++;
        if (success) {
          const a = addColumns(block, i, success);
          if (a) await this.#guard('successPath', a);
          // `,<id>,<created>,<row>` and the line end: an id of the bytes it came in, the rest at most 24 bytes.
          const ids = block.ids;
          const idChunk = ids.chunks[i];
          const idText = ids.texts?.[i] ?? '';
          const b = success.room((idChunk ? (ids.ends[i] as number) - (ids.starts[i] as number) : idText.length * 3) + 32);
          if (b) await this.#guard('successPath', b);
          if (after) success.putByte(COMMA);
          if (idChunk) success.putBytes(idChunk, ids.starts[i] as number, ids.ends[i] as number);
          else success.putText(idText);
          success.putText((flags & CREATED) !== 0 ? ',true,' : ',false,');
          success.putInteger(block.rowNumbers[i] as number);
          if (attempts) {
            success.putByte(COMMA);
            success.putInteger(block.attempts[i] as number);
          }
          success.putByte(LF);
        }
      } else {
        this.#pendingFailed++;
        if (errors) {
          const a = addColumns(block, i, errors);
          if (a) await this.#guard('errorPath', a);
          // The unnamed columns' cells (each `,value`) after the named ones; with no named column, no comma before the first.
          const unnamed = this.#unnamed.length > 0 ? this.#unnamedCells(block, i) : '';
          const lead = after ? `${unnamed},` : unnamed ? `${unnamed.slice(1)},` : '';
          const b = errors.addText(`${lead}${csvField(block.errors[i] ?? '')},${block.rowNumbers[i]}${attempts ? `,${block.attempts[i]}` : ''}\n`);
          if (b) await this.#guard('errorPath', b);
        }
      }
      if (results && rows) {
        const row = rows[i] as JoinedRow;
        const outcome = { row: row.row, success: row.success, id: row.id, created: row.created, error: row.error || null };
        const line = `${JSON.stringify({ ...outcome, ...(attempts ? { attempts: row.attempts } : {}), batchId: row.batchId, fields: row.fields })}\n`;
        const c = results.addText(line);
        if (c) await this.#guard('resultsPath', c);
      }
    }
    if (block.last) {
      this.succeeded += this.#pendingSucceeded;
      this.failed += this.#pendingFailed;
      // Each file holds the rows of its kind of every whole segment so far.
      this.#files.successPath?.commit(this.succeeded);
      this.#files.errorPath?.commit(this.failed);
      this.#files.resultsPath?.commit(this.succeeded + this.failed);
      this.#pendingSucceeded = 0;
      this.#pendingFailed = 0;
      if (this.#options.onSegmentWritten) await this.#segmentWritten(block.seq);
    }
  }

  /**
   * Writes block rows from `from` on while each is a success row with a CSV line (or there is no
   * success file) whose line and `,<id>,<created>,<row>[,<attempts>]` fit in the success file's
   * buffer as it is; returns the first row left (block.count when none). The same bytes as the
   * row-at-a-time path, in a plain loop: no promise per row, and a small function to optimise.
   */
  #putSuccessRows(block: JoinedRows, from: number, success: OutputFile | undefined, comma: boolean, attempts: boolean): number {
    const { flags, lineChunks, lineStarts, lineEnds, rowNumbers, ids } = block;
    const count = block.count;
    let i = from;
    for (; i < count; i++) {
      const flag = flags[i] as number;
      if ((flag & SUCCESS) === 0) break;
      if (success) {
        const chunk = lineChunks[i];
        if (!chunk) break;
        const start = lineStarts[i] as number;
        const end = lineEnds[i] as number;
        const idChunk = ids.chunks[i];
        const idText = idChunk ? '' : (ids.texts?.[i] ?? '');
        if (!success.fits(end - start + (idChunk ? (ids.ends[i] as number) - (ids.starts[i] as number) : idText.length * 3) + 32)) break;
        success.putBytes(chunk, start, end);
        if (comma) success.putByte(COMMA);
        if (idChunk) success.putBytes(idChunk, ids.starts[i] as number, ids.ends[i] as number);
        else success.putText(idText);
        success.putText((flag & CREATED) !== 0 ? ',true,' : ',false,');
        success.putInteger(rowNumbers[i] as number);
        if (attempts) {
          success.putByte(COMMA);
          success.putInteger(block.attempts[i] as number);
        }
        success.putByte(LF);
      }
      this.#pendingSucceeded++;
    }
    return i;
  }

  /** `,<value>` per unnamed column: a rejected record's own, empty for every other row. */
  #unnamedCells(block: JoinedRows, i: number): string {
    const fields = block.lineChunks[i] ? undefined : block.fields?.[i];
    return this.#unnamed.map((key) => `,${cell(fields?.[key])}`).join('');
  }

  async #segmentWritten(seq: number): Promise<void> {
    const sizes: Record<string, number> = {};
    for (const key of ['successPath', 'errorPath', 'resultsPath'] as const) {
      const file = this.#files[key];
      if (!file) continue;
      const flushing = file.flush();
      await this.#guard(key, flushing);
      sizes[key] = await flushing;
    }
    await this.#options.onSegmentWritten?.({ seq, succeeded: this.succeeded, failed: this.failed, sizes });
  }
}

/** An OutcomeSink; e.g. `outcomeSink({ successPath: 'ok.csv', errorPath: 'failed.csv' })`. */
export const outcomeSink = (options?: OutcomeSinkOptions) => new OutcomeSink(options);

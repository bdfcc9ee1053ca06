/**
 * CsvBatchSplitter: the fast path for CSV input into a CSV job. It finds record boundaries in the
 * raw bytes (quote-aware), prepends the header line to every batch and slices the bytes into
 * spooled batches, never splitting fields into strings. A header with bulkpipe's result columns
 * (`sf__*`: the input is an earlier run's output) is the one case that rewrites records: each is
 * parsed and written again without them.
 * Each record is checked while it is scanned, still in the bytes: its field count against the
 * header (delimiters outside quotes counted 16 bytes at a time by a WebAssembly SIMD kernel, or in
 * JS for a record the kernel leaves to the scanner), a stray quote (the scanner flags it), invalid UTF-8
 * (isUtf8 on each chunk, then on the records of a chunk that fails), a NUL byte (one indexOf per
 * chunk, then per record of a chunk that holds one), and its size against the field,
 * record and batch limits (only a record longer than a field may be can break them). A record
 * found suspect is parsed alone by the same judge as the parser's; a bad one goes to the segment's
 * reject file with its line and the reason, and is never uploaded. A record larger than a batch is
 * passed over without being kept.
 * A record ends at any line end outside quotes (LF, CRLF or a CR alone, mixed as the file mixes
 * them). The payload keeps LF and CRLF record ends as they are (both are line ends to the Bulk API),
 * but a CR alone is sent as an LF, which costs one extra slice per such record, no copy; quoted
 * line ends are values and stay as they are.
 * A thin stream around lib/cut/csv-cutter.ts, which holds the logic and the buffers: the slices of
 * one open batch (at most maxBytes), one partial record (bounded by maxBytes) and up to 64 KiB of
 * rejected records.
 */
import type { TransformCallback } from 'node:stream';
import { CsvCutter } from '../lib/cut/csv-cutter.js';
import type { CsvCutterOptions } from '../lib/cut/csv-cutter-options.js';
import type { ColumnPlan } from '../lib/load/column-plan.js';
import { ChunkingStage } from './chunking-stage.js';

export type CsvBatchSplitterOptions = CsvCutterOptions;

export class CsvBatchSplitter extends ChunkingStage {
  readonly #cutter: CsvCutter;

  constructor(options: CsvBatchSplitterOptions) {
    super({ readableObjectMode: true, writableObjectMode: false, readableHighWaterMark: 1 });
    this.#cutter = new CsvCutter(options, this.cutEvents(false, options.source));
  }

  /** The input's header line as read (BOM stripped, line end kept), once read. */
  get inputHeader(): string | undefined {
    return this.#cutter.inputHeader;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#cutter.write(chunk, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#cutter.end(callback);
  }

  /**
   * Stops taking records: the open batch (whole records only) is still cut when the input ends, a
   * partial record is dropped, and the segment's end is where that record starts (the next unread
   * record: a resumed run reads on from there). For a graceful stop of a run. False when the whole
   * input was taken already: nothing is left unread, and the stop changes nothing.
   */
  stop(): boolean {
    return this.#cutter.stop();
  }

  /**
   * The input ends cut off (gzip data that breaks off): every whole record before the cut is still
   * batched, and a partial record after the last one is dropped, never uploaded truncated. Call it
   * before the input ends.
   */
  endsCut(): void {
    this.#cutter.endsCut();
  }

  /** The column plan, once the header is read (the 'columns' event carries it too). */
  get plan(): ColumnPlan | undefined {
    return this.#cutter.plan;
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#cutter.drop();
    callback(err);
  }
}

/** A CsvBatchSplitter; e.g. `pipeline(createReadStream(path), csvBatchSplitter({ spool: new LoadSpool() }), submitter, ...)`. */
export const csvBatchSplitter = (options: CsvBatchSplitterOptions) => new CsvBatchSplitter(options);

/**
 * SegmentCutter: the part of cutting an input into segments that the CSV fast path and the record
 * path share, free of streams. It numbers the segments, counts the open one's records and their row
 * runs against its record limit (the batch size, or an org batch's count where a resumed segment
 * must line up with it: `align`), tells when a resumed run's cut is due (`cuts`), keeps the open
 * segment's rejected records in its reject file (input order), and seals a closed segment into the
 * SpooledBatch the stages pass on. The payload's bytes are the caller's: it writes them through
 * `writePayload`. Holds the open segment's row runs and up to 64 KiB of rejected records.
 */
import type { ColumnPlan } from '../load/column-plan.js';
import type { BatchAlignment } from '../load/batch-alignment.js';
import { recordDigest } from '../load/csv-payload-records.js';
import type { LoadSpool } from '../load/load-spool.js';
import { RejectWriter, type RejectEntry } from '../load/reject-file.js';
import type { ContentType } from '../types.js';
import type { InputPosition, RowRun, SpooledBatch } from '../load-types.js';
import { CutSchedule } from './cut-schedule.js';
import { addRow, addRows, type OpenRowRuns } from './row-runs.js';
import { encodeSourceRows } from './source-rows.js';

/** What a cutter reports, in input order: the stages turn these into their events and pushes. */
export interface CutEvents {
  /** The columns are known (from the header, the options or the first record). */
  columns(plan: ColumnPlan): void;
  /** A record went to its segment's reject file. */
  rejected(entry: RejectEntry): void;
  /** A segment is cut and spooled whole. */
  batch(batch: SpooledBatch): void;
}

export interface SegmentCutterOptions {
  readonly spool: LoadSpool;
  /** Most records per segment. */
  readonly maxRecords: number;
  /** The number of the first segment (a resumed run's next); default 0. */
  readonly seq?: number | undefined;
  /** The last input row before the first segment (a resumed run's); default 0. */
  readonly row?: number | undefined;
  /** Rows after which a segment ends whatever its size (a resume's cuts made before), ascending. */
  readonly cuts?: readonly number[] | undefined;
  /** A resume's org batches by their first record: a segment that begins with one ends after as many records. */
  readonly align?: BatchAlignment | undefined;
  readonly events: CutEvents;
}

/** A segment taken out of the cutter, to be spooled and sealed while the next one fills. */
export interface ClosedSegment {
  readonly seq: number;
  readonly records: number;
  readonly rows: readonly RowRun[];
  /** The last input row in it, uploaded or rejected. */
  readonly row: number;
  readonly rejects: RejectWriter | undefined;
}

/** What a closed segment was spooled as, besides its records and rejects. */
export interface SpooledPayload {
  /** The payload file; null when the segment holds no record. */
  readonly path: string | null;
  readonly bytes: number;
  readonly contentType: ContentType;
  readonly columns: readonly string[];
  /** Where the input stands after the segment; its `row` is the segment's last. */
  readonly end: Omit<InputPosition, 'row'>;
  /** A binary-attachment batch's zip, and its size (the bytes uploaded). */
  readonly upload?: { readonly path: string; readonly bytes: number } | undefined;
  /** A grouped load: the file of its records' input rows (writeSources). */
  readonly sources?: string | undefined;
}

export class SegmentCutter {
  readonly #spool: LoadSpool;
  readonly #maxRecords: number;
  readonly #cuts: CutSchedule;
  readonly #align: BatchAlignment | undefined;
  readonly #events: CutEvents;
  #seq: number;
  #row: number;
  #records = 0;
  #runs: OpenRowRuns = [];
  #rejects: RejectWriter | undefined;
  /** Most records of the open segment: the batch size, or fewer where it lines up with an org batch. */
  #limit: number;

  constructor(options: SegmentCutterOptions) {
    this.#spool = options.spool;
    this.#maxRecords = options.maxRecords;
    this.#cuts = new CutSchedule(options.cuts);
    this.#align = options.align;
    this.#events = options.events;
    this.#seq = options.seq ?? 0;
    this.#row = options.row ?? 0;
    this.#limit = this.#maxRecords;
  }

  /** The last input row placed (uploaded or rejected), or the row a resumed run starts after. */
  get row(): number {
    return this.#row;
  }

  /** Records in the open segment. */
  get records(): number {
    return this.#records;
  }

  /** Whether the open segment holds as many records as it may. */
  get full(): boolean {
    return this.#records >= this.#limit;
  }

  /** How many more records the open segment may take. */
  get room(): number {
    return this.#limit - this.#records;
  }

  /** The next row after which a resumed run's cut is due, if any is left. */
  get nextCut(): number | undefined {
    return this.#cuts.next;
  }

  /** Whether the open segment holds anything to cut: a record, or a rejected one. */
  get open(): boolean {
    return this.#records > 0 || this.#rejects !== undefined;
  }

  /** Whether the next record, beginning a segment, must be hashed to line it up with an org batch. */
  get aligning(): boolean {
    return this.#records === 0 && this.#align !== undefined && !this.#align.empty;
  }

  /** Whether the open segment ends before input row `row` (a cut a resumed run makes again). */
  cutDue(row: number): boolean {
    return this.#cuts.dueBefore(row);
  }

  /** The first record of a segment, as its payload holds it (in pieces): an org batch it begins ends the segment after as many records. */
  alignTo(record: readonly Buffer[]): void {
    const records = this.#align?.recordsFrom(recordDigest(...record));
    if (records !== undefined) this.#limit = Math.min(this.#maxRecords, records);
  }

  /** Counts input row `row` into the open segment's records. */
  take(row: number): void {
    this.#row = row;
    this.#records++;
    addRow(this.#runs, row);
  }

  /** Counts the `count` input rows from `first` on into the open segment's records. */
  takeRows(first: number, count: number): void {
    this.#row = first + count - 1;
    this.#records += count;
    addRows(this.#runs, first, count);
  }

  /** Sends a record to the open segment's reject file; returns a promise only when a file had to be opened or written. */
  reject(entry: RejectEntry): Promise<void> | undefined {
    this.#events.rejected(entry);
    this.#row = entry.row;
    if (this.#rejects) return this.#rejects.add(entry);
    return this.#spool.path(this.#seq, 'rejects').then((path) => {
      this.#rejects = new RejectWriter(path);
      return this.#rejects.add(entry);
    });
  }

  /** An aborted run: the open segment's records are never cut. */
  drop(): void {
    this.#records = 0;
  }

  /** Takes the open segment out (the next one opens empty, numbered on); undefined when it holds nothing. */
  close(): ClosedSegment | undefined {
    if (!this.open) return undefined;
    const closed = { seq: this.#seq++, records: this.#records, rows: this.#runs, row: this.#row, rejects: this.#rejects };
    this.#records = 0;
    this.#runs = [];
    this.#rejects = undefined;
    this.#limit = this.#maxRecords;
    return closed;
  }

  /** Writes a closed segment's payload to the spool, whole; resolves to its path. */
  writePayload(segment: ClosedSegment, extension: string, parts: readonly Buffer[]): Promise<string> {
    return this.#spool.write(segment.seq, 'payload', extension, parts);
  }

  /** Writes a grouped segment's input rows, in payload order, to the spool (32-bit little-endian each); resolves to its path. */
  writeSources(segment: ClosedSegment, rows: readonly number[]): Promise<string> {
    return this.#spool.write(segment.seq, 'sources', 'u32', [encodeSourceRows(rows)]);
  }

  /** A closed segment's path for a file of another kind (a binary-attachment batch's zip). */
  uploadPath(segment: ClosedSegment, extension: string): Promise<string> {
    return this.#spool.path(segment.seq, 'upload', extension);
  }

  /** Makes a file of a closed segment whole (a zip another writer made); resolves to its size. */
  async seal(segment: ClosedSegment, path: string): Promise<number> {
    return (await this.#spool.seal(segment.seq, path)).bytes;
  }

  /** Finishes a closed segment once its payload is spooled: its rejects flushed, the spool told, its batch made. */
  async finish(segment: ClosedSegment, payload: SpooledPayload): Promise<SpooledBatch> {
    const { seq, records, rows, rejects } = segment;
    await rejects?.flush();
    const rejected = rejects?.count ?? 0;
    this.#spool.describe(seq, rows, records, rejected);
    const { path, bytes, contentType, columns, upload, sources } = payload;
    const end = { row: segment.row, ...payload.end };
    const batch: SpooledBatch = { kind: 'batch', seq, path, contentType, records, rejected, bytes, rows, columns, end, ...(sources !== undefined ? { sources } : {}) };
    return upload ? { ...batch, upload: upload.path, bytes: upload.bytes } : batch;
  }
}

/**
 * RecordCutter: the record path's cutting, free of streams (BatchChunker wraps it). Serializes
 * records for the job's content type and cuts a segment at whichever limit comes first: records,
 * bytes, characters (and, for attachments, the zip's files and bytes). Records over the field or
 * record limits, or with a field outside the columns, go to their segment's reject file. A cut
 * segment's payload is written while the next one fills (one write in flight), and its batch is
 * reported once written, in order.
 * Without declared columns, the first records are held until their fields' union is known
 * (lib/cut/column-lookahead.ts), then placed in order.
 * Buffers: the columns' look-ahead (at the start), the open payload (TextPayload), up to 64 KiB of
 * rejected records, the open zip's file list.
 */
import { writeZipBatch } from '../attachments/write-zip-batch.js';
import { rowError } from '../errors.js';
import type { ZipBudgetLimits } from '../attachments/zip-budget.js';
import type { ColumnPlan } from '../load/column-plan.js';
import type { BatchAlignment } from '../load/batch-alignment.js';
import { suggest } from '../load/column-check.js';
import { inputFault, limitFault } from '../load/input-fault.js';
import { spoolOption, type LoadSpool } from '../load/load-spool.js';
import { LOAD_OPERATIONS, type AttachmentFile, type InputRecord, type InputValue, type LoadOperation, type SpooledBatch } from '../load-types.js';
import type { ContentType } from '../types.js';
import { MAX_FIELD_CHARACTERS, MAX_RECORD_CHARACTERS, MAX_RECORD_FIELDS, MAX_ZIP_BYTES, MAX_ZIP_FILES } from '../limits.js';
import { nonNegativeInteger, oneOf, positiveInteger } from '../options.js';
import { recordSerializer, type PayloadType, type RecordSerializer } from '../records/serialize-record.js';
import { batchLimits } from './batch-limits.js';
import { ColumnLookahead } from './column-lookahead.js';
import { recordColumns, type RecordColumns } from './record-columns.js';
import { SegmentCutter, type ClosedSegment, type CutEvents } from './segment-cutter.js';
import { TextPayload } from './text-payload.js';
import { ZipSegment } from './zip-segment.js';

export interface RecordCutterOptions {
  /** The job's content type. */
  readonly contentType: PayloadType;
  /** The load's spool: where payloads and rejected records go. */
  readonly spool: LoadSpool;
  /** The operation, which decides whether an `sf__Id` column is uploaded as the Id; default insert. */
  readonly operation?: LoadOperation;
  /** The input's name (a file, or `stdin`), named with the record's place in the errors of records over the limits. Default `input`. */
  readonly source?: string;
  /**
   * Declared columns. Default: the union of the fields of the first `lookaheadRecords` records (and
   * at most 4,000,000 characters of them, about 8 MB of strings), held back until the columns are known, the first record's fields
   * first, in order (a CSV header). A later record with a field outside the columns is rejected.
   */
  readonly columns?: readonly string[];
  /**
   * Without declared columns: how many records set them; default 1,000. 0: the first record's fields
   * alone, as a header (bulkLoad's for its input files, whose records carry the same fields).
   */
  readonly lookaheadRecords?: number;
  /** Most records per batch; default and maximum 10,000. */
  readonly maxRecords?: number;
  /** Most payload bytes per batch; default and maximum 10,000,000. */
  readonly maxBytes?: number;
  /** Most payload characters per batch; default and maximum 10,000,000. */
  readonly maxCharacters?: number;
  /**
   * A binary-attachment load: every batch is a zip of its payload (as `request.txt`) and the files
   * its records attach, for a ZIP_CSV, ZIP_XML or ZIP_JSON job. Default false.
   */
  readonly attachments?: boolean;
  /** Attachment loads: most files per zip besides the manifest; default and maximum 1,000. */
  readonly maxFiles?: number;
  /** Attachment loads: most bytes per zip; default and maximum 10,000,000. */
  readonly maxZipBytes?: number;
  /**
   * Go on with a load that stopped: the input is read again from its start, its records up to row
   * `afterRow` were cut before and are passed over (after they set the columns, as they did then),
   * and segments are numbered from `seq`.
   */
  readonly resume?: { readonly seq: number; readonly afterRow: number };
  /**
   * Rows after which a segment ends whatever its size, ascending: a resume that cuts segments again
   * cuts them where the run cut them before (a stop's short segment too), so that each has the bytes
   * of the batch the org holds for it.
   */
  readonly cuts?: readonly number[];
  /**
   * A resume's org batches by their first record (filled before the input is read; CSV only): a
   * segment that begins with one of them ends after as many records as that batch holds, so that it
   * has its bytes.
   */
  readonly align?: BatchAlignment;
  /**
   * A grouped load: the input's first record (not rejected), whose fields are the columns as they are
   * without grouping (the first record given out may be another, with other fields).
   */
  readonly firstRecord?: () => InputRecord | undefined;
  /**
   * Records from code: the look-ahead's columns that name nothing of the object, each with why (its
   * did-you-mean), asked once when the look-ahead is full (lib/load/column-check.ts columnsOfNothing).
   * Such a column is dropped and only the records that carry it are rejected, with why (issue 27: one
   * misspelt key costs its records, not the load); it is kept, for the load's column check to refuse
   * before any job, when every record held carries one (no record could load), or when it is a field
   * of the first record and `refuseFirstUnknown` (the check was asked for).
   */
  readonly unknownColumns?: (columns: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  /** With `unknownColumns`: keep the first record's unknown columns for the column check to refuse. Default false. */
  readonly refuseFirstUnknown?: boolean;
}

export class RecordCutter {
  readonly #type: PayloadType;
  readonly #operation: LoadOperation;
  readonly #serializer: RecordSerializer;
  readonly #source: string;
  /** The job's content type: the payload's, or its ZIP_ form. */
  readonly #jobType: ContentType;
  /** An attachment load: the open zip; undefined otherwise. */
  readonly #zip: ZipSegment | undefined;
  readonly #payload: TextPayload;
  readonly #segments: SegmentCutter;
  readonly #events: CutEvents;
  #columns: RecordColumns | undefined;
  /** Without declared columns: the records held until the columns are known (issue 27); undefined once they are. */
  #lookahead: ColumnLookahead | undefined;
  /** The columns were declared (`columns`). */
  readonly #declared: boolean;
  /** The last row the look-ahead held (its columns were taken from the records up to it); 0 with declared columns. */
  #lookedAt = 0;
  /** A resumed run: the rows cut before, passed over. */
  readonly #afterRow: number;
  readonly #firstRecord: (() => InputRecord | undefined) | undefined;
  /** The last cut segment's file write, then its report: the next segment fills meanwhile. */
  #writing: Promise<void> | undefined;
  /** A grouped load: the open segment's records' input rows, in payload order (at most maxRecords). */
  #sources: number[] | undefined;
  readonly #unknownColumns: RecordCutterOptions['unknownColumns'];
  readonly #refuseFirstUnknown: boolean;
  /** The look-ahead's columns dropped as naming nothing of the object, by lower-case name: why, for the records that carry them. */
  #dropped: ReadonlyMap<string, string> = new Map();
  /** The run was aborted (drop): a look-ahead still being checked places nothing. */
  #aborted = false;
  /** The look-ahead left keys out of the columns, which were full (MAX_RECORD_FIELDS). */
  #overflowed = false;
  /** Set by #check: the record has a key in another case than its column's, to be written under the column's. */
  #respell = false;

  constructor(options: RecordCutterOptions, events: CutEvents) {
    this.#type = oneOf('contentType', options.contentType, ['CSV', 'XML', 'JSON'] as const);
    const spool = spoolOption(options.spool);
    this.#operation = oneOf('operation', options.operation ?? 'insert', LOAD_OPERATIONS);
    this.#serializer = recordSerializer(this.#type);
    const limits = batchLimits(options);
    this.#source = options.source ?? 'input';
    this.#zip = options.attachments ? new ZipSegment(zipLimits(options)) : undefined;
    this.#jobType = options.attachments ? `ZIP_${this.#type}` : this.#type;
    this.#events = events;
    this.#payload = new TextPayload(limits);
    // A CSV record is written the same whatever its place in a batch: its bytes tell where it began one.
    const align = this.#type === 'CSV' && !options.attachments ? options.align : undefined;
    this.#afterRow = options.resume?.afterRow ?? 0;
    this.#firstRecord = options.firstRecord;
    this.#unknownColumns = options.unknownColumns;
    this.#refuseFirstUnknown = options.refuseFirstUnknown === true;
    this.#segments = new SegmentCutter({ spool, maxRecords: limits.maxRecords, cuts: options.cuts, align, events, seq: options.resume?.seq, row: this.#afterRow });
    this.#declared = options.columns !== undefined;
    if (options.columns !== undefined) this.#setColumns(options.columns);
    else if (nonNegativeInteger('lookaheadRecords', options.lookaheadRecords ?? 1) > 0)
      this.#lookahead = new ColumnLookahead(options.lookaheadRecords !== undefined ? { maxRecords: options.lookaheadRecords } : {});
  }

  /** The column plan, once the columns are known. */
  get plan(): ColumnPlan | undefined {
    return this.#columns?.plan;
  }

  /** Adds a record; returns a promise only when a segment (or rejected records) had to be written first. */
  add(record: InputRecord): Promise<void> | undefined {
    const lookahead = this.#lookahead;
    if (!lookahead) return this.#add(record);
    // Rejected records before the first good one set nothing and keep their place: no need to hold them.
    if (lookahead.held === 0 && record.error !== undefined) return this.#add(record);
    return lookahead.add(record) ? this.#release() : undefined;
  }

  /** The input ended: the records held are placed, the last segment is cut (rejected records alone too), and every write done. */
  end(): Promise<void> {
    return Promise.resolve(this.#lookahead ? this.#release() : undefined)
      .then(() => this.#cut(true))
      .then(() => this.#writing);
  }

  /** An aborted run: the open segment is never cut, its buffers dropped. */
  drop(): void {
    this.#aborted = true;
    this.#lookahead?.take();
    this.#segments.drop();
    this.#payload.drop();
  }

  #add(record: InputRecord): Promise<void> | undefined {
    if (record.row > this.#afterRow && this.#segments.cutDue(record.row)) return this.#cut().then(() => this.#place(record));
    return this.#place(record);
  }

  /** The look-ahead is full (or the input ended): the columns are set from it, and the records it held are placed in order. */
  #release(): Promise<void> | undefined {
    const lookahead = this.#lookahead as ColumnLookahead;
    this.#lookahead = undefined;
    // A grouped load's columns open with its first input record's fields, which a grouped window may give out later.
    const first = this.#firstRecord?.() ?? lookahead.first;
    this.#overflowed = lookahead.overflowed;
    const records = lookahead.take();
    // Counted, not the last row: a grouped load gives its records out in another order.
    this.#lookedAt = records.length;
    if (!first) return this.#placeHeld(records);
    const columns = lookahead.columns(first);
    if (!this.#unknownColumns) {
      this.#setColumns(columns, first);
      return this.#placeHeld(records);
    }
    return this.#unknownColumns(columns).then((unknown) => {
      if (this.#aborted) return;
      this.#dropped = droppedColumns(unknown, first, records, this.#refuseFirstUnknown);
      const kept = columns.filter((c) => !this.#dropped.has(c.toLowerCase()));
      // No column left (the records that carry none set nothing): all kept, for the column check to refuse.
      if (kept.length === 0) this.#dropped = new Map();
      this.#setColumns(kept.length > 0 ? kept : columns, first);
      return this.#placeHeld(records);
    });
  }

  #placeHeld(records: readonly InputRecord[]): Promise<void> | undefined {
    const next = (i: number): Promise<void> | undefined => {
      for (; i < records.length; i++) {
        const pending = this.#add(records[i] as InputRecord);
        if (pending) return pending.then(() => next(i + 1));
      }
      return undefined;
    };
    return next(0);
  }

  #setColumns(columns: readonly string[], first?: InputRecord): void {
    this.#columns = recordColumns(columns, this.#operation, first && { record: first, source: this.#source });
    const plan = this.#columns.plan;
    this.#payload.frame(this.#serializer.head(plan.upload), this.#serializer.tail());
    this.#events.columns(plan);
  }

  #place(record: InputRecord): Promise<void> | undefined {
    // A record rejected for its input never sets the columns: what could be read of it may be anything.
    if (record.error !== undefined)
      return record.row <= this.#afterRow
        ? undefined
        : this.#segments.reject({ row: record.row, ...(record.sourceRow !== undefined ? { sourceRow: record.sourceRow } : {}), error: record.error, fields: record.fields });
    if (!this.#columns) {
      // No look-ahead: the first good record's fields are the columns, as a header.
      const first = this.#firstRecord?.() ?? record;
      const names = [...Object.keys(first.fields), ...(first.unset ?? [])];
      // A record that sets nothing, with no columns yet: none to give it (`[{}]`); it costs itself only.
      if (names.length === 0) {
        if (record.row <= this.#afterRow) return undefined;
        const error = inputFault('BULKPIPE_MALFORMED_RECORD', 'the record sets no field, and no record before it did: there is no column to load it into', {
          source: this.#source,
          row: record.sourceRow ?? record.row,
          line: record.line,
        });
        return this.#segments.reject({ row: record.row, ...(record.sourceRow !== undefined ? { sourceRow: record.sourceRow } : {}), error, fields: record.fields });
      }
      this.#setColumns(names, first);
    }
    if (record.row <= this.#afterRow) return undefined; // cut by the run this one resumes
    const problem = this.#check(record);
    if (problem) return this.#reject(record, problem);
    return this.#placeChecked(this.#respell ? this.#respelt(record) : record);
  }

  /** Places a record that may go into a batch (its keys spelt as the columns). */
  #placeChecked(record: InputRecord): Promise<void> | undefined {
    const text = this.#text(record, this.#segments.records === 0);
    // An attachment load counts the manifest's bytes exactly: the record's, once.
    const textBytes = this.#zip ? Buffer.byteLength(text) : 0;
    const limit = this.#payload.limitAlone(text) ?? this.#zip?.limitAlone(record.attachments, this.#payload.frameLength, textBytes);
    if (limit) return this.#reject(record, rowError('BULKPIPE_RECORD_TOO_LARGE', `the record alone is larger than a batch may be (${limit})`));
    if (this.#segments.records > 0 && !(this.#payload.fits(text) && this.#zipFits(record, textBytes))) {
      return this.#cut().then(() => {
        // The first record of a batch is written without the separator the others have (JSON): counted again.
        const first = this.#text(record, true);
        return this.#append(record, first, this.#zip ? Buffer.byteLength(first) : 0);
      });
    }
    return this.#append(record, text, textBytes);
  }

  #text(record: InputRecord, first: boolean): string {
    const plan = (this.#columns as RecordColumns).plan;
    return this.#serializer.record(plan.upload, record.fields, first, plan.sources);
  }

  #zipFits(record: InputRecord, textBytes: number): boolean {
    return this.#zip?.fits(record.attachments, textBytes, this.#payload.tailLength) ?? true;
  }

  /** `textBytes`: the text's UTF-8 bytes, for an attachment load's manifest (0 otherwise). */
  #append(record: InputRecord, text: string, textBytes: number): Promise<void> | undefined {
    if (this.#segments.records === 0) {
      if (this.#segments.aligning) this.#segments.alignTo([Buffer.from(text)]);
      this.#payload.begin();
      this.#zip?.begin(this.#payload.headLength);
    }
    this.#zip?.add(record.attachments, textBytes);
    this.#payload.append(text);
    this.#segments.take(record.row);
    if (record.sourceRow !== undefined) (this.#sources ??= []).push(record.sourceRow);
    return this.#segments.full ? this.#cut() : undefined;
  }

  /** Sends a record to the open segment's reject file, as it would have been uploaded. */
  #reject(record: InputRecord, error: string): Promise<void> | undefined {
    const source = record.sourceRow !== undefined ? { sourceRow: record.sourceRow } : {};
    const entry =
      this.#type === 'CSV' ? { row: record.row, ...source, error, line: this.#text(record, true).slice(0, -1) } : { row: record.row, ...source, error, fields: record.fields };
    return this.#segments.reject(entry);
  }

  /** Why a record cannot go into any batch, in the CSV result error form; undefined when it can. */
  #check(record: InputRecord): string | undefined {
    let total = 0;
    let i = 0;
    const fields = record.fields;
    const { input: columns, set, byLowerCase } = this.#columns as RecordColumns;
    this.#respell = false;
    for (const name in fields) {
      const value = fields[name];
      // Records mostly carry the columns in order, as the very same strings: identity is enough then.
      if (name !== columns[i++] && !set.has(name)) {
        const column = byLowerCase.get(name.toLowerCase());
        if (column === undefined) return this.#outsideColumns(record, name);
        if (column in fields)
          return inputFault('BULKPIPE_DUPLICATE_FIELD', `the fields ${column} and ${name} are one field (names are read regardless of case)`, this.#where(record, name));
        this.#respell = true;
      }
      const length = value?.length ?? 0;
      total += length;
      // Worded (with the record's place) by the one judge of the limits, only for a record that breaks one.
      if (length > MAX_FIELD_CHARACTERS || total > MAX_RECORD_CHARACTERS) {
        const names = Object.keys(fields);
        const place = { source: this.#source, row: record.sourceRow ?? record.row, line: record.line };
        return limitFault(
          names,
          names.map((n) => fields[n] ?? ''),
          place,
        );
      }
    }
    return undefined;
  }

  /** Where a record is, for an input fault naming `field`. */
  #where(record: InputRecord, field: string) {
    return { source: this.#source, row: record.sourceRow ?? record.row, line: record.line, field };
  }

  /** The record with its keys spelt as their columns are (`phone` for the column `Phone`). */
  #respelt(record: InputRecord): InputRecord {
    const { set, byLowerCase } = this.#columns as RecordColumns;
    const fields: Record<string, InputValue> = {};
    for (const name in record.fields) fields[set.has(name) ? name : (byLowerCase.get(name.toLowerCase()) as string)] = record.fields[name] as InputValue;
    return { ...record, fields };
  }

  /** A record with a field outside the columns: its place and the field, and how to make it one (issue 27). */
  #outsideColumns(record: InputRecord, name: string): string {
    const { input: columns } = this.#columns as RecordColumns;
    const unknown = this.#dropped.get(name.toLowerCase());
    if (unknown !== undefined) return inputFault('BULKPIPE_UNKNOWN_FIELD', unknown, this.#where(record, name));
    if (this.#overflowed && !this.#declared)
      return inputFault(
        'BULKPIPE_UNKNOWN_FIELD',
        `the field ${name} is not one of the columns: the first records' fields made ${MAX_RECORD_FIELDS.toLocaleString('en-US')} columns, the most a batch may have`,
        this.#where(record, name),
      );
    const listed = columns.length > 10 ? `${columns.slice(0, 10).join(', ')} and ${columns.length - 10} more` : columns.join(', ');
    const close = suggest(name, columns);
    const reason = this.#declared
      ? `the field ${name} is not one of the declared columns${close} (${listed})`
      : this.#lookedAt > 0
        ? `the field ${name} is not one of the columns${close}, which were taken from the fields of the first ${this.#lookedAt === 1 ? 'record' : `${this.#lookedAt.toLocaleString('en-US')} records`} (${listed}); declare every field the records may have in the columns option`
        : `the field ${name} is not one of the columns${close}, the first record's fields (${listed})`;
    return inputFault('BULKPIPE_UNKNOWN_FIELD', reason, { source: this.#source, row: record.sourceRow ?? record.row, line: record.line, field: name });
  }

  /** Ends the open segment: its payload to the spool (when it has records), its rejects flushed. `final`: the input ended. */
  async #cut(final = false): Promise<void> {
    // Rejected records before the first good one wait for its columns (every segment has the run's columns); at the end there are none.
    if (!this.#segments.open || (!this.#columns && !final)) return;
    const segment = this.#segments.close() as ClosedSegment;
    const files = this.#zip?.take();
    const payload = segment.records > 0 ? this.#payload.take() : undefined;
    const sources = this.#sources;
    this.#sources = undefined;
    // One write in flight at most, and batches reported in order: wait for the previous one first.
    await this.#writing;
    if (payload) this.#payload.swap();
    const writing = this.#spoolSegment(segment, payload, files, sources).then((batch) => this.#events.batch(batch));
    writing.catch(() => undefined); // handled where it is awaited: at the next cut, or at the end
    this.#writing = writing;
  }

  async #spoolSegment(
    segment: ClosedSegment,
    payload: { body: Buffer; bytes: number } | undefined,
    files: AttachmentFile[] | undefined,
    sources: readonly number[] | undefined,
  ): Promise<SpooledBatch> {
    const shape = { contentType: this.#jobType, columns: this.#columns?.plan.upload ?? [], end: { offset: null } };
    if (!payload) return this.#segments.finish(segment, { path: null, bytes: 0, ...shape });
    const manifest = payload.body.subarray(0, payload.bytes);
    const path = await this.#segments.writePayload(segment, this.#type.toLowerCase(), [manifest]);
    // A grouped load: the input rows of the payload's records, which the joiner gives the outputs as sf__Row.
    const sourcesPath = sources ? await this.#segments.writeSources(segment, sources) : undefined;
    const upload = files ? await this.#zipUpload(segment, manifest, files) : undefined;
    this.#payload.recycle(payload.body); // reused for the segment after next
    return this.#segments.finish(segment, { path, bytes: payload.bytes, upload, sources: sourcesPath, ...shape });
  }

  async #zipUpload(segment: ClosedSegment, manifest: Buffer, files: readonly AttachmentFile[]): Promise<{ path: string; bytes: number }> {
    const path = await this.#segments.uploadPath(segment, 'zip');
    await writeZipBatch(path, manifest, files);
    return { path, bytes: await this.#segments.seal(segment, path) };
  }
}

/**
 * The unknown columns to drop, by lower-case name: none when every record held carries one (no
 * record could load: the column check refuses the load); the first record's kept when `refuseFirst`.
 */
function droppedColumns(unknown: ReadonlyMap<string, string>, first: InputRecord, held: readonly InputRecord[], refuseFirst: boolean): ReadonlyMap<string, string> {
  if (unknown.size === 0) return unknown;
  const byName = new Map([...unknown].map(([column, why]) => [column.toLowerCase(), why]));
  const carries = (record: InputRecord) => record.error !== undefined || Object.keys(record.fields).some((k) => byName.has(k.toLowerCase()));
  if (held.every(carries) && carries(first)) return new Map();
  if (refuseFirst) for (const name of Object.keys(first.fields)) byName.delete(name.toLowerCase());
  return byName;
}

/** An attachment load's zip limits, validated (`maxFiles`, `maxZipBytes`). */
function zipLimits(options: RecordCutterOptions): ZipBudgetLimits {
  return {
    maxFiles: positiveInteger('maxFiles', options.maxFiles ?? MAX_ZIP_FILES, MAX_ZIP_FILES),
    maxBytes: positiveInteger('maxZipBytes', options.maxZipBytes ?? MAX_ZIP_BYTES, MAX_ZIP_BYTES),
  };
}

/**
 * BatchChunker: InputRecord -> SpooledBatch. Serializes records for the job's content type and cuts
 * a batch at whichever limit comes first: records, bytes, characters. Each batch is written to the
 * load's spool (its replayable upload body, read back by the joiner) before it is pushed.
 * Records over the field or record limits, or with a field outside the columns, are rejected before
 * anything is uploaded: they go to the spool's reject file of the segment they fall in, so that they
 * reach the error output in input order. bulkpipe's result columns (`sf__*`) are not uploaded.
 * A binary-attachment load (`attachments`): each batch is also a zip, of its payload as the manifest
 * and the files its records attach (InputRecord.attachments); a batch is also cut before its zip
 * could hold more than 1,000 files or 10 MB (lib/attachments/zip-budget.ts), and the zip is what
 * is uploaded (SpooledBatch.upload).
 * Buffers: the open batch's encoded payload (one buffer of maxBytes, reused, and a second one while
 * the last batch is written), up to 64 KiB of rejected records, and the open zip's file list.
 */
import type { TransformCallback } from 'node:stream';
import { writeZipBatch } from '../lib/attachments/write-zip-batch.js';
import { ZIP_LIMITS, ZipBudget, zipBound } from '../lib/attachments/zip-budget.js';
import type { BatchAlignment } from '../lib/load/batch-alignment.js';
import { recordDigest } from '../lib/load/csv-payload-records.js';
import { repeatedField } from '../lib/load/column-map.js';
import { describeColumnPlan, planColumns, type ColumnPlan } from '../lib/load/column-plan.js';
import { spoolOption, type LoadSpool } from '../lib/load/load-spool.js';
import { RejectWriter, type RejectEntry } from '../lib/load/reject-file.js';
import { LOAD_OPERATIONS, type InputRecord, type LoadOperation, type SpooledBatch } from '../lib/load-types.js';
import type { ContentType } from '../lib/types.js';
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_CHARACTERS,
  MAX_BATCH_RECORDS,
  MAX_FIELD_CHARACTERS,
  MAX_RECORD_CHARACTERS,
  MAX_RECORD_FIELDS,
  MAX_ZIP_BYTES,
  MAX_ZIP_FILES,
} from '../lib/limits.js';
import { DuplicateColumnError, InvalidOptionError, rowError } from '../lib/errors.js';
import { limitFault } from '../lib/load/input-fault.js';
import { oneOf, positiveInteger } from '../lib/options.js';
import { callBackAfter } from '../lib/streams/call-back-after.js';
import { recordSerializer, type PayloadType, type RecordSerializer } from '../lib/records/serialize-record.js';
import { wrongStageItem } from '../lib/streams/stage-items.js';
import { ChunkingStage } from './chunking-stage.js';

export interface BatchChunkerOptions {
  /** The job's content type. */
  readonly contentType: PayloadType;
  /** The load's spool: where payloads and rejected records go. */
  readonly spool: LoadSpool;
  /** The operation, which decides whether an `sf__Id` column is uploaded as the Id; default insert. */
  readonly operation?: LoadOperation;
  /** The input's name (a file, or `stdin`), named with the record's place in the errors of records over the limits. Default `input`. */
  readonly source?: string;
  /** Declared columns; default: the first record's fields, in order (a CSV header). */
  readonly columns?: readonly string[];
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
}

export class BatchChunker extends ChunkingStage {
  readonly #type: PayloadType;
  readonly #spool: LoadSpool;
  readonly #operation: LoadOperation;
  readonly #serializer: RecordSerializer;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #maxChars: number;
  readonly #source: string;
  /** The job's content type: the payload's, or its ZIP_ form. */
  readonly #jobType: ContentType;
  /** An attachment load: the open zip's files; undefined otherwise. */
  readonly #zip: ZipBudget | undefined;
  readonly #zipLimits = ZIP_LIMITS;
  /** An attachment load: the open batch's payload bytes so far (the zip budget needs them exactly). */
  #manifestBytes = 0;
  #plan: ColumnPlan | undefined;
  /** The uploaded columns, and for each the input column it reads. */
  #columns: readonly string[] | undefined;
  #sources: readonly string[] = [];
  /** Every input column (a field outside them is rejected). */
  #inputColumns: readonly string[] = [];
  #columnSet: ReadonlySet<string> | undefined;
  /** The open segment's rejected records. */
  #rejects: RejectWriter | undefined;
  #head = '';
  #tail = '';
  /** The open batch's payload, encoded as records come: exact byte counts without a second pass. */
  #body: Buffer | undefined;
  #used = 0;
  /** Records not yet encoded into #body: encoded 64 KiB at a time, not one short write per record. */
  #pending = '';
  /**
   * The last cut batch's file write, then its push. The next batch fills the other buffer meanwhile
   * (two buffers at most), so that parsing does not wait on the disk.
   */
  #writing: Promise<void> | undefined;
  #spare: Buffer | undefined;
  #count = 0;
  #chars = 0;
  #runs: Array<[number, number]> = [];
  #seq = 0;
  #afterRow = 0;
  /** The last input row of the open segment, uploaded or rejected. */
  #lastRow = 0;
  /** The rows of `cuts` not yet passed. */
  readonly #cuts: number[];
  readonly #align: BatchAlignment | undefined;
  /** Most records of the open segment: the batch size, or fewer where it lines up with an org batch (`align`). */
  #limit: number;

  constructor(options: BatchChunkerOptions) {
    super({ writableObjectMode: true, readableObjectMode: true, readableHighWaterMark: 1 }); // one waiting batch is plenty
    this.#type = oneOf('contentType', options.contentType, ['CSV', 'XML', 'JSON'] as const);
    this.#spool = spoolOption(options.spool);
    this.#operation = oneOf('operation', options.operation ?? 'insert', LOAD_OPERATIONS);
    this.#serializer = recordSerializer(this.#type);
    this.#maxRecords = positiveInteger('maxRecords', options.maxRecords ?? MAX_BATCH_RECORDS, MAX_BATCH_RECORDS);
    this.#maxBytes = positiveInteger('maxBytes', options.maxBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
    this.#maxChars = positiveInteger('maxCharacters', options.maxCharacters ?? MAX_BATCH_CHARACTERS, MAX_BATCH_CHARACTERS);
    this.#source = options.source ?? 'input';
    if (options.attachments) {
      this.#zipLimits = {
        maxFiles: positiveInteger('maxFiles', options.maxFiles ?? MAX_ZIP_FILES, MAX_ZIP_FILES),
        maxBytes: positiveInteger('maxZipBytes', options.maxZipBytes ?? MAX_ZIP_BYTES, MAX_ZIP_BYTES),
      };
      this.#zip = new ZipBudget(this.#zipLimits);
    }
    this.#jobType = options.attachments ? `ZIP_${this.#type}` : this.#type;
    this.#cuts = [...(options.cuts ?? [])];
    // A CSV record is written the same whatever its place in a batch: its bytes tell where it began one.
    this.#align = this.#type === 'CSV' && !options.attachments ? options.align : undefined;
    this.#limit = this.#maxRecords;
    if (options.columns !== undefined) this.#setColumns(options.columns);
    if (options.resume) {
      this.#seq = options.resume.seq;
      this.#afterRow = options.resume.afterRow;
      this.#lastRow = options.resume.afterRow;
    }
  }

  override _transform(record: InputRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wrong = wrongStageItem('BatchChunker', ['record'], record);
    if (wrong) return callback(wrong);
    // Most records only join the open batch; a cut (a file write) is the one thing to wait for.
    callBackAfter(() => this.#add(record), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#cut(true)
      .then(() => this.#writing)
      .then(() => callback(), callback);
  }

  /** The column plan, once the columns are known (the 'columns' event carries it too). */
  get plan(): ColumnPlan | undefined {
    return this.#plan;
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#count = 0; // an aborted run must not emit its partial batch
    this.#body = undefined;
    this.#spare = undefined;
    this.#pending = '';
    callback(err);
  }

  /** The columns, declared or (`first`) the first record's fields. */
  #setColumns(columns: readonly string[], first?: InputRecord): void {
    const twice = columns.every((c) => typeof c === 'string') ? repeatedField(columns) : undefined;
    if (first && twice) {
      // Two fields of one name regardless of case (`Phone`, `PHONE`) would fail every batch in the org.
      const [a, b] = twice;
      throw new DuplicateColumnError(
        this.#source,
        first.line,
        [columns[a] as string, columns[b] as string],
        [a + 1, b + 1],
        columns[a] as string,
        `record ${first.row}, which sets the columns,`,
      );
    }
    if (columns.length === 0 || columns.length > MAX_RECORD_FIELDS || twice || columns.some((c) => typeof c !== 'string' || c === '')) {
      throw new InvalidOptionError('columns', `1 to ${MAX_RECORD_FIELDS} distinct (regardless of case), non-empty names`, columns);
    }
    const plan = planColumns(columns, this.#operation);
    if (plan.upload.length === 0) throw new InvalidOptionError('columns', 'at least one column that is not a bulkpipe result column (sf__*)', columns);
    this.#plan = plan;
    this.#inputColumns = columns;
    this.#columns = plan.upload;
    this.#sources = plan.sources;
    this.#columnSet = new Set(columns);
    this.#head = this.#serializer.head(plan.upload);
    this.#tail = this.#serializer.tail();
    this.emit('columns', plan, describeColumnPlan(plan));
  }

  /** Adds a record; returns a promise only when a batch (or rejected records) had to be written first. */
  #add(record: InputRecord): Promise<void> | undefined {
    if (this.#cuts.length > 0 && record.row > this.#afterRow && this.#cutDue(record.row)) return this.#cut().then(() => this.#place(record));
    return this.#place(record);
  }

  /** Whether the open segment ends before `row`: a cut the run made there before (`cuts`). */
  #cutDue(row: number): boolean {
    let due = false;
    while (this.#cuts.length > 0 && (this.#cuts[0] as number) < row) {
      this.#cuts.shift();
      due = true;
    }
    return due;
  }

  #place(record: InputRecord): Promise<void> | undefined {
    // A record rejected for its input never sets the columns: what could be read of it may be anything.
    if (record.error !== undefined) return record.row <= this.#afterRow ? undefined : this.#rejectInput(record, record.error);
    if (!this.#columns) this.#setColumns(Object.keys(record.fields), record);
    if (record.row <= this.#afterRow) return undefined; // cut by the run this one resumes
    const columns = this.#columns as readonly string[];
    const problem = this.#check(record);
    if (problem) return this.#reject(record, problem);
    const text = this.#serializer.record(columns, record.fields, this.#count === 0, this.#sources);
    // An attachment load counts the manifest's bytes exactly: the record's, once.
    const textBytes = this.#zip ? Buffer.byteLength(text) : 0;
    const limit = this.#limitAlone(text) ?? this.#zipLimitAlone(record, textBytes);
    if (limit) return this.#reject(record, rowError('BULKPIPE_RECORD_TOO_LARGE', `the record alone is larger than a batch may be (${limit})`));
    if (this.#count > 0 && !(this.#fits(text) && this.#zipFits(record, textBytes))) {
      return this.#cut().then(() => {
        // The first record of a batch is written without the separator the others have (JSON): counted again.
        const first = this.#serializer.record(columns, record.fields, true, this.#sources);
        return this.#append(record, first, this.#zip ? Buffer.byteLength(first) : 0);
      });
    }
    return this.#append(record, text, textBytes);
  }

  /** The limit a record breaks even in a batch of its own, if any. */
  #limitAlone(text: string): string | undefined {
    const overhead = this.#head.length + this.#tail.length; // both ASCII: chars = bytes
    if (text.length + overhead > this.#maxChars) return `${this.#maxChars} characters`;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count the bytes only when that bound is too loose.
    if (text.length * 3 + overhead > this.#maxBytes && Buffer.byteLength(text) + overhead > this.#maxBytes) return `${this.#maxBytes} bytes`;
    return undefined;
  }

  /** An attachment load: the zip limit a record and its files break in a batch of their own, if any. */
  #zipLimitAlone(record: InputRecord, textBytes: number): string | undefined {
    if (!this.#zip) return undefined;
    const files = record.attachments ?? [];
    if (files.length > this.#zipLimits.maxFiles) return `${this.#zipLimits.maxFiles} files`;
    const bound = zipBound(this.#head.length + textBytes + this.#tail.length, files);
    return bound > this.#zipLimits.maxBytes ? `${this.#zipLimits.maxBytes} bytes zipped, with its ${files.length === 1 ? 'file' : `${files.length} files`}` : undefined;
  }

  /** An attachment load: whether the open batch's zip can take a record and its files. */
  #zipFits(record: InputRecord, textBytes: number): boolean {
    return this.#zip?.fits(record.attachments, this.#manifestBytes + textBytes + this.#tail.length) ?? true;
  }

  /** Whether a record fits into the open batch, with room left for the tail. */
  #fits(text: string): boolean {
    if (this.#chars + text.length + this.#tail.length > this.#maxChars) return false;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: encode and count exactly only near the limit.
    if ((this.#pending.length + text.length) * 3 <= this.#maxBytes - this.#tail.length - this.#used) return true;
    this.#encodePending();
    const room = this.#maxBytes - this.#tail.length - this.#used;
    return text.length * 3 <= room || Buffer.byteLength(text) <= room;
  }

  #encodePending(): void {
    if (this.#pending === '') return;
    this.#used += (this.#body as Buffer).write(this.#pending, this.#used);
    this.#pending = '';
  }

  /** `textBytes`: the text's UTF-8 bytes, for an attachment load's manifest (0 otherwise). */
  #append(record: InputRecord, text: string, textBytes: number): Promise<void> | undefined {
    this.#body ??= Buffer.allocUnsafe(this.#maxBytes);
    if (this.#count === 0) {
      if (this.#align && !this.#align.empty) {
        const records = this.#align.recordsFrom(recordDigest(Buffer.from(text)));
        if (records !== undefined) this.#limit = Math.min(this.#maxRecords, records);
      }
      this.#used = this.#body.write(this.#head, 0);
      this.#chars = this.#head.length;
      this.#manifestBytes = this.#head.length;
    }
    if (this.#zip) {
      this.#zip.add(record.attachments);
      this.#manifestBytes += textBytes;
    }
    this.#pending += text;
    if (this.#pending.length >= 65_536) this.#encodePending();
    this.#chars += text.length;
    this.#count++;
    this.#lastRow = record.row;
    const last = this.#runs[this.#runs.length - 1];
    if (last && last[0] + last[1] === record.row) last[1]++;
    else this.#runs.push([record.row, 1]);
    return this.#count >= this.#limit ? this.#cut() : undefined;
  }

  /** Sends a record to the open segment's reject file, as it would have been uploaded. */
  #reject(record: InputRecord, error: string): Promise<void> | undefined {
    const entry =
      this.#type === 'CSV'
        ? { row: record.row, error, line: this.#serializer.record(this.#columns as readonly string[], record.fields, true, this.#sources).slice(0, -1) }
        : { row: record.row, error, fields: record.fields };
    return this.#addReject(entry);
  }

  /** A record rejected for its input: kept as the fields that could be read (the error file writes them by column). */
  #rejectInput(record: InputRecord, error: string): Promise<void> | undefined {
    return this.#addReject({ row: record.row, error, fields: record.fields });
  }

  #addReject(entry: RejectEntry): Promise<void> | undefined {
    this.emit('rejected', entry);
    this.#lastRow = entry.row;
    if (this.#rejects) return this.#rejects.add(entry);
    return this.#spool.path(this.#seq, 'rejects').then((path) => {
      this.#rejects = new RejectWriter(path);
      return this.#rejects.add(entry);
    });
  }

  /** Why a record cannot go into any batch, in the CSV result error form; undefined when it can. */
  #check(record: InputRecord): string | undefined {
    let total = 0;
    let i = 0;
    const fields = record.fields;
    const columns = this.#inputColumns;
    for (const name in fields) {
      const value = fields[name];
      // Records mostly carry the columns in order, as the very same strings: identity is enough then.
      if (name !== columns[i++] && !this.#columnSet?.has(name))
        return rowError('BULKPIPE_UNKNOWN_FIELD', `the field ${name} is not one of the columns (${columns.join(', ')})`, [name]);
      const length = value?.length ?? 0;
      total += length;
      // Worded (with the record's place) by the one judge of the limits, only for a record that breaks one.
      if (length > MAX_FIELD_CHARACTERS || total > MAX_RECORD_CHARACTERS) {
        const names = Object.keys(fields);
        return limitFault(
          names,
          names.map((n) => fields[n] ?? ''),
          { source: this.#source, row: record.row, line: record.line },
        );
      }
    }
    return undefined;
  }

  /** Ends the open segment: its payload to the spool (when it has records), its rejects flushed. */
  async #cut(final = false): Promise<void> {
    const rejects = this.#rejects;
    if (this.#count === 0 && !rejects) return;
    // Rejected records before the first good one wait for its columns (every segment has the run's columns); at the end there are none.
    if (!this.#columns && !final) return;
    const body = this.#body;
    const seq = this.#seq++;
    const records = this.#count;
    const rows = this.#runs;
    const end = { row: this.#lastRow, offset: null };
    const files = this.#zip?.take();
    this.#count = 0;
    this.#limit = this.#maxRecords;
    this.#runs = [];
    this.#rejects = undefined;
    let bytes = 0;
    if (records > 0 && body) {
      this.#encodePending();
      bytes = this.#used + body.write(this.#tail, this.#used);
    }
    const batch = async (path: string | null, upload?: { path: string; bytes: number }): Promise<SpooledBatch> => {
      await rejects?.flush();
      this.#spool.describe(seq, rows, records, rejects?.count ?? 0);
      const spooled = { kind: 'batch', seq, path, contentType: this.#jobType, records, rejected: rejects?.count ?? 0, bytes, rows, columns: this.#columns ?? [], end } as const;
      return upload ? { ...spooled, upload: upload.path, bytes: upload.bytes } : spooled;
    };
    // One write in flight at most, and batches pushed in order: wait for the previous one first.
    await this.#writing;
    let writing: Promise<void>;
    if (records === 0 || !body) {
      writing = batch(null).then((b) => this.#push(b));
    } else {
      this.#body = this.#spare;
      this.#spare = undefined;
      writing = (async () => {
        const payload = body.subarray(0, bytes);
        const path = await this.#spool.write(seq, 'payload', this.#type.toLowerCase(), [payload]);
        let upload: { path: string; bytes: number } | undefined;
        if (files) {
          const zipPath = await this.#spool.path(seq, 'upload', 'zip');
          await writeZipBatch(zipPath, payload, files);
          upload = { path: zipPath, bytes: (await this.#spool.seal(seq, zipPath)).bytes };
        }
        this.#spare = body; // reused for the batch after next
        this.#push(await batch(path, upload));
      })();
    }
    writing.catch(() => undefined); // handled where it is awaited: at the next cut, or at the end
    this.#writing = writing;
  }

  #push(batch: SpooledBatch): void {
    if (this.destroyed) return;
    this.emit('batch', batch);
    this.push(batch);
  }
}

/** A BatchChunker; e.g. `batchChunker({ contentType: 'CSV', spool: new LoadSpool() })`. */
export const batchChunker = (options: BatchChunkerOptions) => new BatchChunker(options);

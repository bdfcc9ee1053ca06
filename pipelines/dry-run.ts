/**
 * dryRunLoad: a load without a job. The whole input is read by the same parser as a load, the
 * columns are checked against the object's describe (a misfit is a ColumnCheckError, as for a load),
 * and each record against the limits and its values against the field types (lib/load/value-check.ts);
 * the files of an attachment load as a load checks them;
 * the records that would fail go to the error file, in the error file's form, and the summary says
 * how many would be uploaded. Nothing is written to the org.
 * Memory: one block of failed rows at a time.
 */
import { createReadStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ColumnCheckError, rowError, UnnamedColumnError } from '../lib/errors.js';
import { unknownObjectOr } from '../lib/http/unknown-object.js';
import { MAX_BATCH_RECORDS } from '../lib/limits.js';
import { isUnnamedValueFault } from '../lib/load/unnamed-columns.js';
import { checkColumns } from '../lib/load/column-check.js';
import { DateFormatGuess, dateFieldsOf } from '../lib/load/date-format-guess.js';
import { planColumns, type ColumnPlan } from '../lib/load/column-plan.js';
import { limitFault } from '../lib/load/input-fault.js';
import { ValueCheck } from '../lib/load/value-check.js';
import { ungzipped } from '../lib/streams/gunzip.js';
import { JoinedRows } from '../lib/join/joined-rows.js';
import type { InputRecord } from '../lib/load-types.js';
import { OutcomeSink } from '../sinks/outcome-sink.js';
import { RecordParser } from '../transforms/record-parser.js';
import type { BulkLoadOptions } from './load-options.js';
import { attachmentResolverFor, dateConverterFor, readingOptions } from './load-stages.js';

/** A load's options that a dry run takes: what to read and how, where the would-be errors go. */
export type DryRunOptions = Pick<
  BulkLoadOptions,
  | 'client'
  | 'object'
  | 'operation'
  | 'externalIdField'
  | 'source'
  | 'delimiter'
  | 'replaceInvalidUtf8'
  | 'columnMap'
  | 'dateFormat'
  | 'timeZone'
  | 'errorPath'
  | 'signal'
  | 'attachments'
  | 'batchSize'
> &
  Required<Pick<BulkLoadOptions, 'object' | 'operation' | 'input' | 'format'>>;

export interface DryRunSummary {
  readonly recordsRead: number;
  /** Records that would be uploaded (the org may still refuse some, e.g. for a duplicate or a trigger). */
  readonly recordsValid: number;
  /** Records that would fail: in the error file. */
  readonly recordsFailed: number;
  /** The 1-based numbers of the header's columns without a name, which a load drops. */
  readonly unnamedColumns: readonly number[];
  /** Which `--date-format` would read a date field's values that are not ISO 8601, in words (issue 27). */
  readonly dateFormatHints: readonly string[];
}

const BLOCK = 1024;

/** InputRecord -> JoinedRows of the records that would fail; the columns are checked at the first good record. */
class DryRunChecker extends Transform {
  readonly #options: DryRunOptions;
  #plan: ColumnPlan | undefined;
  #columnSet: ReadonlySet<string> = new Set();
  #values: ValueCheck | undefined;
  /** The date fields' values, sampled for a `--date-format` hint (issue 27). */
  #dates: DateFormatGuess | undefined;
  #block: JoinedRows | undefined;
  #seq = 0;
  records = 0;
  failed = 0;

  constructor(options: DryRunOptions) {
    super({ objectMode: true, highWaterMark: 4 });
    this.#options = options;
  }

  override _transform(record: InputRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.records++;
    // As a load: a value in a column without a name in the first batchSize records (read before its job) stops it.
    if (record.error !== undefined && isUnnamedValueFault(record.error) && record.row <= (this.#options.batchSize ?? MAX_BATCH_RECORDS))
      return callback(new UnnamedColumnError(record.row, record.error));
    if (this.#plan || record.error !== undefined) {
      this.#check(record);
      return callback();
    }
    this.#start(Object.keys(record.fields)).then(() => {
      this.#check(record);
      callback();
    }, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.#pushBlock();
    callback();
  }

  async #start(columns: readonly string[]): Promise<void> {
    const { client, object, operation, externalIdField, signal } = this.#options;
    const plan = planColumns(columns, operation);
    const describe = (name: string) => client.describe(name, signal ? { signal } : {});
    const problems = await checkColumns({ object, operation, columns: plan.upload, externalIdField, describe });
    if (problems.length > 0) throw new ColumnCheckError(object, problems);
    this.#plan = plan;
    this.#columnSet = new Set(columns);
    const described = await describe(object);
    this.#values = new ValueCheck(described);
    this.#dates = new DateFormatGuess(dateFieldsOf(described));
  }

  /** Which `--date-format` would read the date fields' values that are not ISO 8601, in words. */
  get dateFormatHints(): string[] {
    return this.#dates?.hints().map((hint) => hint.text) ?? [];
  }

  #check(record: InputRecord): void {
    if (record.error === undefined && this.#dates) for (const name in record.fields) this.#dates.add(name, record.fields[name]);
    const error = record.error ?? this.#problem(record);
    if (error === undefined) return;
    this.failed++;
    this.#block ??= new JoinedRows({ seq: this.#seq, jobId: null, batchId: null, columns: this.#plan?.upload ?? Object.keys(record.fields) }, BLOCK);
    this.#block.fail(this.#block.add(record.row, false, record.fields), error);
    if (this.#block.full) this.#pushBlock();
  }

  #problem(record: InputRecord): string | undefined {
    const names = Object.keys(record.fields);
    const unknown = names.find((n) => !this.#columnSet.has(n));
    if (unknown !== undefined) return rowError('BULKPIPE_UNKNOWN_FIELD', `the field ${unknown} is not one of the columns (${[...this.#columnSet].join(', ')})`, [unknown]);
    const values = names.map((n) => record.fields[n] ?? '');
    return limitFault(names, values, { source: this.#options.source ?? 'input', row: record.row, line: record.line }) ?? this.#values?.problem(record.fields);
  }

  #pushBlock(): void {
    if (!this.#block) return;
    this.#block.last = true;
    this.push(this.#block);
    this.#block = undefined;
    this.#seq++;
  }
}

export async function dryRunLoad(options: DryRunOptions): Promise<DryRunSummary> {
  const source = options.source ?? (typeof options.input === 'string' ? options.input : 'input');
  const raw = typeof options.input === 'string' ? createReadStream(options.input, { highWaterMark: 1 << 20 }) : options.input;
  const input = Readable.from(ungzipped(raw, { source }), { objectMode: false }); // gzip input, as a load reads it
  const parser = new RecordParser({ format: options.format, source, ...readingOptions(options) });
  let unnamedColumns: readonly number[] = [];
  parser.on('unnamedColumns', (numbers: readonly number[]) => (unnamedColumns = numbers));
  const converting = options.dateFormat !== undefined || options.timeZone !== undefined;
  const stages: Transform[] = [
    parser,
    ...(converting ? [dateConverterFor(options.client, options.object, options, options.signal)] : []),
    // Attachments are checked as a load checks them: each file exists, can be read and fits in a batch.
    ...(options.attachments !== undefined ? [attachmentResolverFor(options.client, options.object, options.attachments, source, options.signal)] : []),
  ];
  const checker = new DryRunChecker({ ...options, source });
  const sink = new OutcomeSink(options.errorPath ? { errorPath: options.errorPath } : {});
  await sink.open();
  try {
    await pipeline([input, ...stages, checker, sink], ...(options.signal ? [{ signal: options.signal }] : []));
  } catch (err) {
    // An object the org does not have, said with the nearest name, as a load says it.
    throw await unknownObjectOr(options.client, options.object, err, options.signal);
  }
  return { recordsRead: checker.records, recordsValid: checker.records - checker.failed, recordsFailed: checker.failed, unnamedColumns, dateFormatHints: checker.dateFormatHints };
}

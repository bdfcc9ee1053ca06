/**
 * A load's plan: made from bulkLoad's options by one function (planLoad), which checks every option
 * under the name the caller wrote and resolves every default once. Its shape (lib/load/load-shape.ts:
 * what decides how the input is cut, uploaded and written) is what the ledger stores whole and what
 * a resume reads back and compares with what it is given; its run settings (concurrency, polling,
 * signals, callbacks) are this process's own. The stages are built from the plan alone.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { delimiterOption } from '../lib/csv/delimiter.js';
import { InvalidOptionError } from '../lib/errors.js';
import type { BulkClient } from '../lib/http/client.js';
import type { LedgerRun } from '../lib/load/ledger-run.js';
import { shapeDifferences, type InputFile, type LoadShape } from '../lib/load/load-shape.js';
import {
  DEFAULT_JOB_BYTES,
  DEFAULT_JOIN_AHEAD,
  DEFAULT_LOAD_CONCURRENCY,
  DEFAULT_MAX_POLL_INTERVAL_MS,
  DEFAULT_MIN_POLL_INTERVAL_MS,
  DEFAULT_POLL_TIMEOUT_MS,
  MAX_BATCH_RECORDS,
  MAX_JOB_BYTES,
  MAX_JOIN_AHEAD,
  MAX_LOAD_CONCURRENCY,
  MAX_POLL_INTERVAL_MS,
  MAX_POLL_TIMEOUT_MS,
  MIN_JOB_BYTES,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_RETRY_RECORDS,
  MAX_RETRY_DELAY_MS,
  MAX_RETRY_RECORDS,
} from '../lib/limits.js';
import { LOAD_OPERATIONS } from '../lib/load-types.js';
import { boolean, nonEmptyString, nonNegativeInteger, oneOf, positiveInteger } from '../lib/options.js';
import { pollLoopOptions } from '../lib/poll-loop.js';
import { isGzipFile } from '../lib/streams/gunzip.js';
import { timeZoneOption } from '../lib/text/date-format.js';
import { DEFAULT_GROUP_WINDOW_RECORDS, MAX_GROUP_WINDOW_RECORDS } from '../lib/cut/group-window.js';
import { INPUT_FORMATS } from '../lib/records/input-format.js';
import type { BulkLoadOptions, RecordInput } from './load-options.js';

/** What the run does besides its shape: how fast, how it waits, what it tells the caller. A resume may change any of it. */
interface LoadRunSettings {
  readonly client: BulkClient;
  /** The org named in the ledger. */
  readonly org: string;
  readonly concurrency: number;
  readonly adaptiveConcurrency: boolean;
  readonly minPollIntervalMs: number;
  readonly maxPollIntervalMs: number;
  readonly pollTimeoutMs: number;
  readonly joinAhead: number;
  /** The wait before a record's first retry (issue 26). */
  readonly retryDelayMs: number;
  readonly checkColumns: boolean;
  /** No pre-flight of the org's daily limits (pipelines/daily-budget.ts). */
  readonly ignoreLimits: boolean;
  readonly abortJobOnAbort: boolean;
  readonly abortJobOnStop: boolean;
  /** The ledger's folder (absolute), and whether the run goes on from it. */
  readonly ledgerDir: string | undefined;
  readonly resume: boolean;
  readonly spoolDir: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly stopSignal: AbortSignal | undefined;
  readonly callbacks: { readonly [K in 'onRows' | 'onBatch' | 'onProgress' | 'onNotice' | 'onJob' | 'onLedger']: BulkLoadOptions[K] | undefined };
}

export interface LoadPlan {
  readonly shape: LoadShape;
  /** The input file as the load began with it (a resume's, from its ledger); null for a stream or records. */
  readonly inputFile: InputFile | null;
  /** The input when it is no file: a byte stream, or records from code (a resume of either reads nothing more). */
  readonly stream: Readable | undefined;
  readonly records: RecordInput | undefined;
  /** The input file is gzip: read as it is decompressed (by the parser, never the CSV fast path). */
  readonly gzipFile: boolean;
  readonly run: LoadRunSettings;
}

/**
 * The plan of a load. Every option is checked first; then, for a resume, `stored` gives the run its
 * ledger holds (read under the run's lock), whose shape is taken whole: an option given beside it
 * that differs is refused naming it. A new run's input file must exist.
 */
export async function planLoad(options: BulkLoadOptions, stored?: (ledgerDir: string) => Promise<LedgerRun>): Promise<LoadPlan> {
  const run = runSettings(options);
  const given = givenShape(options);
  const { stream, records } = inputOf(options);
  const ledgerRun = run.resume && run.ledgerDir !== undefined ? await stored?.(run.ledgerDir) : undefined;
  const shape = ledgerRun && run.ledgerDir !== undefined ? resumedShape(ledgerRun, given, run.ledgerDir) : newShape(given, options);
  if (shape.operation === 'upsert') nonEmptyString('externalIdField', shape.externalIdField);
  if (shape.bulkApi === 2) checkBulkApi2(shape);
  if ((shape.retryRecords ?? 0) > 0 && !retriesRecords(shape))
    throw new InvalidOptionError('retryRecords', '0 for an XML or JSON job or a binary-attachment load (records are retried in CSV jobs only)', shape.retryRecords);
  if (shape.attachments !== undefined && (shape.operation === 'delete' || shape.operation === 'hardDelete'))
    throw new InvalidOptionError('attachments', 'an insert, update or upsert (a delete uploads no files)', shape.operation);
  const inputFile = ledgerRun ? ledgerRun.inputFile : await inputFileOf(shape.input);
  // A gone input is the resume's to refuse (pipelines/load-resume.ts), naming the rows it cannot give.
  const gzipFile = shape.input !== null && (await isGzipFile(shape.input).catch(() => false));
  return { shape, inputFile, stream, records, gzipFile, run };
}

/**
 * The bytes of payload a load will upload, when known before it is read: a plain CSV file's size
 * (its records are the payload, cut into segments). Undefined for a stream, records from code, gzip
 * (compressed size), and NDJSON, JSON or XML (written again as CSV: another size). An estimate: a
 * record rewritten (dates) or a column dropped moves it.
 */
export function knownPayloadBytes(plan: LoadPlan): number | undefined {
  const { shape, inputFile } = plan;
  return shape.input !== null && inputFile !== null && !plan.gzipFile && shape.format === 'csv' ? inputFile.size : undefined;
}

/** Dates written as people write them (`dateFormat`, `timeZone`) are converted by the describe's types; a Date from code is RecordReader's to convert. */
export function convertsDates(shape: LoadShape): boolean {
  return shape.dateFormat !== undefined || shape.timeZone !== undefined;
}

/** The CSV fast path: a CSV file or stream into a CSV job, its columns its header's, nothing to convert, attach or group, not gzip. */
export function takesFastPath(plan: LoadPlan): boolean {
  const { shape } = plan;
  return (
    shape.format === 'csv' &&
    shape.contentType === 'CSV' &&
    shape.columns === undefined &&
    !convertsDates(shape) &&
    shape.attachments === undefined &&
    shape.groupBy === undefined &&
    !plan.gzipFile
  );
}

function runSettings(options: BulkLoadOptions): LoadRunSettings {
  const { client } = options;
  const ledgerDir = options.ledgerDir === undefined ? undefined : resolve(nonEmptyString('ledgerDir', options.ledgerDir));
  const resume = flag('resume', options.resume);
  if (resume && ledgerDir === undefined) throw new InvalidOptionError('ledgerDir', 'the folder of the ledger to resume (with resume)', undefined);
  // Whole milliseconds, as the CLI takes them; the poll loop checks that the longest wait is no shorter than the first.
  const poll = pollLoopOptions(
    { min: 'minPollIntervalMs', max: 'maxPollIntervalMs', timeout: 'pollTimeoutMs' },
    {
      min: nonNegativeInteger('minPollIntervalMs', options.minPollIntervalMs ?? DEFAULT_MIN_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS),
      max: positiveInteger('maxPollIntervalMs', options.maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS),
      timeout: positiveInteger('pollTimeoutMs', options.pollTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS, MAX_POLL_TIMEOUT_MS),
    },
  );
  const { onRows, onBatch, onProgress, onNotice, onJob, onLedger } = options;
  return {
    client,
    org: options.org === undefined ? client.instanceUrl : nonEmptyString('org', options.org),
    concurrency: positiveInteger('concurrency', options.concurrency ?? DEFAULT_LOAD_CONCURRENCY, MAX_LOAD_CONCURRENCY),
    adaptiveConcurrency: options.adaptiveConcurrency === undefined ? true : boolean('adaptiveConcurrency', options.adaptiveConcurrency),
    minPollIntervalMs: poll.minIntervalMs,
    maxPollIntervalMs: poll.maxIntervalMs,
    pollTimeoutMs: poll.timeoutMs,
    joinAhead: nonNegativeInteger('joinAhead', options.joinAhead ?? DEFAULT_JOIN_AHEAD, MAX_JOIN_AHEAD),
    retryDelayMs: nonNegativeInteger('retryDelayMs', options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS),
    checkColumns: flag('checkColumns', options.checkColumns),
    ignoreLimits: flag('ignoreLimits', options.ignoreLimits),
    abortJobOnAbort: flag('abortJobOnAbort', options.abortJobOnAbort),
    abortJobOnStop: flag('abortJobOnStop', options.abortJobOnStop),
    ledgerDir,
    resume,
    spoolDir: options.spoolDir === undefined ? undefined : nonEmptyString('spoolDir', options.spoolDir),
    signal: options.signal,
    stopSignal: options.stopSignal,
    callbacks: { onRows, onBatch, onProgress, onNotice, onJob, onLedger },
  };
}

/** The shaping options the caller gave, checked and resolved (paths absolute, the column map as an object); those not given are absent. */
function givenShape(options: BulkLoadOptions): Partial<LoadShape> {
  const o = options;
  const given: Record<string, unknown> = {
    object: o.object === undefined ? undefined : nonEmptyString('object', o.object),
    operation: o.operation === undefined ? undefined : oneOf('operation', o.operation, LOAD_OPERATIONS),
    externalIdField: o.externalIdField === undefined ? undefined : nonEmptyString('externalIdField', o.externalIdField),
    source: o.source === undefined ? undefined : nonEmptyString('source', o.source),
    contentType: o.contentType === undefined ? undefined : oneOf('contentType', o.contentType, ['CSV', 'XML', 'JSON'] as const),
    batchSize: o.batchSize === undefined ? undefined : positiveInteger('batchSize', o.batchSize, MAX_BATCH_RECORDS),
    columns: o.columns === undefined ? undefined : columnsOption(o.columns),
    serial: o.serial === undefined ? undefined : boolean('serial', o.serial),
    ...groupShape(o),
    retryRecords: o.retryRecords === undefined ? undefined : nonNegativeInteger('retryRecords', o.retryRecords, MAX_RETRY_RECORDS),
    ...bulkApiShape(o),
    delimiter: o.delimiter === undefined ? undefined : delimiterChar(o.delimiter),
    replaceInvalidUtf8: o.replaceInvalidUtf8 === undefined ? undefined : boolean('replaceInvalidUtf8', o.replaceInvalidUtf8),
    columnMap: o.columnMap === undefined ? undefined : columnMapOption(o.columnMap),
    dateFormat: o.dateFormat === undefined ? undefined : nonEmptyString('dateFormat', o.dateFormat),
    timeZone: o.timeZone === undefined ? undefined : timeZoneOption(nonEmptyString('timeZone', o.timeZone)),
    attachments: o.attachments === undefined ? undefined : resolve(nonEmptyString('attachments', o.attachments)),
    successPath: o.successPath === undefined ? undefined : resolve(nonEmptyString('successPath', o.successPath)),
    errorPath: o.errorPath === undefined ? undefined : resolve(nonEmptyString('errorPath', o.errorPath)),
    resultsPath: o.resultsPath === undefined ? undefined : resolve(nonEmptyString('resultsPath', o.resultsPath)),
    ...inputShape(o),
  };
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as Partial<LoadShape>;
}

/** The grouping's part of the shape: the field and its window (resolved), or nothing. */
function groupShape(options: BulkLoadOptions): Partial<Pick<LoadShape, 'groupBy' | 'groupWindow'>> {
  if (options.groupBy === undefined) {
    if (options.groupWindow !== undefined) throw new InvalidOptionError('groupWindow', 'a window for a grouped load (with groupBy)', options.groupWindow);
    return {};
  }
  const groupBy = nonEmptyString('groupBy', options.groupBy);
  return { groupBy, groupWindow: positiveInteger('groupWindow', options.groupWindow ?? DEFAULT_GROUP_WINDOW_RECORDS, MAX_GROUP_WINDOW_RECORDS) };
}

/** The Bulk API's part of the shape: nothing for v1 (so that a v1 ledger's shape is as it was), the API and the job size for 2.0. */
function bulkApiShape(options: BulkLoadOptions): Partial<Pick<LoadShape, 'bulkApi' | 'jobSize'>> {
  if (options.bulkApi !== undefined && options.bulkApi !== 1 && options.bulkApi !== 2) throw new InvalidOptionError('bulkApi', '1 or 2', options.bulkApi);
  if (options.bulkApi !== 2) {
    if (options.jobSize !== undefined) throw new InvalidOptionError('jobSize', 'a job size for a Bulk API 2.0 load (bulkApi: 2)', options.jobSize);
    return {};
  }
  const jobSize = options.jobSize === undefined ? DEFAULT_JOB_BYTES : positiveInteger('jobSize', options.jobSize, MAX_JOB_BYTES);
  if (jobSize < MIN_JOB_BYTES) throw new InvalidOptionError('jobSize', `at least ${MIN_JOB_BYTES} bytes`, jobSize);
  return { bulkApi: 2, jobSize };
}

/** What Bulk API 2.0 cannot do: it takes CSV only, has no serial mode and no binary attachments. */
function checkBulkApi2(shape: LoadShape): void {
  if (shape.contentType !== 'CSV') throw new InvalidOptionError('contentType', 'CSV with Bulk API 2.0 (it takes no XML or JSON jobs)', shape.contentType);
  if (shape.serial) throw new InvalidOptionError('serial', 'false with Bulk API 2.0 (it has no serial mode)', shape.serial);
  if (shape.attachments !== undefined) throw new InvalidOptionError('attachments', 'none with Bulk API 2.0 (it has no binary attachments)', shape.attachments);
}

/** The input's part of the shape: a file's absolute path, or null for a stream or records; and the format. */
function inputShape(options: BulkLoadOptions): Partial<Pick<LoadShape, 'input' | 'format'>> {
  const format = options.format === undefined ? {} : { format: oneOf('format', options.format, INPUT_FORMATS) };
  if (options.records !== undefined) return { input: null, format: 'records' };
  if (typeof options.input === 'string') return { input: resolve(nonEmptyString('input', options.input)), ...format };
  if (options.input !== undefined) return { input: null, ...format };
  return format;
}

const OBJECTS_GO_IN_RECORDS = 'records (objects) go in the records option';

/** The input that is no file, checked: a byte stream, or records; either, not both (nor neither, but for a resume, which needs none). */
function inputOf(options: BulkLoadOptions): { stream: Readable | undefined; records: RecordInput | undefined } {
  const { records } = options;
  const input = options.input as unknown;
  if (input !== undefined && records !== undefined) throw new InvalidOptionError('input', 'either input (a file path or a byte stream) or records (objects), not both', input);
  if (input === undefined && records === undefined && !options.resume)
    throw new InvalidOptionError('input', 'either input (a file path or a byte stream) or records (objects)', undefined);
  if (records !== undefined && !isRecordInput(records)) throw new InvalidOptionError('records', 'an Iterable or AsyncIterable of plain objects, or an object-mode stream', records);
  if (input !== undefined && typeof input !== 'string' && !(input instanceof Readable)) {
    const objects = typeof input === 'object' && input !== null && (Symbol.iterator in input || Symbol.asyncIterator in input);
    throw new InvalidOptionError('input', objects ? `a file path or a byte stream: ${OBJECTS_GO_IN_RECORDS}` : 'a file path or a byte stream (a Readable)', input);
  }
  return { stream: input instanceof Readable ? input : undefined, records };
}

/** A new load's shape: what was given, with the defaults. */
/** Whether a load's records can be retried (issue 26): a retry payload is cut from a CSV payload; a zip batch is never cut. */
function retriesRecords(shape: { readonly contentType: string; readonly attachments?: string | undefined }): boolean {
  return shape.contentType === 'CSV' && shape.attachments === undefined;
}

function newShape(given: Partial<LoadShape>, options: BulkLoadOptions): LoadShape {
  const input = given.input ?? null;
  const contentType = given.contentType ?? 'CSV';
  return {
    ...given,
    object: nonEmptyString('object', given.object),
    operation: oneOf('operation', given.operation, LOAD_OPERATIONS),
    input,
    format: given.format ?? oneOf('format', undefined, INPUT_FORMATS),
    source: given.source ?? (typeof options.input === 'string' ? options.input : given.format === 'records' ? 'records' : 'input'),
    contentType: given.contentType ?? 'CSV',
    batchSize: given.batchSize ?? MAX_BATCH_RECORDS,
    serial: given.serial ?? false,
    retryRecords: given.retryRecords ?? (retriesRecords({ contentType, attachments: given.attachments }) ? DEFAULT_RETRY_RECORDS : 0),
  };
}

/** A resumed load's shape: the ledger's, whole; an option given that differs from it is refused, naming each. */
function resumedShape(stored: LedgerRun, given: Partial<LoadShape>, dir: string): LoadShape {
  const differs = shapeDifferences(stored.shape, given);
  // The differences as a list: an option error cuts a long string value short.
  if (differs.length > 0) throw new InvalidOptionError('resume', `the options of the load in ${dir}`, differs);
  return stored.shape;
}

/** A new run's input file, as it is when the run begins (a resume checks it against this). */
async function inputFileOf(path: string | null): Promise<InputFile | null> {
  if (path === null) return null;
  const file = await stat(path).catch((err: unknown) => {
    throw new InvalidOptionError('input', 'a file that exists', path, { cause: err });
  });
  if (!file.isFile()) throw new InvalidOptionError('input', 'a regular file (not a folder, a pipe or a device: give a stream as input for those)', path);
  return { size: file.size, mtimeMs: file.mtimeMs };
}

/** The separator as given, once the parser would take it. */
function delimiterChar(value: unknown): string {
  delimiterOption(nonEmptyString('delimiter', value));
  return value as string;
}

function flag(name: string, value: unknown): boolean {
  return value === undefined ? false : boolean(name, value);
}

function columnsOption(columns: unknown): readonly string[] {
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string' && c.length > 0)) throw new InvalidOptionError('columns', 'a list of column names', columns);
  return columns as string[];
}

function columnMapOption(map: unknown): Record<string, string> {
  if (!(map instanceof Map) || ![...map].every(([from, to]) => typeof from === 'string' && typeof to === 'string'))
    throw new InvalidOptionError('columnMap', 'a Map of input column names to API field names', map);
  return Object.fromEntries(map as Map<string, string>);
}

function isRecordInput(value: unknown): value is RecordInput {
  if (value instanceof Readable) return value.readableObjectMode;
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return false;
  return Symbol.iterator in value || Symbol.asyncIterator in value;
}

export { OBJECTS_GO_IN_RECORDS };

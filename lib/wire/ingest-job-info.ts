/**
 * A Bulk API 2.0 ingest job as bulkpipe sees it (spec §3.3), its create request, and their JSON:
 * the create answer, the PATCH answer (short: no dialect, no counters), the GET answer and the
 * job list's records are read by one parser that checks the fields every shape has.
 */
import { ParseError } from '../errors.js';
import type { ColumnDelimiter, LineEnding } from './v2-job-document.js';

const INGEST_JOB_STATES = ['Open', 'UploadComplete', 'InProgress', 'JobComplete', 'Failed', 'Aborted'] as const;
export type IngestJobState = (typeof INGEST_JOB_STATES)[number];

export interface IngestJobRequest {
  readonly object: string;
  readonly operation: 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
  readonly externalIdFieldName?: string;
  readonly lineEnding?: LineEnding;
  readonly columnDelimiter?: ColumnDelimiter;
  readonly assignmentRuleId?: string;
}

export interface IngestJobInfo {
  readonly id: string;
  readonly object: string;
  readonly operation: string;
  readonly state: IngestJobState;
  readonly createdById: string;
  /** As on the wire, e.g. `2021-08-31T01:31:13.000+0000`. */
  readonly createdDate: string;
  /** With one decimal, as in the URL: `62.0` (the wire has a JSON number). */
  readonly apiVersion: string;
  readonly lineEnding: string;
  readonly columnDelimiter: string;
  readonly externalIdFieldName?: string;
  /** 0 when absent: an Open job without data, a PATCH answer, a list record. */
  readonly numberRecordsProcessed: number;
  readonly numberRecordsFailed: number;
  readonly errorMessage?: string;
  readonly jobType?: string;
}

/** The three result files of a job (spec §3.9; the docs' lowercase `unprocessedrecords`). */
export type IngestResultFile = 'successfulResults' | 'failedResults' | 'unprocessedrecords';

/** What a job's answers leave out: the PATCH answer has no dialect (spec §3.3), known from the create or a GET. */
export type IngestJobDialect = Pick<IngestJobInfo, 'lineEnding' | 'columnDelimiter'>;

/** What errors name an ingest JobInfo by. */
export const INGEST_JOB_SOURCE = 'ingest job info';

/**
 * The create body. `contentType: "CSV"` is the only value and the default; simple-salesforce and
 * Data Loader send it, jsforce does not (spec §3.2): sent, so that an org that wants it has it.
 */
export function serializeIngestJobRequest(request: IngestJobRequest): string {
  const { object, operation, externalIdFieldName, lineEnding, columnDelimiter, assignmentRuleId } = request;
  return JSON.stringify({ object, operation, contentType: 'CSV', externalIdFieldName, lineEnding, columnDelimiter, assignmentRuleId });
}

/** Whether a JobInfo object names its CSV dialect (the short PATCH shape does not). */
export const hasDialect = (doc: Record<string, unknown>): boolean => typeof doc.lineEnding === 'string' && typeof doc.columnDelimiter === 'string';

/**
 * A JobInfo object (also a job list record). `dialect` fills in a short shape's missing lineEnding
 * and columnDelimiter; without it (and on the wire) absent ones are the documented defaults.
 */
export function ingestJobInfoOf(doc: Record<string, unknown>, dialect?: IngestJobDialect): IngestJobInfo {
  const state = text(doc, 'state');
  if (!(INGEST_JOB_STATES as readonly string[]).includes(state)) throw new ParseError(`unknown job state ${JSON.stringify(state)}`, { source: INGEST_JOB_SOURCE, field: 'state' });
  const info: IngestJobInfo = {
    id: text(doc, 'id'),
    object: text(doc, 'object'),
    operation: text(doc, 'operation'),
    state: state as IngestJobState,
    createdById: text(doc, 'createdById'),
    createdDate: text(doc, 'createdDate'),
    apiVersion: version(doc.apiVersion),
    lineEnding: optionalText(doc, 'lineEnding') ?? dialect?.lineEnding ?? 'LF',
    columnDelimiter: optionalText(doc, 'columnDelimiter') ?? dialect?.columnDelimiter ?? 'COMMA',
    numberRecordsProcessed: count(doc, 'numberRecordsProcessed'),
    numberRecordsFailed: count(doc, 'numberRecordsFailed'),
  };
  const externalIdFieldName = optionalText(doc, 'externalIdFieldName');
  const errorMessage = optionalText(doc, 'errorMessage');
  const jobType = optionalText(doc, 'jobType');
  return {
    ...info,
    ...(externalIdFieldName !== undefined ? { externalIdFieldName } : {}),
    ...(errorMessage !== undefined ? { errorMessage } : {}),
    ...(jobType !== undefined ? { jobType } : {}),
  };
}

function text(doc: Record<string, unknown>, field: string): string {
  const value = doc[field];
  if (typeof value !== 'string' || value === '') throw new ParseError(`the job info has no ${field}`, { source: INGEST_JOB_SOURCE, field });
  return value;
}

function optionalText(doc: Record<string, unknown>, field: string): string | undefined {
  const value = doc[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ParseError(`the job info's ${field} is not a string`, { source: INGEST_JOB_SOURCE, field });
  return value;
}

function count(doc: Record<string, unknown>, field: string): number {
  const value = doc[field];
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ParseError(`the job info's ${field} is not a count`, { source: INGEST_JOB_SOURCE, field });
  return value;
}

/** `47.0` on the wire (a number; JSON drops the decimal: 47); a string is taken as it is. */
function version(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return Number.isInteger(value) ? value.toFixed(1) : String(value);
  if (typeof value === 'string' && value !== '') return value;
  throw new ParseError('the job info has no apiVersion', { source: INGEST_JOB_SOURCE, field: 'apiVersion' });
}

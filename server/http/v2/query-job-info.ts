/**
 * A Bulk API 2.0 query job as the wire shows it (spec §4.2, §4.3, §4.6): its state, derived from the
 * job's one internal batch (so that it always agrees with the processor), and the three shapes a
 * response takes, with their recorded key order: the create answer, the short abort answer, and the
 * job info of `GET /jobs/query/{id}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BatchRow, JobRow, JobsStore } from '../../store/jobs-store.js';
import { respond } from '../respond.js';
import { jobOpening } from './job-opening.js';
import { REST_JSON_TYPE } from '../rest-reply.js';

type QueryJobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** A query job with what its batch says of it. */
export interface QueryJobView {
  readonly job: JobRow;
  readonly batch: BatchRow | undefined;
  readonly state: QueryJobState;
  /** The later of the job's and its batch's last change. */
  readonly modstamp: number;
}

const STATE_OF_BATCH = { Queued: 'UploadComplete', InProgress: 'InProgress', Completed: 'JobComplete', Failed: 'Failed', NotProcessed: 'Aborted' } as const;

/** The job's state: Aborted once aborted (whatever its batch still does), else its batch's. */
export function queryJobView(jobs: JobsStore, job: JobRow): QueryJobView {
  const batch = jobs.batches(job.id)[0];
  const state: QueryJobState = job.state === 'Aborted' || !batch ? 'Aborted' : STATE_OF_BATCH[batch.state];
  return { job, batch, state, modstamp: Math.max(job.modstamp, batch?.modstamp ?? 0) };
}

/** `id` ... `apiVersion`: the abort answer (docs sample), and the head of the other two shapes. */
function shortShape(v: QueryJobView): Record<string, unknown> {
  return jobOpening(v.job, v.state, v.modstamp);
}

/** The create answer: no jobType, no counters (real_v52_query_trace.txt, docs_query_create_v46.txt). */
export function createShape(v: QueryJobView): Record<string, unknown> {
  return { ...shortShape(v), lineEnding: v.job.line_ending, columnDelimiter: v.job.column_delimiter };
}

export function abortShape(v: QueryJobView): Record<string, unknown> {
  return shortShape(v);
}

/**
 * The job info: numberRecordsProcessed is every result row (0 until the job completes, as the v52
 * capture shows it InProgress), and never numberRecordsFailed. isPkChunkingSupported: the docs'
 * sample has it and the v52 capture does not, so it is sent from API 53.0 on [unconfirmed: the
 * version that brought it]; true, since the local org can split any object's query by id.
 */
export function infoShape(v: QueryJobView): Record<string, unknown> {
  const { job, batch } = v;
  return {
    ...shortShape(v),
    jobType: 'V2Query',
    lineEnding: job.line_ending,
    columnDelimiter: job.column_delimiter,
    numberRecordsProcessed: v.state === 'JobComplete' ? (batch?.records_processed ?? 0) : 0,
    retries: 0,
    totalProcessingTime: batch?.total_ms ?? 0,
    ...(Number(job.api_version) >= 53 ? { isPkChunkingSupported: true } : {}),
  };
}

/**
 * Sends a job shape. `apiVersion` is a JSON number with one decimal on the wire (`52.0`, spec §0),
 * which JSON.stringify cannot write: the one key is rewritten in the text.
 */
export function respondJob(req: IncomingMessage, res: ServerResponse, shape: Record<string, unknown>, status = 200): Promise<void> {
  const text = JSON.stringify(shape).replace(/"apiVersion":(\d+)([,}])/, '"apiVersion":$1.0$2');
  return respond(req, res, status, REST_JSON_TYPE, text);
}

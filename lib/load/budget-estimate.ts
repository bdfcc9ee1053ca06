/**
 * What a load will cost the org's daily limits, estimated before its job exists (pure: no IO). The
 * records come from the input's size and a sample of its first bytes (bytes per record); the
 * batches and requests from how bulkpipe cuts and sends them:
 * - Bulk API v1: one batch per `batchSize` records or per 10,000,000 bytes, whichever cuts more
 *   often; requests: the job's create and close, one POST and one result download per batch, and
 *   at least one poll (the batch list, one request per job per interval: transforms/status-poller.ts).
 * - Bulk API 2.0: the jobs the submitter makes (lib/load/ingest-job-plan.ts: segments of `batchSize`
 *   records gathered into growing jobs, the first one segment, each later one half the bytes before
 *   it, at most `jobSize`, shrinking again towards the end when the size is known); the org cuts each job's data into internal batches of 10,000 records
 *   (at least one a job), each counted toward DailyBulkApiBatches ("every batch that is processed in
 *   Bulk API or Bulk API 2.0 counts towards this allocation. In Bulk API 2.0, only ingest jobs
 *   consume batches", Bulk API 2.0 guide, "Limits"); requests per job: create, upload, close, at
 *   least one poll, and three result files (transforms/ingest-job-poller.ts).
 * Polls depend on how long the org takes, which nothing tells in advance: the estimate counts the
 * fewest, so that a refusal never rests on a guess.
 */
import { MAX_BATCH_BYTES } from '../limits.js';
import { planJobs } from './ingest-job-plan.js';

/** Records of a 2.0 job's internal batch (Bulk API 2.0 guide, "How Requests Are Processed"). */
export const V2_RECORDS_PER_BATCH = 10_000;

/** Requests of a 2.0 job, at least: create, upload, UploadComplete, one poll, three result files. */
const V2_REQUESTS_PER_JOB = 7;

/** What a load costs: Bulk batches (DailyBulkApiBatches) and API requests (DailyApiRequests), at least. */
export interface LoadNeed {
  readonly records: number;
  readonly batches: number;
  readonly requests: number;
}

export interface LoadSize {
  readonly bulkApi: 1 | 2;
  readonly records: number;
  /** Bytes of payload (the input file's size). */
  readonly bytes: number;
  /** Records per batch (v1) or segment (2.0). */
  readonly batchSize: number;
  /** v2: most bytes of CSV in one job (default 100,000,000). */
  readonly jobSize: number | undefined;
  /** v2: `bytes` is the payload's own size (a CSV file's), which the submitter is told too: its jobs shrink again towards the end. */
  readonly sizeKnown?: boolean;
  /** v2: the header line's bytes, at the head of every segment's payload too; default 0. */
  readonly headerBytes?: number;
}

export function loadNeed({ bulkApi, records, bytes, batchSize, jobSize, sizeKnown, headerBytes }: LoadSize): LoadNeed {
  if (records === 0) return { records, batches: 0, requests: 0 };
  if (bulkApi === 1) {
    const batches = Math.max(Math.ceil(records / batchSize), Math.ceil(bytes / MAX_BATCH_BYTES));
    return { records, batches, requests: 2 * batches + 3 };
  }
  // As the load's submitter gathers them (pipelines/load-stages.ts: growJobs).
  const jobs = planJobs({ records, bytes, batchSize, jobSize, grow: true, sizeKnown: sizeKnown ?? false, headerBytes: headerBytes ?? 0 });
  const batches = jobs.reduce((sum, job) => sum + Math.max(1, Math.ceil(job.records / V2_RECORDS_PER_BATCH)), 0);
  return { records, batches, requests: V2_REQUESTS_PER_JOB * jobs.length };
}

/**
 * The records in a file of `fileBytes` whose first bytes are `sample`, after a header line when
 * `header` (CSV): exact when the sample is the whole file, else the file's size over the sample's
 * bytes per record, rounded up. A CSV record ends at a line break outside double quotes: a quoted
 * Description of six lines is one record, not six, and a refusal rests on this figure. NDJSON
 * (`header` false) has no line break inside a record, and its escaped quotes must not count.
 */
export function estimateRecords(fileBytes: number, sample: Uint8Array, header: boolean): number {
  if (fileBytes === 0 || sample.length === 0) return 0;
  const whole = sample.length >= fileBytes;
  let lines = 0;
  let lastBreak = -1;
  let firstBreak = -1;
  let quoted = false;
  for (let i = 0; i < sample.length; i++) {
    const byte = sample[i];
    if (byte === 0x22 && header) quoted = !quoted;
    if (byte !== 0x0a || quoted) continue;
    lines++;
    lastBreak = i;
    if (firstBreak < 0) firstBreak = i;
  }
  if (whole) {
    const unterminated = lastBreak < sample.length - 1 && hasText(sample, lastBreak + 1) ? 1 : 0;
    return Math.max(0, lines + unterminated - (header ? 1 : 0));
  }
  const headerBytes = header ? firstBreak + 1 : 0;
  const recordLines = lines - (header ? 1 : 0);
  // Not one whole record in the sample: the records are longer than it, so at most this many.
  if (recordLines <= 0) return Math.max(1, Math.ceil((fileBytes - headerBytes) / Math.max(1, sample.length - headerBytes)));
  const bytesPerRecord = (lastBreak + 1 - headerBytes) / recordLines;
  return Math.ceil((fileBytes - headerBytes) / bytesPerRecord);
}

/** Whether anything but white space follows `from` (a last line without its line break). */
function hasText(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0x20 && bytes[i] !== 0x0d && bytes[i] !== 0x09) return true;
  return false;
}

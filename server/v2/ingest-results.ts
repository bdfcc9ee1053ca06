/**
 * The three result files of a Bulk API 2.0 ingest job (spec §3.9), written as Salesforce writes
 * them: `"sf__Id","sf__Created",<header as uploaded>` (failed: `"sf__Id","sf__Error",...`, no
 * `sf__Id` before API 53; unprocessed: the header alone), every value double-quoted, with the job's
 * delimiter and line ending, rows in the order of result-order.ts. One internal batch is held at a
 * time (its payload and its results, ≤ 10,000 rows): memory does not grow with the job.
 */
import { parse } from 'csv-parse/sync';
import type { ResultError } from '../../lib/types.js';
import type { BatchRow, JobRow, JobsStore, StoredResult } from '../store/jobs-store.js';
import { csvQuote as quoted } from '../../lib/wire/dml-results.js';
import { parseCsvText } from '../../lib/csv/parse-csv-text.js';
import { dialectOf } from './csv-format.js';
import { permutedRows, servedBatchOrder } from './result-order.js';

export type IngestResultKind = 'successfulResults' | 'failedResults' | 'unprocessedrecords';

/** `CODE:message:field1,field2 --`, or `CODE:message:--` without fields (spec §3.9, recorded). */
function sfError(errors: readonly ResultError[]): string {
  return errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.length ? `${e.fields.join(',')} ` : ''}--`).join(' ');
}

/**
 * The lines of one result file. `withFailedId`: the failed file has its `sf__Id` column (API 53
 * and later). The header is the upload's own (stored with the job when it was received), so that it
 * is there even when the job's batches could not be read; a job without data has none (empty body).
 */
export function* ingestResultLines(jobs: JobsStore, job: JobRow, kind: IngestResultKind, withFailedId: boolean): Generator<string> {
  const { delimiter, lineEnding } = dialectOf(job);
  const batches = jobs.batches(job.id);
  const columns = headerOf(jobs, job, batches[0]);
  if (!columns) return;
  const lead = kind === 'successfulResults' ? ['"sf__Id"', '"sf__Created"'] : kind === 'failedResults' ? [...(withFailedId ? ['"sf__Id"'] : []), '"sf__Error"'] : [];
  yield [...lead, ...columns].join(delimiter) + lineEnding;
  // A batch left Queued by a job that ended (Aborted, Failed; also one requeued by a restart) never runs.
  const ended = job.state === 'Aborted' || job.state === 'Failed';
  for (const batch of servedBatchOrder(batches)) {
    // A batch with no row for this file is passed over unread: an empty failedResults of a large job costs nothing.
    // An InProgress batch of an ended job writes no further chunk (batch-processor.ts checks the job in each chunk's transaction).
    const unprocessed = batch.state === 'NotProcessed' || batch.state === 'Failed' || ((batch.state === 'Queued' || batch.state === 'InProgress') && ended);
    if (!holdsRowsFor(kind, batch, unprocessed)) continue;
    // One string per row, the rest let go as it is read (issue 28): a batch is held while it is served,
    // long enough for its rows to be promoted to old space, where they wait for a major GC.
    const values = storedLines(jobs, batch, delimiter);
    if (values.length === 0) continue;
    // Each row's lead in this file (what comes before its values), or undefined for a row not in it.
    // Rows never attempted (unprocessed): those of a batch that ended without them (aborted, failed whole, or its job ended).
    const leads = new Array<string | undefined>(values.length).fill(kind === 'unprocessedrecords' && unprocessed ? '' : undefined);
    for (const outcome of jobs.results(batch.id)) leads[outcome.row] = leadOf(kind, outcome, withFailedId, delimiter);
    for (const i of permutedRows(values.length)) {
      const lead = leads[i];
      if (lead !== undefined) yield lead + values[i] + lineEnding;
    }
  }
}

/** What comes before a row's values in the file, with its delimiter; undefined when the row is not in the file. */
function leadOf(kind: IngestResultKind, outcome: StoredResult, withFailedId: boolean, delimiter: string): string | undefined {
  if (kind === 'unprocessedrecords') return undefined;
  if (kind === 'successfulResults') return outcome.success ? quoted(outcome.id ?? '') + delimiter + quoted(String(outcome.created)) + delimiter : undefined;
  if (outcome.success) return undefined;
  return (withFailedId ? quoted(outcome.id ?? '') + delimiter : '') + quoted(sfError(outcome.errors)) + delimiter;
}

/**
 * Whether a batch can have rows in a result file, from its counters: successes where it processed
 * more records than failed, failures where any failed, unprocessed rows where it ended without all
 * of them (a batch cut short by an abort keeps its processed rows' results beside its unprocessed ones).
 */
function holdsRowsFor(kind: IngestResultKind, batch: BatchRow, unprocessed: boolean): boolean {
  if (kind === 'successfulResults') return batch.records_processed > batch.records_failed;
  if (kind === 'failedResults') return batch.records_failed > 0;
  return unprocessed;
}

/** The upload's header; of a job received by an earlier version, its first batch's first line. Undefined: no header. */
function headerOf(jobs: JobsStore, job: JobRow, first: BatchRow | undefined): readonly string[] | undefined {
  const stored = job.upload_header ? (JSON.parse(job.upload_header) as string[]) : [];
  if (stored.length > 0) return stored;
  if (!first) return undefined;
  return (parse(jobs.request(first.id), { to_line: 1, relax_column_count: true }) as string[][])[0] ?? [];
}

/**
 * The rows of a stored internal batch (comma CSV, the splitter's own writing), read as they were
 * uploaded: values only, none of readPayload's checks, so that a batch the processor refused (a
 * duplicate column) still shows its rows. Each row as the file writes its values: every one
 * double-quoted (an empty cell stays empty, `#N/A` comes back as `#N/A`), joined by the job's delimiter.
 * Read with parseCsvText a window of about 1 MB at a time (no string of the whole batch; issue 28:
 * csv-parse here was 13% of the org's CPU in a 2.0 load). The splitter writes no empty line, no CR
 * outside quotes and valid UTF-8, so that this reads every batch as csv-parse did (tolerant: never throws).
 */
function storedLines(jobs: JobsStore, batch: BatchRow, delimiter: string): string[] {
  const bytes = jobs.request(batch.id);
  const lines: string[] = [];
  let header = true;
  const line = (record: string[]) => {
    if (header) header = false;
    else lines.push(record.map(quoted).join(delimiter));
  };
  for (let from = 0; from < bytes.length; ) {
    const to = windowEnd(bytes, from, WINDOW_BYTES);
    parseCsvText(bytes.toString('utf8', from, to), line, 'stored batch', 1, { tolerant: true });
    from = to;
  }
  return lines;
}

const WINDOW_BYTES = 1 << 20;

/** The end of the window from `from`: past the first LF outside quotes at or after `from + size - 1`, or the end. */
function windowEnd(bytes: Buffer, from: number, size: number): number {
  let quoted = false;
  for (let i = from; ; ) {
    const lf = bytes.indexOf(0x0a, Math.max(i, from + size - 1));
    if (lf < 0) return bytes.length;
    // The quotes before it (a stored batch's are balanced in each value): their count tells whether it is inside one.
    const span = bytes.subarray(i, lf);
    for (let q = span.indexOf(0x22); q >= 0; q = span.indexOf(0x22, q + 1)) quoted = !quoted;
    if (!quoted) return lf + 1;
    i = lf + 1;
  }
}

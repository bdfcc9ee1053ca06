/**
 * The three result files of a Bulk API 2.0 ingest job (spec §3.9), written as Salesforce writes
 * them: `"sf__Id","sf__Created",<header as uploaded>` (failed: `"sf__Id","sf__Error",...`, no
 * `sf__Id` before API 53; unprocessed: the header alone), every value double-quoted, with the job's
 * delimiter and line ending, rows in the order of result-order.ts. One internal batch is held at a
 * time (its payload and its results, ≤ 10,000 rows): memory does not grow with the job.
 */
import type { ResultError } from '../../lib/types.js';
import { BatchFailure, readPayload, type PayloadRow } from '../processing/payload.js';
import type { BatchRow, JobRow, JobsStore, StoredResult } from '../store/jobs-store.js';
import { csvQuote as quoted } from '../../lib/wire/dml-results.js';
import { dialectOf } from './csv-format.js';
import { permutedRows, servedBatchOrder } from './result-order.js';

export type IngestResultKind = 'successfulResults' | 'failedResults' | 'unprocessedrecords';

/** `CODE:message:field1,field2 --`, or `CODE:message:--` without fields (spec §3.9, recorded). */
function sfError(errors: readonly ResultError[]): string {
  return errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.length ? `${e.fields.join(',')} ` : ''}--`).join(' ');
}

/** A value as uploaded: an empty cell stays empty, `#N/A` (null) comes back as `#N/A`. */
const cell = (value: string | null | undefined): string => quoted(value === null ? '#N/A' : (value ?? ''));

/**
 * The lines of one result file. `withFailedId`: the failed file has its `sf__Id` column (API 53
 * and later). The header comes from the first batch; a job without data has none (empty body).
 */
export function* ingestResultLines(jobs: JobsStore, job: JobRow, kind: IngestResultKind, withFailedId: boolean): Generator<string> {
  const { delimiter, lineEnding } = dialectOf(job);
  const batches = jobs.batches(job.id);
  const first = batches[0];
  if (!first) return;
  const columns = payloadOf(jobs, first)?.columns ?? [];
  const lead = kind === 'successfulResults' ? ['"sf__Id"', '"sf__Created"'] : kind === 'failedResults' ? [...(withFailedId ? ['"sf__Id"'] : []), '"sf__Error"'] : [];
  yield [...lead, ...columns].join(delimiter) + lineEnding;
  for (const batch of servedBatchOrder(batches)) {
    const payload = payloadOf(jobs, batch);
    if (!payload || payload.rows.length === 0) continue;
    const outcomes: Array<StoredResult | undefined> = new Array(payload.rows.length);
    for (const result of jobs.results(batch.id)) outcomes[result.row] = result;
    // Rows never attempted: those of a batch that ended without them (aborted, failed whole).
    const unprocessed = batch.state === 'NotProcessed' || batch.state === 'Failed';
    for (const i of permutedRows(payload.rows.length)) {
      const outcome = outcomes[i];
      const values = (payload.rows[i] as PayloadRow).map(cell);
      let lead: string[] | undefined;
      if (kind === 'unprocessedrecords') lead = outcome === undefined && unprocessed ? [] : undefined;
      else if (outcome === undefined) lead = undefined;
      else if (kind === 'successfulResults') lead = outcome.success ? [quoted(outcome.id ?? ''), quoted(String(outcome.created))] : undefined;
      else if (!outcome.success) lead = [...(withFailedId ? [quoted(outcome.id ?? '')] : []), quoted(sfError(outcome.errors))];
      if (lead) yield [...lead, ...values].join(delimiter) + lineEnding;
    }
  }
}

/** A stored internal batch read back; undefined when it cannot be (a payload the processor failed too). */
function payloadOf(jobs: JobsStore, batch: BatchRow) {
  try {
    return readPayload(jobs.request(batch.id).toString('utf8'), 'csv');
  } catch (err) {
    if (err instanceof BatchFailure) return undefined;
    throw err;
  }
}

/**
 * What a Bulk API 2.0 ingest job is now, derived from its row and its internal batches (spec §3.10):
 * the stored state says what the client did (Open, UploadComplete, Aborted) or that the upload was
 * refused (Failed); from UploadComplete on, the batches say how far processing has come
 * (UploadComplete -> InProgress -> JobComplete, or Failed when a batch failed, with its message).
 * Counters are summed from the batches, never stored, as for v1 jobs.
 */
import type { BatchRow, JobRow } from '../store/jobs-store.js';

export type IngestState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export interface IngestStatus {
  readonly state: IngestState;
  readonly errorMessage: string | null;
  /** Data was received whole (or its upload refused): from then on the record counters are shown. An upload still streaming in is not. */
  readonly uploaded: boolean;
  readonly processed: number;
  readonly failed: number;
  readonly totalMs: number;
  readonly apiMs: number;
  /** systemModstamp: the job's, or the last change processing made to one of its batches (recorded v52: it moves while processing, not at the PATCH). */
  readonly modstamp: number;
}

export const TERMINAL_STATES: ReadonlySet<IngestState> = new Set(['JobComplete', 'Failed', 'Aborted']);

export function ingestStatus(job: JobRow, batches: readonly BatchRow[]): IngestStatus {
  let processed = 0;
  let failed = 0;
  let totalMs = 0;
  let apiMs = 0;
  let modstamp = job.modstamp;
  for (const b of batches) {
    if (b.state !== 'Queued') modstamp = Math.max(modstamp, b.modstamp);
    processed += b.records_processed;
    failed += b.records_failed;
    totalMs += b.total_ms;
    apiMs += b.api_ms;
  }
  const uploaded = (job.upload_header ?? null) !== null || job.error_message !== null;
  const counters = { uploaded, processed, failed, totalMs, apiMs, modstamp };
  if (job.state !== 'UploadComplete') return { state: job.state as IngestState, errorMessage: job.state === 'Failed' ? job.error_message : null, ...counters };
  const failedBatch = batches.find((b) => b.state === 'Failed');
  if (failedBatch) return { state: 'Failed', errorMessage: failedBatch.state_message, ...counters };
  const done = batches.every((b) => b.state === 'Completed' || b.state === 'NotProcessed');
  const started = batches.some((b) => b.state !== 'Queued');
  return { state: done ? 'JobComplete' : started ? 'InProgress' : 'UploadComplete', errorMessage: null, ...counters };
}

/** The lines a load ends with on stderr: what it spent of the org's daily limits, then its counts, rate, job and files. */
import type { LoadSummary } from '../pipelines/bulk-load.js';
import { count, duration, plural } from './progress-line.js';

export function summaryText(s: LoadSummary, object: string, operation: string, files: string): string {
  return (
    `bulkpipe: ${operation} ${object}: ${plural(s.recordsRead, 'record')} read, ${count(s.recordsSucceeded)} succeeded, ${count(s.recordsFailed)} failed ` +
    `in ${duration(s.elapsedMs / 1000)} (${count(s.recordsPerSecond)} rec/s, ${plural(s.batches, 'batch', 'batches')})` +
    `${s.recordsRetried > 0 ? `; ${plural(s.recordsRetried, 'record')} sent again after ${plural(s.lockFailures, 'lock failure')}` : ''}` +
    `${s.jobId ? `; job ${s.jobId}` : ''}${files ? `; ${files}` : ''}` +
    // Adaptive concurrency changed the uploads in flight: how low it went, and where it ended.
    `${s.lowestConcurrency < s.concurrency ? `; concurrency lowest ${s.lowestConcurrency}, final ${s.finalConcurrency}` : ''}` +
    `${s.reload ? `; the input was a bulkpipe ${s.reload === 'errors' ? 'error' : 'success'} file (${s.droppedColumns.join(', ')} not uploaded)` : ''}` +
    // Dates the org will not read: which --date-format would (issue 27).
    `${s.dateFormatHints.length > 0 ? `; dates: ${s.dateFormatHints.join('; ')}` : ''}`
  );
}

/**
 * What the run spent of the org's daily limits, counted from its own requests and batches (other
 * users share the org's counters), and what the org had left after it when /limits could be read.
 */
export function budgetText(budget: LoadSummary['budget']): string {
  const left = budget.remaining
    ? `; the org has ${count(budget.remaining.DailyApiRequests)} API requests and ${count(budget.remaining.DailyBulkApiBatches)} Bulk API batches left today`
    : '';
  return `bulkpipe: budget: ${plural(budget.requests, 'API request')} and ${plural(budget.batches, 'Bulk API batch', 'Bulk API batches')} spent (counted by bulkpipe)${left}`;
}

/** The line a load ends with on stderr: its counts, rate, job and files. */
import type { LoadSummary } from '../pipelines/bulk-load.js';
import { count, duration, plural } from './progress-line.js';

export function summaryText(s: LoadSummary, object: string, operation: string, files: string): string {
  return (
    `bulkpipe: ${operation} ${object}: ${plural(s.recordsRead, 'record')} read, ${count(s.recordsSucceeded)} succeeded, ${count(s.recordsFailed)} failed ` +
    `in ${duration(s.elapsedMs / 1000)} (${count(s.recordsPerSecond)} rec/s, ${plural(s.batches, 'batch', 'batches')})` +
    `${s.recordsRetried > 0 ? `; ${plural(s.recordsRetried, 'record')} sent again after ${plural(s.lockFailures, 'lock failure')}` : ''}` +
    `${s.jobId ? `; job ${s.jobId}` : ''}${files ? `; ${files}` : ''}` +
    `${s.reload ? `; the input was a bulkpipe ${s.reload === 'errors' ? 'error' : 'success'} file (${s.droppedColumns.join(', ')} not uploaded)` : ''}`
  );
}
